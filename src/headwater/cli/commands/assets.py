"""``headwater assets list | history | load``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from headwater.cli.errors import exits_on_error
from headwater.cli.options import FileOption, ModuleOption

if TYPE_CHECKING:
    from rich.text import Text

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="List assets, their history, and load stored values.")

AssetArgument = Annotated[str, typer.Argument(metavar="ASSET", help="The asset's key.")]
VersionOption = Annotated[
    str | None,
    typer.Option("--version", "-v", metavar="V", help="A data version (or a unique prefix of one); the latest by default."),
]

_STATE_STYLES = {"fresh": "green", "stale": "yellow", "failed": "red", "never materialized": "dim"}


@app.command("list")
@exits_on_error
def list_assets(file: FileOption = None, module: ModuleOption = None) -> None:
    """List every asset and task of a code location, in dependency order, with its state.

    The state is fresh (its last materialization is current), stale (and why: its code
    changed, naming the helper or constant; its environment; its source; an upstream; its
    stored value is missing), failed (its last run failed) or never materialized, by the
    same rule the run applies to skip a step. The checks column gives the latest result of
    each of the asset's checks.
    """
    from rich.table import Table
    from rich.text import Text

    from headwater.cli.console import out_console
    from headwater.cli.render import check_summary, format_time
    from headwater.services.assets import asset_states
    from headwater.services.location import load_location, open_instance

    location = load_location(file, module)
    with open_instance(sweep=False) as instance:
        listing = asset_states(instance, location)
    table = Table(title=f"Assets in {listing.location}", title_justify="left")
    columns = ("key", "kind", "group", "upstream", "state", "last materialized",
               *(("checks",) if listing.has_checks else ()), "description")
    for column in columns:
        table.add_column(column, no_wrap=column in ("key", "last materialized"), style="bold" if column == "key" else None)
    for row in listing.rows:
        status = row.status
        if row.partitions is not None:
            state = _partition_state(row.partitions)
        else:
            state = Text(status.state.value, style=_STATE_STYLES[status.state.value])
            if status.reason:
                state.append(f" ({status.reason})", style="dim")
        table.add_row(
            row.key,
            row.kind,
            row.group,
            ", ".join(row.upstream) or "-",
            state,
            format_time(status.latest.created_at) if status.latest is not None else "never",
            *((check_summary(row.checks),) if listing.has_checks else ()),
            row.description,
        )
    out_console().print(table)


@app.command("history")
@exits_on_error
def history(
    asset_key: AssetArgument,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many to show, newest first.")] = 20,
) -> None:
    """List an asset's materializations, newest first: run, time, versions, size."""
    from rich.table import Table

    from headwater.cli.console import out_console
    from headwater.cli.render import format_time
    from headwater.services.assets import asset_history
    from headwater.services.location import open_instance

    with open_instance(sweep=False) as instance:
        found = asset_history(instance, asset_key, limit=limit)
    table = Table(title=f"Materializations of {asset_key}", title_justify="left")
    partitioned = any(m.partition is not None for m in found)
    for column in ("data version", *(("partition",) if partitioned else ()), "run", "created", "code version",
                   "serializer", "size"):
        table.add_column(column, no_wrap=True)
    for m in found:
        table.add_row(
            m.data_version[:12], *((m.partition or "-",) if partitioned else ()), m.run_id[:12],
            format_time(m.created_at), (m.code_version or "-")[:12], m.serializer, _size(m.size_bytes),
        )
    out_console().print(table)


@app.command("load")
@exits_on_error
def load(
    asset_key: AssetArgument,
    version: VersionOption = None,
    key: Annotated[
        str | None,
        typer.Option("--key", "-k", metavar="K", help="An XCom key the task pushed; its return value by default."),
    ] = None,
    map_index: Annotated[
        int | None,
        typer.Option("--map-index", metavar="N", help="The mapped instance whose XCom to load; all by default."),
    ] = None,
    partition: Annotated[
        str | None, typer.Option("--partition", metavar="KEY", help="The partition of a partitioned asset.")
    ] = None,
) -> None:
    """Load a stored value (the latest, of --partition, or --version), or an XCom a task pushed
    (--key), and print it."""
    from headwater.cli.console import out_console
    from headwater.services.assets import load_asset_value
    from headwater.services.location import open_instance

    with open_instance(sweep=False) as instance:
        value = load_asset_value(instance, asset_key, version, key=key, map_index=map_index, partition=partition)
    out_console().print(value)


def _size(size_bytes: int) -> str:
    size = float(size_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


_PARTITION_STYLES = {"materialized": "green", "stale": "yellow", "failed": "red", "missing": "dim"}


def _partition_state(counts: dict[str, int]) -> Text:
    """``partitions: 28 materialized, 1 stale, 1 failed, 2 missing``, each count in its colour."""
    from rich.text import Text

    text = Text("partitions: ")
    for i, (state, style) in enumerate(_PARTITION_STYLES.items()):
        text.append(("" if i == 0 else ", ") + f"{counts.get(state, 0)} {state}", style=style)
    return text
