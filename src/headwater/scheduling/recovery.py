"""Closing the runs whose process was lost, on any host, by their heartbeats.

A running run's process writes ``heartbeat_at`` every few seconds
(:mod:`headwater.execution.heartbeat`). When the process dies with nothing written
(``kill -9``, the out-of-memory killer, a lost machine), the heartbeat stops, and
:func:`close_lost_runs` finds every STARTED or CANCELING run whose last heartbeat is older
than the run's timeout, whatever host it ran on, and ends it:

* a STARTED run ends FAILURE with "run process lost"; each step it was running ends FAILURE
  with the same error and the failure kind ``WORKER_LOST`` (its attempt too);
* a CANCELING run (its process died while stopping) ends CANCELED, its running steps too.

The end time recorded is when the run was last heard of (its last heartbeat), not when it
was found: a run killed at 9:00 and found at 17:00 ended at 9:00. Ending is a
compare-and-set on the run's status and heartbeat, so two checkers never both end a run,
and a run that beat meanwhile (it was only slow) is left alone.

The run coordinator calls it on every loop; ``runs list`` and a new run's start call it
too (:mod:`headwater.services`).

Example::

    closed = close_lost_runs(instance.store)     # ids of the runs it ended
"""

from __future__ import annotations

import time
from typing import Protocol

from headwater.errors import FailureKind
from headwater.execution.heartbeat import heartbeat_timeout, timeout_of
from headwater.storage.base import RunLiveness, RunStore
from headwater.storage.records import (
    Event,
    EventKind,
    Run,
    RunsFilter,
    RunStatus,
    StepAttempt,
    StepRecord,
    StepStatus,
)

__all__ = ["LOST", "close_lost_runs", "last_heard_of"]

#: the error of a run (and of its running steps) whose process was lost
LOST = "run process lost"
#: how many open runs one call looks at (the oldest heartbeats are the likely lost ones)
_BATCH = 1000


class _Store(RunStore, RunLiveness, Protocol):
    """A store holding runs and their liveness (a ``SqlStore`` is one)."""


def close_lost_runs(store: _Store, *, now: float | None = None, default_timeout: float | None = None) -> list[str]:
    """End every open run whose heartbeat is older than its timeout; the ids of those ended.

    Args:
        store: the run store.
        now: the time to judge by (now when None).
        default_timeout: the timeout of runs that did not record theirs; the configured
            one (``HEADWATER_HEARTBEAT_TIMEOUT``) when None.
    """
    now = time.time() if now is None else now
    default = heartbeat_timeout() if default_timeout is None else default_timeout
    open_runs = store.list_runs(limit=_BATCH, filters=RunsFilter(statuses=(RunStatus.STARTED, RunStatus.CANCELING)))
    closed = []
    for run in open_runs:
        heard = last_heard_of(run)
        if now - heard > timeout_of(run, default) and _close(store, run, heard):
            closed.append(run.run_id)
    return closed


def last_heard_of(run: Run) -> float:
    """When ``run``'s process last said it was alive: its heartbeat, else its start."""
    return max(run.heartbeat_at or 0.0, run.started_at or run.created_at)


def _close(store: _Store, run: Run, heard: float) -> bool:
    canceling = run.status is RunStatus.CANCELING
    status = RunStatus.CANCELED if canceling else RunStatus.FAILURE
    error = f"{LOST} while canceling" if canceling else LOST
    running = [step for step in store.get_steps(run.run_id) if step.status is StepStatus.RUNNING]
    if canceling:
        steps = [_ended(step, heard, StepStatus.CANCELED, reason=f"interrupted: {error}") for step in running]
        attempts = [_attempt(step, heard, StepStatus.CANCELED) for step in running]
        step_kind = EventKind.STEP_CANCELED
    else:
        steps = [_ended(step, heard, StepStatus.FAILURE, error=LOST) for step in running]
        attempts = [_attempt(step, heard, StepStatus.FAILURE, LOST) for step in running]
        step_kind = EventKind.STEP_FAILURE
    events = [Event(run.run_id, step_kind, heard, step.step_key, error) for step in running]
    events.append(Event(run.run_id, EventKind.RUN_CANCELED if canceling else EventKind.RUN_FAILURE, heard, message=error))
    return store.end_lost_run(
        run, status=status, ended_at=heard, error=error, steps=steps, attempts=attempts, events=events
    )


def _ended(step: StepRecord, at: float, status: StepStatus, *, error: str | None = None, reason: str | None = None) -> StepRecord:
    return StepRecord(
        step.run_id, step.step_key, status, step.attempts, step.started_at, max(at, step.started_at or at),
        error=error, reason=reason, failure_kind=FailureKind.WORKER_LOST if status is StepStatus.FAILURE else None,
    )


def _attempt(step: StepRecord, at: float, status: StepStatus, error: str | None = None) -> StepAttempt:
    started = step.started_at or at
    return StepAttempt(
        step.run_id, step.step_key, max(step.attempts, 1), status, started, max(at, started), error,
        failure_kind=FailureKind.WORKER_LOST if status is StepStatus.FAILURE else None,
    )
