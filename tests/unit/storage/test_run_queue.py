"""The run queue and daemon registry of the store, on SQLite and PostgreSQL (the ``store`` fixture)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from headwater.errors import RunKeyTaken
from headwater.storage.base import DaemonRegistry, RunQueue
from headwater.storage.records import DaemonRecord, EventKind, Run, RunStatus
from headwater.storage.sql.store import SqlStore


def queued(run_id: str, created_at: float = 1.0, **kw: object) -> Run:
    return Run(run_id=run_id, status=RunStatus.QUEUED, selection="*", created_at=created_at, **kw)  # type: ignore[arg-type]


def take_all(in_flight: Sequence[Run], candidates: Sequence[Run]) -> list[str]:
    return [run.run_id for run in candidates]


def test_implements_the_queue_protocols(store: SqlStore) -> None:
    assert isinstance(store, RunQueue)
    assert isinstance(store, DaemonRegistry)


def test_enqueue_records_the_run_and_its_event(store: SqlStore) -> None:
    run = queued("r1", launch={"selection": "*", "location": {"file": "/p.py"}}, priority=3, run_key="k1")
    store.enqueue_run(run)
    assert store.get_run("r1") == run
    assert [e.kind for e in store.get_events("r1")] == [EventKind.RUN_ENQUEUED]
    assert store.get_run_by_key("k1") == run
    assert store.get_run_by_key("k2") is None
    assert store.count_queued() == 1


def test_a_run_key_is_used_once(store: SqlStore) -> None:
    store.enqueue_run(queued("r1", run_key="tick-1"))
    with pytest.raises(RunKeyTaken) as raised:
        store.enqueue_run(queued("r2", run_key="tick-1"))
    assert raised.value.run_id == "r1"
    assert "tick-1" in str(raised.value) and "r1" in str(raised.value)
    assert [r.run_id for r in store.list_runs()] == ["r1"]
    assert store.get_events("r2") == []


def test_claims_go_by_priority_then_age_and_once(store: SqlStore) -> None:
    store.enqueue_run(queued("old", 1.0))
    store.enqueue_run(queued("new", 2.0))
    store.enqueue_run(queued("urgent", 3.0, priority=5))
    claimed = store.claim_runs("c1", lambda flying, candidates: [c.run_id for c in candidates][:2])
    assert [r.run_id for r in claimed] == ["urgent", "old"]
    assert all(r.claimed_by == "c1" for r in claimed)
    assert store.get_run("urgent").claimed_by == "c1"
    # the claimed runs are in flight now; the other claimer sees them and only "new" is left
    seen: list[list[str]] = []

    def spy(flying: Sequence[Run], candidates: Sequence[Run]) -> list[str]:
        seen.append(sorted(r.run_id for r in flying))
        return [c.run_id for c in candidates]

    assert [r.run_id for r in store.claim_runs("c2", spy)] == ["new"]
    assert seen == [["old", "urgent"]]
    assert store.claim_runs("c3", take_all) == []


def test_starting_a_claimed_run_needs_the_claim(store: SqlStore) -> None:
    store.enqueue_run(queued("r1"))
    [run] = store.claim_runs("c1", take_all)
    started = dataclasses.replace(run, status=RunStatus.STARTED, started_at=5.0, pid=7, hostname="h", tags={"a": "b"})
    assert not store.start_claimed_run(started, "someone-else")
    assert store.start_claimed_run(started, "c1")
    after = store.get_run("r1")
    assert (after.status, after.started_at, after.pid, after.tags) == (RunStatus.STARTED, 5.0, 7, {"a": "b"})
    assert not store.start_claimed_run(started, "c1")  # started once only
    assert store.release_claims("c1") == []  # a started run is never released


def test_a_released_run_cannot_be_started_by_its_old_claimer(store: SqlStore) -> None:
    store.enqueue_run(queued("r1"))
    [run] = store.claim_runs("c1", take_all)
    assert store.release_claims("c1") == ["r1"]
    assert store.get_run("r1").claimed_by is None
    assert not store.start_claimed_run(dataclasses.replace(run, status=RunStatus.STARTED), "c1")
    assert store.get_run("r1").status is RunStatus.QUEUED
    assert [r.run_id for r in store.claim_runs("c2", take_all)] == ["r1"]


def test_release_only_the_claims_of_claimers_not_alive(store: SqlStore) -> None:
    for n in range(3):
        store.enqueue_run(queued(f"r{n}", float(n)))
    store.claim_runs("alive", lambda f, c: [c[0].run_id])
    store.claim_runs("dead", lambda f, c: [c[0].run_id])
    store.claim_runs("other-dead", lambda f, c: [c[0].run_id])
    assert sorted(store.release_claims_not_held_by(["alive"])) == ["r1", "r2"]
    assert store.get_run("r0").claimed_by == "alive"
    assert store.release_claims("alive", ["r9"]) == []


def test_a_claimed_run_that_cannot_start_fails(store: SqlStore) -> None:
    store.enqueue_run(queued("r1"))
    store.claim_runs("c1", take_all)
    assert not store.fail_claimed_run("r1", "c2", "nope")
    assert store.fail_claimed_run("r1", "c1", "CodeLocationError: gone")
    run = store.get_run("r1")
    assert (run.status, run.error) == (RunStatus.FAILURE, "CodeLocationError: gone")
    assert run.ended_at is not None
    assert [e.kind for e in store.get_events("r1")] == [EventKind.RUN_ENQUEUED, EventKind.RUN_FAILURE]


def test_daemon_registry(store: SqlStore) -> None:
    record = DaemonRecord("d1", "daemon", "host", 42, 1.0, 1.0, {"parts": ["run coordinator"]})
    store.register_daemon(record)
    store.register_daemon(DaemonRecord("d2", "other", "host", 43, 2.0, 2.0))
    assert store.list_daemons("daemon") == [record]
    assert store.daemon_heartbeat("d1", 9.0)
    assert store.list_daemons()[0].heartbeat_at == 9.0
    store.remove_daemon("d1")
    assert not store.daemon_heartbeat("d1", 10.0)
    assert [d.daemon_id for d in store.list_daemons()] == ["d2"]
