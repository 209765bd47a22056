"""A run's log lines and events from a cursor, for showing a run and following it live.

Each entry carries the store's id; a page's ``cursor`` is the last id read (or the one given,
when nothing is new), so a live view polls with the cursor of the previous page::

    page = run_logs(instance, run_id)
    while not finished:
        page = run_logs(instance, run_id, after_id=page.cursor)   # only what is new
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from headwater.storage.records import Event, LogLine

if TYPE_CHECKING:
    from headwater.storage.instance import Instance

__all__ = ["EventEntry", "EventPage", "LogEntry", "LogPage", "run_events", "run_logs"]


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One captured line and its id (its place in the log; a cursor)."""

    id: int
    line: LogLine


@dataclass(frozen=True, slots=True)
class LogPage:
    """Log lines after a cursor, oldest first; ``cursor`` is where the next read starts."""

    entries: tuple[LogEntry, ...]
    cursor: int


@dataclass(frozen=True, slots=True)
class EventEntry:
    """One event of a run and its id (a cursor)."""

    id: int
    event: Event


@dataclass(frozen=True, slots=True)
class EventPage:
    """Events after a cursor, oldest first; ``cursor`` is where the next read starts."""

    entries: tuple[EventEntry, ...]
    cursor: int


def run_logs(
    instance: Instance,
    run_id: str,
    *,
    step_key: str | None = None,
    after_id: int = 0,
    limit: int | None = None,
) -> LogPage:
    """The lines ``run_id`` (or its step ``step_key``) printed or logged after ``after_id``.

    Args:
        instance: the stores.
        run_id: a full run id (see :func:`headwater.services.runs.find_run` for short ones).
        step_key: only this step's lines.
        after_id: a previous page's ``cursor``; 0 for the start.
        limit: at most this many lines.
    """
    read = instance.store.read_logs(run_id, step_key=step_key, after_id=after_id, limit=limit)
    entries = tuple(LogEntry(entry_id, line) for entry_id, line in read)
    return LogPage(entries, entries[-1].id if entries else after_id)


def run_events(instance: Instance, run_id: str, *, after_id: int = 0, limit: int | None = None) -> EventPage:
    """The events of ``run_id`` after ``after_id`` (0 for the start), oldest first."""
    read = instance.store.read_events(run_id, after_id=after_id, limit=limit)
    entries = tuple(EventEntry(entry_id, event) for entry_id, event in read)
    return EventPage(entries, entries[-1].id if entries else after_id)
