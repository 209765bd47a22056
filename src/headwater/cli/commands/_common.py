"""What several commands do: read the shared run options, run with live output, exit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from headwater.execution.observer import RunObserver
    from headwater.execution.run import RunResult
    from headwater.services.launch import RunOptions
    from headwater.storage.instance import Instance

__all__ = ["parse_logical_date", "report_submitted", "run_options", "run_with_console"]


def run_options(
    *,
    executor: str | None = None,
    force: bool = False,
    max_concurrency: int | None = None,
    dask_address: str | None = None,
    pool_limit: list[str] | None = None,
    tags: dict[str, str] | None = None,
) -> RunOptions:
    """The run options of a command, checked: ``--pool-limit POOL=N`` and ``--dask-address`` among them."""
    from headwater.services.launch import RunOptions

    limits: dict[str, int] = {}
    for item in pool_limit or []:
        name, _, number = item.partition("=")
        if not name or not number.strip().isdigit() or int(number) < 1:
            raise typer.BadParameter(f"expected POOL=N with N >= 1, got {item!r}", param_hint="--pool-limit")
        limits[name.strip()] = int(number)
    config = {"dask_address": dask_address} if dask_address else {}
    return RunOptions(executor, force, max_concurrency, config, limits, dict(tags or {}))


def parse_logical_date(text: str | None, *, what: str = "LOGICAL_DATE") -> datetime:
    """A ``[LOGICAL_DATE]`` argument (or ``what``: an ISO date or date-time); now when None.

    A date or date-time without an offset is UTC, as Airflow's CLI reads one (in its
    ``[core] default_timezone``, ``utc`` unless set), not in the DAG's time zone: give the
    offset (``2026-01-01T00:00+01:00``) to mean another zone's midnight.
    """
    from datetime import UTC

    from headwater.cli.errors import fail

    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise fail(
            f"{what} {text!r} is not an ISO date or date-time (2024-01-31, 2024-01-31T06:00 or 2024-01-31T06:00+01:00)"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def run_with_console(start: Callable[[RunObserver], RunResult], *, quiet: bool) -> None:
    """Run ``start(observer)`` showing the run on the terminal; exit 0 on success, 1 on failure
    or cancel, 130 on Ctrl-C (the run is recorded canceled, and the terminal says so)."""
    from headwater.cli.console import ConsoleObserver

    global run_canceled
    observer = ConsoleObserver(quiet=quiet)
    try:
        result = start(observer)
    except KeyboardInterrupt:
        run_canceled = True
        observer.interrupted()
        raise typer.Exit(130) from None
    finally:
        observer.close()
    run_canceled = str(result.status) == "CANCELED"
    raise typer.Exit(0 if result.success else 1)


def report_submitted(run_id: str, instance: Instance) -> None:
    """Print a queued run's id on stdout (for scripts), and on stderr whether a daemon will run it."""
    from headwater.cli.console import error_console
    from headwater.services.queue import queue_status

    typer.echo(run_id)
    console = error_console()
    console.print(f"queued run {run_id}; follow it with: headwater runs show {run_id}", markup=False, highlight=False)
    if not queue_status(instance).daemon_running:
        console.print(
            "no daemon is running: the run waits QUEUED until one starts (headwater daemon)",
            style="yellow", markup=False, highlight=False,
        )


#: a run of this command was canceled: the process leaves without waiting for steps it
#: abandoned (a thread blocked in a step cannot be stopped), see ``headwater.cli.main``
run_canceled = False
