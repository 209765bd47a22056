"""``cancel_run``: a queued run ends at once, a started one goes CANCELING, an ended one is refused."""

from __future__ import annotations

import time

import pytest

from headwater.errors import RunStateError
from headwater.services.cancel import cancel_run, wait_until_ended
from headwater.storage.instance import Instance
from headwater.storage.records import EventKind, Run, RunStatus


def test_a_queued_run_is_canceled_at_once(any_instance: Instance) -> None:
    any_instance.store.add_run(Run("q1", RunStatus.QUEUED, "*", created_at=time.time()))
    run = cancel_run(any_instance, "q1")
    assert run.status is RunStatus.CANCELED and run.ended_at is not None and run.started_at is None
    assert [e.kind for e in any_instance.store.get_events("q1")] == [EventKind.RUN_CANCELED]


def test_a_started_run_is_asked_to_stop(any_instance: Instance) -> None:
    now = time.time()
    any_instance.store.add_run(Run("s1", RunStatus.STARTED, "*", created_at=now, started_at=now, heartbeat_at=now))
    assert cancel_run(any_instance, "s1").status is RunStatus.CANCELING
    assert cancel_run(any_instance, "s1").status is RunStatus.CANCELING  # asking twice changes nothing
    assert [e.kind for e in any_instance.store.get_events("s1")] == [EventKind.RUN_CANCELING]
    assert wait_until_ended(any_instance, "s1", timeout=0.2).status is RunStatus.CANCELING


def test_an_ended_run_cannot_be_canceled(any_instance: Instance) -> None:
    any_instance.store.add_run(Run("e1", RunStatus.SUCCESS, "*", created_at=1.0, started_at=1.0, ended_at=2.0))
    with pytest.raises(RunStateError, match=r"run e1 already ended \(SUCCESS\): there is nothing to cancel"):
        cancel_run(any_instance, "e1")


def test_a_started_run_whose_process_was_lost_ends_as_lost(any_instance: Instance) -> None:
    any_instance.store.add_run(Run("l1", RunStatus.STARTED, "*", created_at=1.0, started_at=1.0, heartbeat_at=1.0))
    with pytest.raises(RunStateError, match=r"already ended \(FAILURE\)"):
        cancel_run(any_instance, "l1")
