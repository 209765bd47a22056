"""``headwater tasks test DAG_ID TASK_ID [LOGICAL_DATE]``, as Airflow users type it.

It runs one task of a DAG whatever its dependencies, with what its upstream tasks pushed
read from their latest successful runs; an upstream task that never succeeded is bad input
(exit 2), named. Unlike Airflow, the run is recorded (``headwater runs show latest``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from headwater.cli.errors import exits_on_error
from headwater.cli.options import (
    DagIdArgument,
    DaskAddressOption,
    ExecutorOption,
    FileOption,
    LogicalDateArgument,
    ModuleOption,
    QuietOption,
)

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Test one task of an Airflow-dialect DAG.")


@app.command("test")
@exits_on_error
def test_task(
    dag_id: DagIdArgument,
    task_id: Annotated[str, typer.Argument(metavar="TASK_ID", help="The task's id within the DAG.")],
    logical_date: LogicalDateArgument = None,
    file: FileOption = None,
    module: ModuleOption = None,
    quiet: QuietOption = False,
    executor: ExecutorOption = None,
    dask_address: DaskAddressOption = None,
) -> None:
    """Run one task of a DAG, reading its upstream XComs from their latest successful runs."""
    from headwater.cli.commands._common import load_location, open_instance, parse_logical_date
    from headwater.cli.console import ConsoleObserver
    from headwater.execution.one_task import test_task as run_one_task

    when = parse_logical_date(logical_date)
    location = load_location(file, module)
    observer = ConsoleObserver(quiet=quiet)
    with open_instance() as instance:
        try:
            result = run_one_task(
                location, dag_id, task_id, instance=instance, logical_date=when, executor=executor,
                observer=observer, executor_config={"dask_address": dask_address} if dask_address else None,
            )
        finally:
            observer.close()
    raise typer.Exit(0 if result.success else 1)
