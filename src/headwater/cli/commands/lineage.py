"""``headwater lineage ASSET [--version V]``: the tree of materializations behind a value."""

from __future__ import annotations

from typing import Annotated

import typer

from headwater.cli.errors import exits_on_error

__all__ = ["lineage"]


@exits_on_error
def lineage(
    asset_key: Annotated[str, typer.Argument(metavar="ASSET", help="The asset's key.")],
    version: Annotated[
        str | None,
        typer.Option("--version", "-v", metavar="V", help="A data version (or a unique prefix); the latest by default."),
    ] = None,
) -> None:
    """Print the tree of materializations that produced an asset, each with its run id,
    time, code version, data version, run config (when it took one) and environment (Python
    and library versions)."""
    import json

    from rich.markup import escape
    from rich.tree import Tree

    from headwater.cli.console import out_console
    from headwater.cli.render import format_time
    from headwater.execution.loop import CONFIG_METADATA
    from headwater.services.assets import LineageNode, asset_lineage
    from headwater.services.location import open_instance

    with open_instance(sweep=False) as instance:
        root = asset_lineage(instance, asset_key, version)

    def label(node: LineageNode) -> str:
        m = node.materialization
        if m is None:
            return f"[bold]{node.asset_key}[/]  data {node.data_version[:12]}  [red](no record of it)[/]"
        environment = ", ".join(f"{name} {v}" for name, v in sorted(m.environment.items(), key=lambda kv: (kv[0] != "python", kv[0])))
        config = m.metadata.get(CONFIG_METADATA)
        return (
            f"[bold]{node.asset_key}[/]  run {m.run_id[:12]}  {format_time(m.created_at)}  "
            f"code {(m.code_version or '-')[:12]}  data {m.data_version[:12]}"
            + (f"  config {escape(json.dumps(config, sort_keys=True))}" if config is not None else "")
            + (f"  [dim]env {escape(environment)}[/]" if environment else "")
        )

    def grow(tree: Tree, node: LineageNode) -> None:
        for child in node.inputs:
            grow(tree.add(label(child)), child)

    tree = Tree(label(root))
    grow(tree, root)
    out_console().print(tree)
