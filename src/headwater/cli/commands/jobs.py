"""``headwater job run JOB`` and ``headwater jobs list``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from headwater.cli.errors import exits_on_error
from headwater.cli.options import DaskAddressOption, ExecutorOption, FileOption, ForceOption, MaxConcurrencyOption, ModuleOption, PoolLimitOption, QuietOption, RunConfigOption

if TYPE_CHECKING:
    from headwater.definitions.selection import Selection

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Run and list jobs (named selections of assets).")


def _selection_text(selection: Selection) -> str:
    from headwater.definitions.selection import selection_text

    return selection_text(selection)


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
) -> None:
    """Run a job: materialize its selection, with its tags, executor and config (--config over it)."""
    from headwater.cli.commands._common import load_location, parallel_settings, run_job_and_exit

    run_job_and_exit(
        load_location(file, module),
        job,
        quiet=quiet,
        executor=executor,
        force=force,
        parallel=parallel_settings(max_concurrency, dask_address, pool_limit),
        config_file=config,
    )


@app.command("list")
@exits_on_error
def list_jobs(file: FileOption = None, module: ModuleOption = None) -> None:
    """List the jobs of a code location."""
    from rich.table import Table

    from headwater.cli.commands._common import load_location
    from headwater.cli.console import out_console

    location = load_location(file, module)
    console = out_console()
    if not location.jobs:
        console.print(f"No jobs in {location.name}.")
        return
    schedules_by_job: dict[str, list[str]] = {}
    for schedule in location.schedules.values():
        schedules_by_job.setdefault(schedule.job_name, []).append(schedule.name)
    table = Table(title=f"Jobs in {location.name}", title_justify="left")
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("selection")
    table.add_column("executor")
    table.add_column("schedules")
    table.add_column("description")
    for name, job in sorted(location.jobs.items()):
        table.add_row(
            name,
            _selection_text(job.selection),
            job.executor or "in_process",
            ", ".join(schedules_by_job.get(name, [])) or "-",
            job.description or "",
        )
    console.print(table)
