"""``headwater backfill JOB --from A --to B`` and ``headwater backfills list | show | cancel | resume``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from headwater.cli.errors import exits_on_error
from headwater.cli.options import BackfillDetachOption, FileOption, ModuleOption

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.services.backfills import BackfillProgress
    from headwater.storage.instance import Instance

__all__ = ["MaxConcurrentOption", "app", "backfill", "drive_with_progress", "report_detached"]

app = typer.Typer(no_args_is_help=True, help="List, show, cancel and resume backfills.")

BackfillArgument = Annotated[str, typer.Argument(metavar="BACKFILL_ID", help="The backfill's id (backfills list).")]
QueueOption = Annotated[
    bool,
    typer.Option("--queue", help="Submit each run to the run queue (headwater daemon runs it) instead of running it here."),
]
MaxConcurrentOption = Annotated[
    int, typer.Option("--max-concurrent", "-c", min=1, help="How many runs of the backfill may go at once.")
]
_STYLES = {
    "succeeded": "green", "skipped": "cyan", "failed": "red", "canceled": "yellow", "running": "blue", "pending": "dim",
}


@exits_on_error
def backfill(
    job: Annotated[str, typer.Argument(metavar="JOB", help="A partitioned job (headwater jobs list).")],
    first: Annotated[
        str | None, typer.Option("--from", metavar="KEY", help="The first partition (or date); the first one by default.")
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", metavar="KEY", help="The last partition (or date), included; the last one by default.")
    ] = None,
    partitions: Annotated[
        str | None, typer.Option("--partitions", metavar="A,B,C", help="These partitions, instead of a range.")
    ] = None,
    file: FileOption = None,
    module: ModuleOption = None,
    max_concurrent: MaxConcurrentOption = 4,
    force: Annotated[bool, typer.Option("--force", help="Run partitions that are already up to date too.")] = False,
    queue: QueueOption = False,
    detach: BackfillDetachOption = False,
) -> None:
    """Backfill a partitioned job: one run per partition, a few at once, with a progress bar.

    Partitions already materialized and current are skipped. Killed or stopped, it is
    resumed with `headwater backfills resume ID`: what succeeded is not run again. Exits 1
    when a run failed. With --detach it returns at once and `headwater daemon` drives it.
    """
    from headwater.services.backfills import start_job_backfill
    from headwater.services.location import load_location, open_instance

    location = load_location(file, module)
    keys = [key for key in partitions.split(",")] if partitions is not None else None
    with open_instance() as instance:
        created = start_job_backfill(
            instance, location, job, first=first, last=last, partitions=keys, max_concurrent=max_concurrent,
            detached=detach, force=force,
        )
        if detach:
            report_detached(instance, created.backfill_id)
            return
        drive_with_progress(instance, location, created.backfill_id, force=force, queued=queue)


def report_detached(instance: Instance, backfill_id: str) -> None:
    """Print a detached backfill's id on stdout (for scripts), and on stderr who drives it."""
    from headwater.cli.console import error_console
    from headwater.services.queue import queue_status

    typer.echo(backfill_id)
    console = error_console()
    console.print(
        f"backfill {backfill_id} recorded; headwater daemon drives it: follow it with headwater backfills show {backfill_id}",
        markup=False, highlight=False,
    )
    if not queue_status(instance).daemon_running:
        console.print(
            "no daemon is running: the backfill waits until one starts (headwater daemon)",
            style="yellow", markup=False, highlight=False,
        )


