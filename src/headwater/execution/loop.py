"""The run loop: one loop for every executor.

Task selection policy
---------------------
A step's fate is decided by its trigger rule over the final states of its direct upstream
steps of this run (:mod:`headwater.execution.triggers`): the default ``all_success`` makes a
step *ready* when every upstream step succeeded (or was up to date); other rules run it after
failures or skips, or finish it as SKIPPED / UPSTREAM_FAILED without running it. The rule
is evaluated for a step each time one of its upstream steps finishes, so a decided step never
waits for the rest. Ready steps are submitted at once, in topological order, up to the
executor's concurrency: never level by level, so a long step on one branch does not hold
back another branch. When a ready step turns out to be up to date (see
:mod:`headwater.planning.staleness`) it is not submitted: its stored value stands in, and
its downstream is evaluated at once.

A step ends in one of SUCCESS, FAILURE, SKIPPED (it raised ``SkipStep``, a branch did not
choose it, or its rule skips it), UPSTREAM_FAILED or UP_TO_DATE. A step that succeeded may
name steps of this run to skip (a branch's unchosen paths, a short-circuit's downstream):
they are finished as SKIPPED before its own success is applied, whatever their rules.
An input whose upstream produced no value (it failed or was skipped, and the rule ran the
step anyway) is None.

State
-----
``decided``   keys already made ready, submitted or finished (never evaluated again)
``ready``     heap of (topological index, key)
``retries``   heap of (due time, topological index, key, next attempt)
``outputs``   key -> :class:`Output`: the value (when in memory) and where it is stored
``xcoms``     key -> (XCom key, map index) -> value or where it is stored: every step's
              return value and pushed XComs, and those of the steps outside the run that
              the store offers (see :mod:`headwater.execution.xcoms`); steps that take a
              ``context`` can pull them, whatever their dialect
``records``   key -> final :class:`StepRecord`
``fan_in``    partitioned key -> partition key -> where it is stored: what a step that is
              not partitioned reads of a partitioned upstream (every partition, as a dict;
              see :mod:`headwater.planning.partitioned`), the run's own partition included
              once computed
``in_pool``   pool name -> steps of that pool running now

Pools
-----
A node may name a pool (``@asset(pool="gpu")``) and the run may limit how many steps of a
pool run at once (``pool_limits={"gpu": 1}``). A ready step whose pool is full stays ready
and is passed over for the next one, so the limit holds on every executor without the
executor knowing of it. Pools without a limit are unlimited (beyond the executor's own
concurrency). Due retries go through the same gate.

Completed futures put themselves on a queue (a done-callback), so the loop sleeps until
something finishes or a retry is due, whichever comes first.

Failure policy
--------------
A failed attempt is retried while the node's retry policy allows, after its delay (with
backoff and jitter), unless the step raised ``FailStep`` or ``Failure(allow_retries=False)``;
a step that raised ``RetryRequested`` is retried as it asked. A step that fails for good fails
the run; its downstream steps decide by their rules (by default UPSTREAM_FAILED, with the
reason), and the rest of the graph still runs. Skipped steps do not fail the run.

A step that raised ``RescheduleStep`` (a sensor in ``mode="reschedule"`` whose condition does
not hold yet) is not finished and not retried: it leaves the executor, and the same attempt
is submitted again after the delay it asked for, through the same heap as retries, with the
count of its reschedules and the time it first started (for its timeout).

Example: ``a -> b -> c`` and ``a -> d``; ``b`` fails: ``c`` is upstream_failed ("upstream
'b' failed"), ``d`` runs, the run fails. Had ``c`` the rule ``all_done``, it would run.

A step that may produce no output (``@asset(output_required=False)``) and yields none
succeeds without a materialization; everything downstream of it is skipped ("upstream 'b'
produced no output") and the run still succeeds, as in Dagster.
"""

from __future__ import annotations

import heapq
import queue
import random
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from headwater.definitions.metadata import normalize_metadata
from headwater.errors import FailureKind, PlanError, WorkerLost
from headwater.execution.cancel import INTERRUPTED, Cancellation, interrupts_deferred
from headwater.execution.context import RETURN_VALUE, UNMAPPED, XComKey
from headwater.execution.executors import Executor
from headwater.execution.recorder import RunRecorder
from headwater.execution.step import StepOutcome, StepRequest
from headwater.execution.triggers import UpstreamCounts, Verdict, evaluate_tally
from headwater.execution.values import PartitionedValues, StoredValue
from headwater.execution.xcoms import StoredXComs, xcom_records
from headwater.planning.partitioned import fan_in_version
from headwater.planning.plan import Plan, PlannedStep
from headwater.planning.staleness import STORED_VALUE_LOST, ArtifactCheck, Decision, decide
from headwater.storage.records import CheckEvaluation, Materialization, Metric, StepAttempt, StepRecord, StepStatus

