"""Which ticks of a schedule are due, and which are skipped: the catch-up policy, as pure functions.

State: a schedule's *cursor* is the time of the newest tick it has handled (fired or
recorded as skipped); with none yet, ``since`` is when it was first seen running. Every
tick after the cursor and at or before ``now`` is due, and the policy decides what becomes
of each, as each dialect means it:

=====================================  =====================================================
Dagster schedule                        only the latest due tick fires; the earlier ones (the
                                        schedule was stopped, or no scheduler ran) are skipped
Airflow DAG, ``catchup=False``          only the latest interval runs; the earlier are skipped
Airflow DAG, ``catchup=True``           every due interval runs, oldest first, while fewer
                                        than ``max_active_runs`` runs of the DAG are active;
                                        the rest wait (nothing skipped)
=====================================  =====================================================

A DAG's first interval starts at its ``start_date`` (the first fire time at or after it),
so its first tick is the end of that interval; a Dagster schedule's first tick is the first
fire time after ``since``. A DAG on ``@once`` (Airflow's ``OnceTimetable``) has one tick,
at its ``start_date``, whatever ``catchup`` says: once it is handled the cursor is there and
nothing after it is ever due. Skipped ticks are summarized as one range with its reason, so a
schedule stopped for a year does not record half a million rows.

Example::

    plan = plan_ticks(daily, cursor=None, since=t0, now=t0 + 10 days)
    plan.fire       # [the latest midnight]
    plan.skipped    # SkippedTicks(first=..., last=..., count=9, reason="...")

Nothing here reads the store or the clock: :mod:`headwater.scheduling.scheduler` does, and
the tests drive this with any times they like.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice

from headwater.definitions.airflow.schedule import DagSchedule
from headwater.definitions.cron import fire_times, is_once, next_fire_time, once_time, previous_fire_time, timezone
from headwater.definitions.jobs import ScheduleDefinition

__all__ = ["SkippedTicks", "TickPlan", "first_tick_after", "plan_ticks", "tick_run_key"]

_JUST_AFTER = timedelta(microseconds=1)

MISSED_REASON = (
    "missed while the schedule was stopped or no scheduler was running; a schedule fires only its latest missed tick"
)
NO_CATCHUP_REASON = "catchup=False: only the latest interval runs"


@dataclass(frozen=True, slots=True)
class SkippedTicks:
    """Ticks that are due and will never fire: ``count`` of them, ``first`` to ``last``."""

    first: datetime
    last: datetime
    count: int
    reason: str


@dataclass(frozen=True, slots=True)
class TickPlan:
    """What to do at ``now``: record ``skipped`` (if any), then fire ``fire`` in order (UTC)."""

    fire: list[datetime] = field(default_factory=list)
    skipped: SkippedTicks | None = None
    #: due ticks held back by ``max_active_runs``
    waiting: bool = False


def tick_run_key(schedule_name: str, tick: datetime) -> str:
    """The run key of ``schedule_name``'s tick at ``tick``: one run per tick, ever."""
    return f"schedule:{schedule_name}:{tick.astimezone(UTC).isoformat()}"


def first_tick_after(schedule: ScheduleDefinition, moment: datetime) -> datetime | None:
    """The schedule's first tick strictly after ``moment``, in UTC; None when it has none
    (a ``@once`` schedule past its one tick)."""
    zone = timezone(schedule.execution_timezone)
    return next((t.astimezone(UTC) for t in fire_times(schedule.cron_schedule, zone, moment)), None)


def _start(schedule: ScheduleDefinition, cursor: datetime | None, since: datetime) -> datetime:
    """Ticks strictly after this are due."""
    if cursor is not None:
        return cursor
    if is_once(schedule.cron_schedule):
        return once_time(schedule.cron_schedule) - _JUST_AFTER
    if isinstance(schedule, DagSchedule) and schedule.start_date is not None:
        # the first interval starts at the first fire time at or after start_date
        zone = timezone(schedule.execution_timezone)
        return next_fire_time(schedule.cron_schedule, zone, schedule.start_date.astimezone(UTC) - _JUST_AFTER).astimezone(UTC)
    return since


def plan_ticks(
    schedule: ScheduleDefinition,
    *,
    cursor: datetime | None,
    since: datetime,
    now: datetime,
    active_runs: int = 0,
) -> TickPlan:
    """What to do with ``schedule``'s due ticks at ``now``.

    Args:
        cursor: the newest tick handled, or None.
        since: when the schedule was first seen running (the start when there is no cursor).
        now: the current time.
        active_runs: the schedule's runs queued or running now (Airflow's max_active_runs counts them).

    Raises:
        InvalidCronError: the schedule runs past the end of the calendar.
    """
    zone = timezone(schedule.execution_timezone)
    start = _start(schedule, cursor, since)
    if start >= now:
        return TickPlan()
    catchup = isinstance(schedule, DagSchedule) and schedule.catchup
    room = schedule.max_active_runs - active_runs if isinstance(schedule, DagSchedule) else 1
    if catchup:
        due = list(islice((t.astimezone(UTC) for t in fire_times(schedule.cron_schedule, zone, start)), max(room, 1)))
        due = [t for t in due if t <= now]
        if room <= 0:
            return TickPlan(waiting=bool(due))
        return TickPlan(fire=due)
    latest = previous_fire_time(schedule.cron_schedule, zone, now + _JUST_AFTER).astimezone(UTC)
    if latest <= start:
        return TickPlan()
    if room <= 0:
        return TickPlan(waiting=True)
    skipped = None
    first = first_tick_after(schedule, start)
    if first is not None and first < latest:
        last = previous_fire_time(schedule.cron_schedule, zone, latest).astimezone(UTC)
        reason = NO_CATCHUP_REASON if isinstance(schedule, DagSchedule) else MISSED_REASON
        skipped = SkippedTicks(first, last, _count(schedule, zone, first, last), reason)
    return TickPlan(fire=[latest], skipped=skipped)


def _count(schedule: ScheduleDefinition, zone: object, first: datetime, last: datetime, limit: int = 10_000) -> int:
    """How many ticks from ``first`` to ``last`` (counted up to ``limit``; -1 beyond it)."""
    count = 0
    for tick in fire_times(schedule.cron_schedule, timezone(schedule.execution_timezone), first - _JUST_AFTER):
        if tick > last:
            return count
        count += 1
        if count > limit:
            return -1
    return count
