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

    from headwater.cli.commands._common import load_location, open_instance
    from headwater.cli.console import out_console, styled_status

    location = load_location(file, module)
    with open_instance() as instance:
        # on/off as last set (by the UI or the scheduler); the definition's default otherwise
        states = instance.store.get_schedule_states()
    console = out_console()
    if not location.schedules:
        console.print(f"No schedules in {location.name}.")
        return
    table = Table(title=f"Schedules in {location.name}", title_justify="left")
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("job")
    table.add_column("cron", no_wrap=True)
    table.add_column("time zone", no_wrap=True)
    table.add_column("status")
    table.add_column("next tick", no_wrap=True)
    for name, schedule in sorted(location.schedules.items()):
        table.add_row(
            name,
            schedule.job_name,
            schedule.cron_schedule,
            schedule.execution_timezone,
            styled_status(states.get(name, schedule.default_status)),
            schedule.next_tick().isoformat(sep=" ", timespec="minutes"),
        )
    console.print(table)
