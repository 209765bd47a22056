"""Running a task's function in another Python: ``PythonVirtualenvOperator`` and ``ExternalPythonOperator``.

As in Airflow, the function is sent as its *source code* (so it must be self-contained: its
imports inside its body), its ``op_args``/``op_kwargs`` and its return value travel pickled
(``serializer="pickle"``, or ``"cloudpickle"``), and the other interpreter runs a small
script: read the arguments, call the function, write the result. What it prints is
captured with the task.

* ``PythonVirtualenvOperator`` / ``@task.virtualenv``: a virtual environment made for the
  ``requirements`` set (``python -m venv``, then ``pip install``), cached under
  ``$HEADWATER_HOME/venvs/<hash of requirements, python version, system_site_packages>`` and
  reused by every task with the same set. It is built under a temporary name and renamed
  when complete, so an interrupted build is never reused.
* ``ExternalPythonOperator`` / ``@task.external_python``: an interpreter that exists
  (``python="/path/to/venv/bin/python"``).

The function receives the context values it names (all of them with ``**kwargs``), as in
Airflow, out of those that can travel to another interpreter (:data:`SERIALIZABLE_CONTEXT_KEYS`):
the date strings (``ds``, ``ts``, ...), ``run_id``, ``task_instance_key_str``, the dates
(``logical_date``, ``data_interval_start``, ...) and ``params``, plus ``templates_dict``. Airflow
needs ``pendulum`` in the environment for the dates and Airflow itself for ``params``;
Headwater's dates are plain ``datetime`` objects and its ``params`` a plain dict, so they travel
to any environment. What needs the engine (``ti``, ``dag``, ``dag_run``, ``task``, ``macros``,
``conf``, ``var``, ``conn``) cannot: a function naming one of them is refused when the DAG is
defined (Airflow would fail the task at run time).
"""

from __future__ import annotations

import hashlib
import inspect
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from headwater.definitions.airflow.exceptions import AirflowException
from headwater.definitions.airflow.context_keys import CONTEXT_KEYS
from headwater.definitions.airflow.python import PythonOperator, determine_kwargs
from headwater.errors import DefinitionError

__all__ = ["SERIALIZABLE_CONTEXT_KEYS", "ExternalPythonOperator", "PythonVirtualenvOperator", "function_source"]

#: the context values a function run in another Python may receive (Airflow's base and date keys, and params)
SERIALIZABLE_CONTEXT_KEYS = frozenset({
    "ds", "ds_nodash", "expanded_ti_count", "inlets", "map_index_template", "next_ds", "next_ds_nodash", "outlets",
    "prev_ds", "prev_ds_nodash", "run_id", "task_instance_key_str", "task_reschedule_count", "test_mode", "tomorrow_ds", "tomorrow_ds_nodash",
    "ts", "ts_nodash", "ts_nodash_with_tz", "yesterday_ds", "yesterday_ds_nodash",
    "data_interval_end", "data_interval_start", "execution_date", "logical_date", "next_execution_date",
    "prev_data_interval_end_success", "prev_data_interval_start_success", "prev_execution_date",
    "prev_execution_date_success", "prev_start_date_success", "prev_end_date_success",
    "params", "templates_dict",
})

_SERIALIZERS = ("pickle", "cloudpickle")
_SCRIPT = """\
import sys
import {serializer} as serializer

{source}

with open(sys.argv[1], "rb") as handle:
    args, kwargs = serializer.load(handle)
result = {name}(*args, **kwargs)
with open(sys.argv[2], "wb") as handle:
    serializer.dump(result, handle)
"""


def function_source(function: Callable[..., Any]) -> str:
    """The source of ``function`` without its decorators, dedented (what the other Python runs).

    Raises:
        DefinitionError: the source is not available (a lambda, or a function built at run time).
    """
    if function.__name__ == "<lambda>":
        raise DefinitionError("a task run in another Python needs a def function (its source is sent), not a lambda")
    try:
        lines = textwrap.dedent(inspect.getsource(function)).splitlines()
    except (OSError, TypeError) as exc:
        raise DefinitionError(f"the source of {function.__name__!r} is not available to send: {exc}") from None
    while lines and not lines[0].lstrip().startswith(("def ", "async def ")):
        lines.pop(0)  # decorators
    return "\n".join(lines)