__all__ = ["CONFIG_METADATA", "StepOutput", "run_plan"]

#: the materialization metadata entry holding the run config the value was computed with
CONFIG_METADATA = "headwater/config"

_IN_MEMORY_MISSING = object()
#: what the completed queue holds to wake the loop when the run is canceled
_WAKE = "\x00wake"
#: how long canceled steps have to report back (their stopped workers' output) before
#: they are recorded as abandoned
_CANCEL_GRACE_S = 3.0


@dataclass(frozen=True, slots=True)
class StepOutput:
    """A finished step's value: in memory (when the executor shares it) and in the store."""

    stored: StoredValue
    value: Any = _IN_MEMORY_MISSING

    @property
    def in_memory(self) -> bool:
        return self.value is not _IN_MEMORY_MISSING


def run_plan(
    plan: Plan,
    executor: Executor,
    recorder: RunRecorder,
    *,
    run_tags: Mapping[str, str] | None = None,
    pool_limits: Mapping[str, int] | None = None,
    artifact_check: ArtifactCheck | None = None,
    stored_xcoms: StoredXComs | None = None,
    cancellation: Cancellation | None = None,
) -> tuple[dict[str, StepRecord], dict[str, StepOutput]]:
    """Run ``plan`` on ``executor``, recording as it goes, until every step ended or the run
    was canceled (``cancellation`` requested, or ``KeyboardInterrupt``).

    Args:
        pool_limits: pool name -> how many steps of that pool may run at once.
        artifact_check: why a stored value cannot be reused (missing, damaged), or None when
            it is intact; a step whose stored value is not intact is never up to date.
        stored_xcoms: the XComs of steps outside the run (and of up-to-date ones) that the
            steps of the run may pull, read from the store beforehand.
        cancellation: requested to stop the run; a ``KeyboardInterrupt`` requests it too.

    Returns:
        The final record of every step that ended (every step, unless the run was
        canceled), and the outputs of the steps that produced one (ran or were up to date).
    """
    return _RunLoop(
        plan, executor, recorder, dict(run_tags or {}), check_pool_limits(pool_limits), artifact_check, stored_xcoms,
        cancellation or Cancellation(),
    ).run()


def check_pool_limits(pool_limits: Mapping[str, int] | None) -> dict[str, int]:
    """``pool_limits`` as a dict, each limit checked to be a whole number of at least 1.

    Raises:
        PlanError: a limit is not a positive integer (a pool of 0 would never run).
    """
    checked: dict[str, int] = {}
    for pool, limit in (pool_limits or {}).items():
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise PlanError(f"the limit of pool {pool!r} must be a whole number of at least 1, not {limit!r}")
        checked[str(pool)] = limit
    return checked


