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
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from headwater.scheduling.daemon import Daemon, serve
from headwater.scheduling.limits import RunLimits
from headwater.scheduling.locations import WatchedLocations
from headwater.scheduling.scheduler import scheduler_part
from headwater.settings import Settings
from headwater.storage.instance import Instance
from headwater.storage.records import RunStatus

EXAMPLES = Path(__file__).parents[3] / "examples"
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

    def sleep_until(self, deadline: float, wake: threading.Event) -> None:
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


def run_daemon(clock: FakeClock, source: Path, *, launch: bool = True, poll_interval: float = 0.25) -> None:
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
        (run,) = instance.store.list_runs()
        assert clock.now() > at(1)
        assert (run.launch["job"], run.launch["location"]["file"]) == ("iris_ml_pipeline", str(source))
        assert run.run_key == f"schedule:iris_ml_pipeline_schedule:{iso(at(1))}"
        assert (run.job_name, run.status, run.error) == ("iris_ml_pipeline", RunStatus.SUCCESS, None)
        assert run.tags["dagster/scheduled_execution_time"] == iso(at(1))
        assert run.claimed_by == clock.daemon.daemon_id  # launched by the loop's coordinator
        steps = {s.step_key: s.status.value for s in instance.store.get_steps(run.run_id)}
        assert steps == {"iris_raw": "SUCCESS", "iris_features": "SUCCESS"}
        (tick,) = instance.store.get_ticks("iris_ml_pipeline_schedule")
        assert (tick.status, tick.run_id, tick.tick_time) == ("SUCCESS", run.run_id, at(1))
        assert instance.store.list_daemons() == []  # stopped cleanly


def service(action: Callable[..., object], source: Path, *args: Any, **kwargs: Any) -> Callable[[], None]:
    """An action for :meth:`FakeClock.call_at`: the service behind a CLI command, on ``source``."""
    from headwater.services.location import load_location

    def call() -> None:
        with Instance.get() as instance:
            action(instance, load_location(str(source)), *args, **kwargs)

    return call


def test_the_example_dag_fires_only_once_unpaused_then_at_each_interval_end(backend: str, tmp_path: Path) -> None:
    from headwater.services.schedules import set_dag_paused

    source = EXAMPLES / "airflow_iris_dag.py"  # @daily, start_date=days_ago(1), catchup=False, paused on creation
    clock = FakeClock(at(0, 23, 59, 55))
    clock.call_at(at(1, 0, 0, 5), service(set_dag_paused, source, "iris_classic", paused=False))
    clock.call_at(at(1, 0, 0, 10), lambda: clock.jump(at(1, 23, 59, 55)))  # the daemon sleeps through the day
    seen: dict[str, list[Any]] = {}
    with Instance.get() as instance:
        clock.call_at(at(1, 0, 0, 4), lambda: seen.setdefault("paused", scheduled_runs(instance)))
        clock.stop_at(at(2, 0, 0, 5))
        run_daemon(clock, source, launch=False)
        assert seen["paused"] == []  # paused across its interval's end: nothing fired
        unpaused, next_day = scheduled_runs(instance)
        ticks = sorted(instance.store.get_ticks("iris_classic_schedule"), key=lambda t: t.tick_time)
    assert [r.job_name for r in (unpaused, next_day)] == ["iris_classic", "iris_classic"]
    # unpaused: the latest complete interval at once (the one before it is skipped: catchup=False) ...
    assert (unpaused.tags["data_interval_start"], unpaused.tags["data_interval_end"]) == (iso(at(0)), iso(at(1)))
    assert unpaused.tags["logical_date"] == iso(at(0))
    # ... then the next at its interval's end
    assert (next_day.tags["data_interval_start"], next_day.tags["data_interval_end"]) == (iso(at(1)), iso(at(2)))
    assert [(t.status, t.tick_time) for t in ticks] == [("SKIPPED", at(0)), ("SUCCESS", at(1)), ("SUCCESS", at(2))]
    assert "catchup=False" in (ticks[0].error or "")


CATCHUP_DAG = """
from datetime import datetime, timezone
from headwater.airflow import DAG, PythonOperator

def extract(**context):
    with open({marks!r}, "a") as marks:
        marks.write(context["ds"] + " " + context["data_interval_end"].isoformat() + "\\n")

with DAG("etl", schedule="@daily", start_date=datetime.fromtimestamp({start}, timezone.utc), catchup={catchup},
         max_active_runs={max_active_runs}, is_paused_upon_creation=False) as dag:
    PythonOperator(task_id="extract", python_callable=extract)
"""


