"""Recording a run: batched writes to the run store, bounded in time, and live calls to an observer.

The run loop reports everything here. Observers hear of it at once; the store receives it
in batches, so a run of a thousand quick steps costs a handful of transactions. Batching is
bounded in time: a record is written within ``flush_within`` seconds (0.1) of arriving, by a
small flusher thread, whether or not anything else happens in the run. So when the run's
process dies under a step (``os._exit`` or a segfault in user code on the in-process
executor), the steps that finished more than ``flush_within`` before are on record, with
their materializations. The run record itself and its final status are written
immediately: a run is never invisible while it runs, and never left looking alive after it
ended.

State
-----
``_steps``, ``_attempts``, ``_events``, ``_logs``, ``_materializations``, ``_metrics``, ``_checks``
    what is buffered, guarded by ``_lock`` (lines also arrive from worker threads)
``_due``
    when the oldest buffered record must be written (monotonic), None when nothing waits
``_failure``
    an error the flusher thread met writing; raised to the run loop at its next call

Writes (the flusher's and the loop's own) are serialized by ``_write_lock``, and each batch
writes step records before materializations: a value is never indexed before its step's
record exists.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

from headwater.errors import RunClaimLost, StorageError
from headwater.execution.capture import LineSink
from headwater.execution.observer import RunObserver
from headwater.storage.base import (
    CheckEvaluationIndex,
    EventLog,
    MaterializationIndex,
    MetricStore,
    RunQueue,
    RunStore,
    XComStore,
)
from headwater.storage.records import (
    CheckEvaluation,
    Event,
    EventKind,
    LogLine,
    Materialization,
    Metric,
    Run,
    RunStatus,
    StepAttempt,
    StepRecord,
    StepStatus,
    XCom,
)

__all__ = ["RunRecorder", "RunStoreWriter"]


class RunStoreWriter(
    RunStore, RunQueue, EventLog, MaterializationIndex, CheckEvaluationIndex, MetricStore, XComStore, Protocol
):
    """The stores the recorder writes to (a ``SqlStore`` is all of them)."""


class RunRecorder:
    """Buffers one run's records for the store and tells the observer as they come.

    Args:
        store: where the run is recorded.
        run_id: the run's id.
        observer: told of everything as it happens.
        flush_within: the most seconds a record waits in the buffer before it is written.
        max_buffered: events and lines buffered before the run loop writes them itself.
    """

    def __init__(
        self,
        store: RunStoreWriter,
        run_id: str,
        observer: RunObserver,
        *,
        flush_within: float = 0.1,
        max_buffered: int = 5000,
    ) -> None:
        self.run_id = run_id
        self._store = store
        self._observer = observer
        self._flush_within = flush_within
        self._max_buffered = max_buffered
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._write_lock = threading.Lock()
        self._due: float | None = None
        self._stopped = False
        self._failure: BaseException | None = None
        self._flusher: threading.Thread | None = None
        self._steps: dict[str, StepRecord] = {}
        self._attempts: list[StepAttempt] = []
        self._events: list[Event] = []
        self._logs: list[LogLine] = []
        self._materializations: list[Materialization] = []
        self._xcoms: list[XCom] = []
        self._metrics: list[Metric] = []
        self._checks: list[CheckEvaluation] = []
        #: the run's status as recorded by :meth:`finish`
        self.final_status: RunStatus | None = None

    def start(self, run: Run, step_keys: Sequence[str]) -> None:
        """Write the (started) run's record, now, and start the flusher.

        A run with ``claimed_by`` was queued: its queued record becomes ``run``, if the claim
        still holds.

        Raises:
            RunClaimLost: the queued run is no longer claimed by ``run.claimed_by``.
        """
        if run.claimed_by is None:
            self._store.add_run(run)
        elif not self._store.start_claimed_run(run, run.claimed_by):
            raise RunClaimLost(f"run {run.run_id} is no longer claimed by {run.claimed_by}: not started here")
        self._buffer(self._events, Event(self.run_id, EventKind.RUN_START, time.time(), message=run.selection))
        self._flusher = threading.Thread(target=self._flush_loop, name="headwater-recorder", daemon=True)
        self._flusher.start()
        self._observer.run_started(self.run_id, step_keys)

    def sink_for(self, step_key: str) -> LineSink:
        """Where a step's captured lines go: the buffer and the observer."""
        run_id = self.run_id
        observer = self._observer
        logs = self._logs
        buffer = self._buffer

        def sink(stream: str, text: str, level: str | None) -> None:
            buffer(logs, LogLine(run_id, step_key, stream, time.time(), text, level))
            observer.step_output(step_key, stream, text)

        return sink

    def add_logs(self, lines: Sequence[LogLine]) -> None:
        """Lines a remote worker collected, shown and stored now."""
        self._buffer(self._logs, *lines)
        for line in lines:
            self._observer.step_output(line.step_key, line.stream, line.text)

    def step_started(self, step_key: str, attempt: int, first_started_at: float | None = None) -> None:
        """A step's attempt starts: the step is RUNNING (a record that its final one replaces,
        in the buffer when the step is quick, so it costs no write then)."""
        self._raise_failure()
        now = time.time()
        with self._lock:
            self._steps[step_key] = StepRecord(
                self.run_id, step_key, StepStatus.RUNNING, attempt, first_started_at or now
            )
            self._events.append(Event(self.run_id, EventKind.STEP_START, now, step_key, f"attempt {attempt}"))
            self._arm()
        self._observer.step_started(step_key, attempt)

    def step_retrying(self, attempt: StepAttempt, delay: float) -> None:
        message = f"attempt {attempt.attempt} failed: {attempt.error}; retrying in {delay:.2f}s"
        self._buffer(self._attempts, attempt)
        self._buffer(self._events, Event(self.run_id, EventKind.STEP_RETRY, time.time(), attempt.step_key, message))
        self._observer.step_output(attempt.step_key, "log", message)

    def step_finished(
        self,
        record: StepRecord,
        *,
        attempt: StepAttempt | None = None,
        materialization: Materialization | None = None,
        xcoms: Sequence[XCom] = (),
        metrics: Sequence[Metric] = (),
        checks: Sequence[CheckEvaluation] = (),
    ) -> None:
        """Record a step's final state (and its last attempt, output, pushed XComs, metrics and check results)."""
        self._raise_failure()
        kind = _STEP_EVENTS[record.status]
        message = record.error or record.reason or ""
        with self._lock:
            self._steps[record.step_key] = record
            if attempt is not None:
                self._attempts.append(attempt)
            self._events.append(Event(self.run_id, kind, record.ended_at or time.time(), record.step_key, message))
            if materialization is not None:
                self._materializations.append(materialization)
                self._events.append(
                    Event(self.run_id, EventKind.MATERIALIZATION, materialization.created_at, record.step_key,
                          materialization.artifact_uri)
                )
            self._xcoms.extend(xcoms)
            self._metrics.extend(metrics)
            self._checks.extend(checks)
            self._arm()
            full = len(self._events) + len(self._logs) >= self._max_buffered
        self._observer.step_finished(record)
        if full:
            self.flush()

    def flush(self) -> None:
        """Write everything buffered now, in one transaction per table."""
        with self._write_lock:
            with self._lock:  # emptied in place: the sinks of running steps hold these lists
                steps = list(self._steps.values())
                attempts, events, logs = self._attempts[:], self._events[:], self._logs[:]
                materializations, metrics, checks = self._materializations[:], self._metrics[:], self._checks[:]
                xcoms = self._xcoms[:]
                for buffered in (
                    self._steps, self._attempts, self._events, self._logs, self._materializations, self._metrics,
                    self._checks, self._xcoms,
                ):
                    buffered.clear()
                self._due = None
            # One transaction (one commit, not one per table). Materializations last all the
            # same: a value is never indexed before its step's record exists, nor before its
            # XComs (a step's XComs are found through its materialization).
            with self._store.batch():
                if steps:
                    self._store.upsert_steps(steps)
                if attempts:
                    self._store.add_attempts(attempts)
                if events:
                    self._store.add_events(events)
                if logs:
                    self._store.add_logs(logs)
                if metrics:
                    self._store.add_metrics(metrics)
                if checks:
                    self._store.add_check_evaluations(checks)
                if xcoms:
                    self._store.add_xcoms(xcoms)
                if materializations:
                    self._store.add_materializations(materializations)

    def finish(self, status: RunStatus, error: str | None = None) -> float:
        """Stop the flusher, write everything and the run's final status; returns the end time.

        The status is written only while the run is still STARTED or CANCELING: a run that
        another process already ended (found lost while this one was frozen) stays as it was
        ended, and :attr:`final_status` says how.

        Raises:
            StorageError: the run store failed; the run is recorded FAILURE with the reason
                when the store still takes that one update.
        """
        ended = time.time()
        kind = {RunStatus.SUCCESS: EventKind.RUN_SUCCESS, RunStatus.CANCELED: EventKind.RUN_CANCELED}.get(
            status, EventKind.RUN_FAILURE
        )
        self._buffer(self._events, Event(self.run_id, kind, ended, message=error or ""))
        self._stop_flusher()
        try:
            self._raise_failure()
            self.flush()
        except StorageError as exc:
            # What was buffered is lost; the run's end is the one record that must still
            # land (a one-row update, which may fit where a batch of logs did not), and a
            # run whose records are incomplete never ends SUCCESS.
            reason = error if error and str(exc) in error else f"{error}; then {exc}" if error else str(exc)
            self._store.update_run(self.run_id, status=RunStatus.FAILURE, ended_at=ended, error=reason, only_from=_OPEN)
            self.final_status = RunStatus.FAILURE
            raise
        if self._store.update_run(self.run_id, status=status, ended_at=ended, error=error, only_from=_OPEN):
            self.final_status = status
        else:
            self.final_status = self._store.get_run(self.run_id).status
        return ended

    # -- the time bound ----------------------------------------------------------------------

    def _buffer(self, into: list[Any], *items: Any) -> None:
        with self._lock:
            into.extend(items)
            self._arm()

    def _arm(self) -> None:
        """Give the buffer a deadline if it had none (lock held)."""
        if self._due is None:
            self._due = time.monotonic() + self._flush_within
            self._wakeup.notify()

    def _flush_loop(self) -> None:
        while True:
            with self._lock:
                while not self._stopped and (self._due is None or self._due > time.monotonic()):
                    self._wakeup.wait(None if self._due is None else self._due - time.monotonic())
                if self._stopped:
                    return
            try:
                self.flush()
            except BaseException as exc:  # noqa: BLE001 -- handed to the run loop, which fails the run
                with self._lock:
                    self._failure = exc
                    self._stopped = True
                return

    def _stop_flusher(self) -> None:
        with self._lock:
            self._stopped = True
            self._wakeup.notify()
        if self._flusher is not None and self._flusher is not threading.current_thread():
            self._flusher.join()
            self._flusher = None

    def _raise_failure(self) -> None:
        failure = self._failure
        if failure is not None:
            self._failure = None
            raise failure


#: the statuses of a run whose end is not yet recorded
_OPEN = (RunStatus.STARTED, RunStatus.CANCELING)

_STEP_EVENTS = {
    "SUCCESS": EventKind.STEP_SUCCESS,
    "FAILURE": EventKind.STEP_FAILURE,
    "SKIPPED": EventKind.STEP_SKIPPED,
    "UPSTREAM_FAILED": EventKind.STEP_UPSTREAM_FAILED,
    "UP_TO_DATE": EventKind.STEP_UP_TO_DATE,
    "CANCELED": EventKind.STEP_CANCELED,
}
