"""Running one step: the boundary around user code.

``run_step`` resolves the step's inputs (values in memory, or references into the artifact
store that it reads), checks them against the function's type hints, calls the function
with output captured, checks and unwraps the result, and stores it as an artifact. It never
raises for a failure of the step: every failure becomes a failed :class:`StepOutcome` that
names the step and carries the user's traceback, so a user bug is never confused with a
Headwater bug, and nothing is recorded as materialized unless its artifact was written
whole.

It is a plain function of picklable arguments, so every executor runs it the same way:
in the run's thread, in a pool thread, in a worker process or on a Dask worker.
"""

from __future__ import annotations

import contextlib
import inspect
import time
import traceback
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from headwater.definitions.asset import MaterializeResult, Output
from headwater.definitions.failures import Failure, RetryRequested
from headwater.definitions.metadata import normalize_metadata
from headwater.definitions.node import Node
from headwater.definitions.parameters import config_class_of
from headwater.definitions.signals import FailStep, RescheduleStep, SkipStep
from headwater.definitions.typecheck import check_value, describe_type, resolved_hints
from headwater.errors import FailureKind, StepError, StorageError, TypeMismatchError, UserCodeError
from headwater.execution.capture import LineSink, step_output
from headwater.execution.context import StepContext, XComKey, XComView
from headwater.execution.results import unwrap
from headwater.execution.values import PartitionedValues, StoredValue
from headwater.storage.base import ArtifactStore
from headwater.storage.records import LogLine

__all__ = ["StepOutcome", "StepRequest", "StoredValue", "run_step"]


@dataclass(frozen=True, slots=True)
class StepRequest:
    """Everything a worker needs to run one attempt of one step.

    Attributes:
        inputs: parameter name -> the value, or a :class:`StoredValue` to read.
        keep_value: return the value in the outcome (executors that share memory with the
            run loop), besides storing it.
    """

    run_id: str
    node: Node
    attempt: int
    inputs: dict[str, Any]
    keep_value: bool = True
    #: the XComs this step may pull (see :mod:`headwater.execution.context`); empty for a
    #: step that takes no context
    xcoms: XComView = field(default_factory=dict)
    run_tags: Mapping[str, str] = field(default_factory=dict)
    #: every key upstream of this step, however far (XCom pulls from them are expected)
    ancestors: frozenset[str] = frozenset()
    #: the step's validated run config (plain JSON), when its function takes config
    config: Mapping[str, Any] | None = None
    #: parameter -> the resource it receives
    resources: Mapping[str, Any] = field(default_factory=dict)
    #: a multi-asset op that can subset: the names of its outputs selected in this run
    selected_outputs: frozenset[str] | None = None
    #: when the step first started in this run (UTC epoch seconds), across retries and reschedules
    first_started_at: float | None = None
    #: how many times the step was rescheduled so far (it raised ``RescheduleStep``)
    reschedules: int = 0
    #: the partition the step computes, when it is partitioned
    partition_key: str | None = None


@dataclass(slots=True)
class StepOutcome:
    """What came of one attempt of one step."""

    step_key: str
    attempt: int
    ok: bool
    started_at: float
    ended_at: float
    value: Any = None
    #: whether ``value`` holds the value (else only the stored reference does)
    value_kept: bool = False
    uri: str | None = None
    serializer: str | None = None
    size_bytes: int = 0
    data_version: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    metrics: list[tuple[str, float, float]] = field(default_factory=list)
    #: lines captured when no live sink was given (a worker elsewhere)
    logs: list[LogLine] = field(default_factory=list)
    #: False when the step succeeded but yielded no output (``output_required=False``, a check)
    produced: bool = True
    #: the asset check results it reported (``AssetCheckResult``, names filled in)
    checks: list[Any] = field(default_factory=list)
    #: set when a blocking check failed: downstream must not run
    blocked: str | None = None
    #: (max retries, seconds to wait) when the step raised ``RetryRequested``
    retry_request: tuple[int, float] | None = None
    error: str | None = None
    #: the full traceback (Headwater's frames too); ``headwater.tracebacks`` trims it for display
    traceback: str | None = None
    #: why the step failed; None when it did not
    failure_kind: FailureKind | None = None
    #: (XCom key, map index) -> where a value the step pushed is stored (besides its return value)
    xcoms: dict[XComKey, StoredValue] = field(default_factory=dict)
    #: (XCom key, map index) -> the pushed value itself, when ``keep_value``
    xcom_values: dict[XComKey, Any] = field(default_factory=dict)
    #: the reason, when the step ended skipped (it raised ``SkipStep``)
    skipped: str | None = None
    #: seconds until the step runs again, when it asked to be rescheduled (``RescheduleStep``)
    reschedule_in: float | None = None
    #: False when the step raised ``FailStep``: no retries
    retryable: bool = True
    #: keys of later steps to finish as skipped -> the reason (a branch's unchosen paths)
    skip: dict[str, str] = field(default_factory=dict)

    @classmethod
    def failed(
        cls, step_key: str, attempt: int, started_at: float, error: StepError | StorageError, traceback: str | None = None
    ) -> StepOutcome:
        """The outcome of an attempt that failed with ``error`` (its kind says why)."""
        outcome = cls(step_key=step_key, attempt=attempt, ok=False, started_at=started_at, ended_at=time.time())
        return outcome.fail(error, traceback)

    def fail(self, error: StepError | StorageError, traceback: str | None = None) -> StepOutcome:
        """Mark this outcome failed with ``error``; returns it."""
        self.ok = False
        self.error = str(error)
        self.traceback = traceback
        self.failure_kind = error.kind if isinstance(error, StepError) else FailureKind.STORAGE
        return self