def catchup_dag(tmp_path: Path, *, catchup: bool, max_active_runs: int = 16) -> Path:
    """A daily DAG, unpaused, whose ``start_date`` is 10 days before the fake now (``at(0, 0, 0, 30)``)."""
    source = CATCHUP_DAG.format(
        marks=str(tmp_path / "marks.txt"), start=at(-10), catchup=catchup, max_active_runs=max_active_runs
    )
    return write(tmp_path, source)


def intervals(runs: list[Any]) -> list[tuple[str, str, str]]:
    return [(r.tags["logical_date"], r.tags["data_interval_start"], r.tags["data_interval_end"]) for r in runs]


DAILY_SINCE_START = [(iso(at(d)), iso(at(d)), iso(at(d + 1))) for d in range(-10, 0)]


def first_seconds(tmp_path: Path, *, catchup: bool) -> tuple[list[Any], list[Any]]:
    """The runs queued (oldest first) and the ticks recorded (newest first) in the daemon's first 5 seconds."""
    clock = FakeClock(at(0, 0, 0, 30))
    clock.stop_at(at(0, 0, 0, 35))
    run_daemon(clock, catchup_dag(tmp_path, catchup=catchup), launch=False)
    with Instance.get() as instance:
        return scheduled_runs(instance), instance.store.get_ticks("etl_schedule")


def test_catchup_over_a_10_day_gap_submits_10_runs_oldest_first(backend: str, tmp_path: Path) -> None:
    runs, ticks = first_seconds(tmp_path, catchup=True)
    assert intervals(runs) == DAILY_SINCE_START  # in the order they were created
    assert [r.run_key for r in runs] == [f"schedule:etl_schedule:{iso(at(d + 1))}" for d in range(-10, 0)]
    assert [t.tick_time for t in reversed(ticks)] == [at(d + 1) for d in range(-10, 0)]  # recorded oldest first
    assert {t.status for t in ticks} == {"SUCCESS"}


def test_without_catchup_one_run_of_the_latest_interval(backend: str, tmp_path: Path) -> None:
    runs, ticks = first_seconds(tmp_path, catchup=False)
    fired, skipped = ticks
    assert intervals(runs) == DAILY_SINCE_START[-1:]
    assert (fired.status, fired.run_id) == ("SUCCESS", runs[0].run_id)
    assert skipped.status == "SKIPPED" and "9 ticks" in (skipped.error or "") and "catchup=False" in (skipped.error or "")


def test_catchup_waits_for_max_active_runs_and_drops_nothing(backend: str, tmp_path: Path) -> None:
    clock = FakeClock(at(0, 0, 0, 30))
    held: dict[str, list[Any]] = {}
    with Instance.get() as instance:

        def finish_them() -> None:
            held["first"] = scheduled_runs(instance)
            for run in held["first"]:
                instance.store.update_run(run.run_id, status=RunStatus.SUCCESS)

        clock.call_at(at(0, 0, 0, 35), lambda: clock.jump(at(0, 0, 5)))
        clock.call_at(at(0, 0, 5), finish_them)  # minutes later, with nothing launched, the first 3 end
        clock.stop_at(at(0, 0, 5, 5))
        run_daemon(clock, catchup_dag(tmp_path, catchup=True, max_active_runs=3), launch=False)
        runs = scheduled_runs(instance)
        ticks = instance.store.get_ticks("etl_schedule")
    assert intervals(held["first"]) == DAILY_SINCE_START[:3]  # 3 active: the other 7 waited 5 minutes
    assert intervals(runs) == DAILY_SINCE_START[:6]  # then the next 3, oldest first
    assert [t.status for t in ticks] == ["SUCCESS"] * 6  # none skipped


def test_catchup_runs_every_interval_as_processes_never_more_than_max_active_runs_at_once(backend: str, tmp_path: Path) -> None:
    clock = FakeClock(at(0, 0, 0, 30))
    with Instance.get() as instance:
        clock.stop_when(all_ended(instance, 10))
        run_daemon(clock, catchup_dag(tmp_path, catchup=True, max_active_runs=3))
        runs = scheduled_runs(instance)
    assert intervals(runs) == DAILY_SINCE_START
    assert {r.status for r in runs} == {RunStatus.SUCCESS}
    for run in runs:  # when each run was queued, fewer than 3 others had not ended
        active = [r for r in runs if r.created_at < run.created_at and (r.ended_at or 0) > run.created_at]
        assert len(active) < 3, (run.tags["logical_date"], [r.tags["logical_date"] for r in active])
    # each task saw its own data interval (get_current_context's ds and data_interval_end)
    seen = sorted((tmp_path / "marks.txt").read_text().split("\n")[:-1])
    assert seen == [f"{iso(at(d))[:10]} {iso(at(d + 1))}" for d in range(-10, 0)]


