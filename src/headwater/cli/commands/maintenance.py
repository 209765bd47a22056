"""``headwater verify [ASSETS]`` and ``headwater gc [--dry-run]``: looking after the stores."""

from __future__ import annotations

from typing import Annotated

import typer

from headwater.cli.errors import exits_on_error

__all__ = ["gc", "verify"]


@exits_on_error
def verify(
    assets: Annotated[
        list[str] | None, typer.Argument(metavar="[ASSETS]...", help="Asset keys to check (default: every asset).")
    ] = None,
) -> None:
    """Hash every stored value in full against its data version and report the damaged ones.

    A damaged file is moved aside (FILE.corrupt), so the next run recomputes that asset.
    Exits 1 when any stored value is damaged.
    """
    from rich.table import Table

    from headwater.cli.console import out_console
    from headwater.services.location import open_instance
    from headwater.services.maintenance import verify_values

    with open_instance() as instance:
        checks = verify_values(instance, assets or None)
    damaged = [check for check in checks if check.damage]
    console = out_console()
    if damaged:
        table = Table(title="Damaged stored values", title_justify="left")
        for column in ("asset", "data version", "run", "file", "what is wrong"):
            table.add_column(column, overflow="fold", no_wrap=column in ("asset", "data version", "run"))
        for check in damaged:
            table.add_row(check.asset_key, check.data_version[:12], check.run_ids[0][:12], check.uri, check.damage)
        console.print(table)
    assets_checked = len({check.asset_key for check in checks})
    summary = f"{len(checks)} stored values of {assets_checked} assets checked: "
    console.print(summary + (f"{len(damaged)} damaged" if damaged else "all intact"), highlight=False)
    raise typer.Exit(1 if damaged else 0)


@exits_on_error
def gc(
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n", help="Only list what would be removed.")] = False,
    older_than: Annotated[
        float,
        typer.Option("--older-than", metavar="SECONDS", min=0, help="Spare files younger than this (default: an hour)."),
    ] = 3600.0,
) -> None:
    """Remove temporary files of killed writes and stored files no materialization references.

    Files younger than --older-than are spared (a run in progress may be about to record
    them), except temporary files whose writer on this machine is gone.
    """
    from headwater.cli.console import out_console
    from headwater.services.location import open_instance
    from headwater.services.maintenance import collect_garbage

    with open_instance() as instance:
        report = collect_garbage(instance, min_age=older_than, dry_run=dry_run)
    console = out_console()
    verb = "would remove" if dry_run else "removed"
    for path in report.temporary:
        console.print(f"{verb} temporary file {path}", highlight=False, soft_wrap=True)
    for path in report.unreferenced:
        console.print(f"{verb} unreferenced artifact {path}", highlight=False, soft_wrap=True)
    console.print(
        f"{verb.capitalize()} {len(report.temporary)} temporary files and {len(report.unreferenced)} unreferenced "
        f"artifacts ({report.bytes_freed / 1024 / 1024:.1f} MiB)",
        highlight=False,
    )