def drive_with_progress(
    instance: Instance, location: CodeLocation, backfill_id: str, *, force: bool = False, queued: bool = False
) -> None:
    """Drive a backfill in this process with a progress bar; exit 0, or 1 when it did not succeed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from headwater.cli.console import error_console, out_console
    from headwater.services.backfills import drive

    error_console().print(f"Backfill {backfill_id}", highlight=False)
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(), console=error_console(), transient=False,
    ) as bar:
        task = bar.add_task("backfill", total=None, detail="")

        def show(progress: BackfillProgress) -> None:
            finished = progress.done + progress.count("failed") + progress.count("canceled")
            bar.update(task, total=len(progress.keys), completed=finished, detail=_summary(progress))

        result = drive(instance, location, backfill_id, on_progress=show, force=force, queued=queued)
        show(result)
    status = result.backfill.status.value
    out_console().print(f"Backfill {backfill_id} {status}: {len(result.keys)} keys: {_summary(result)}", highlight=False)
    if result.backfill.error:
        out_console().print(result.backfill.error, highlight=False)
    raise typer.Exit(0 if status == "COMPLETED_SUCCESS" else 1)


def _summary(progress: BackfillProgress) -> str:
    parts = [f"{progress.count(state)} {state}" for state in _STYLES if progress.count(state)]
    return ", ".join(parts) or "nothing yet"


@app.command("list")
@exits_on_error
def list_backfills(limit: Annotated[int, typer.Option("--limit", "-n", min=1)] = 20) -> None:
    """List backfills, newest first, with how far each got."""
    from rich.table import Table

    from headwater.cli.console import out_console
    from headwater.cli.render import format_time
    from headwater.services.backfills import list_backfills as listing
    from headwater.services.location import open_instance

    with open_instance(sweep=False) as instance:
        found = listing(instance, limit=limit)
    if not found:
        out_console().print("No backfills yet.")
        return
    table = Table(title="Backfills", title_justify="left")
    for column in ("id", "target", "status", "keys", "progress", "created"):
        table.add_column(column, no_wrap=column in ("id", "created"))
    for progress in found:
        b = progress.backfill
        keys = f"{b.keys[0]} .. {b.keys[-1]}" if len(b.keys) > 1 else (b.keys[0] if b.keys else "-")
        table.add_row(b.backfill_id, f"{b.kind} {b.target}", b.status.value, keys, _summary(progress), format_time(b.created_at))
    out_console().print(table)


@app.command("show")
@exits_on_error
def show_backfill(backfill_id: BackfillArgument) -> None:
    """Show a backfill: each key with its state and run."""
    from rich.table import Table
    from rich.text import Text

    from headwater.cli.console import out_console
    from headwater.services.backfills import backfill_progress
    from headwater.services.location import open_instance

    with open_instance(sweep=False) as instance:
        progress = backfill_progress(instance, backfill_id)
    b = progress.backfill
    console = out_console()
    driver = ", driven by headwater daemon" if b.launch.get("detached") else ""
    console.print(
        f"Backfill {b.backfill_id}: {b.kind} {b.target}, {b.status.value}, at most {b.max_concurrent} at once{driver}",
        highlight=False,
    )
    console.print(_summary(progress), highlight=False)
    if b.error:
        console.print(b.error, style="red", highlight=False)
    table = Table(title_justify="left")
    table.add_column("partition" if b.kind == "job" else "logical date", no_wrap=True)
    table.add_column("state")
    table.add_column("run", no_wrap=True)
    for key, state in progress.keys.items():
        table.add_row(key, Text(state, style=_STYLES.get(state, "")), progress.runs.get(key, "-"))
    console.print(table)


@app.command("cancel")
@exits_on_error
def cancel(backfill_id: BackfillArgument) -> None:
    """Stop a backfill: no new run starts (runs going finish)."""
    from headwater.cli.console import out_console
    from headwater.services.backfills import cancel_backfill
    from headwater.services.location import open_instance

    with open_instance(sweep=False) as instance:
        result = cancel_backfill(instance, backfill_id)
    out_console().print(f"Backfill {backfill_id} {result.status.value}", highlight=False)


@app.command("resume")
@exits_on_error
def resume(backfill_id: BackfillArgument, file: FileOption = None, module: ModuleOption = None,
           force: Annotated[bool, typer.Option("--force", help="Run up-to-date partitions too.")] = False,
           queue: QueueOption = False) -> None:
    """Resume a backfill that was killed, canceled or had failures: what succeeded is not run again."""
    from headwater.services.backfills import location_of
    from headwater.services.location import load_location, open_instance

    with open_instance() as instance:
        stored_file, stored_module = location_of(instance, backfill_id)
        location = load_location(file or (stored_file if module is None else None), module or stored_module)
        drive_with_progress(instance, location, backfill_id, force=force, queued=queue)
