"""The real daemon loop (``serve``, as ``headwater daemon`` runs it) on a fake clock, on SQLite and PostgreSQL.

Each test writes a code location, then runs :func:`headwater.scheduling.daemon.serve` with
the scheduler part, as ``headwater daemon -f FILE`` does, but with a :class:`FakeClock`: a
sleep of the loop ends at once with the clock at its deadline, so the loop runs through
minutes or days of fake time as fast as it can go. What happened is read back from the
run store. Where a test asserts what a run did, the coordinator in the loop launches it as
a real process (the fork launcher) and the loop goes on until the run has ended.

Fake times are counted from the real day's midnight (UTC), so what a service stamps with
the wall clock (a schedule's state) and relative dates (``days_ago``) agree with them.
"""

from __future__ import annotations

import heapq
import itertools
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from headwater.scheduling.daemon import Daemon, serve
from headwater.scheduling.limits import RunLimits
from headwater.scheduling.locations import WatchedLocations
from headwater.scheduling.scheduler import scheduler_part
from headwater.settings import Settings
from headwater.storage.instance import Instance
from headwater.storage.records import RunStatus

DAY = 86_400.0
#: the real day's midnight, UTC: fake times are counted from it
MIDNIGHT = (time.time() // DAY) * DAY
ENDED = (RunStatus.SUCCESS, RunStatus.FAILURE, RunStatus.CANCELED)


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> float:
    """``day`` days after the real day's midnight (UTC), at ``hour:minute:second``."""
    return MIDNIGHT + day * DAY + hour * 3600 + minute * 60 + second


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat()


class FakeClock:
    """A clock for the daemon's loop whose sleeps end at once, at their deadline.

    ``call_at(t, action)``: when a sleep would pass fake time ``t``, it ends at ``t`` and
    ``action()`` runs there, in the loop's thread (stop or start a schedule, jump ahead).
    ``stop_at(t)`` and ``stop_when(condition)`` stop the daemon. A loop that goes on too
    long (``max_sleeps``, or ``real_timeout`` seconds of real time) fails the test.
    """

    def __init__(self, start: float, *, max_sleeps: int = 20_000, real_timeout: float = 60.0) -> None:
        self.t = start
        self.max_sleeps = max_sleeps
        self.real_timeout = real_timeout
        self.sleeps = 0
        self.daemon: Daemon | None = None
        self._actions: list[tuple[float, int, Callable[[], object]]] = []
        self._order = itertools.count()
        self._conditions: list[Callable[[], bool]] = []
        self._started = time.monotonic()

    def now(self) -> float:
        return self.t

    def sleep_until(self, deadline: float, wake: Any) -> None:
        self.sleeps += 1
        assert self.sleeps <= self.max_sleeps, f"the loop slept {self.sleeps} times; fake time {iso(self.t)}"
        assert time.monotonic() - self._started < self.real_timeout, f"still looping at fake time {iso(self.t)}"
        if wake.is_set():
            return
        if self._actions and self._actions[0][0] <= deadline:
            moment, _, action = heapq.heappop(self._actions)
            self.t = max(self.t, moment)
            action()
            return
        self.t = max(self.t, deadline)
        if any(condition() for condition in self._conditions):
            self.stop()

    def call_at(self, moment: float, action: Callable[[], object]) -> None:
        heapq.heappush(self._actions, (moment, next(self._order), action))

    def stop_at(self, moment: float) -> None:
        self.call_at(moment, self.stop)

    def stop_when(self, condition: Callable[[], bool]) -> None:
        self._conditions.append(condition)

    def jump(self, moment: float) -> None:
        """Jump ahead to ``moment`` (a machine asleep, a process stalled)."""
        self.t = max(self.t, moment)

    def stop(self) -> None:
        assert self.daemon is not None, "the daemon has not started"
        self.daemon.stop()


def run_daemon(clock: FakeClock, source: Path, *, launch: bool = True, poll_interval: float = 0.1) -> None:
    """Run ``headwater daemon -f SOURCE`` (the loop of :func:`serve`) on ``clock`` until it stops the daemon.

    ``launch=False`` runs it with ``--max-concurrent-runs 0``: runs are queued, none started.
    """
    settings = Settings.discover()
    locations = WatchedLocations(file=str(source), working_dir=str(source.parent))

    def ready(daemon: Daemon) -> None:
        clock.daemon = daemon

    serve(
        settings, limits=None if launch else RunLimits(max_concurrent_runs=0), poll_interval=poll_interval,
        extra_parts=[scheduler_part(locations, settings)], on_ready=ready, clock=clock,
    )


def write(tmp_path: Path, source: str, name: str = "pipeline.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def scheduled_runs(instance: Instance) -> list[Any]:
    """The runs a schedule queued, oldest first (in the order they were created)."""
    runs = [r for r in instance.store.list_runs(limit=1000) if r.run_key]
    return sorted(runs, key=lambda r: r.created_at)


def all_ended(instance: Instance, count: int) -> Callable[[], bool]:
    """Whether ``count`` scheduled runs exist and have all ended; while runs go on, it waits
    a little real time, so the loop does not spin while real processes work."""

    def check() -> bool:
        runs = scheduled_runs(instance)
        if runs and any(r.status not in ENDED for r in runs):
            time.sleep(0.005)
            return False
        return len(runs) >= count

    return check


SEED = """
from headwater import DefaultScheduleStatus, ScheduleDefinition, asset, define_asset_job

@asset
def iris_raw() -> int:
    return 150

@asset
def iris_features(iris_raw: int) -> int:
    return iris_raw * 4

iris_ml_pipeline = define_asset_job("iris_ml_pipeline", selection="*")
schedule = ScheduleDefinition(job=iris_ml_pipeline, cron_schedule="0 0 * * *", default_status=DefaultScheduleStatus.RUNNING)
"""


def test_the_seed_schedule_fires_at_midnight_utc_and_its_run_succeeds(backend: str, tmp_path: Path) -> None:
    source = write(tmp_path, SEED)
    clock = FakeClock(at(0, 23, 59, 50))
    with Instance.get() as instance:
        clock.stop_when(all_ended(instance, 1))
        run_daemon(clock, source)
        (run,) = scheduled_runs(instance)
        assert clock.now() > at(1)
        assert run.run_key == f"schedule:iris_ml_pipeline_schedule:{iso(at(1))}"
        assert (run.job_name, run.status, run.error) == ("iris_ml_pipeline", RunStatus.SUCCESS, None)
        assert run.tags["dagster/scheduled_execution_time"] == iso(at(1))
        assert run.claimed_by == clock.daemon.daemon_id  # launched by the loop's coordinator
        steps = {s.step_key: s.status.value for s in instance.store.get_steps(run.run_id)}
        assert steps == {"iris_raw": "SUCCESS", "iris_features": "SUCCESS"}
        (tick,) = instance.store.get_ticks("iris_ml_pipeline_schedule")
        assert (tick.status, tick.run_id, tick.tick_time) == ("SUCCESS", run.run_id, at(1))
        assert instance.store.list_daemons() == []  # stopped cleanly