def run_step(request: StepRequest, artifacts: ArtifactStore, sink: LineSink | None = None) -> StepOutcome:
    """Run one attempt of a step and store its value; never raises for the step's failure.

    Args:
        request: the step, its attempt number and its inputs.
        artifacts: where stored inputs are read and the output is written.
        sink: receives each line the step prints or logs, as it happens; when None the
            lines are collected in the outcome instead.
    """
    node = request.node
    started = time.time()
    outcome = StepOutcome(step_key=node.key, attempt=request.attempt, ok=False, started_at=started, ended_at=started)
    if sink is None:
        run_id = request.run_id

        def sink(stream: str, text: str, level: str | None) -> None:
            outcome.logs.append(LogLine(run_id, node.key, stream, time.time(), text, level))

    context = StepContext(
        request.run_id,
        node.key,
        request.attempt,
        artifacts=artifacts,
        xcoms=request.xcoms,
        upstream=request.ancestors or frozenset(node.upstream),
        run_tags=request.run_tags,
        keep_values=request.keep_value,
        selected_output_names=request.selected_outputs,
        partition_key=request.partition_key,
        partitions_def=node.options.partitions_def,
        first_started_at=request.first_started_at if request.first_started_at is not None else started,
        reschedules=request.reschedules,
    )
    try:
        inputs = _resolve_inputs(request.inputs, artifacts)
        if node.options.check_types:
            _check_inputs(node, inputs)
        inputs = {**inputs, **_run_provided(node, request)}
        with step_output(sink):
            try:
                result, generator = _call_user_code(node, context, inputs, request.resources)
            except SkipStep as exc:
                outcome.skipped = str(exc) or f"{type(exc).__name__} raised"
                return outcome
            except RescheduleStep as exc:
                outcome.reschedule_in = exc.delay
                return outcome
        produced = unwrap(node, result, generator=generator, selected=request.selected_outputs)
        if node.options.check_types and not generator and node.kind != "check":
            _check_output(node, result, produced.value)
        outcome.checks, outcome.blocked = produced.checks, produced.blocked
        if not produced.produced:
            outcome.ok, outcome.produced = True, False
            outcome.metrics = context.metrics
            return outcome
        value, metadata = produced.value, produced.metadata
        stored = artifacts.put(node.key, value, serializer=node.options.io)
    except UserCodeError as exc:
        outcome.retryable = not isinstance(exc.__cause__, FailStep)
        outcome.fail(exc, exc.user_traceback or traceback.format_exc())
        _steer_retries(outcome, exc.__cause__)
        return outcome
    except (StepError, StorageError) as exc:
        return outcome.fail(exc, traceback.format_exc())
    except Exception as exc:  # a serializer or store failing on this value
        error = StorageError(f"could not store the value of {node.key!r}: {type(exc).__name__}: {exc}")
        return outcome.fail(error, traceback.format_exc())
    finally:
        outcome.ended_at = time.time()
    metadata = normalize_metadata({**metadata, **context.output_metadata})
    outcome.ok = True
    outcome.value = value if request.keep_value else None
    outcome.value_kept = request.keep_value
    outcome.uri = stored.uri
    outcome.serializer = stored.serializer
    outcome.size_bytes = stored.size_bytes
    outcome.data_version = stored.data_version
    outcome.metadata = metadata
    outcome.metrics = context.metrics + _numeric_metadata(metadata, outcome.ended_at)
    outcome.xcoms = context.pushed_xcoms
    outcome.xcom_values = context.pushed_values
    outcome.skip = dict(context.skipped_downstream)
    return outcome