def test_a_dagster_schedule_stopped_for_3_days_fires_only_its_latest_missed_tick_once_started(
    backend: str, tmp_path: Path
) -> None:
    from headwater.services.schedules import set_schedule_status

    source = write(tmp_path, SEED)
    name = "iris_ml_pipeline_schedule"
    clock = FakeClock(at(0, 23, 59, 55))
    clock.call_at(at(1, 0, 0, 5), service(set_schedule_status, source, name, running=False))
    clock.call_at(at(1, 0, 0, 10), lambda: clock.jump(at(4, 12)))  # stopped: 3 midnights go by
    clock.call_at(at(4, 12, 0, 1), service(set_schedule_status, source, name, running=True))
    clock.stop_at(at(4, 12, 0, 5))
    run_daemon(clock, source, launch=False)
    with Instance.get() as instance:
        runs = scheduled_runs(instance)
        ticks = sorted(instance.store.get_ticks(name), key=lambda t: t.tick_time)
    assert [r.tags["dagster/scheduled_execution_time"] for r in runs] == [iso(at(1)), iso(at(4))]
    assert [(t.status, t.tick_time) for t in ticks] == [("SUCCESS", at(1)), ("SKIPPED", at(3)), ("SUCCESS", at(4))]
    skipped = ticks[1].error or ""
    assert f"2 ticks from {iso(at(2))} to {iso(at(3))} skipped" in skipped and "stopped" in skipped


def test_a_daemon_down_for_3_days_fires_only_the_latest_missed_tick(backend: str, tmp_path: Path) -> None:
    source = write(tmp_path, SEED)
    first = FakeClock(at(0, 23, 59, 55))
    first.stop_at(at(1, 0, 0, 5))
    run_daemon(first, source, launch=False)
    restarted = FakeClock(at(4, 12))  # the daemon was down from the 1st to the 4th
    restarted.stop_at(at(4, 12, 0, 5))
    run_daemon(restarted, source, launch=False)
    with Instance.get() as instance:
        runs = scheduled_runs(instance)
        ticks = sorted(instance.store.get_ticks("iris_ml_pipeline_schedule"), key=lambda t: t.tick_time)
    assert [r.tags["dagster/scheduled_execution_time"] for r in runs] == [iso(at(1)), iso(at(4))]
    assert [t.status for t in ticks] == ["SUCCESS", "SKIPPED", "SUCCESS"] and "2 ticks" in (ticks[1].error or "")


@pytest.mark.slow
def test_the_examples_fire_once_started_and_their_runs_succeed(backend: str, tmp_path: Path) -> None:
    from headwater.services.schedules import set_dag_paused, set_schedule_status

    pipeline, dag = EXAMPLES / "iris_pipeline.py", EXAMPLES / "airflow_iris_dag.py"
    with Instance.get() as instance:
        # headwater schedules start iris_daily (@daily, STOPPED by default), then midnight comes
        clock = FakeClock(at(0, 23, 59, 55))
        clock.call_at(at(0, 23, 59, 56), service(set_schedule_status, pipeline, "iris_daily", running=True))
        clock.stop_when(all_ended(instance, 1))
        run_daemon(clock, pipeline)
        # headwater dags unpause iris_classic: its latest complete interval runs at once
        clock = FakeClock(at(1, 0, 1))
        clock.call_at(at(1, 0, 1, 1), service(set_dag_paused, dag, "iris_classic", paused=False))
        clock.stop_when(all_ended(instance, 2))
        run_daemon(clock, dag)
        iris, classic = scheduled_runs(instance)
        steps = {r.run_id: {s.step_key: s.status.value for s in instance.store.get_steps(r.run_id)} for r in (iris, classic)}
    assert (iris.job_name, iris.status, iris.run_key) == ("iris_ml_pipeline", RunStatus.SUCCESS, f"schedule:iris_daily:{iso(at(1))}")
    assert set(steps[iris.run_id].values()) == {"SUCCESS"} and len(steps[iris.run_id]) == 4
    assert (classic.job_name, classic.status, classic.tags["data_interval_end"]) == ("iris_classic", RunStatus.SUCCESS, iso(at(1)))
    assert set(steps[classic.run_id].values()) == {"SUCCESS"} and len(steps[classic.run_id]) == 4
