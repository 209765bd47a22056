"""Options several commands share, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = [
    "BackfillDetachOption",
    "DagIdArgument",
    "DaskAddressOption",
    "DetachOption",
    "ExecutorOption",
    "FileOption",
    "ForceOption",
    "LogicalDateArgument",
    "MaxConcurrencyOption",
    "ModuleOption",
    "PoolLimitOption",
    "QuietOption",
]

FileOption = Annotated[
    str | None,
    typer.Option(
        "--file",
        "-f",
        metavar="FILE",
        help="Python file defining the assets, jobs and schedules (default: \\[tool.headwater] in pyproject.toml).",
    ),
]
ModuleOption = Annotated[
    str | None,
    typer.Option("--module", "-m", metavar="MODULE", help="Importable module defining them, instead of a file."),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Hide what the steps print and log; show only the summary.")
]
ExecutorOption = Annotated[
    str | None,
    typer.Option(
        "--executor", "-e", metavar="NAME", help="Where steps run: in_process (default), thread, process or dask."
    ),
]
MaxConcurrencyOption = Annotated[
    int | None,
    typer.Option(
        "--max-concurrency", min=1, metavar="N", help="Steps at once on a parallel executor (default: CPU count)."
    ),
]
DaskAddressOption = Annotated[
    str | None,
    typer.Option(
        "--dask-address", metavar="ADDRESS",
        help="A running dask scheduler, e.g. tcp://host:8786 (default: a LocalCluster for the run).",
    ),
]
PoolLimitOption = Annotated[
    list[str] | None,
    typer.Option(
        "--pool-limit", metavar="POOL=N",
        help="At most N steps of @asset(pool=POOL) at once, on any executor (repeatable).",
    ),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Run every selected step, even those that are up to date.")
]
DagIdArgument = Annotated[
    str, typer.Argument(metavar="DAG_ID", help="The DAG's id, as `headwater dags list` shows it.")
]
LogicalDateArgument = Annotated[
    str | None, typer.Argument(metavar="[LOGICAL_DATE]", help="The run's logical date (ISO); now by default.")
]
RunConfigOption = Annotated[
    str | None,
    typer.Option(
        "--config", metavar="FILE",
        help="Run config for assets that take a Config: a YAML or JSON file of the form ops: {ASSET: {config: {...}}}.",
    ),
]
BackfillDetachOption = Annotated[
    bool,
    typer.Option(
        "--detach",
        help="Record the backfill and return its id at once: headwater daemon drives it (backfills show ID follows it).",
    ),
]
DetachOption = Annotated[
    bool,
    typer.Option(
        "--detach", "-d",
        help="Queue the run for `headwater daemon` and print its id at once, instead of running it here.",
    ),
]
PartitionOption = Annotated[
    str | None,
    typer.Option("--partition", metavar="KEY", help="The partition of the partitioned assets to compute."),
]


def partition_tags(partition: str | None) -> dict[str, str] | None:
    """The run tags naming ``--partition KEY`` (Dagster's ``dagster/partition``), or None."""
    return {"dagster/partition": partition} if partition is not None else None