def _steer_retries(outcome: StepOutcome, exc: BaseException | None) -> None:
    """What a ``Failure`` or ``RetryRequested`` the step raised says about retrying it."""
    if isinstance(exc, Failure):
        details = ", ".join(f"{k}={v}" for k, v in normalize_metadata(exc.metadata).items())
        outcome.error = f"Failure: {exc.description or 'the step failed'}" + (f" ({details})" if details else "")
        outcome.retryable = exc.allow_retries is not False
    elif isinstance(exc, RetryRequested):
        outcome.retry_request = (exc.max_retries, float(exc.seconds_to_wait or 0.0))


def _run_provided(node: Node, request: StepRequest) -> dict[str, Any]:
    """The arguments the run gives besides upstream values: the config object and resources."""
    provided: dict[str, Any] = dict(request.resources)
    parameter = node.options.config_parameter
    if parameter is not None:
        provided[parameter] = config_class_of(node.user_fn, parameter)(**dict(request.config or {}))
    return provided


@contextlib.contextmanager
def _resources_set_up(resources: Mapping[str, Any], context: StepContext) -> Iterator[None]:
    """Each resource's ``setup_for_execution`` before the step, ``teardown_after_execution`` after."""
    ready = []
    try:
        for resource in resources.values():
            getattr(resource, "setup_for_execution", lambda context: None)(context)
            ready.append(resource)
        yield
    finally:
        for resource in reversed(ready):
            getattr(resource, "teardown_after_execution", lambda context: None)(context)


def _resolve_inputs(inputs: dict[str, Any], artifacts: ArtifactStore) -> dict[str, Any]:
    if not any(isinstance(value, StoredValue | PartitionedValues) for value in inputs.values()):
        return inputs
    return {
        name: value.load(artifacts) if isinstance(value, StoredValue | PartitionedValues)
        else value
        for name, value in inputs.items()
    }


def _check_inputs(node: Node, inputs: dict[str, Any]) -> None:
    hints = resolved_hints(node.user_fn)
    if not hints:
        return
    for name, value in inputs.items():
        hint = hints.get(name)
        if hint is not None and not check_value(value, hint):
            raise TypeMismatchError(
                f"{node.kind} {node.key!r}: parameter {name!r} expects {describe_type(hint)}, "
                f"but its upstream {node.inputs[name]!r} gave {describe_type(type(value))}",
                step_key=node.key,
            )


def _check_output(node: Node, result: Any, value: Any) -> None:
    hint = resolved_hints(node.user_fn).get("return")
    if hint is None or isinstance(result, MaterializeResult) and hint is MaterializeResult:
        return
    if typing.get_origin(hint) is Output or hint is Output:
        if not isinstance(result, Output):
            raise TypeMismatchError(
                f"{node.kind} {node.key!r}: returns {describe_type(type(result))}, but is annotated to return Output",
                step_key=node.key,
            )
        args = typing.get_args(hint)
        hint = args[0] if args else None
        if hint is None:
            return
    if not check_value(value, hint):
        raise TypeMismatchError(
            f"{node.kind} {node.key!r}: return value expected {describe_type(hint)}, "
            f"got {describe_type(type(value))}",
            step_key=node.key,
        )


def _numeric_metadata(metadata: dict[str, Any], timestamp: float) -> list[tuple[str, float, float]]:
    return [
        (str(name), float(value), timestamp)
        for name, value in metadata.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]


def _call_user_code(
    node: Node, context: StepContext, inputs: dict[str, Any], resources: Mapping[str, Any]
) -> tuple[Any, bool]:
    """Call the step's function (draining a generator), its resources set up around it: what it
    (or a resource's setup or teardown) raises becomes a :class:`UserCodeError`.

    The error keeps the user's exception as ``__cause__`` and the whole traceback as
    ``user_traceback`` (Headwater's frames are trimmed when it is shown, not here).
    ``SkipStep`` and ``RescheduleStep`` pass through: they are requests, not failures.

    Returns:
        The result, and whether the function was a generator (its items, listed).
    """
    try:
        with _resources_set_up(resources, context) if resources else contextlib.nullcontext():
            result = _call(node, context, inputs)
            generator = inspect.isgenerator(result)
            if generator:  # a generator asset: its body runs as it is drained
                result = list(result)
        return result, generator
    except (SkipStep, RescheduleStep):
        raise
    except Exception as exc:
        raise UserCodeError(
            f"{type(exc).__name__}: {exc}", step_key=node.key, user_traceback="".join(traceback.format_exception(exc))
        ) from exc


def _call(node: Node, context: StepContext, inputs: dict[str, Any]) -> Any:
    """Call the node's function; an Airflow task's node is run by the Airflow dialect's runner."""
    if node.kind == "task":
        from headwater.execution.airflow.task import run_task  # the dialect loads only when a DAG runs

        return run_task(node.fn.operator, context, inputs)  # type: ignore[attr-defined]
    return node.fn(context, **inputs) if node.takes_context else node.fn(**inputs)
