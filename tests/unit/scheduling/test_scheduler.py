"""The scheduler part of the daemon, driven by a fake clock on SQLite and PostgreSQL.

Each test writes a small code location, builds a :class:`Scheduler` over the real store and
calls its ``tick(now)`` with the times it wants, as the daemon's loop does; what it fired
is read back from the run store (runs by run key) and the recorded ticks.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from headwater.scheduling.locations import WatchedLocations
from headwater.scheduling.scheduler import Scheduler
from headwater.storage.records import RunStatus

DAGSTER_SEED = """
from headwater import DefaultScheduleStatus, ScheduleDefinition, asset, define_asset_job

@asset
def raw():
    return 1

job = define_asset_job("iris_ml_pipeline", selection="*")
daily = ScheduleDefinition(job=job, cron_schedule="0 0 * * *", default_status=DefaultScheduleStatus.RUNNING)
"""

AIRFLOW_DAG = """
from datetime import datetime, timezone
from headwater.airflow import DAG, PythonOperator

with DAG("etl", schedule="@daily", start_date=datetime(2026, 1, 1, tzinfo=timezone.utc), catchup={catchup},
         max_active_runs={max_active_runs}, is_paused_upon_creation={paused}) as dag:
    PythonOperator(task_id="extract", python_callable=lambda: 1)
