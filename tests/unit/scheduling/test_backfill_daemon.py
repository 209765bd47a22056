"""Detached backfills (``--detach``) driven by the daemon's backfill part, on SQLite and
PostgreSQL: each look queues runs while fewer than ``max_concurrent`` are going, and ends the
backfill when none is pending or going. The runs' outcomes are written to the store as a
real daemon's runs would write them.

::

    daily_events (daily) ──> daily_totals (daily)      job: daily_job
"""

from __future__ import annotations

import textwrap

import pytest

from headwater.definitions.loading import load_code_location
from headwater.errors import PlanError
from headwater.scheduling.backfill_daemon import BackfillDriver
from headwater.services.backfills import (
    KeyState,
    backfill_progress,
    cancel_backfill,
    drive,
    start_dag_backfill,
    start_job_backfill,
)
from headwater.storage.records import BackfillStatus, RunStatus

class Clock:
    """Fake time for the part: each look is a second after the last."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def going(instance, backfill_id: str) -> list:  # noqa: ANN001
    return [r for r in instance.store.backfill_runs(backfill_id) if not r.status.finished]


def finish(instance, runs, status: RunStatus = RunStatus.SUCCESS) -> None:  # noqa: ANN001
    for run in runs:
        instance.store.update_run(run.run_id, status=status, ended_at=1.0)


def test_a_detached_backfill_is_driven_at_most_n_at_once_each_partition_once(any_instance, location) -> None:  # noqa: ANN001
    created = start_job_backfill(
        any_instance, location, "daily_job", first="2026-01-01", last="2026-01-05", max_concurrent=2, detached=True
    )
    assert created.status is BackfillStatus.REQUESTED and any_instance.store.backfill_runs(created.backfill_id) == []
    driver, clock = BackfillDriver(any_instance, holder="d1"), Clock()
    driver.tick(clock())
    first = going(any_instance, created.backfill_id)
    assert [r.tags["dagster/partition"] for r in first] == ["2026-01-01", "2026-01-02"]
    assert all(r.status is RunStatus.QUEUED and r.run_key.startswith(f"backfill/{created.backfill_id}/") for r in first)
    driver.tick(clock())
    assert len(any_instance.store.backfill_runs(created.backfill_id)) == 2  # two going: no more
    while (runs := going(any_instance, created.backfill_id)):
        assert len(runs) <= 2
        finish(any_instance, runs[:1])
        driver.tick(clock())
    driver.tick(clock())
    progress = backfill_progress(any_instance, created.backfill_id)
    assert progress.backfill.status is BackfillStatus.COMPLETED_SUCCESS
    assert progress.count(KeyState.SUCCEEDED) == 5
    runs = any_instance.store.backfill_runs(created.backfill_id)
    assert sorted(r.tags["dagster/partition"] for r in runs) == [f"2026-01-0{d}" for d in range(1, 6)]


def test_a_restarted_daemon_queues_no_partition_twice(any_instance, location) -> None:  # noqa: ANN001
    created = start_job_backfill(
        any_instance, location, "daily_job", first="2026-01-01", last="2026-01-04", max_concurrent=3, detached=True
    )
    clock = Clock()
    BackfillDriver(any_instance, holder="d1").tick(clock())  # queues three, then "dies"
    assert len(going(any_instance, created.backfill_id)) == 3
    clock.now += 60  # its lease runs out
    restarted = BackfillDriver(any_instance, holder="d2")
    restarted.tick(clock())
    assert len(any_instance.store.backfill_runs(created.backfill_id)) == 3
    finish(any_instance, going(any_instance, created.backfill_id))
    restarted.tick(clock())
    finish(any_instance, going(any_instance, created.backfill_id))
    restarted.tick(clock())
    runs = any_instance.store.backfill_runs(created.backfill_id)
    assert len(runs) == 4 and len({r.tags["dagster/partition"] for r in runs}) == 4
    assert any_instance.store.get_backfill(created.backfill_id).status is BackfillStatus.COMPLETED_SUCCESS


def test_a_failed_run_ends_it_failed_and_cancel_stops_it(any_instance, location) -> None:  # noqa: ANN001
    failing = start_job_backfill(any_instance, location, "daily_job", partitions=["2026-01-01"], detached=True)
    driver, clock = BackfillDriver(any_instance, holder="d1"), Clock()
    driver.tick(clock())
    finish(any_instance, going(any_instance, failing.backfill_id), RunStatus.FAILURE)
    driver.tick(clock())
    ended = any_instance.store.get_backfill(failing.backfill_id)
    assert ended.status is BackfillStatus.COMPLETED_FAILED and "2026-01-01" in (ended.error or "")

    created = start_job_backfill(
        any_instance, location, "daily_job", first="2026-01-01", last="2026-01-06", max_concurrent=2, detached=True
    )
    driver.tick(clock())
    assert cancel_backfill(any_instance, created.backfill_id).status is BackfillStatus.CANCELING  # two going
    driver.tick(clock())
    assert len(any_instance.store.backfill_runs(created.backfill_id)) == 2  # nothing new
    finish(any_instance, going(any_instance, created.backfill_id))
    driver.tick(clock())
    assert any_instance.store.get_backfill(created.backfill_id).status is BackfillStatus.CANCELED
    idle = start_job_backfill(any_instance, location, "daily_job", partitions=["2026-01-09"], detached=True)
    assert cancel_backfill(any_instance, idle.backfill_id).status is BackfillStatus.CANCELED  # none going: at once


def test_a_detached_backfill_is_not_driven_here_as_well(instance, location) -> None:  # noqa: ANN001
    created = start_job_backfill(instance, location, "daily_job", partitions=["2026-01-01"], detached=True)
    with pytest.raises(PlanError, match="driven by headwater daemon"):
        drive(instance, location, created.backfill_id)


def test_up_to_date_partitions_are_skipped_when_it_is_recorded(instance, location) -> None:  # noqa: ANN001
    done = start_job_backfill(instance, location, "daily_job", partitions=["2026-01-01", "2026-01-02"])
    drive(instance, location, done.backfill_id)
    created = start_job_backfill(instance, location, "daily_job", first="2026-01-01", last="2026-01-03", detached=True)
    assert created.skipped == ["2026-01-01", "2026-01-02"]
    BackfillDriver(instance, holder="d1").tick(Clock()())
    assert [r.tags["dagster/partition"] for r in instance.store.backfill_runs(created.backfill_id)] == ["2026-01-03"]


def test_a_detached_dag_backfill_gives_each_run_its_data_interval(instance, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    dag_file = tmp_path / "etl.py"
    dag_file.write_text(textwrap.dedent("""
        from datetime import datetime, timezone
        from headwater.airflow import DAG, PythonOperator

        with DAG("etl", schedule="@daily", start_date=datetime(2026, 1, 1, tzinfo=timezone.utc)) as dag:
            PythonOperator(task_id="extract", python_callable=lambda: 1)
    """))
    monkeypatch.chdir(tmp_path)
    from datetime import UTC, datetime

    dag_location = load_code_location(file=str(dag_file))
    created = start_dag_backfill(
        instance, dag_location, "etl", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC), detached=True
    )
    BackfillDriver(instance, holder="d1").tick(Clock()())
    runs = instance.store.backfill_runs(created.backfill_id)
    assert [(r.tags["data_interval_start"][:10], r.tags["data_interval_end"][:10]) for r in runs] == [
        ("2026-01-01", "2026-01-02"), ("2026-01-02", "2026-01-03"), ("2026-01-03", "2026-01-04"),
    ]
    assert all(r.job_name == "etl" and r.launch["force"] for r in runs)


def test_only_unfinished_backfills_are_read_and_an_idle_part_looks_once_a_second(any_instance, location) -> None:  # noqa: ANN001
    foreground = start_job_backfill(any_instance, location, "daily_job", partitions=["2026-01-01"])
    drive(any_instance, location, foreground.backfill_id)
    store = any_instance.store
    assert store.list_backfills(statuses=[BackfillStatus.REQUESTED]) == []
    assert [b.backfill_id for b in store.list_backfills(statuses=[BackfillStatus.COMPLETED_SUCCESS])] == [
        foreground.backfill_id
    ]
    driver = BackfillDriver(any_instance, holder="d1")
    assert driver.tick(1000.0) == 1.0  # nothing detached to drive
    start_job_backfill(any_instance, location, "daily_job", partitions=["2026-01-02"], detached=True)
    assert driver.tick(1001.0) == 0.25
