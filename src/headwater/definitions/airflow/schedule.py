"""Airflow schedules as Headwater cron strings, and Airflow's time arguments as numbers.

A DAG's ``schedule`` (or the older ``schedule_interval``) may be:

=====================================  ==============================================
``"0 6 * * *"``, ``"@daily"``, ...      the cron string itself (presets expanded), read
                                        on the wall clock of the DAG's time zone
``"@once"``                             ``"@once at <start_date>"``: one run, at
                                        ``start_date`` (Airflow's ``OnceTimetable``); no
                                        schedule when the DAG has no ``start_date``
``None``, ``"@continuous"``             no schedule: the DAG runs when triggered
``timedelta(hours=6)``                  an interval of elapsed time counted from
                                        ``start_date`` (Airflow's
                                        ``DeltaDataIntervalTimetable``):
                                        ``"@every 21600s from 2024-01-01T00:00:00+00:00"``
=====================================  ==============================================

A ``timedelta`` is a duration, not a wall-clock time: as Airflow's time-zone docs say, a
DAG starting at midnight US/Eastern on ``timedelta(days=1)`` runs at 05:00 UTC every day,
summer or winter, while ``"0 0 * * *"`` follows the clock (04:00 UTC in summer).

Airflow's time arguments (``retry_delay``, ``execution_timeout``) are ``timedelta``\\ s; the
engine counts seconds, so :func:`seconds` converts either.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from headwater.definitions.cron import PRESETS, every, normalize_cron, once
from headwater.definitions.jobs import ScheduleDefinition
from headwater.errors import DefinitionError, InvalidCronError

__all__ = ["NO_SCHEDULE", "DagSchedule", "cron_for", "seconds", "timezone_name"]

#: Airflow schedules that mean "only when triggered"
NO_SCHEDULE = frozenset({"@continuous", "none"})
ONCE = "@once"


def seconds(value: Any, *, what: str) -> float | None:
    """``value`` (a ``timedelta`` or a number of seconds, or None) as seconds."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"{what} is a timedelta or a number of seconds, not {value!r}")


def timezone_name(start_date: datetime | None) -> str:
    """The IANA name of ``start_date``'s time zone (Airflow reads cron in it), UTC by default."""
    tz = start_date.tzinfo if start_date is not None else None
    if tz is None:
        return "UTC"
    for attribute in ("key", "name", "zone"):  # zoneinfo, pendulum, pytz
        name = getattr(tz, attribute, None)
        if isinstance(name, str) and "/" in name or name == "UTC":
            return str(name)
    return "UTC" if tz.utcoffset(None) in (None, timedelta(0)) else str(tz)


def cron_for(schedule: Any, start_date: datetime | None, *, where: str) -> str | None:
    """The cron string for an Airflow ``schedule``, or None when the DAG has no schedule.

    Raises:
        InvalidCronError: a string that is no cron expression or never fires, or an
            interval that is not a whole, positive number of seconds up to a century.
        TypeError: a schedule of another kind (a timetable or dataset list).
    """
    if schedule is None:
        return None
    if isinstance(schedule, str):
        if schedule.strip().lower() in NO_SCHEDULE:
            return None
        if schedule.strip().lower() == ONCE:
            # Airflow's OnceTimetable runs at start_date; with none it never runs
            return once(start_date, where=where) if start_date is not None else None
        return normalize_cron(schedule, where=where)
    if isinstance(schedule, timedelta):
        return _interval_cron(schedule, start_date, where)
    raise TypeError(
        f"{where}: schedule must be a cron string, a preset ({', '.join(sorted(PRESETS))}, @once), "
        f"None or a timedelta, not {schedule!r} (timetables and dataset schedules are not supported)"
    )


def _interval_cron(interval: timedelta, start_date: datetime | None, where: str) -> str:
    total = interval.total_seconds()
    if total <= 0 or total != int(total):
        raise InvalidCronError(
            f"{where}: a timedelta schedule must be a whole, positive number of seconds, not {interval}"
        )
    return every(interval, start_date if start_date is not None else datetime(1970, 1, 1, tzinfo=UTC), where=where)


class DagSchedule(ScheduleDefinition):
    """The schedule of an Airflow DAG: a cron string with Airflow's timing on top.

    The scheduler reads these the way Airflow's does: each tick runs the data interval that
    ends at it (:mod:`headwater.definitions.airflow.intervals`); the first interval starts
    at ``start_date``; with ``catchup`` every missed interval runs, oldest first, at most
    ``max_active_runs`` at once, and without it only the latest.
    """

    __slots__ = ("catchup", "dag_id", "max_active_runs", "start_date")

    dag_id: str
    start_date: datetime | None
    catchup: bool
    max_active_runs: int

    def __init__(
        self,
        name: str,
        *,
        dag_id: str,
        start_date: datetime | None,
        catchup: bool,
        max_active_runs: int,
        **schedule: Any,
    ) -> None:
        super().__init__(name, **schedule)
        if not isinstance(max_active_runs, int) or max_active_runs < 1:
            raise DefinitionError(f"DAG {dag_id!r}: max_active_runs must be a positive whole number, not {max_active_runs!r}")
        if start_date is not None and start_date.tzinfo is None:
            start_date = start_date.replace(tzinfo=UTC)  # Airflow reads a naive start_date as UTC
        object.__setattr__(self, "dag_id", dag_id)
        object.__setattr__(self, "start_date", start_date)
        object.__setattr__(self, "catchup", bool(catchup))
        object.__setattr__(self, "max_active_runs", max_active_runs)
