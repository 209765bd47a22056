"""``headwater schedules list``."""

from __future__ import annotations

import typer

from headwater.cli.errors import exits_on_error
from headwater.cli.options import FileOption, ModuleOption

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="List schedules.")


@app.command("list")
@exits_on_error
def list_schedules(file: FileOption = None, module: ModuleOption = None) -> None:
    """List the schedules of a code location with their next tick."""
    from rich.table import Table

    from headwater.cli.console import out_console, styled_status
    from headwater.services.definitions import list_schedules as schedules_of
    from headwater.services.location import load_location, open_instance

    location = load_location(file, module)
    with open_instance(sweep=False) as instance:
        schedules = schedules_of(instance, location)
    console = out_console()
    if not schedules:
        console.print(f"No schedules in {location.name}.")
        return
    table = Table(title=f"Schedules in {location.name}", title_justify="left")
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("job")
    table.add_column("cron", no_wrap=True)
    table.add_column("time zone", no_wrap=True)
    table.add_column("status")
    table.add_column("next tick", no_wrap=True)
    for schedule in schedules:
        table.add_row(
            schedule.name,
            schedule.job_name,
            schedule.cron_schedule,
            schedule.execution_timezone,
            styled_status(schedule.status),
            schedule.next_tick.isoformat(sep=" ", timespec="minutes"),
        )
    console.print(table)