class _OtherPythonOperator(PythonOperator):
    """Call the function's source in another interpreter; the subclass says which."""

    def __init__(self, *, serializer: str = "pickle", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if serializer not in _SERIALIZERS:
            raise DefinitionError(f"task {self.task_id!r}: serializer must be one of {_SERIALIZERS}, not {serializer!r}")
        self.serializer = serializer
        self.source = function_source(self.python_callable)
        self._refuse_engine_context()

    def _refuse_engine_context(self) -> None:
        """Refuse a function that names a context value which cannot travel to another Python."""
        given = set(self.op_kwargs) | set(_positional_names(self.python_callable)[: len(self.op_args)])
        wanted = _named_parameters(self.python_callable) - given
        stuck = sorted(wanted & (CONTEXT_KEYS - SERIALIZABLE_CONTEXT_KEYS))
        if stuck:
            raise DefinitionError(
                f"task {self.task_id!r}: {self.python_callable.__name__}() takes {', '.join(stuck)}, which cannot be "
                "sent to another Python (only plain values travel: ds, ts, run_id, logical_date, params, ...); "
                "use them in a task before this one and pass what you need as arguments"
            )

    def interpreter(self) -> str:
        raise NotImplementedError

    def execute(self, context: dict[str, Any]) -> Any:
        python = self.interpreter()
        module = pickle if self.serializer == "pickle" else __import__("cloudpickle")
        with tempfile.TemporaryDirectory(prefix="headwater-python-") as scratch:
            folder = Path(scratch)
            (folder / "script.py").write_text(
                _SCRIPT.format(serializer=self.serializer, source=self.source, name=self.python_callable.__name__)
            )
            with open(folder / "input.pkl", "wb") as handle:
                module.dump((list(self.op_args), self._keyword_arguments(context)), handle)
            process = subprocess.run(
                [python, str(folder / "script.py"), str(folder / "input.pkl"), str(folder / "output.pkl")],
                capture_output=True, text=True, cwd=scratch,
            )
            for line in process.stdout.splitlines():
                print(line)
            for line in process.stderr.splitlines():
                print(line, file=sys.stderr)
            if process.returncode != 0:
                last = process.stderr.strip().splitlines()[-1:] or ["(no output)"]
                raise AirflowException(f"{python} exited with code {process.returncode}: {last[0]}")
            with open(folder / "output.pkl", "rb") as handle:
                return module.load(handle)


    def _keyword_arguments(self, context: dict[str, Any]) -> dict[str, Any]:
        """``op_kwargs`` and the context values the function names that can travel (Airflow's rule)."""
        travelling = {k: v for k, v in context.items() if k in SERIALIZABLE_CONTEXT_KEYS}
        merged = {**travelling, "templates_dict": self.templates_dict, **self.op_kwargs}
        return determine_kwargs(self.python_callable, self.op_args, merged)


def _named_parameters(function: Callable[..., Any]) -> set[str]:
    parameters = inspect.signature(function).parameters.values()
    return {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _positional_names(function: Callable[..., Any]) -> list[str]:
    parameters = inspect.signature(function).parameters.values()
    return [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


class PythonVirtualenvOperator(_OtherPythonOperator):
    """Run ``python_callable`` in a virtual environment with ``requirements`` (cached per set).

    Args:
        requirements: pip requirement strings (or the path of a requirements file).
        python_version: refused unless it is this Python's version (only this Python makes venvs).
        system_site_packages: let the environment see this Python's installed packages.
        pip_install_options: extra ``pip install`` options.
        serializer: ``"pickle"`` (the default) or ``"cloudpickle"``, for the arguments and the result.
    """

    def __init__(
        self,
        *,
        requirements: Sequence[str] | str | None = None,
        python_version: str | None = None,
        system_site_packages: bool = True,
        pip_install_options: Sequence[str] | None = None,
        serializer: str = "pickle",
        **kwargs: Any,
    ) -> None:
        super().__init__(serializer=serializer, **kwargs)
        here = f"{sys.version_info.major}.{sys.version_info.minor}"
        if python_version is not None and str(python_version) not in (here, str(sys.version_info.major)):
            raise DefinitionError(
                f"task {self.task_id!r}: python_version={python_version!r} is not supported; only this Python "
                f"({here}) makes environments here (use ExternalPythonOperator for another interpreter)"
            )
        self.requirements = [requirements] if isinstance(requirements, str) else list(requirements or [])
        self.python_version = python_version
        self.system_site_packages = system_site_packages
        self.pip_install_options = list(pip_install_options or [])

    def interpreter(self) -> str:
        key = "\n".join([sys.version, str(self.system_site_packages), *sorted(self.requirements),
                         *self.pip_install_options])
        home = Path(os.environ.get("HEADWATER_HOME", ".headwater")) / "venvs"
        target = home / hashlib.sha256(key.encode()).hexdigest()[:16]
        python = target / "bin" / "python"
        if not python.exists():
            self._build(target)
        return str(python)

    def _build(self, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f"{target.name}.building-", dir=target.parent))
        try:
            command = [sys.executable, "-m", "venv", str(building)]
            if self.system_site_packages:
                command.insert(3, "--system-site-packages")
            if not self.requirements:
                command.insert(3, "--without-pip")
            subprocess.run(command, check=True, capture_output=True, text=True)
            if self.requirements:
                pip = [str(building / "bin" / "python"), "-m", "pip", "install", *self.pip_install_options]
                requirement_args = (["-r", self.requirements[0]] if len(self.requirements) == 1
                                    and Path(self.requirements[0]).is_file() else self.requirements)
                subprocess.run([*pip, *requirement_args], check=True, capture_output=True, text=True)
            try:
                building.rename(target)
            except OSError:  # another task built the same environment meanwhile
                shutil.rmtree(building, ignore_errors=True)
        except subprocess.CalledProcessError as exc:
            shutil.rmtree(building, ignore_errors=True)
            raise AirflowException(f"could not build the virtual environment: {exc.stderr.strip()[-2000:]}") from None


class ExternalPythonOperator(_OtherPythonOperator):
    """Run ``python_callable`` with the interpreter ``python`` (an existing virtual environment).

    Args:
        python: the path of the Python executable.
        expect_airflow: kept for compatibility (nothing is imported from Headwater in the other Python).
        serializer: ``"pickle"`` (the default) or ``"cloudpickle"``.
    """

    def __init__(self, *, python: str, expect_airflow: bool = True, serializer: str = "pickle", **kwargs: Any) -> None:
        super().__init__(serializer=serializer, **kwargs)
        self.python = python
        self.expect_airflow = expect_airflow

    def interpreter(self) -> str:
        if not os.path.isfile(self.python) or not os.access(self.python, os.X_OK):
            raise AirflowException(f"task {self.task_id!r}: {self.python!r} is not an executable Python")
        return self.python