class _RunLoop:
    def __init__(
        self,
        plan: Plan,
        executor: Executor,
        recorder: RunRecorder,
        run_tags: dict[str, str],
        pool_limits: dict[str, int] | None = None,
        artifact_check: ArtifactCheck | None = None,
        stored_xcoms: StoredXComs | None = None,
        cancellation: Cancellation | None = None,
    ) -> None:
        self.plan = plan
        self.cancellation = cancellation or Cancellation()
        self.artifact_check = artifact_check
        #: key -> why it runs (or that it is up to date), by the staleness rule
        self.decisions: dict[str, Decision] = {}
        self.pool_limits = pool_limits or {}
        self.in_pool: dict[str, int] = dict.fromkeys(self.pool_limits, 0)
        #: key -> the attempt a due retry makes when it is next submitted from ``ready``
        self.retry_attempt: dict[str, int] = {}
        self.run_tags = run_tags
        stored = stored_xcoms or StoredXComs()
        #: step key -> (XCom key, map index) -> value or StoredValue
        self.xcoms: dict[str, dict[XComKey, Any]] = dict(stored.outside)
        self.previous_xcoms = stored.previous
        #: the steps outside the run whose XComs the store offers: ancestors of this run's readers
        self.outside_ancestors = frozenset(stored.outside)
        self.ancestors: dict[str, frozenset[str]] = {}
        self.executor = executor
        self.recorder = recorder
        self.run_id = recorder.run_id
        self.index = {key: i for i, key in enumerate(plan.steps)}
        self.decided: set[str] = set()
        #: key -> how many of its upstream steps ended in each state (kept as they finish, so
        #: deciding a step costs the same however many upstream steps it has)
        self.tally: dict[str, Counter[StepStatus]] = {key: Counter() for key in plan.steps}
        self.ready: list[tuple[int, str]] = []
        self.retries: list[tuple[float, int, str, int]] = []
        self.completed: queue.SimpleQueue[tuple[str, Future[StepOutcome] | None]] = queue.SimpleQueue()
        self.running = 0
        #: key -> its future, for the steps submitted and not yet handled (None while the
        #: executor's ``submit`` has not returned: an in-process step runs inside it)
        self.active: dict[str, Future[StepOutcome] | None] = {}
        self.outputs: dict[str, StepOutput] = {
            key: StepOutput(StoredValue.of(m)) for key, m in plan.external.items()
        }
        self.fan_in: dict[str, dict[str, StoredValue]] = {
            key: {partition: StoredValue.of(m) for partition, m in parts.items()}
            for key, parts in plan.fan_in.items()
        }
        self.records: dict[str, StepRecord] = {}
        self.first_start: dict[str, float] = {}
        #: key -> how many times the step asked to be rescheduled (a sensor in reschedule mode)
        self.reschedules: dict[str, int] = {}
        self.attempt: dict[str, int] = {}
        for key in plan.steps:  # roots, and ``always`` steps, are ready at once
            settled = self._evaluate(key)
            if settled is not None:
                self._finish(settled)
        self.cancellation.on_request(self._on_cancel)

    def run(self) -> tuple[dict[str, StepRecord], dict[str, StepOutput]]:
        total = len(self.plan.steps)
        try:
            while len(self.records) < total and not self.cancellation.requested:
                self._submit_ready()
                if len(self.records) >= total or self.cancellation.requested:
                    break
                self._wait_and_handle()
        except KeyboardInterrupt:
            self.cancellation.request(INTERRUPTED)
        if self.cancellation.requested:
            with interrupts_deferred():
                self._stop_running()
        return self.records, self.outputs

    # -- canceling ----------------------------------------------------------------------

    def _on_cancel(self) -> None:
        """Wake the loop and have the executor stop its steps (in the thread that canceled)."""
        self.completed.put((_WAKE, None))
        stop = getattr(self.executor, "cancel", None)
        if stop is not None:
            stop()

    def _stop_running(self) -> None:
        """Record the steps the cancellation interrupted, with what they printed so far.

        Steps whose worker was stopped report back within a grace period (their output so
        far arrives with them); a step that finished meanwhile counts as it ended. Steps
        still out after the grace (an in-process step, a thread) are abandoned.
        """
        self._on_cancel()
        deadline = time.monotonic() + _CANCEL_GRACE_S
        while any(future is not None for future in self.active.values()):
            try:
                key, future = self.completed.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if future is None or key not in self.active:
                continue
            del self.active[key]
            outcome = _outcome_of(key, self.attempt[key], future)
            if outcome.ok or outcome.failure_kind is not FailureKind.WORKER_LOST:
                self._handle(self.plan.steps[key], outcome)
            else:
                if outcome.logs:
                    self.recorder.add_logs(outcome.logs)
                self._cancel_step(key, outcome.started_at)
        for key in sorted(self.active, key=self.index.__getitem__):
            self._cancel_step(key, self.first_start.get(key))
        self.active.clear()
        for _, _, key, _ in sorted(self.retries):
            self._cancel_step(key, None)
        self.retries.clear()

    def _cancel_step(self, key: str, attempt_started: float | None) -> None:
        """Record ``key`` CANCELED: interrupted (``attempt_started`` given) or waiting to retry."""
        now = time.time()
        number = self.attempt.get(key, 1)
        why = self.cancellation.reason or "canceled"
        record = StepRecord(
            self.run_id, key, StepStatus.CANCELED, number, self.first_start.get(key, now), now,
            reason=f"interrupted: {why}" if attempt_started is not None else f"canceled while waiting to retry: {why}",
        )
        attempt = None
        if attempt_started is not None:
            attempt = StepAttempt(self.run_id, key, number, StepStatus.CANCELED, attempt_started, now)
        self.decided.add(key)
        self.records[key] = record
        self.recorder.step_finished(record, attempt=attempt)

    # -- submitting ---------------------------------------------------------------------

    def _submit_ready(self) -> None:
        now = time.monotonic()
        while self.retries and self.retries[0][0] <= now:
            _, index, key, attempt = heapq.heappop(self.retries)
            if not self.pool_limits:
                self._submit(self.plan.steps[key], attempt)
                continue
            self.retry_attempt[key] = attempt
            heapq.heappush(self.ready, (index, key))
        held: list[tuple[int, str]] = []
        while self.ready and self.running < self.executor.max_concurrency and not self.cancellation.requested:
            entry = heapq.heappop(self.ready)
            key = entry[1]
            step = self.plan.steps[key]
            if self._pool_full(step):
                held.append(entry)
                continue
            if key in self.retry_attempt:
                self._submit(step, self.retry_attempt.pop(key))
                continue
            input_versions = self._input_versions(step)
            previous = self.plan.previous.get(key)
            decision = decide(
                step.node, step.versions, previous, input_versions,
                artifact_check=self.artifact_check, force=self.plan.force,
            )
            self.decisions[key] = decision
            if decision.up_to_date and previous is not None:
                self._up_to_date(step, previous)
                continue
            if decision.reason is not None and decision.reason.startswith(STORED_VALUE_LOST):
                self.recorder.sink_for(key)("log", f"running again: {decision.reason}", "WARNING")
            self._submit(step, 1)
        for entry in held:
            heapq.heappush(self.ready, entry)

    def _pool_full(self, step: PlannedStep) -> bool:
        pool = step.node.options.pool
        return pool in self.pool_limits and self.in_pool[pool] >= self.pool_limits[pool]

    def _pool_release(self, key: str) -> None:
        pool = self.plan.steps[key].node.options.pool
        if pool in self.in_pool:
            self.in_pool[pool] -= 1

    def _submit(self, step: PlannedStep, attempt: int) -> None:
        key = step.key
        self.first_start.setdefault(key, time.time())
        self.attempt[key] = attempt
        self.recorder.step_started(key, attempt, self.first_start[key])
        request = StepRequest(
            run_id=self.run_id,
            node=step.node,
            attempt=attempt,
            inputs={param: self._input_value(step, up) for param, up in step.node.inputs.items()},
            keep_value=self.executor.shares_memory,
            xcoms=dict(self.xcoms) if step.node.takes_context else {},
            run_tags=self.run_tags,
            ancestors=self._ancestors(key) | self.outside_ancestors if step.node.takes_context else frozenset(),
            config=step.config,
            resources={p: self.plan.resources[p] for p in step.node.options.resource_parameters},
            selected_outputs=selected_outputs(step),
            partition_key=step.partition,
            first_started_at=self.first_start[key],
            reschedules=self.reschedules.get(key, 0),
        )
        self.running += 1
        if step.node.options.pool in self.in_pool:
            self.in_pool[step.node.options.pool] += 1
        self.active[key] = None
        future = self.executor.submit(request)
        self.active[key] = future

        def completed(done: Future[StepOutcome], key: str = key) -> None:
            self.completed.put((key, done))

        future.add_done_callback(completed)

    def _ancestors(self, key: str) -> frozenset[str]:
        """Every step upstream of ``key``, however far, up to the edge of this run (memoized)."""
        found = self.ancestors.get(key)
        if found is None:
            step = self.plan.steps[key]
            direct = step.upstream_in_run
            found = frozenset(step.node.upstream).union(*(self._ancestors(up) for up in direct))
            self.ancestors[key] = found
        return found

    def _fans_in(self, step: PlannedStep, upstream: str) -> bool:
        """Whether ``step`` reads every partition of ``upstream`` (it is not partitioned, they are)."""
        return step.partition is None and upstream in self.fan_in

    def _input_versions(self, step: PlannedStep) -> dict[str, str]:
        """Upstream key -> the data version ``step`` reads of it (of every partition, for a fan-in)."""
        versions = {}
        for up in step.node.upstream:
            if self._fans_in(step, up):
                versions[up] = fan_in_version({p: v.data_version for p, v in self.fan_in[up].items()})
            elif up in self.outputs:
                versions[up] = self.outputs[up].stored.data_version
        return versions

    def _input_value(self, step: PlannedStep, upstream: str) -> Any:
        if self._fans_in(step, upstream):
            return PartitionedValues(dict(self.fan_in[upstream]))
        output = self.outputs.get(upstream)
        if output is None:  # failed or skipped, and the step's trigger rule runs it anyway
            return None
        if output.in_memory and self.executor.shares_memory:
            return output.value
        return output.stored

    def _up_to_date(self, step: PlannedStep, previous: Materialization) -> None:
        now = time.time()
        stored = StoredValue.of(previous)
        self.outputs[step.key] = StepOutput(stored)
        self._add_partition(step, stored)
        self.xcoms[step.key] = {(RETURN_VALUE, UNMAPPED): stored, **self.previous_xcoms.get(step.key, {})}
        unchanged = "code, source and inputs" if step.node.options.source_version is not None else "code and inputs"
        reason = f"{unchanged} unchanged since run {previous.run_id}"
        self._finish(StepRecord(self.run_id, step.key, StepStatus.UP_TO_DATE, 0, now, now, reason=reason))

    # -- completing ---------------------------------------------------------------------

    def _wait_and_handle(self) -> None:
        timeout = max(0.0, self.retries[0][0] - time.monotonic()) if self.retries else None
        if self.running == 0 and timeout is None:
            raise RuntimeError(f"run loop stalled with {len(self.plan.steps) - len(self.records)} steps unfinished")
        try:
            key, future = self.completed.get(timeout=timeout)
        except queue.Empty:
            return
        while future is not None:  # then drain whatever else finished meanwhile, without sleeping
            self.running -= 1
            self._pool_release(key)
            del self.active[key]
            self._handle(self.plan.steps[key], _outcome_of(key, self.attempt[key], future))
            try:
                key, future = self.completed.get_nowait()
            except queue.Empty:
                return

    def _handle(self, step: PlannedStep, outcome: StepOutcome) -> None:
        if outcome.logs:
            self.recorder.add_logs(outcome.logs)
        if outcome.reschedule_in is not None:  # not done: run the same attempt again later, slot released
            self.reschedules[step.key] = self.reschedules.get(step.key, 0) + 1
            message = f"up for reschedule: runs again in {outcome.reschedule_in:.2f}s (attempt {outcome.attempt})"
            self.recorder.sink_for(step.key)("log", message, "INFO")
            due = time.monotonic() + outcome.reschedule_in
            heapq.heappush(self.retries, (due, self.index[step.key], step.key, outcome.attempt))
            return
        status = StepStatus.SKIPPED if outcome.skipped is not None else (
            StepStatus.SUCCESS if outcome.ok else StepStatus.FAILURE
        )
        attempt = StepAttempt(
            self.run_id, step.key, outcome.attempt, status,
            outcome.started_at, outcome.ended_at, outcome.error, outcome.traceback, outcome.failure_kind,
        )
        if outcome.skipped is not None:
            self._finish(StepRecord(
                self.run_id, step.key, StepStatus.SKIPPED, outcome.attempt,
                self.first_start.get(step.key, outcome.started_at), outcome.ended_at, reason=outcome.skipped,
            ), attempt=attempt)
            return
        if outcome.ok:
            self._succeeded(step, outcome, attempt)
            return
        retry = step.node.options.retry
        allowed = retry.max_retries if outcome.retry_request is None else outcome.retry_request[0]
        if outcome.retryable and outcome.attempt <= allowed:
            delay = (
                retry.delay_before(outcome.attempt, random.random) if outcome.retry_request is None
                else outcome.retry_request[1]
            )
            self.recorder.step_retrying(attempt, delay)
            heapq.heappush(self.retries, (time.monotonic() + delay, self.index[step.key], step.key, outcome.attempt + 1))
            return
        record = StepRecord(
            self.run_id, step.key, StepStatus.FAILURE, outcome.attempt,
            self.first_start.get(step.key, outcome.started_at), outcome.ended_at,
            error=outcome.error, traceback=outcome.traceback, failure_kind=outcome.failure_kind,
        )
        self._finish(record, attempt=attempt)

    def _succeeded(self, step: PlannedStep, outcome: StepOutcome, attempt: StepAttempt) -> None:
        if outcome.blocked is not None or not outcome.produced:
            self._checked_or_produced_nothing(step, outcome, attempt)
            return
        assert outcome.uri is not None and outcome.serializer is not None and outcome.data_version is not None
        stored = StoredValue(outcome.uri, outcome.serializer, outcome.size_bytes, outcome.data_version, self.run_id)
        self.outputs[step.key] = StepOutput(stored, outcome.value) if outcome.value_kept else StepOutput(stored)
        self._add_partition(step, stored)
        self.xcoms[step.key] = {
            (RETURN_VALUE, UNMAPPED): outcome.value if outcome.value_kept else stored,
            **outcome.xcoms,
            **outcome.xcom_values,
        }
        input_versions = self._input_versions(step)
        decision = self.decisions.get(step.key)
        materialization = Materialization(
            asset_key=step.key,
            run_id=self.run_id,
            artifact_uri=outcome.uri,
            serializer=outcome.serializer,
            size_bytes=outcome.size_bytes,
            data_version=outcome.data_version,
            created_at=outcome.ended_at,
            code_version=step.code_version,
            input_versions=input_versions,
            metadata=outcome.metadata if step.config is None else {**outcome.metadata, CONFIG_METADATA: step.config},
            code_components=dict(step.versions.code.components),
            environment=dict(step.versions.environment),
            source_version=decision.source_version if decision is not None else None,
            partition=step.partition,
        )
        metrics = [Metric(self.run_id, step.key, name, value, ts) for name, value, ts in outcome.metrics]
        record = StepRecord(
            self.run_id, step.key, StepStatus.SUCCESS, outcome.attempt,
            self.first_start.get(step.key, outcome.started_at), outcome.ended_at,
            reason=decision.reason if decision is not None else None,
        )
        if outcome.skip:
            self._force_skip({key: why for key, why in outcome.skip.items() if key in self.plan.steps})
        xcoms = xcom_records(self.run_id, step.key, outcome.xcoms, outcome.ended_at) if outcome.xcoms else ()
        self._finish(
            record, attempt=attempt, materialization=materialization, xcoms=xcoms, metrics=metrics,
            checks=check_evaluations(self.run_id, step, outcome),
        )

    def _add_partition(self, step: PlannedStep, stored: StoredValue) -> None:
        """Count the partition ``step`` computed (or found up to date) in what fan-ins read."""
        if step.partition is not None and step.key in self.fan_in:
            self.fan_in[step.key] = {**self.fan_in[step.key], step.partition: stored}
            self.fan_in[step.key] = dict(sorted(self.fan_in[step.key].items()))

    def _checked_or_produced_nothing(self, step: PlannedStep, outcome: StepOutcome, attempt: StepAttempt) -> None:
        """A step that stores no value: an asset check, a blocked asset, or an asset without output.

        A blocking check that failed fails the step (its value, if any, is not recorded) and
        skips its downstream; an asset that may produce no output and did not succeeds and
        skips its downstream; an asset check that passed (or failed without blocking) succeeds.
        """
        status, reason, error = StepStatus.SUCCESS, None, None
        if outcome.blocked is not None:
            status, error = StepStatus.FAILURE, outcome.blocked
            self._skip_downstream(step, f"upstream {step.key!r} failed a blocking asset check")
        elif step.node.kind != "check":
            reason = "produced no output (output_required=False)"
            self._skip_downstream(step, f"upstream {step.key!r} produced no output")
        record = StepRecord(
            self.run_id, step.key, status, outcome.attempt,
            self.first_start.get(step.key, outcome.started_at), outcome.ended_at, error=error, reason=reason,
        )
        metrics = [Metric(self.run_id, step.key, name, value, ts) for name, value, ts in outcome.metrics]
        self._finish(record, attempt=attempt, metrics=metrics, checks=check_evaluations(self.run_id, step, outcome))

    def _finish(self, record: StepRecord, **recorded: Any) -> None:
        """Record a final state, then decide the downstream steps it may settle (no recursion)."""
        pending = [(record, recorded)]
        while pending:
            record, recorded = pending.pop()
            self.decided.add(record.step_key)
            self.records[record.step_key] = record
            self.recorder.step_finished(record, **recorded)
            for down in self.plan.steps[record.step_key].downstream_in_run:
                self.tally[down][record.status] += 1
                settled = self._evaluate(down)
                if settled is not None:
                    pending.append((settled, {}))

    def _skip_downstream(self, origin: PlannedStep, reason: str) -> None:
        """Skip every step downstream of ``origin`` for ``reason`` (call before finishing ``origin``)."""
        closure: dict[str, str] = {}
        frontier = list(origin.downstream_in_run)
        while frontier:
            key = frontier.pop()
            if key not in closure:
                closure[key] = reason
                frontier.extend(self.plan.steps[key].downstream_in_run)
        self._force_skip(closure)

    def _force_skip(self, reasons: dict[str, str]) -> None:
        """Finish the undecided steps of ``reasons`` as SKIPPED, whatever their trigger rules.

        All are marked decided before any is finished, so finishing one does not let a rule
        run another of them.
        """
        keys = sorted((key for key in reasons if key not in self.decided), key=self.index.__getitem__)
        self.decided.update(keys)
        for key in keys:
            self._finish(StepRecord(self.run_id, key, StepStatus.SKIPPED, 0, None, time.time(), reason=reasons[key]))

    def _evaluate(self, key: str) -> StepRecord | None:
        """Apply ``key``'s trigger rule: make it ready, or return the record it ends with unrun."""
        if key in self.decided:
            return None
        step = self.plan.steps[key]
        verdict = evaluate_tally(step.node.options.trigger_rule, self.tally[key], len(step.upstream_in_run))
        if verdict is Verdict.WAIT:
            return None
        self.decided.add(key)
        if verdict is Verdict.RUN:
            heapq.heappush(self.ready, (self.index[key], key))
            return None
        status = StepStatus.SKIPPED if verdict is Verdict.SKIP else StepStatus.UPSTREAM_FAILED
        finished = [self.records[up] for up in step.upstream_in_run if up in self.records]
        counts = UpstreamCounts.from_tally(self.tally[key], len(step.upstream_in_run))
        return StepRecord(self.run_id, key, status, 0, None, time.time(), reason=_why(step, finished, counts))