"""


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> float:
    return datetime(2026, 1, day, hour, minute, second, tzinfo=UTC).timestamp()


def location(tmp_path: Path, source: str, name: str = "pipeline.py") -> WatchedLocations:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return WatchedLocations(file=str(path), working_dir=str(tmp_path))


def scheduled_runs(store):
    runs = store.list_runs(limit=1000)
    return sorted((r for r in runs if r.run_key), key=lambda r: r.run_key)


def airflow(tmp_path: Path, *, catchup: bool, max_active_runs: int = 16, paused: object = False) -> WatchedLocations:
    return location(tmp_path, AIRFLOW_DAG.format(catchup=catchup, max_active_runs=max_active_runs, paused=paused))


def test_the_seed_schedule_fires_at_midnight_utc_with_its_job(any_instance, tmp_path) -> None:
    store = any_instance.store
    scheduler = Scheduler(any_instance, location(tmp_path, DAGSTER_SEED), holder="d1")
    scheduler.tick(at(1, 23, 59, 30))
    assert scheduled_runs(store) == []
    fired = scheduler.tick(at(2, 0, 0, 0))
    wait = scheduler.tick(at(2, 0, 0, 1))
    (run,) = scheduled_runs(store)
    assert (run.job_name, run.status) == ("iris_ml_pipeline", RunStatus.QUEUED)
    assert run.run_key == "schedule:iris_ml_pipeline_schedule:2026-01-02T00:00:00+00:00"
    assert run.tags["dagster/schedule_name"] == "iris_ml_pipeline_schedule"
    assert run.launch["job"] == "iris_ml_pipeline" and run.launch["location"]["file"].endswith("pipeline.py")
    (tick,) = store.get_ticks("iris_ml_pipeline_schedule")
    assert (tick.status, tick.run_id, tick.tick_time) == ("SUCCESS", run.run_id, at(2))
    # no second look at once after firing (the coordinator, ticked after it, claims the run): within a second
    assert 0 < fired <= 1.0 and 0 < wait <= 1.0


def test_a_paused_dag_does_not_fire_and_an_unpaused_one_does(any_instance, tmp_path) -> None:
    store = any_instance.store
    scheduler = Scheduler(any_instance, airflow(tmp_path, catchup=False, paused=None), holder="d1")
    scheduler.tick(at(5, 0, 0, 10))
    assert scheduled_runs(store) == []
    store.set_schedule_state("etl_schedule", "RUNNING")  # headwater dags unpause etl
    scheduler.tick(at(5, 0, 0, 20))
    (run,) = scheduled_runs(store)
    assert run.tags["data_interval_start"] == "2026-01-04T00:00:00+00:00"
    assert run.tags["data_interval_end"] == "2026-01-05T00:00:00+00:00"
    assert run.tags["logical_date"] == "2026-01-04T00:00:00+00:00"


def test_catchup_runs_every_missed_interval_oldest_first(any_instance, tmp_path) -> None:
    store = any_instance.store
    Scheduler(any_instance, airflow(tmp_path, catchup=True), holder="d1").tick(at(11, 0, 0, 30))
    runs = sorted(scheduled_runs(store), key=lambda r: r.created_at)
    assert [r.tags["logical_date"][:10] for r in runs] == [f"2026-01-{d:02d}" for d in range(1, 11)]
    assert all(r.tags["data_interval_end"] == (datetime.fromisoformat(r.tags["data_interval_start"])
                                               + timedelta(days=1)).isoformat() for r in runs)
    assert len(store.get_ticks("etl_schedule")) == 10


def test_without_catchup_only_the_latest_interval_runs_and_the_rest_are_recorded_skipped(any_instance, tmp_path) -> None:
    store = any_instance.store
    Scheduler(any_instance, airflow(tmp_path, catchup=False), holder="d1").tick(at(11, 0, 0, 30))
    (run,) = scheduled_runs(store)
    assert run.tags["logical_date"] == "2026-01-10T00:00:00+00:00"
    skipped, fired = sorted(store.get_ticks("etl_schedule"), key=lambda t: t.tick_time)
    assert (skipped.status, fired.status) == ("SKIPPED", "SUCCESS")
    assert "9 ticks" in skipped.error and "catchup=False" in skipped.error


def test_catchup_is_bounded_by_max_active_runs(any_instance, tmp_path) -> None:
    store = any_instance.store
    scheduler = Scheduler(any_instance, airflow(tmp_path, catchup=True, max_active_runs=3), holder="d1")
    scheduler.tick(at(11, 0, 0, 30))
    first = scheduled_runs(store)
    assert len(first) == 3
    scheduler.tick(at(11, 0, 0, 31))
    assert len(scheduled_runs(store)) == 3  # three active: the rest wait
    for run in first:
        store.update_run(run.run_id, status=RunStatus.SUCCESS)
    scheduler.tick(at(11, 0, 0, 32))
    runs = sorted(scheduled_runs(store), key=lambda r: r.tags["logical_date"])
    assert [r.tags["logical_date"][:10] for r in runs] == [f"2026-01-{d:02d}" for d in range(1, 7)]


def test_a_dagster_schedule_that_was_down_fires_only_its_latest_missed_tick(any_instance, tmp_path) -> None:
    store = any_instance.store
    scheduler = Scheduler(any_instance, location(tmp_path, DAGSTER_SEED), holder="d1")
    scheduler.tick(at(1, 12))
    scheduler.tick(at(2, 0, 0, 1))
    scheduler.tick(at(7, 6))  # down from the 2nd to the 7th
    fired = [r.tags["dagster/scheduled_execution_time"][:10] for r in scheduled_runs(store)]
    assert fired == ["2026-01-02", "2026-01-07"]
    skipped = [t for t in store.get_ticks() if t.status == "SKIPPED"]
    assert len(skipped) == 1 and "4 ticks" in skipped[0].error


def test_a_crash_between_queueing_and_recording_the_tick_queues_no_second_run(any_instance, tmp_path) -> None:
    store = any_instance.store
    from headwater.scheduling.submitting import submit_tick_run

    def dies_after_queueing(*args, **kwargs):
        submit_tick_run(*args, **kwargs)
        raise KeyboardInterrupt  # the process dies before the tick is recorded

    source = location(tmp_path, DAGSTER_SEED)
    Scheduler(any_instance, source, holder="d1").tick(at(1, 12))
    with pytest.raises(KeyboardInterrupt):
        Scheduler(any_instance, source, holder="d1", submit=dies_after_queueing).tick(at(2, 0, 0, 1))
    assert len(scheduled_runs(store)) == 1 and store.get_ticks() == []
    Scheduler(any_instance, source, holder="d1").tick(at(2, 0, 0, 2))  # restarted
    (run,) = scheduled_runs(store)
    (tick,) = store.get_ticks()
    assert tick.run_id == run.run_id


def test_two_schedulers_one_store_one_fires_the_other_takes_over_when_it_dies(any_instance, tmp_path) -> None:
    store = any_instance.store
    source = location(tmp_path, DAGSTER_SEED)
    first = Scheduler(any_instance, source, holder="a", lease_ttl=10)
    second = Scheduler(any_instance, source, holder="b", lease_ttl=10)
    first.tick(at(1, 23, 59, 55))
    second.tick(at(1, 23, 59, 56))
    first.tick(at(2, 0, 0, 0))
    second.tick(at(2, 0, 0, 0))
    assert len(scheduled_runs(store)) == 1
    # a dies (stops renewing); b holds off until the lease runs out, then fires the next tick
    assert second.tick(at(2, 0, 0, 5)) <= 1.0 and store.lease_holder("scheduler", now=at(2, 0, 0, 5)) == "a"
    second.tick(at(3, 0, 0, 1))
    assert store.lease_holder("scheduler", now=at(3, 0, 0, 1)) == "b"
    assert len(scheduled_runs(store)) == 2 and len(store.get_ticks()) == 2


def test_an_edited_code_location_is_read_again(any_instance, tmp_path) -> None:
    store = any_instance.store
    source = location(tmp_path, DAGSTER_SEED)
    scheduler = Scheduler(any_instance, source, holder="d1")
    scheduler.tick(at(1, 0, 30))
    hourly = DAGSTER_SEED + (
        'hourly = ScheduleDefinition(name="hourly", job=job, cron_schedule="@hourly", '
        "default_status=DefaultScheduleStatus.RUNNING)\n"
    )
    path = tmp_path / "pipeline.py"
    path.write_text(textwrap.dedent(hourly) + "\n# edited\n")
    scheduler.tick(at(1, 0, 40))
    scheduler.tick(at(1, 1, 0, 1))
    assert [t.schedule_name for t in store.get_ticks()] == ["hourly"]


ONCE_DAG = """
from datetime import datetime, timezone
from headwater.airflow import DAG, PythonOperator

