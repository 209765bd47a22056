"""A run's heartbeat and the compare-and-set writes that end runs, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from headwater.errors import FailureKind, RunNotFound
from headwater.storage.base import RunLiveness
from headwater.storage.records import Event, EventKind, Run, RunStatus, StepAttempt, StepRecord, StepStatus
from headwater.storage.sql.store import SqlStore


def started(run_id: str = "r1", heartbeat_at: float | None = 5.0) -> Run:
    return Run(run_id, RunStatus.STARTED, "*", created_at=1.0, started_at=1.0, heartbeat_at=heartbeat_at)


def test_the_store_keeps_runs_alive(store: SqlStore) -> None:
    assert isinstance(store, RunLiveness)


def test_a_beat_records_the_heartbeat_and_answers_the_status(store: SqlStore) -> None:
    store.add_run(started())
    assert store.beat("r1", 9.5) is RunStatus.STARTED
    assert store.get_run("r1").heartbeat_at == 9.5
    store.update_run("r1", status=RunStatus.CANCELING)
    assert store.beat("r1") is RunStatus.CANCELING  # a read only: the heartbeat stays
    assert store.get_run("r1").heartbeat_at == 9.5
    with pytest.raises(RunNotFound):
        store.beat("nope", 1.0)


def test_update_run_only_from_is_a_compare_and_set(store: SqlStore) -> None:
    store.add_run(started())
    assert store.update_run("r1", status=RunStatus.CANCELING, only_from=(RunStatus.STARTED,)) is True
    assert store.update_run("r1", status=RunStatus.CANCELING, only_from=(RunStatus.STARTED,)) is False
    assert store.update_run("r1", status=RunStatus.SUCCESS, ended_at=3.0, only_from=(RunStatus.QUEUED,)) is False
    assert store.get_run("r1").status is RunStatus.CANCELING
    with pytest.raises(RunNotFound):
        store.update_run("nope", status=RunStatus.SUCCESS, only_from=(RunStatus.STARTED,))


def test_a_lost_run_ends_once_with_its_steps_attempts_and_events(store: SqlStore) -> None:
    run = started()
    store.add_run(run)
    step = StepRecord("r1", "a", StepStatus.FAILURE, 1, 2.0, 5.0, error="lost", failure_kind=FailureKind.WORKER_LOST)
    attempt = StepAttempt("r1", "a", 1, StepStatus.FAILURE, 2.0, 5.0, "lost", failure_kind=FailureKind.WORKER_LOST)
    event = Event("r1", EventKind.RUN_FAILURE, 5.0, message="lost")

    def end() -> bool:
        return store.end_lost_run(
            run, status=RunStatus.FAILURE, ended_at=5.0, error="lost", steps=[step], attempts=[attempt], events=[event]
        )

    assert end() is True
    assert end() is False
    assert store.get_run("r1").status is RunStatus.FAILURE and store.get_run("r1").ended_at == 5.0
    assert store.get_steps("r1") == [step]
    assert store.get_attempts("r1") == [attempt]
    assert [e.kind for e in store.get_events("r1")] == [EventKind.RUN_FAILURE]


@pytest.mark.parametrize("heartbeat_at", [5.0, None])
def test_a_run_that_beat_since_it_was_read_is_not_ended(store: SqlStore, heartbeat_at: float | None) -> None:
    seen = started(heartbeat_at=heartbeat_at)
    store.add_run(seen)
    store.beat("r1", 7.0)
    assert store.end_lost_run(seen, status=RunStatus.FAILURE, ended_at=5.0, error="lost") is False
    assert store.get_run("r1").status is RunStatus.STARTED
