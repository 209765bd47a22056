"""Recording a run: buffered, batched writes to the run store, and live calls to an observer.

The run loop reports everything here. Observers hear of it at once; the store receives it
in batches (every ``flush_interval`` seconds, or when a buffer fills, and at every step end
that completes a run), so a run of a thousand steps costs a handful of transactions. The
run record itself and its final status are written immediately: a run is never invisible
while it runs, and never left looking alive after it ended.

Lines may arrive from worker threads (the thread executor), hence the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Protocol

from headwater.execution.capture import LineSink
from headwater.execution.observer import RunObserver
from headwater.storage.base import CheckEvaluationIndex, EventLog, MaterializationIndex, MetricStore, RunStore
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
)

__all__ = ["RunRecorder", "RunStoreWriter"]


class RunStoreWriter(RunStore, EventLog, MaterializationIndex, CheckEvaluationIndex, MetricStore, Protocol):
    """The stores the recorder writes to (a ``SqlStore`` is all of them)."""


class RunRecorder:
    """Buffers one run's records for the store and tells the observer as they come."""

    def __init__(
        self,
        store: RunStoreWriter,
        run_id: str,
        observer: RunObserver,
        *,
        flush_interval: float = 0.5,
        max_buffered: int = 5000,
    ) -> None:
        self.run_id = run_id
        self._store = store
        self._observer = observer
        self._flush_interval = flush_interval
        self._max_buffered = max_buffered
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._steps: dict[str, StepRecord] = {}
        self._attempts: list[StepAttempt] = []
        self._events: list[Event] = []
        self._logs: list[LogLine] = []
        self._materializations: list[Materialization] = []
        self._metrics: list[Metric] = []
        self._checks: list[CheckEvaluation] = []

    def start(self, run: Run, step_keys: Sequence[str]) -> None:
        """Write the (started) run's record, now."""
        self._store.add_run(run)
        self._events.append(Event(self.run_id, EventKind.RUN_START, time.time(), message=run.selection))
        self._observer.run_started(self.run_id, step_keys)

    def sink_for(self, step_key: str) -> LineSink:
        """Where a step's captured lines go: the buffer and the observer."""
        run_id = self.run_id
        observer = self._observer
        logs = self._logs
        lock = self._lock

        def sink(stream: str, text: str, level: str | None) -> None:
            line = LogLine(run_id, step_key, stream, time.time(), text, level)
            with lock:
                logs.append(line)
            observer.step_output(step_key, stream, text)

        return sink

    def add_logs(self, lines: Sequence[LogLine]) -> None:
        """Lines a remote worker collected, shown and stored now."""
        with self._lock:
            self._logs.extend(lines)
        for line in lines:
            self._observer.step_output(line.step_key, line.stream, line.text)

    def step_started(self, step_key: str, attempt: int) -> None:
        self._events.append(Event(self.run_id, EventKind.STEP_START, time.time(), step_key, f"attempt {attempt}"))
        self._observer.step_started(step_key, attempt)

    def step_retrying(self, attempt: StepAttempt, delay: float) -> None:
        self._attempts.append(attempt)
        message = f"attempt {attempt.attempt} failed: {attempt.error}; retrying in {delay:.2f}s"
        self._events.append(Event(self.run_id, EventKind.STEP_RETRY, time.time(), attempt.step_key, message))
        self._observer.step_output(attempt.step_key, "log", message)

    def step_finished(
        self,
        record: StepRecord,
        *,
        attempt: StepAttempt | None = None,
        materialization: Materialization | None = None,
        metrics: Sequence[Metric] = (),
        checks: Sequence[CheckEvaluation] = (),
    ) -> None:
        """Record a step's final state (and its last attempt, output, metrics and check results)."""
        self._steps[record.step_key] = record
        if attempt is not None:
            self._attempts.append(attempt)
        kind = _STEP_EVENTS[record.status]
        message = record.error or record.reason or ""
        self._events.append(Event(self.run_id, kind, record.ended_at or time.time(), record.step_key, message))
        if materialization is not None:
            self._materializations.append(materialization)
            self._events.append(
                Event(self.run_id, EventKind.MATERIALIZATION, materialization.created_at, record.step_key,
                      materialization.artifact_uri)
            )
        self._metrics.extend(metrics)
        self._checks.extend(checks)
        self._observer.step_finished(record)
        self.maybe_flush()

    def maybe_flush(self) -> None:
        buffered = len(self._events) + len(self._logs)
        if buffered >= self._max_buffered or time.monotonic() - self._last_flush >= self._flush_interval:
            self.flush()

    def flush(self) -> None:
        """Write everything buffered, in one transaction per table."""
        with self._lock:
            logs, self._logs = self._logs, []
        steps, self._steps = list(self._steps.values()), {}
        attempts, self._attempts = self._attempts, []
        events, self._events = self._events, []
        materializations, self._materializations = self._materializations, []
        metrics, self._metrics = self._metrics, []
        checks, self._checks = self._checks, []
        # Materializations last: a value is never indexed before its step's record exists.
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
        if materializations:
            self._store.add_materializations(materializations)
        self._last_flush = time.monotonic()

    def finish(self, status: RunStatus, error: str | None = None) -> float:
        """Flush everything and write the run's final status; returns the end time."""
        ended = time.time()
        kind = {RunStatus.SUCCESS: EventKind.RUN_SUCCESS, RunStatus.CANCELED: EventKind.RUN_CANCELED}.get(
            status, EventKind.RUN_FAILURE
        )
        self._events.append(Event(self.run_id, kind, ended, message=error or ""))
        self.flush()
        self._store.update_run(self.run_id, status=status, ended_at=ended, error=error)
        return ended


_STEP_EVENTS = {
    "SUCCESS": EventKind.STEP_SUCCESS,
    "FAILURE": EventKind.STEP_FAILURE,
    "SKIPPED": EventKind.STEP_SKIPPED,
    "UPSTREAM_FAILED": EventKind.STEP_UPSTREAM_FAILED,
    "UP_TO_DATE": EventKind.STEP_UP_TO_DATE,
}
