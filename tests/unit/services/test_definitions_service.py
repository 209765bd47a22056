"""Jobs, DAGs (from the loaded DAGs, not from tags), schedules with their state and ticks."""

from __future__ import annotations

from headwater.services.definitions import list_dags, list_jobs, list_schedules, list_sensors, schedule_ticks
from headwater.storage.records import ScheduleTick


def test_jobs(location) -> None:
    jobs = {job.name: job for job in list_jobs(location)}
    assert set(jobs) == {"model_job", "fake_dag", "nightly"}
    assert jobs["model_job"].selection == "group:model"
    assert jobs["model_job"].schedules == ("hourly",)
    assert jobs["model_job"].description == "Rebuild the model."
    assert jobs["nightly"].dag_id == "nightly"
    assert jobs["fake_dag"].dag_id is None


def test_dags_come_from_the_dags_not_from_tags(location) -> None:
    [dag] = list_dags(location)
    assert dag.dag_id == "nightly"
    assert dag.task_ids == ("extract", "load")
    assert dag.task_keys == ("nightly.extract", "nightly.load")
    assert dag.schedule == "0 3 * * *" and dag.schedule_name == "nightly_schedule"
    assert dag.tags == ("etl",) and dag.description == "Nightly load."
    assert dag.fileloc.endswith("services_mixed.py")


def test_schedules_with_state_and_ticks(any_instance, location) -> None:
    listed = {s.name: s for s in list_schedules(any_instance, location)}
    assert set(listed) == {"hourly", "nightly_schedule"}
    assert listed["hourly"].status == "RUNNING" and listed["hourly"].last_tick is None
    assert listed["nightly_schedule"].status == "STOPPED"
    any_instance.store.set_schedule_state("hourly", "STOPPED")
    tick = ScheduleTick("hourly", "hourly:1", 1.0, "SUCCESS", run_id="r1")
    assert any_instance.store.add_tick(tick)
    listed = {s.name: s for s in list_schedules(any_instance, location)}
    assert listed["hourly"].status == "STOPPED" and listed["hourly"].default_status == "RUNNING"
    assert listed["hourly"].last_tick == tick
    assert schedule_ticks(any_instance, "hourly") == [tick]
    assert schedule_ticks(any_instance, "nightly_schedule") == []
    assert list_sensors(location) == []
