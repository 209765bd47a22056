"""``headwater dags test DAG_ID [LOGICAL_DATE]``, ``dags trigger DAG_ID [--conf JSON] [--detach]`` and
``headwater dags list``, as Airflow users type them.

A DAG is a job named like the DAG (tagged ``dag_id``), so ``dags test`` is ``job run`` with
the run tagged with its logical date (now when not given) and, with ``-c``, its
``dag_run.conf``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from headwater.cli.errors import exits_on_error, fail
from headwater.cli.options import (
    BackfillDetachOption,
    DagIdArgument,
    DaskAddressOption,
    DetachOption,
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
    from headwater.cli.commands._common import run_options, run_with_console
    from headwater.services.launch import run_job
    from headwater.services.location import load_location, open_instance

    tags = _dag_run_tags(logical_date, conf)
    location = load_location(file, module)
    # As `airflow dags test` does, every task runs: no task is skipped as up to date.
    options = run_options(
        executor=executor, force=True, max_concurrency=max_concurrency, dask_address=dask_address,
        pool_limit=pool_limit, tags=tags,
    )
    with open_instance() as instance:
        run_with_console(
            lambda observer: run_job(instance, location, dag_id, options=options, observer=observer), quiet=quiet
        )


@app.command("trigger")
@exits_on_error
def trigger_dag(
    dag_id: DagIdArgument,
    file: FileOption = None,
    module: ModuleOption = None,
    conf: Annotated[
        str | None, typer.Option("--conf", "-c", metavar="JSON", help="dag_run.conf as a JSON object.")
    ] = None,
    exec_date: Annotated[
        str | None,
        typer.Option("--exec-date", "-e", metavar="LOGICAL_DATE", help="The run's logical date (ISO); now by default."),
    ] = None,
    detach: DetachOption = False,
    quiet: QuietOption = False,
    executor: ExecutorOption = None,
) -> None:
    """Trigger a DAG run (Airflow's command): every task, with --conf as dag_run.conf.

    --detach queues the run for `headwater daemon`, prints its id and returns; without it the
    run goes now, here, with live output.
    """
    from headwater.cli.commands._common import report_submitted, run_options, run_with_console
    from headwater.services.launch import run_job
    from headwater.services.location import load_location, open_instance
    from headwater.services.queue import submit_job

    tags = _dag_run_tags(exec_date, conf)
    location = load_location(file, module)
    # An Airflow DAG run runs every task: nothing is skipped as up to date.
    options = run_options(executor=executor, force=True, tags=tags)
    if detach:
        with open_instance(sweep=False) as instance:
            report_submitted(submit_job(instance, location, dag_id, options=options), instance)
        return
    with open_instance() as instance:
        run_with_console(
            lambda observer: run_job(instance, location, dag_id, options=options, observer=observer), quiet=quiet
        )


def _dag_run_tags(logical_date: str | None, conf: str | None) -> dict[str, str]:
    """A DAG run's tags: its logical date (now by default) and ``dag_run.conf`` from ``--conf``."""
    from headwater.cli.commands._common import parse_logical_date
    from headwater.errors import RunConfigError
    from headwater.services.checks import parse_conf
    from headwater.services.submit import dag_run_tags

    try:
        parsed = None if conf is None else parse_conf(conf)
    except RunConfigError as exc:
        raise fail(f"--{exc}") from None
    return dag_run_tags(parse_logical_date(logical_date), parsed)


@app.command("list")
@exits_on_error
def list_dags(file: FileOption = None, module: ModuleOption = None) -> None:
    """List the DAGs of a code location with their tasks and schedules."""
    from rich.table import Table

    from headwater.cli.console import out_console
    from headwater.services.definitions import list_dags as dags_of
    from headwater.services.location import load_location

    location = load_location(file, module)
    dags = dags_of(location)
    console = out_console()
    if not dags:
        console.print(f"No DAGs in {location.name}.")
        return
    table = Table(title=f"DAGs in {location.name}", title_justify="left")
    table.add_column("dag_id", style="bold", no_wrap=True)
    table.add_column("tasks", justify="right")
    table.add_column("schedule", no_wrap=True)
    table.add_column("tags")
    table.add_column("description")
    for dag in dags:
        table.add_row(dag.dag_id, str(len(dag.task_ids)), dag.schedule or "None", ", ".join(dag.tags), dag.description)
    console.print(table)


@app.command("backfill")
@exits_on_error
def backfill_dag(
    dag_id: DagIdArgument,
    start_date: Annotated[
        str, typer.Option("--start-date", "-s", metavar="DATE", help="The first logical date (ISO; UTC unless it has an offset).")
    ],
    end_date: Annotated[
        str, typer.Option("--end-date", "-e", metavar="DATE", help="The last logical date, included (ISO; UTC unless it has an offset).")
    ],
    file: FileOption = None,
    module: ModuleOption = None,
    max_concurrent: Annotated[
        int, typer.Option("--max-active-runs", "-c", min=1, help="How many runs may go at once.")
    ] = 4,
    queue: Annotated[
        bool, typer.Option("--queue", help="Submit each run to the run queue (headwater daemon runs it).")
    ] = False,
    detach: BackfillDetachOption = False,
) -> None:
    """Run a DAG for every scheduled logical date from START to END (Airflow's ``dags backfill``).

    Each run gets its logical date and data interval. START and END without an offset are
    UTC, as Airflow reads them (its default_timezone is utc), whatever the DAG's zone. Resumable with
    `headwater backfills resume ID`; exits 1 when a run failed. With --detach it returns at
    once and `headwater daemon` drives it.
    """
    from headwater.cli.commands._common import parse_logical_date
    from headwater.cli.commands.backfills import drive_with_progress, report_detached
    from headwater.services.backfills import start_dag_backfill
    from headwater.services.location import load_location, open_instance

    start, end = parse_logical_date(start_date, what="--start-date"), parse_logical_date(end_date, what="--end-date")
    location = load_location(file, module)
    with open_instance() as instance:
        created = start_dag_backfill(
            instance, location, dag_id, start, end, max_concurrent=max_concurrent, detached=detach
        )
        if detach:
            report_detached(instance, created.backfill_id)
            return
        drive_with_progress(instance, location, created.backfill_id, queued=queue)


def _set_paused(dag_id: str, file: str | None, module: str | None, *, paused: bool) -> None:
    from headwater.cli.console import out_console
    from headwater.services.location import load_location, open_instance
    from headwater.services.schedules import set_dag_paused

    location = load_location(file, module)
    with open_instance() as instance:
        set_dag_paused(instance, location, dag_id, paused=paused)
    out_console().print(f"Dag: {dag_id}, paused: {paused}", markup=False, highlight=False)


@app.command("pause")
@exits_on_error
def pause_dag(dag_id: DagIdArgument, file: FileOption = None, module: ModuleOption = None) -> None:
    """Pause a DAG: the scheduler stops creating its runs (stored)."""
    _set_paused(dag_id, file, module, paused=True)


@app.command("unpause")
@exits_on_error
def unpause_dag(dag_id: DagIdArgument, file: FileOption = None, module: ModuleOption = None) -> None:
    """Unpause a DAG: the scheduler runs its due intervals (all missed ones with catchup=True)."""
    _set_paused(dag_id, file, module, paused=False)
