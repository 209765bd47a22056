"""``headwater materialize``: run a selection of assets now."""

from __future__ import annotations

from typing import Annotated

import typer

from headwater.cli.errors import exits_on_error
from headwater.cli.options import DaskAddressOption, DetachOption, ExecutorOption, FileOption, ForceOption, MaxConcurrencyOption, ModuleOption, PartitionOption, PoolLimitOption, QuietOption, RunConfigOption, partition_tags

__all__ = ["materialize"]


@exits_on_error
def materialize(
    file: FileOption = None,
    module: ModuleOption = None,
    select: Annotated[
        str,
        typer.Option(
            "--select",
            "-s",
            metavar="SELECTION",
            help="What to run: '*', 'name', '+name', 'name+', 'group:NAME', 'tag:K=V', comma-separated.",
        ),
    ] = "*",
    quiet: QuietOption = False,
    executor: ExecutorOption = None,
    max_concurrency: MaxConcurrencyOption = None,
    dask_address: DaskAddressOption = None,
    pool_limit: PoolLimitOption = None,
    force: ForceOption = False,
    config: RunConfigOption = None,
    partition: PartitionOption = None,
    detach: DetachOption = False,
) -> None:
    """Materialize assets: run the selected steps and store what they return.

    Steps whose code and inputs are unchanged since their last materialization are
    skipped as up to date (use --force to run them anyway). --config gives the run config
    of assets that take a Config (exit 2 when it does not fit). --partition computes one
    partition of partitioned assets (exit 2 when it is not one of theirs). Exits 1 when a
    step fails. --detach queues the run for `headwater daemon`, prints its id and returns.
    """
    from headwater.cli.commands._common import run_options, run_with_console
    from headwater.services.launch import merged_run_config, run_selection
    from headwater.services.location import load_location, open_instance

    location = load_location(file, module)
    options = run_options(
        executor=executor, force=force, max_concurrency=max_concurrency, dask_address=dask_address,
        pool_limit=pool_limit, tags=partition_tags(partition),
    )
    run_config = merged_run_config(None, config)
    if detach:
        from headwater.cli.commands._common import report_submitted
        from headwater.services.queue import submit_selection

        with open_instance(sweep=False) as instance:
            run_id = submit_selection(instance, location, select, options=options, run_config=run_config)
            report_submitted(run_id, instance)
        return
    with open_instance() as instance:
        run_with_console(
            lambda observer: run_selection(
                instance, location, select, options=options, observer=observer, run_config=run_config
            ),
            quiet=quiet,
        )
