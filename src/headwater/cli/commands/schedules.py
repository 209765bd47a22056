"""``headwater schedules list | start NAME | stop NAME | ticks [NAME]``."""

from __future__ import annotations

import typer

from headwater.cli.errors import exits_on_error
from typing import Annotated

from headwater.cli.options import FileOption, ModuleOption

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="List, start and stop schedules, and show their ticks.")

ScheduleName = Annotated[str, typer.Argument(help="The schedule's name (`headwater schedules list`).")]


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
            schedule.next_tick.isoformat(sep=" ", timespec="minutes") if schedule.next_tick else "-",
        )
    console.print(table)


def _set_status(name: str, file: str | None, module: str | None, *, running: bool) -> None:
    from headwater.cli.console import out_console
    from headwater.services.location import load_location, open_instance
    from headwater.services.schedules import set_schedule_status

    location = load_location(file, module)
    with open_instance() as instance:
        status = set_schedule_status(instance, location, name, running=running)
    out_console().print(f"Schedule {name} is {status}.", markup=False, highlight=False)


@app.command("start")
@exits_on_error
def start(name: ScheduleName, file: FileOption = None, module: ModuleOption = None) -> None:
    """Start a schedule: the scheduler fires its ticks from now on (stored)."""
    _set_status(name, file, module, running=True)


@app.command("stop")
@exits_on_error
def stop(name: ScheduleName, file: FileOption = None, module: ModuleOption = None) -> None:
    """Stop a schedule: the scheduler fires none of its ticks (stored)."""
    _set_status(name, file, module, running=False)


@app.command("ticks")
@exits_on_error
def ticks(
    name: Annotated[str | None, typer.Argument(help="Only this schedule's ticks.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many, newest first.")] = 20,
) -> None:
    """The tick history: every tick the scheduler fired or skipped, with its run or its reason."""
    from datetime import UTC, datetime

    from rich.table import Table

    from headwater.cli.console import out_console, styled_status
    from headwater.services.definitions import schedule_ticks
    from headwater.services.location import open_instance

    with open_instance() as instance:
        found = schedule_ticks(instance, name, limit=limit)
    console = out_console()
    if not found:
        console.print("No ticks recorded." + ("" if name is None else f" (schedule {name})"))
        return
    table = Table(title="Ticks, newest first", title_justify="left")
    for column in ("schedule", "tick (UTC)", "status", "run / reason"):
        table.add_column(column, no_wrap=column != "run / reason")
    for tick in found:
        when = datetime.fromtimestamp(tick.tick_time, UTC).isoformat(sep=" ", timespec="seconds")
        table.add_row(tick.schedule_name, when, styled_status(tick.status), tick.run_id or tick.error or "")
    console.print(table)
