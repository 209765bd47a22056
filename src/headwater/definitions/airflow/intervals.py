"""Airflow's data intervals: which stretch of time each run of a scheduled DAG is for.

A DAG on ``@daily`` runs once a day *after* the day it is about: the run whose logical
date is 2026-01-01 has the data interval [2026-01-01 00:00, 2026-01-02 00:00) and starts at
2026-01-02 00:00, when its interval has ended. So, for a schedule's fire times
``t0 < t1 < t2 ...``:

* each interval runs from one fire time to the next, ``[t_i, t_i+1)``;
* its logical date (``ds``, ``ts``, ``logical_date``) is its start ``t_i``;
* it is due at its end ``t_i+1``, which is the scheduler's tick.

The scheduler asks :func:`interval_ending` (the tick is the end); ``headwater dags backfill
DAG_ID -s START -e END`` asks :func:`intervals_between` (every interval whose logical date
lies in ``[START, END]``, both ends included, as Airflow's backfill does); a run carries its
interval in its tags (:func:`interval_tags`), and a task reads it back
(:func:`interval_from_tags`) for ``data_interval_start``, ``data_interval_end`` and the rest
of its context. ``@once`` has one interval, empty, at ``start_date`` (Airflow's
``OnceTimetable``: ``data_interval_start == data_interval_end == logical_date``), and its
tick is at that instant.

Example::

    intervals_between("0 0 * * *", ZoneInfo("UTC"), datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC))
    # [DataInterval(2026-01-01, 2026-01-02), DataInterval(2026-01-02, 2026-01-03),
    #  DataInterval(2026-01-03, 2026-01-04)]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from headwater.definitions.cron import fire_times, is_once, next_fire_time, previous_fire_time

__all__ = [
    "DATA_INTERVAL_END_TAG",
    "DATA_INTERVAL_START_TAG",
    "LOGICAL_DATE_TAG",
    "DataInterval",
    "interval_ending",
    "interval_from_tags",
    "interval_starting",
    "interval_tags",
    "intervals_between",
]

LOGICAL_DATE_TAG = "logical_date"
DATA_INTERVAL_START_TAG = "data_interval_start"
DATA_INTERVAL_END_TAG = "data_interval_end"

_JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class DataInterval:
    """The stretch of time one run of a DAG is for: ``[start, end)``, aware datetimes."""

    start: datetime
    end: datetime

    @property
    def logical_date(self) -> datetime:
        """Airflow's logical date of the run: the interval's start."""
        return self.start


def interval_ending(expression: str, tz: ZoneInfo, end: datetime) -> DataInterval:
    """The interval that ends at the fire time ``end`` (the one a tick at ``end`` runs).

    Raises:
        InvalidCronError: the schedule has no fire time before ``end``.
    """
    if is_once(expression):
        return DataInterval(end.astimezone(tz), end.astimezone(tz))
    return DataInterval(previous_fire_time(expression, tz, end), end.astimezone(tz))


def interval_starting(expression: str, tz: ZoneInfo, start: datetime) -> DataInterval:
    """The interval that starts at the fire time ``start``.

    Raises:
        InvalidCronError: the schedule has no fire time after ``start``.
    """
    if is_once(expression):
        return DataInterval(start.astimezone(tz), start.astimezone(tz))
    return DataInterval(start.astimezone(tz), next_fire_time(expression, tz, start))


def intervals_between(expression: str, tz: ZoneInfo, first: datetime, last: datetime) -> list[DataInterval]:
    """Every interval whose logical date lies in ``[first, last]``, oldest first.

    Raises:
        InvalidCronError: the schedule runs past the end of the calendar.
    """
    if is_once(expression):
        return [DataInterval(t, t) for t in fire_times(expression, tz, first.astimezone(UTC) - _JUST_BEFORE) if t <= last]
    intervals: list[DataInterval] = []
    starts = fire_times(expression, tz, first.astimezone(UTC) - _JUST_BEFORE)
    start = next(starts)
    while start <= last:
        end = next(starts)
        intervals.append(DataInterval(start, end))
        start = end
    return intervals


def interval_tags(interval: DataInterval) -> dict[str, str]:
    """The run tags that carry ``interval`` to the run's tasks (ISO 8601 with offsets)."""
    return {
        LOGICAL_DATE_TAG: interval.logical_date.isoformat(),
        DATA_INTERVAL_START_TAG: interval.start.isoformat(),
        DATA_INTERVAL_END_TAG: interval.end.isoformat(),
    }


def interval_from_tags(tags: Mapping[str, str]) -> DataInterval | None:
    """The interval a run's tags carry, or None when they carry none."""
    start, end = tags.get(DATA_INTERVAL_START_TAG), tags.get(DATA_INTERVAL_END_TAG)
    if not start or not end:
        return None
    return DataInterval(_aware(start), _aware(end))


def _aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
