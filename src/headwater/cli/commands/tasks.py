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
    from headwater.cli.commands._common import parse_logical_date, run_options, run_with_console
    from headwater.services.launch import run_task
    from headwater.services.location import load_location, open_instance

    when = parse_logical_date(logical_date)
    location = load_location(file, module)
    options = run_options(executor=executor, dask_address=dask_address)
    with open_instance() as instance:
        run_with_console(
            lambda observer: run_task(
                instance, location, dag_id, task_id, logical_date=when, options=options, observer=observer
            ),
            quiet=quiet,
        )
