"""``headwater assets list``."""

from __future__ import annotations

import typer

from headwater.cli.errors import exits_on_error
from headwater.cli.options import FileOption, ModuleOption

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="List assets and tasks.")


@app.command("list")
@exits_on_error
def list_assets(file: FileOption = None, module: ModuleOption = None) -> None:
    """List every asset and task of a code location, in dependency order."""
    from rich.table import Table

    from headwater.cli.commands._common import load_location, open_instance
    from headwater.cli.console import out_console
    from headwater.cli.render import format_time

    location = load_location(file, module)
    graph = location.graph
    with open_instance() as instance:
        latest = instance.store.latest_materializations(list(graph.order))
    console = out_console()
    table = Table(title=f"Assets in {location.name}", title_justify="left")
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("kind")
    table.add_column("group")
    table.add_column("upstream")
    table.add_column("description")
    table.add_column("last materialized", no_wrap=True)
    for key in graph.order:
        node = graph.nodes[key]
        description = (node.options.description or "").strip().splitlines()
        materialization = latest.get(key)
        table.add_row(
            key,
            node.kind,
            node.options.group,
            ", ".join(node.upstream) or "-",
            description[0] if description else "",
            format_time(materialization.created_at) if materialization is not None else "never",
        )
    console.print(table)