with DAG("setup", schedule="@once", start_date=datetime(2026, 1, 3, 12, tzinfo=timezone.utc), catchup={catchup},
         is_paused_upon_creation=False) as dag:
    PythonOperator(task_id="create_tables", python_callable=lambda: 1)
"""


@pytest.mark.parametrize("catchup", [True, False])
def test_an_at_once_dag_runs_once_at_its_start_date_and_never_again(any_instance, tmp_path, catchup) -> None:
    """Airflow's OnceTimetable: one run, logical date = start_date, an empty data interval;
    catchup changes nothing, and neither does a restarted scheduler."""
    store = any_instance.store
    watched = location(tmp_path, ONCE_DAG.format(catchup=catchup))
    scheduler = Scheduler(any_instance, watched, holder="d1")
    wait = scheduler.tick(at(3, 11, 59, 59))
    assert scheduled_runs(store) == [] and 0 < wait <= 1.0
    scheduler.tick(at(3, 12, 0, 0))
    (run,) = scheduled_runs(store)
    start = "2026-01-03T12:00:00+00:00"
    assert run.run_key == f"schedule:setup_schedule:{start}" and run.job_name == "setup"
    assert (run.tags["logical_date"], run.tags["data_interval_start"], run.tags["data_interval_end"]) == (start,) * 3
    later = scheduler.tick(at(4))
    assert 0 < later <= 1.0  # nothing more is due, and the scheduler still looks once a second
    Scheduler(any_instance, watched, holder="d2").tick(at(20))  # a daemon restarted weeks later
    assert len(scheduled_runs(store)) == 1
    (tick,) = store.get_ticks("setup_schedule")
    assert (tick.status, tick.tick_time) == ("SUCCESS", at(3, 12))


def test_an_at_once_dag_unpaused_after_its_start_date_runs_once_then(any_instance, tmp_path) -> None:
    store = any_instance.store
    source = ONCE_DAG.format(catchup=False).replace("is_paused_upon_creation=False", "is_paused_upon_creation=None")
    scheduler = Scheduler(any_instance, location(tmp_path, source), holder="d1")
    scheduler.tick(at(5))
    assert scheduled_runs(store) == []
    store.set_schedule_state("setup_schedule", "RUNNING")  # headwater dags unpause setup
    scheduler.tick(at(5, 0, 0, 5))
    scheduler.tick(at(6))
    (run,) = scheduled_runs(store)
    assert run.tags["logical_date"] == "2026-01-03T12:00:00+00:00"
