"""``headwater dags test DAG_ID [LOGICAL_DATE]`` and ``headwater dags list``, as Airflow users type them.

A DAG is a job named like the DAG (tagged ``dag_id``), so ``dags test`` is ``job run`` with
the run tagged with its logical date (now when not given) and, with ``-c``, its
``dag_run.conf``.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from headwater.cli.errors import exits_on_error, fail
from headwater.cli.options import (
    DagIdArgument,
    DaskAddressOption,
    ExecutorOption,
    FileOption,
    LogicalDateArgument,
    MaxConcurrencyOption,
    ModuleOption,
    PoolLimitOption,
    QuietOption,
)

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Test and list Airflow-dialect DAGs.")


@app.command("test")
@exits_on_error
def test_dag(
    dag_id: DagIdArgument,
    logical_date: LogicalDateArgument = None,
    file: FileOption = None,
    module: ModuleOption = None,
    quiet: QuietOption = False,
    executor: ExecutorOption = None,
    max_concurrency: MaxConcurrencyOption = None,
    dask_address: DaskAddressOption = None,
    pool_limit: PoolLimitOption = None,
    conf: Annotated[
        str | None, typer.Option("--conf", "-c", metavar="JSON", help="dag_run.conf as a JSON object.")
    ] = None,
) -> None:
    """Run every task of a DAG once, in dependency order, with live output."""
    from headwater.cli.commands._common import load_location, parallel_settings, parse_logical_date, run_job_and_exit

    when = parse_logical_date(logical_date)
    tags = {"logical_date": when.isoformat()}
    if conf is not None:
        try:
            parsed = json.loads(conf)
        except json.JSONDecodeError as exc:
            raise fail(f"--conf is not valid JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise fail("--conf must be a JSON object")
        tags["dag_run_conf"] = json.dumps(parsed)
    # As `airflow dags test` does, every task runs: no task is skipped as up to date.
    run_job_and_exit(
        load_location(file, module),
        dag_id,
        quiet=quiet,
        executor=executor,
        force=True,
        parallel=parallel_settings(max_concurrency, dask_address, pool_limit),
        tags=tags,
    )


@app.command("list")
@exits_on_error
def list_dags(file: FileOption = None, module: ModuleOption = None) -> None:
    """List the DAGs of a code location with their tasks and schedules."""
    from rich.table import Table

    from headwater.cli.commands._common import load_location
    from headwater.cli.console import out_console

    location = load_location(file, module)
    console = out_console()
    dags = {name: job for name, job in location.jobs.items() if job.tags.get("dag_id") == name}
    if not dags:
        console.print(f"No DAGs in {location.name}.")
        return
    schedules = {s.job_name: s for s in location.schedules.values()}
    table = Table(title=f"DAGs in {location.name}", title_justify="left")
    table.add_column("dag_id", style="bold", no_wrap=True)
    table.add_column("tasks", justify="right")
    table.add_column("schedule", no_wrap=True)
    table.add_column("tags")
    table.add_column("description")
    for name, job in sorted(dags.items()):
        keys = list(job.selection) if isinstance(job.selection, tuple) else []
        tags = sorted({tag for key in keys for tag in location.graph.nodes[str(key)].options.tags})
        schedule = schedules.get(name)
        table.add_row(
            name,
            str(len(keys)),
            schedule.tags.get("schedule", schedule.cron_schedule) if schedule is not None else "None",
            ", ".join(tags),
            job.description or "",
        )
    console.print(table)
