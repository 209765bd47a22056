"""Runs whose heartbeat stopped are closed as lost, on SQLite and PostgreSQL.

Each case writes runs as a run's process would have left them (STARTED or CANCELING, a
heartbeat at some time, steps RUNNING), then judges them at a chosen ``now``.
"""

from __future__ import annotations

from headwater.errors import FailureKind
from headwater.execution.heartbeat import TIMEOUT_TAG
from headwater.scheduling.recovery import LOST, close_lost_runs
from headwater.storage.records import EventKind, Run, RunStatus, StepRecord, StepStatus
from headwater.storage.sql.store import SqlStore


def open_run(store: SqlStore, run_id: str, heartbeat_at: float | None, *, status: RunStatus = RunStatus.STARTED,
             tags: dict[str, str] | None = None) -> None:
    store.add_run(Run(run_id, status, "*", created_at=100.0, started_at=100.0, heartbeat_at=heartbeat_at, tags=tags or {}))
    store.upsert_steps([
        StepRecord(run_id, "done", StepStatus.SUCCESS, 1, 100.0, 101.0),
        StepRecord(run_id, "train", StepStatus.RUNNING, 2, 101.0),
    ])


def test_a_run_silent_past_its_timeout_fails_as_lost_when_last_heard_of(store: SqlStore) -> None:
    open_run(store, "lost", heartbeat_at=150.0)
    open_run(store, "alive", heartbeat_at=205.0)
    assert close_lost_runs(store, now=211.0, default_timeout=60.0) == ["lost"]
    run = store.get_run("lost")
    assert (run.status, run.error, run.ended_at) == (RunStatus.FAILURE, LOST, 150.0)
    steps = {s.step_key: s for s in store.get_steps("lost")}
    assert steps["done"].status is StepStatus.SUCCESS
    train = steps["train"]
    assert (train.status, train.error, train.failure_kind, train.ended_at) == (
        StepStatus.FAILURE, LOST, FailureKind.WORKER_LOST, 150.0
    )
    (attempt,) = store.get_attempts("lost", "train")
    assert (attempt.attempt, attempt.status, attempt.failure_kind) == (2, StepStatus.FAILURE, FailureKind.WORKER_LOST)
    assert [e.kind for e in store.get_events("lost")] == [EventKind.STEP_FAILURE, EventKind.RUN_FAILURE]
    assert store.get_run("alive").status is RunStatus.STARTED
    assert close_lost_runs(store, now=211.0, default_timeout=60.0) == []  # once


def test_a_run_never_heard_of_since_its_start_counts_from_its_start(store: SqlStore) -> None:
    open_run(store, "r", heartbeat_at=None)
    assert close_lost_runs(store, now=150.0, default_timeout=60.0) == []
    assert close_lost_runs(store, now=161.0, default_timeout=60.0) == ["r"]
    assert store.get_run("r").ended_at == 100.0


def test_each_run_is_judged_by_the_timeout_it_beats_for(store: SqlStore) -> None:
    open_run(store, "patient", heartbeat_at=150.0, tags={TIMEOUT_TAG: "600"})
    open_run(store, "hasty", heartbeat_at=150.0, tags={TIMEOUT_TAG: "2"})
    assert close_lost_runs(store, now=153.0, default_timeout=60.0) == ["hasty"]
    assert store.get_run("patient").status is RunStatus.STARTED


def test_a_run_lost_while_canceling_ends_canceled(store: SqlStore) -> None:
    open_run(store, "c", heartbeat_at=150.0, status=RunStatus.CANCELING)
    assert close_lost_runs(store, now=300.0, default_timeout=60.0) == ["c"]
    assert store.get_run("c").status is RunStatus.CANCELED
    train = {s.step_key: s for s in store.get_steps("c")}["train"]
    assert train.status is StepStatus.CANCELED and train.failure_kind is None
    assert [e.kind for e in store.get_events("c")] == [EventKind.STEP_CANCELED, EventKind.RUN_CANCELED]


def test_ended_and_queued_runs_are_left_alone(store: SqlStore) -> None:
    store.add_run(Run("q", RunStatus.QUEUED, "*", created_at=1.0))
    store.add_run(Run("s", RunStatus.SUCCESS, "*", created_at=1.0, started_at=1.0, ended_at=2.0))
    assert close_lost_runs(store, now=10_000.0, default_timeout=60.0) == []
