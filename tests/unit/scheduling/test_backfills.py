"""Backfills driven in this process, on SQLite and PostgreSQL.

::

    daily_events (daily) ──> daily_totals (daily)      job: daily_job
"""

from __future__ import annotations

import threading
import time

import pytest

from headwater.errors import BackfillNotFound, DefinitionError, PartitionKeyError
from headwater.scheduling.backfill import BackfillRun, drive_backfill, in_process_launcher
from headwater.services.backfills import (
    KeyState,
    backfill_progress,
    cancel_backfill,
    drive,
    list_backfills,
    start_job_backfill,
)
from headwater.storage.records import BackfillStatus, RunStatus

def test_a_30_day_backfill_materializes_each_partition_and_a_second_one_skips_them_all(any_instance, location) -> None:  # noqa: ANN001
    created = start_job_backfill(any_instance, location, "daily_job", first="2026-01-01", last="2026-01-30")
    assert len(created.keys) == 30 and created.keys[0] == "2026-01-01" and created.keys[-1] == "2026-01-30"
    first = drive(any_instance, location, created.backfill_id)
    assert first.backfill.status is BackfillStatus.COMPLETED_SUCCESS
    assert first.count(KeyState.SUCCEEDED) == 30
    stored = any_instance.store.latest_partition_materializations(["daily_events", "daily_totals"])
    assert len(stored["daily_events"]) == len(stored["daily_totals"]) == 30
    assert stored["daily_totals"]["2026-01-05"].partition == "2026-01-05"
    runs_before = len(any_instance.store.list_runs(limit=1000))

    again = start_job_backfill(any_instance, location, "daily_job", first="2026-01-01", last="2026-01-30")
    second = drive(any_instance, location, again.backfill_id)
    assert second.backfill.status is BackfillStatus.COMPLETED_SUCCESS
    assert second.count(KeyState.SKIPPED) == 30
    assert len(any_instance.store.list_runs(limit=1000)) == runs_before
    assert [p.backfill.backfill_id for p in list_backfills(any_instance)] == [again.backfill_id, created.backfill_id]


def test_runs_carry_the_backfill_and_partition_tags(instance, location) -> None:  # noqa: ANN001
    created = start_job_backfill(instance, location, "daily_job", partitions=["2026-01-03", "2026-01-07"])
    progress = drive(instance, location, created.backfill_id)
    runs = instance.store.backfill_runs(created.backfill_id)
    assert sorted(r.tags["dagster/partition"] for r in runs) == ["2026-01-03", "2026-01-07"]
    assert {r.tags["dagster/backfill"] for r in runs} == {created.backfill_id}
    assert {r.job_name for r in runs} == {"daily_job"}
    assert progress.runs["2026-01-07"] in {r.run_id for r in runs}


def test_a_failed_partition_fails_the_backfill_and_resuming_reruns_only_it(instance, location, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("FAIL_PARTITION", "2026-01-02")
    created = start_job_backfill(instance, location, "daily_job", first="2026-01-01", last="2026-01-03")
    failed = drive(instance, location, created.backfill_id)
    assert failed.backfill.status is BackfillStatus.COMPLETED_FAILED
    assert failed.keys["2026-01-02"] == KeyState.FAILED and "2026-01-02" in (failed.backfill.error or "")
    monkeypatch.delenv("FAIL_PARTITION")
    before = {r.run_id for r in instance.store.backfill_runs(created.backfill_id)}
    resumed = drive(instance, location, created.backfill_id)
    assert resumed.backfill.status is BackfillStatus.COMPLETED_SUCCESS
    new = [r for r in instance.store.backfill_runs(created.backfill_id) if r.run_id not in before]
    assert [r.tags["dagster/partition"] for r in new] == ["2026-01-02"]


def test_no_more_than_max_concurrent_runs_go_at_once(instance, location) -> None:  # noqa: ANN001
    created = start_job_backfill(instance, location, "daily_job", first="2026-01-01", last="2026-01-12", max_concurrent=3)
    running, most, lock = 0, 0, threading.Lock()
    inner = in_process_launcher(instance, location)

    def counting(request: BackfillRun) -> RunStatus:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.05)
            return inner(request)
        finally:
            with lock:
                running -= 1

    progress = drive_backfill(instance, location, created.backfill_id, launcher=counting)
    assert progress.count(KeyState.SUCCEEDED) == 12
    assert most == 3


def test_cancel_stops_new_runs(instance, location) -> None:  # noqa: ANN001
    created = start_job_backfill(instance, location, "daily_job", first="2026-01-01", last="2026-01-20", max_concurrent=1)
    inner = in_process_launcher(instance, location)
    seen: list[str] = []

    def cancel_after_two(request: BackfillRun) -> RunStatus:
        seen.append(request.key)
        if len(seen) == 2:
            cancel_backfill(instance, created.backfill_id)
        return inner(request)

    progress = drive_backfill(instance, location, created.backfill_id, launcher=cancel_after_two)
    assert progress.backfill.status is BackfillStatus.CANCELED
    assert len(seen) == 2 and progress.count(KeyState.PENDING) == 18
    resumed = drive_backfill(instance, location, created.backfill_id, launcher=cancel_after_two)
    assert resumed.backfill.status is BackfillStatus.COMPLETED_SUCCESS
    assert len(seen) == 20 and sorted(seen) == sorted(set(seen))


def test_a_backfill_with_no_driver_is_canceled_at_once(instance, location) -> None:  # noqa: ANN001
    created = start_job_backfill(instance, location, "daily_job", partitions=["2026-01-01"])
    assert cancel_backfill(instance, created.backfill_id).status is BackfillStatus.CANCELED
    assert backfill_progress(instance, created.backfill_id).keys == {"2026-01-01": KeyState.PENDING}


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"first": "2025-12-01", "last": "2025-12-31"}, PartitionKeyError, "holds no partition"),
        ({"first": "2026-01-10", "last": "2026-01-01"}, PartitionKeyError, "runs backwards"),
        ({"partitions": ["2026-01-01", "someday"]}, PartitionKeyError, "'someday' is not a partition of job 'daily_job'"),
        ({"partitions": ["2026-01-01"], "first": "2026-01-01"}, PartitionKeyError, "not both"),
    ],
)
def test_bad_ranges_fail_before_anything_is_recorded(instance, location, arguments, error, message) -> None:  # noqa: ANN001
    with pytest.raises(error, match=message):
        start_job_backfill(instance, location, "daily_job", **arguments)
    assert instance.store.list_backfills() == []


def test_unknown_jobs_and_backfills_are_reported(instance, location) -> None:  # noqa: ANN001
    with pytest.raises(DefinitionError, match="daily_jb"):
        start_job_backfill(instance, location, "daily_jb")
    with pytest.raises(BackfillNotFound, match="no backfill with id 'nope'"):
        backfill_progress(instance, "nope")