def _why(step: PlannedStep, finished: list[StepRecord], counts: UpstreamCounts) -> str:
    """The reason a step ends unrun: its failed (or skipped) upstream, or its rule and counts."""
    rule = step.node.options.trigger_rule
    if rule == "all_success":
        failed = [r for r in finished if r.status is StepStatus.FAILURE]
        if failed:
            return f"upstream {', '.join(repr(r.step_key) for r in failed)} failed"
        inherited = [r for r in finished if r.status is StepStatus.UPSTREAM_FAILED and r.reason]
        if inherited:
            return inherited[0].reason or ""
        skipped = [r for r in finished if r.status is StepStatus.SKIPPED]
        if skipped:
            return f"upstream {', '.join(repr(r.step_key) for r in skipped)} skipped"
    return f"trigger rule {rule.value}: upstream {counts}"


def selected_outputs(step: PlannedStep) -> frozenset[str] | None:
    """For a multi-asset op that can subset: its outputs whose assets are in the run."""
    if not step.node.options.can_subset:
        return None
    chosen = set(step.downstream_in_run)
    return frozenset(output.name for output in step.node.options.multi_outputs if output.asset_key in chosen)


def check_evaluations(run_id: str, step: PlannedStep, outcome: StepOutcome) -> list[CheckEvaluation]:
    """The records of the asset check results a step reported (a result without a description
    takes its check's)."""
    if not outcome.checks:
        return []
    specs = {spec.name: spec for spec in step.node.options.check_specs}
    return [
        CheckEvaluation(
            run_id=run_id, step_key=step.key, asset_key=str(result.asset_key), check_name=str(result.check_name),
            passed=result.passed, severity=str(result.severity), created_at=outcome.ended_at,
            blocking=specs[str(result.check_name)].blocking,
            description=result.description or specs[str(result.check_name)].description,
            metadata=normalize_metadata(result.metadata),
        )
        for result in outcome.checks
    ]


def _outcome_of(key: str, attempt: int, future: Future[StepOutcome]) -> StepOutcome:
    """The future's outcome; an executor-level failure (a lost worker) becomes a failed one."""
    error = future.exception()
    if error is None:
        return future.result()
    lost = WorkerLost(f"{type(error).__name__}: {error}", step_key=key)
    return StepOutcome.failed(key, attempt, time.time(), lost)
