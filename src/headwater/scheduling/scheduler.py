"""The scheduler: the daemon's part that fires due schedule ticks, exactly once each.

Each :meth:`Scheduler.tick` (the daemon calls it with the time) does, for every schedule of
the watched code locations that is ``RUNNING`` (as stored, else as its
``DefaultScheduleStatus`` says; an Airflow DAG is paused until unpaused unless
``is_paused_upon_creation=False``):

1. read its cursor: the time of its newest recorded tick (:meth:`last_tick_time`);
2. plan (:func:`~headwater.scheduling.ticks.plan_ticks`): which due ticks fire, which are
   skipped with what reason, which wait for ``max_active_runs``;
3. record the skipped range as one ``SKIPPED`` tick;
4. for each tick to fire, oldest first: evaluate the schedule (its function, if any),
   queue each run it asks for under the tick's run key, then record the tick (``SUCCESS``
   with its run ids, ``SKIPPED`` with the function's reason, ``FAILURE`` with its error).

Exactly once, whatever moment the process is killed at: a tick is recorded only after its
runs are queued, and the cursor is the newest recorded tick, so a tick whose record is
missing is planned again; queueing it again finds the run its key already names (the key
is unique in the run store) instead of queueing a second. Nothing is lost (the cursor
never passes an unrecorded tick) and nothing is done twice (the run key).

Two schedulers on one store do not both fire: each tick starts by taking or renewing the
``scheduler`` lease (:mod:`headwater.storage.sql.schedules`); the one that does not hold
it does nothing, and takes over when the holder stops renewing it (within ``lease_ttl``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from headwater.definitions.airflow.intervals import interval_ending, interval_tags
from headwater.definitions.airflow.schedule import DagSchedule
from headwater.definitions.cron import timezone
from headwater.definitions.jobs import DefaultScheduleStatus, ScheduleDefinition
from headwater.definitions.sensors import RunRequest, ScheduleEvaluationContext
from headwater.errors import HeadwaterError
from headwater.execution.ticks import evaluate_schedule
from headwater.scheduling.locations import LocationRef, WatchedLocations
from headwater.scheduling.submitting import submit_tick_run
from headwater.scheduling.ticks import first_tick_after, plan_ticks, tick_run_key
from headwater.storage.records import RunsFilter, RunStatus, ScheduleTick

if TYPE_CHECKING:
    from headwater.scheduling.daemon import PartFactory
    from headwater.settings import Settings
    from headwater.storage.instance import Instance
    from headwater.storage.sql.store import SqlStore

__all__ = ["LEASE_NAME", "SCHEDULE_TAG", "Scheduler", "TickStatus", "scheduler_part"]

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
#: the tag naming the schedule that started a run (Dagster's name)
SCHEDULE_TAG = "dagster/schedule_name"
SCHEDULED_TIME_TAG = "dagster/scheduled_execution_time"
_ACTIVE = (RunStatus.QUEUED, RunStatus.STARTED, RunStatus.CANCELING)
#: the longest the scheduler sleeps (it re-reads edited code locations this often)
_MAX_WAIT = 1.0


class TickStatus:
    """The outcomes a tick is recorded with (Dagster's words)."""

    SUCCESS = "SUCCESS"
    SKIPPED = "SKIPPED"
    FAILURE = "FAILURE"


class Scheduler:
    """Fires the due ticks of the watched schedules; one part of the daemon's loop.

    Args:
        instance: the stores runs are queued in and ticks recorded in.
        locations: the code locations whose schedules fire.
        holder: who takes the lease (the daemon's id).
        lease_ttl: seconds a lease lasts unless renewed; another scheduler takes over
            within this after the holder dies.
        submit: queues a tick's run (the run queue's; replaceable in tests).
    """

    name = "scheduler"

    def __init__(
        self,
        instance: Instance,
        locations: WatchedLocations,
        *,
        holder: str,
        lease_ttl: float = 10.0,
        submit: Callable[..., str] = submit_tick_run,
    ) -> None:
        self.instance = instance
        self.store = instance.store
        self.locations = locations
        self.holder = holder
        self.lease_ttl = lease_ttl
        self._submit = submit
        self._reported: dict[str, str] = {}
        #: nothing is due before this, unless a schedule's state or code changes, which the
        #: next full look (at ``_look_at``, at most ``_MAX_WAIT`` away) sees
        self._due = 0.0
        self._look_at = 0.0

    def close(self) -> None:
        """Give the lease up, so another scheduler takes over at once."""
        self.store.release_lease(LEASE_NAME, self.holder)

    def tick(self, now: float) -> float:
        """Fire what is due at ``now`` (epoch seconds); the seconds until something may be due.

        The daemon's loop calls this as often as its busiest part wants; between ticks that
        are due, and full looks at the schedules' states and code once a second, it returns
        at once without touching the store.
        """
        if now < self._due and now < self._look_at:
            return min(self._due, self._look_at) - now
        wait = self._tick(now)
        self._due, self._look_at = now + wait, now + _MAX_WAIT
        return wait

    def _tick(self, now: float) -> float:
        if not self.store.acquire_lease(LEASE_NAME, self.holder, ttl=self.lease_ttl, now=now):
            return min(_MAX_WAIT, self.lease_ttl / 3)
        moment = datetime.fromtimestamp(now, UTC)
        wait = min(_MAX_WAIT, self.lease_ttl / 3)
        loaded = self.locations.current()
        self._report_errors()
        states = self.store.get_schedule_states()
        for ref, location in loaded:
            for schedule in location.schedules.values():
                try:
                    wait = min(wait, self._evaluate(ref, schedule, states, moment))
                except HeadwaterError as exc:
                    log.error("schedule %s: %s", schedule.name, exc)
        return max(wait, 0.0)

    def _report_errors(self) -> None:
        for key, error in self.locations.errors.items():
            if self._reported.get(key) != error:
                kept = (
                    "its schedules keep their last good definitions" if self.locations.has_definitions(key)
                    else "it has no schedules until it loads"
                )
                log.error("cannot load %s (%s; it is read again when it changes): %s", key, kept, error)
        self._reported = dict(self.locations.errors)

    def _evaluate(self, ref: LocationRef, schedule: ScheduleDefinition, states: dict[str, str], now: datetime) -> float:
        name = schedule.name
        status = states.get(name)
        if status is None:
            if schedule.default_status is not DefaultScheduleStatus.RUNNING:
                return _MAX_WAIT
            # first seen running: its ticks count from now (stored, so a restart agrees)
            self.store.set_schedule_state(name, DefaultScheduleStatus.RUNNING, at=now.timestamp())
            states[name] = DefaultScheduleStatus.RUNNING
        elif status != DefaultScheduleStatus.RUNNING:
            return _MAX_WAIT
        cursor_time = self.store.last_tick_time(name)
        cursor = None if cursor_time is None else datetime.fromtimestamp(cursor_time, UTC)
        since = datetime.fromtimestamp(self.store.schedule_state_since(name) or now.timestamp(), UTC)
        plan = plan_ticks(schedule, cursor=cursor, since=since, now=now, active_runs=self._active_runs(schedule))
        if plan.skipped is not None:
            skipped = plan.skipped
            counted = f"{skipped.count} ticks" if skipped.count >= 0 else "more than 10,000 ticks"
            self.store.add_tick(ScheduleTick(
                name, f"{tick_run_key(name, skipped.last)}:skipped", skipped.last.timestamp(), TickStatus.SKIPPED,
                error=f"{counted} from {skipped.first.isoformat()} to {skipped.last.isoformat()} skipped: {skipped.reason}",
            ))
        for tick in plan.fire:
            self._fire(ref, schedule, tick)
        if plan.waiting:
            return _MAX_WAIT
        upcoming = first_tick_after(schedule, now)
        return _MAX_WAIT if upcoming is None else (upcoming - now).total_seconds()

    def _active_runs(self, schedule: ScheduleDefinition) -> int:
        if not isinstance(schedule, DagSchedule):
            return 0
        filters = RunsFilter(statuses=_ACTIVE, tags={SCHEDULE_TAG: schedule.name})
        return len(self.store.list_runs(limit=schedule.max_active_runs + 1, filters=filters))

    def _fire(self, ref: LocationRef, schedule: ScheduleDefinition, tick: datetime) -> None:
        name = schedule.name
        key = tick_run_key(name, tick)
        zone = timezone(schedule.execution_timezone)
        try:
            outcome = evaluate_schedule(schedule, ScheduleEvaluationContext(tick.astimezone(zone)))
        except HeadwaterError as exc:
            self.store.add_tick(ScheduleTick(name, key, tick.timestamp(), TickStatus.FAILURE, error=str(exc)))
            return
        if not outcome.run_requests:
            reason = outcome.skip_message or "the schedule's function asked for no run"
            self.store.add_tick(ScheduleTick(name, key, tick.timestamp(), TickStatus.SKIPPED, error=reason))
            return
        run_ids = []
        single = len(outcome.run_requests) == 1
        for index, request in enumerate(outcome.run_requests):
            run_key = key if single and request.run_key is None else f"{key}:{request.run_key or index}"
            run_ids.append(self._queue(ref, schedule, request, run_key, tick))
        self.store.add_tick(ScheduleTick(name, key, tick.timestamp(), TickStatus.SUCCESS, run_id=",".join(run_ids)))

    def _queue(
        self, ref: LocationRef, schedule: ScheduleDefinition, request: RunRequest, run_key: str, tick: datetime
    ) -> str:
        tags = {**dict(request.tags), SCHEDULE_TAG: schedule.name, SCHEDULED_TIME_TAG: tick.isoformat()}
        if isinstance(schedule, DagSchedule):
            tags.update(interval_tags(interval_ending(schedule.cron_schedule, timezone(schedule.execution_timezone), tick)))
        return self._submit(
            self.instance, ref, job=request.job_name or schedule.job_name, tags=tags, run_config=request.run_config,
            run_key=run_key,
        )


def scheduler_part(locations: WatchedLocations, settings: Settings, *, lease_ttl: float = 10.0) -> PartFactory:
    """What ``headwater daemon`` adds to its loop to fire the schedules of ``locations``."""

    def make(store: SqlStore, daemon_id: str) -> Scheduler:
        from headwater.storage.instance import Instance

        return Scheduler(Instance(settings, store), locations, holder=daemon_id, lease_ttl=lease_ttl)

    return make
