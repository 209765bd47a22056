"""A run's heartbeat: written as it runs, and the way a cancel or an outside end reaches it."""

from __future__ import annotations

import time

import pytest

from headwater import asset, materialize
from headwater.errors import ConfigError
from headwater.execution.cancel import CANCELED_FROM_OUTSIDE, Cancellation
from headwater.execution.heartbeat import DEFAULT_TIMEOUT, TIMEOUT_ENV, TIMEOUT_TAG, Heartbeat, heartbeat_timeout
from headwater.storage.instance import Instance
from headwater.storage.records import Run, RunStatus
from headwater.storage.sql.store import SqlStore


def test_the_timeout_comes_from_the_environment() -> None:
    assert heartbeat_timeout({}) == DEFAULT_TIMEOUT
    assert heartbeat_timeout({TIMEOUT_ENV: " 2.5 "}) == 2.5
    for bad in ("0", "-3", "soon", "inf", "nan"):
        with pytest.raises(ConfigError, match=f"{TIMEOUT_ENV} must be a positive number of seconds, not '{bad}'"):
            heartbeat_timeout({TIMEOUT_ENV: bad})


def wait_for(condition: object, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "did not happen in time"
        time.sleep(0.01)


@pytest.fixture
def beating(store: SqlStore) -> object:
    store.add_run(Run("r1", RunStatus.STARTED, "*", created_at=1.0, started_at=1.0, heartbeat_at=1.0))
    cancellation = Cancellation()
    heartbeat = Heartbeat(store, "r1", cancellation, timeout=0.2)
    heartbeat.start()
    yield cancellation
    heartbeat.stop()


def test_a_running_run_beats(store: SqlStore, beating: Cancellation) -> None:
    wait_for(lambda: (store.get_run("r1").heartbeat_at or 0) > time.time() - 1)
    first = store.get_run("r1").heartbeat_at or 0
    wait_for(lambda: (store.get_run("r1").heartbeat_at or 0) > first)
    assert not beating.requested


def test_a_cancel_request_is_heard_within_a_poll(store: SqlStore, beating: Cancellation) -> None:
    store.update_run("r1", status=RunStatus.CANCELING)
    asked = time.monotonic()
    wait_for(lambda: beating.requested)
    assert time.monotonic() - asked < 1.0
    assert beating.reason == CANCELED_FROM_OUTSIDE


def test_a_run_ended_from_outside_stops(store: SqlStore, beating: Cancellation) -> None:
    store.update_run("r1", status=RunStatus.FAILURE, ended_at=2.0, error="run process lost")
    wait_for(lambda: beating.requested)
    assert beating.reason == "the run was recorded as FAILURE by another process (its heartbeat was late)"


@asset
def quick() -> int:
    return 1


def test_a_run_records_the_timeout_it_beats_for(monkeypatch: pytest.MonkeyPatch, instance: Instance) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "7")
    before = time.time()
    result = materialize([quick], instance=instance)
    run = instance.store.get_run(result.run_id)
    assert run.tags[TIMEOUT_TAG] == "7"
    assert run.heartbeat_at is not None and before <= run.heartbeat_at <= result.ended_at
