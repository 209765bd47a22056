"""``headwater sensors list``."""

from __future__ import annotations

import typer

from headwater.cli.errors import exits_on_error
from headwater.cli.options import FileOption, ModuleOption

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="List sensors.")


@app.command("list")
@exits_on_error
def list_sensors(file: FileOption = None, module: ModuleOption = None) -> None:
    """List the sensors of a code location: kind, job, watched asset, interval, default status."""
    from rich.table import Table

    from headwater.cli.console import out_console, styled_status
    from headwater.services.definitions import list_sensors as sensors_of
    from headwater.services.location import load_location

    location = load_location(file, module)
    sensors = sensors_of(location)
    console = out_console()
    if not sensors:
        console.print(f"No sensors in {location.name}.")
        return
    table = Table(title=f"Sensors in {location.name}", title_justify="left")
    for column in ("name", "kind", "job", "asset", "interval", "status", "description"):
        table.add_column(column, style="bold" if column == "name" else None, no_wrap=column != "description")
    for sensor in sensors:
        table.add_row(
            sensor.name,
            sensor.kind,
            sensor.job_name or "-",
            sensor.asset_key or "-",
            f"{sensor.minimum_interval_seconds}s",
            styled_status(sensor.default_status),
            sensor.description,
        )
    console.print(table)
