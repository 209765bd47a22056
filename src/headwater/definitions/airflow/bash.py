"""``BashOperator``: run a shell command as a task (Airflow's ``airflow.operators.bash``).

The command runs under ``bash -c`` in a temporary directory (or ``cwd``), with the task's
context in ``AIRFLOW_CTX_*`` variables. Each line it prints is captured with the task as it
comes; the last line is the task's XCom ``return_value``. A non-zero exit code fails the task
with Airflow's message; exit code 99 (``skip_on_exit_code``) skips it. A command naming a
``.sh``/``.bash`` file next to the DAG file (or in ``template_searchpath``) runs that
script, rendered as a template first, as Airflow does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Container, Sequence
from typing import Any

from headwater.definitions.airflow.exceptions import AirflowSkipException
from headwater.definitions.airflow.operators import BaseOperator

__all__ = ["BashOperator"]


class BashOperator(BaseOperator):
    """Execute a Bash script, command or set of commands (Airflow's ``BashOperator``).

    Args:
        bash_command: the command, or the path of a ``.sh``/``.bash`` script (templated).
        env: the environment of the command instead of this process's (templated).
        append_env: add ``env`` to this process's environment instead of replacing it.
        output_encoding: how the command's output is decoded.
        skip_on_exit_code: exit codes that end the task *skipped* instead of failed (99 by
            default; None for none).
        cwd: the working directory; a fresh temporary one when None (templated).
    """

    template_fields: Sequence[str] = ("bash_command", "env", "cwd")
    template_ext: Sequence[str] = (".sh", ".bash")
    ui_color = "#f0ede4"

    def __init__(
        self,
        *,
        bash_command: str,
        env: dict[str, str] | None = None,
        append_env: bool = False,
        output_encoding: str = "utf-8",
        skip_on_exit_code: int | Container[int] | None = 99,
        cwd: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = env
        self.append_env = append_env
        self.output_encoding = output_encoding
        self.skip_on_exit_code = (
            () if skip_on_exit_code is None else (skip_on_exit_code,) if isinstance(skip_on_exit_code, int) else skip_on_exit_code
        )
        self.cwd = cwd

    def execute(self, context: dict[str, Any]) -> str | None:
        bash = shutil.which("bash")
        if bash is None:
            raise RuntimeError(f"task {self.task_id!r}: no `bash` on PATH to run the command with")
        if self.cwd is not None and not os.path.isdir(self.cwd):
            raise RuntimeError(f"task {self.task_id!r}: cwd {self.cwd!r} is not a directory")
        environment = dict(os.environ) if self.env is None or self.append_env else {}
        environment.update(self.env or {})
        environment.update(_context_variables(context))
        with tempfile.TemporaryDirectory(prefix="headwater-bash-") as scratch:
            last_line = self._run(bash, environment, self.cwd or scratch)
        return last_line

    def _run(self, bash: str, environment: dict[str, str], cwd: str) -> str | None:
        process = subprocess.Popen(
            [bash, "-c", self.bash_command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=environment,
            encoding=self.output_encoding,
            errors="replace",
        )
        last_line: str | None = None
        assert process.stdout is not None
        for line in process.stdout:
            last_line = line.rstrip("\n")
            print(last_line)  # captured with the task, shown live
        code = process.wait()
        if code in self.skip_on_exit_code:
            raise AirflowSkipException(f"Bash command returned exit code {code}. Skipping.")
        if code != 0:
            raise RuntimeError(f"Bash command failed. The command returned a non-zero exit code {code}.")
        return last_line


def _context_variables(context: dict[str, Any]) -> dict[str, str]:
    """The ``AIRFLOW_CTX_*`` variables Airflow gives a command about its task."""
    dag, task, run_id = context.get("dag"), context.get("task"), context.get("run_id")
    logical_date = context.get("logical_date")
    found = {
        "AIRFLOW_CTX_DAG_ID": getattr(dag, "dag_id", None),
        "AIRFLOW_CTX_TASK_ID": getattr(task, "task_id", None),
        "AIRFLOW_CTX_DAG_RUN_ID": run_id,
        "AIRFLOW_CTX_LOGICAL_DATE": logical_date.isoformat() if logical_date is not None else None,
        "AIRFLOW_CTX_DAG_OWNER": getattr(task, "owner", None),
    }
    return {name: str(value) for name, value in found.items() if value is not None}
