"""The ``headwater`` command: a Typer app with one module per command group.

::

    headwater --version | info
    headwater materialize [-f FILE | -m MODULE] [--select SEL] [--partition KEY] [--quiet] [--executor NAME] [--force]
    headwater backfill JOB [--from KEY --to KEY | --partitions A,B] [-c N] | backfills list|show|cancel|resume ID
    headwater job run JOB [-f FILE | -m MODULE] [--quiet] [--executor NAME] [--force]
    headwater jobs list | assets list | schedules list | sensors list   [-f FILE | -m MODULE]
    headwater runs list [--limit N] | runs show RUN_ID|latest | runs reexecute RUN_ID [--from-failure | --from STEP | --all]
    headwater dags test DAG_ID [LOGICAL_DATE] [-f FILE | -m MODULE] [--quiet] | dags list
    headwater tasks test DAG_ID TASK_ID [LOGICAL_DATE] [-f FILE | -m MODULE]
    headwater assets history ASSET | assets load ASSET [--version V] [--key K] | lineage ASSET [--version V]
    headwater verify [ASSETS] | gc [--dry-run] [--older-than SECONDS]
    headwater ui | dev [-f FILE | -m MODULE | --dags-folder DIR] [--host ADDRESS] [--port PORT] [--token TOKEN]
    headwater daemon [-f FILE | -m MODULE | --dags-folder DIR] [--max-concurrent-runs N] [--tag-limit KEY[:VALUE]=N] | scheduler ...
    headwater schedules list|start NAME|stop NAME|ticks [NAME] | dags pause|unpause DAG_ID
    headwater runs submit [-f FILE | -m MODULE] [--select SEL | --job JOB] [--tag K=V] [--run-key KEY]
    headwater dags trigger DAG_ID [--conf JSON] [--exec-date DATE] [--detach]
    (materialize and job run take --detach too: queue the run for the daemon, print its id)

Exit codes: 0 success, 1 a failed run, 2 bad input (usage, definitions, selection, code
location), 3 the stores (an unknown run id among them). Only the module of the command that
runs is imported (:mod:`headwater.cli.lazy`), and it imports only Typer and Rich at the top;
the engine, the stores and the user's code load inside the command, so start-up stays a few
tens of milliseconds.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from headwater.cli.lazy import LazyCommand, lazy_group

__all__ = ["app", "main"]


def _in(module: str, attribute: str = "app", help: str | None = None) -> LazyCommand:
    """A command defined as ``attribute`` of ``headwater.cli.commands.MODULE``."""
    return LazyCommand(f"headwater.cli.commands.{module}", attribute, help)


#: every command, in the order ``--help`` lists them; each module is imported when its command runs
COMMANDS = {
    "materialize": _in("materialize", "materialize"),
    "backfill": _in("backfills", "backfill"),
    "lineage": _in("lineage", "lineage"),
    "info": _in("info", "info"),
    "verify": _in("maintenance", "verify"),
    "gc": _in("maintenance", "gc"),
    "ui": _in("ui", "ui"),
    "dev": _in("dev", "dev"),
    "daemon": _in("daemon", "daemon"),
    "scheduler": _in("daemon", "scheduler"),
    "job": _in("jobs", help="Run a job: `headwater job run JOB` (same commands as `jobs`)."),
    "jobs": _in("jobs", help="List jobs (named selections of assets), or run one."),
    "assets": _in("assets"),
    "schedules": _in("schedules"),
    "sensors": _in("sensors"),
    "runs": _in("runs"),
    "backfills": _in("backfills"),
    "variables": _in("named_values", "variables"),
    "connections": _in("named_values", "connections"),
    "dags": _in("dags", help="Test and list Airflow-dialect DAGs: `headwater dags test DAG_ID -f FILE`."),
    "tasks": _in("tasks", help="Test one task of a DAG: `headwater tasks test DAG_ID TASK_ID -f FILE`."),
}

app = typer.Typer(
    cls=lazy_group(COMMANDS),
    name="headwater",
    help="Headwater: run ML pipelines of assets and DAGs, and see every run.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        from headwater.cli.commands.info import version

        typer.echo(f"headwater {version()}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_print_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Headwater: run ML pipelines of assets and DAGs, and see every run."""


#: the commands that run steps, as their leading words: they run under a supervisor
_RUN_COMMANDS = {
    ("materialize",), ("job", "run"), ("jobs", "run"), ("dags", "test"), ("dags", "trigger"), ("runs", "reexecute"),
}


def main() -> None:
    """The console-script entry point.

    Commands that run steps run in a child process under a small supervisor, so that a step
    that kills the process (a segfault, ``os._exit``) is named and its run closed as failed
    (see :mod:`headwater.execution.supervisor`).
    """
    words = [arg for arg in sys.argv[1:3] if not arg.startswith("-")]
    if tuple(words[:1]) in _RUN_COMMANDS or tuple(words[:2]) in _RUN_COMMANDS:
        from headwater.execution.supervisor import supervise

        supervise()
    try:
        app(prog_name="headwater")
    except SystemExit as exc:
        from headwater.cli.commands import _common

        if _common.run_canceled:  # its records are written: leave, abandoned step threads and all
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exc.code if isinstance(exc.code, int) else 1)
        raise


if __name__ == "__main__":
    main()
