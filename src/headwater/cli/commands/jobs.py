"""``headwater job run JOB`` and ``headwater jobs list``."""

from __future__ import annotations

from typing import Annotated

import typer

from headwater.cli.errors import exits_on_error
from headwater.cli.options import DaskAddressOption, DetachOption, ExecutorOption, FileOption, ForceOption, MaxConcurrencyOption, ModuleOption, PartitionOption, PoolLimitOption, QuietOption, RunConfigOption, partition_tags

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Run and list jobs (named selections of assets).")


@app.command("run")
@exits_on_error
def run_job(
    job: Annotated[str, typer.Argument(metavar="JOB", help="The job's name, as `headwater jobs list` shows it.")],
    file: FileOption = None,
    module: ModuleOption = None,
    quiet: QuietOption = False,
    executor: ExecutorOption = None,
    max_concurrency: MaxConcurrencyOption = None,
    dask_address: DaskAddressOption = None,
    pool_limit: PoolLimitOption = None,
    force: ForceOption = False,
    config: RunConfigOption = None,
    detach: DetachOption = False,
    partition: PartitionOption = None,
) -> None:
    """Run a job: materialize its selection, with its tags, executor and config (--config over it);
    --partition computes that partition of a partitioned job.

    --detach queues the run for `headwater daemon`, prints its id and returns.
    """
    from headwater.cli.commands._common import run_options, run_with_console
    from headwater.services.launch import run_job as run_job_now
    from headwater.services.location import load_location, open_instance

    location = load_location(file, module)
    options = run_options(
        executor=executor, force=force, max_concurrency=max_concurrency, dask_address=dask_address,
        pool_limit=pool_limit, tags=partition_tags(partition),
    )
    if detach:
        from headwater.cli.commands._common import report_submitted
        from headwater.services.launch import merged_run_config
        from headwater.services.queue import submit_job

        with open_instance(sweep=False) as instance:
            run_id = submit_job(
                instance, location, job, options=options,
                run_config=merged_run_config(None, config),
            )
            report_submitted(run_id, instance)
        return
    with open_instance() as instance:
        run_with_console(
            lambda observer: run_job_now(
                instance, location, job, options=options, observer=observer, config_file=config
            ),
            quiet=quiet,
        )


@app.command("list")
@exits_on_error
def list_jobs(file: FileOption = None, module: ModuleOption = None) -> None:
    """List the jobs of a code location."""
    from rich.table import Table

    from headwater.cli.console import out_console
    from headwater.services.definitions import list_jobs as jobs_of
    from headwater.services.location import load_location

    location = load_location(file, module)
    jobs = jobs_of(location)
    console = out_console()
    if not jobs:
        console.print(f"No jobs in {location.name}.")
        return
    table = Table(title=f"Jobs in {location.name}", title_justify="left")
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("selection")
    table.add_column("executor")
    table.add_column("schedules")
    table.add_column("description")
    for job in jobs:
        table.add_row(job.name, job.selection, job.executor, ", ".join(job.schedules) or "-", job.description)
    console.print(table)
