"""Starting a run: plan it, record it, run it on an executor, and hand back the result.

``execute`` is what the CLI and the scheduler call; ``materialize`` is the Python API for
tests and notebooks (Dagster's name and shape), which builds the graph from the assets it
is given and uses a temporary store unless one is passed::

    result = materialize([raw, model])
    assert result.success
    model_value = result.output_for("model")
"""

from __future__ import annotations

import os
import socket
import time
import uuid
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from headwater.definitions.graph import Graph
from headwater.definitions.loading import CodeLocation, collect
from headwater.definitions.partitions import PARTITION_TAG
from headwater.errors import RunFailedError, StorageError
from headwater.execution.airflow.callbacks import run_dag_callbacks
from headwater.execution.airflow.history import prior_success_tags
from headwater.execution.cancel import INTERRUPTED, Cancellation
from headwater.execution.capture import capture_output
from headwater.execution.executors import ExecutorOptions, open_executor
from headwater.execution.heartbeat import TIMEOUT_TAG, Heartbeat, heartbeat_timeout
from headwater.execution.loop import StepOutput, check_pool_limits, run_plan
from headwater.execution.observer import EchoObserver, NullObserver, RunObserver
from headwater.execution.recorder import RunRecorder
from headwater.execution.supervisor import track
from headwater.execution.xcoms import load_stored_xcoms
from headwater.planning.plan import build_plan
from headwater.definitions.selection import Selection
from headwater.storage.records import Materialization, Run, RunStatus, StepRecord, StepStatus

if TYPE_CHECKING:
    from headwater.storage.instance import Instance

__all__ = ["LOCATION_FILE_TAG", "LOCATION_MODULE_TAG", "RunResult", "execute", "materialize", "reexecute"]

#: run tags naming the code location a run came from, so it can be re-executed
LOCATION_FILE_TAG = "headwater/location_file"
LOCATION_MODULE_TAG = "headwater/location_module"
PARENT_RUN_TAG = "headwater/parent_run_id"


@dataclass(eq=False)
class RunResult:
    """The outcome of a run.

    Attributes:
        run_id: the run's id, as ``headwater runs show`` takes it.
        status: ``SUCCESS`` or ``FAILURE``; ``CANCELED`` when it was canceled or interrupted.
        steps: step key -> the step's final record (of the steps that ended: a canceled
            run has no record of the steps it never started).
        error: why the run failed or was canceled, as recorded.
    """

    run_id: str
    status: RunStatus
    steps: dict[str, StepRecord]
    started_at: float
    ended_at: float
    _outputs: dict[str, StepOutput] = field(repr=False, default_factory=dict)
    _instance: Instance | None = field(repr=False, default=None)
    error: str | None = None

    @property
    def success(self) -> bool:
        return self.status is RunStatus.SUCCESS

    @property
    def duration(self) -> float:
        return self.ended_at - self.started_at

    @property
    def failures(self) -> list[StepRecord]:
        """The records of the steps that failed."""
        return [record for record in self.steps.values() if record.status is StepStatus.FAILURE]

    def output_for(self, key: object) -> Any:
        """The value step ``key`` produced (or reused, when it was up to date).

        Args:
            key: an asset key string, an ``AssetKey`` or the asset function itself.

        Raises:
            KeyError: the step was not in this run, or produced no value (failed or skipped).
        """
        from headwater.definitions.asset import key_of

        name = key_of(key)
        output = self._outputs.get(name)
        if output is None or name not in self.steps:
            record = self.steps.get(name)
            why = "it was not part of the run" if record is None else f"it ended {record.status.value.lower()}"
            if record is not None and record.reason:
                why += f" ({record.reason})"
            raise KeyError(f"{name!r} has no value in run {self.run_id}: {why}")
        if output.in_memory:
            return output.value
        if self._instance is None:
            raise KeyError(f"the value of {name!r} is stored, but this result has no store to read it from")
        stored = output.stored
        return self._instance.artifacts.get(stored.uri, stored.serializer, size_bytes=stored.size_bytes)

    def asset_value(self, asset_key: object) -> Any:
        """Dagster's name for :meth:`output_for`."""
        return self.output_for(asset_key)

    def output_for_node(self, node_name: str, output_name: str = "result") -> Any:
        """Dagster's name for :meth:`output_for` (one output per node here)."""
        return self.output_for(node_name)


def execute(
    target: Graph | CodeLocation,
    selection: Selection | None = "*",
    *,
    instance: Instance,
    job_name: str | None = None,
    executor: str | None = None,
    observer: RunObserver | None = None,
    tags: Mapping[str, str] | None = None,
    force: bool = False,
    max_concurrency: int | None = None,
    executor_config: Mapping[str, Any] | None = None,
    pinned_inputs: Mapping[str, Materialization] | None = None,
    pool_limits: Mapping[str, int] | None = None,
    run_config: object = None,
    partition_key: str | None = None,
    queued_run: Run | None = None,
) -> RunResult:
    """Plan, record and run ``selection`` of a graph or code location.

    Args:
        target: the validated graph, or a loaded code location (needed by executors that
            import the code elsewhere).
        selection: a selection string or a sequence of assets and keys.
        instance: the stores to record in and read from.
        job_name: the job this run belongs to, for the record.
        executor: ``in_process`` (default), ``thread``, ``process`` or ``dask``.
        observer: told of progress and output as it happens; nothing is echoed when None.
        tags: stored with the run.
        force: rerun up-to-date steps too.
        max_concurrency: steps at once on a parallel executor (CPU count by default).
        executor_config: executor-specific settings (``dask_address=...``).
        pinned_inputs: upstream key -> the materialization to read it (and its XComs) from
            instead of its latest (what re-execution uses to read the original run's values).
        pool_limits: pool name -> how many steps of that pool (``@asset(pool=...)``) may
            run at once, on any executor; pools not named are unlimited.
        run_config: a ``RunConfig`` or Dagster's dict form, for the steps that take config.
        partition_key: the partition of the selected partitioned assets to compute; by
            default the ``dagster/partition`` tag's (a schedule's or backfill's run).
        queued_run: a queued run claimed for this process (``claimed_by`` set): it is this
            run, keeping its id, creation time and launch record (see ``headwater.scheduling``).

    Returns:
        The result; a failed run is a result with ``success`` False, not an exception.

    Raises:
        SelectionError, PlanError, RunConfigError: before any run is recorded.
        StoreReadOnly: the run store cannot be written here; nothing ran.
        RunClaimLost: ``queued_run`` is no longer claimed for this process; nothing ran.
    """
    instance.store.ensure_writable()
    location = target if isinstance(target, CodeLocation) else None
    graph = target.graph if isinstance(target, CodeLocation) else target
    partition_key = partition_key if partition_key is not None else (tags or {}).get(PARTITION_TAG)
    plan = build_plan(
        graph, selection, latest=instance.store.latest_materializations, force=force, pinned=pinned_inputs,
        run_config=run_config, resources=location.resources if location is not None else None,
        partition_key=partition_key, partition_history=instance.store.latest_partition_materializations,
    )
    stored_xcoms = load_stored_xcoms(graph, plan, instance.store, pinned_inputs)
    executor_name = executor or (location.executor if location is not None else None) or "in_process"
    limits = check_pool_limits(pool_limits)
    extra = dict(executor_config or {})
    if location is not None:
        extra.setdefault("location", location)
    beat_timeout = heartbeat_timeout()
    run_id = queued_run.run_id if queued_run is not None else uuid.uuid4().hex
    started = time.time()
    # Under the CLI's supervisor, the steps running are reported, so a step that kills this
    # process is named (see headwater.execution.supervisor).
    recorder = RunRecorder(instance.store, run_id, track(instance.settings.database_url, observer or _SILENT))
    options = ExecutorOptions(instance.artifacts, recorder.sink_for, max_concurrency, extra)
    pool = open_executor(executor_name, options)
    run_tags = {**dict(tags or {}), "executor": executor_name, TIMEOUT_TAG: f"{beat_timeout:g}"}
    if partition_key is not None:
        run_tags[PARTITION_TAG] = partition_key
    if location is not None and location.file is not None:
        run_tags[LOCATION_FILE_TAG] = str(location.file)
    elif location is not None and location.module is not None:
        run_tags[LOCATION_MODULE_TAG] = location.module
    run = Run(
        run_id=run_id,
        status=RunStatus.STARTED,
        selection=plan.selection,
        job_name=job_name,
        created_at=started,
        started_at=started,
        tags=run_tags,
        pid=os.getpid(),
        hostname=socket.gethostname(),
        heartbeat_at=started,
    )
    if queued_run is not None:
        run = replace(
            run, created_at=queued_run.created_at, launch=queued_run.launch, priority=queued_run.priority,
            run_key=queued_run.run_key, claimed_by=queued_run.claimed_by,
        )
    cancellation = Cancellation()
    heartbeat = Heartbeat(instance.store, run_id, cancellation, timeout=beat_timeout)
    # The executor starts before the run is recorded: one that cannot start (a scheduler out
    # of reach) leaves no run behind.
    step_tags = run_tags
    if job_name is not None and any(step.node.kind == "task" for step in plan.steps.values()):
        # an Airflow DAG's steps see its prior successful run (prev_*_success), not stored with this run
        step_tags = {**run_tags, **prior_success_tags(instance.store, job_name, run_tags, started)}
    with capture_output(), pool:
        recorder.start(run, plan.keys)
        heartbeat.start()
        try:
            records, outputs = run_plan(
                plan, pool, recorder, run_tags=step_tags, pool_limits=limits, artifact_check=instance.check_artifact,
                stored_xcoms=stored_xcoms, cancellation=cancellation,
            )
            run_dag_callbacks(plan, records, recorder, instance.artifacts, step_tags)
        except KeyboardInterrupt:
            recorder.finish(RunStatus.CANCELED, INTERRUPTED)
            raise
        except StorageError as exc:
            recorder.finish(RunStatus.FAILURE, f"the run store failed: {exc}")
            raise
        except BaseException as exc:
            recorder.finish(RunStatus.FAILURE, f"Headwater failed while running: {type(exc).__name__}: {exc}")
            raise
        finally:
            heartbeat.stop()
    failed = [r for r in records.values() if r.status is StepStatus.FAILURE]
    error = "; ".join(f"step {r.step_key!r} failed: {r.error}" for r in failed) or None
    if cancellation.requested:
        status, error = RunStatus.CANCELED, cancellation.reason
    else:
        status = RunStatus.FAILURE if failed else RunStatus.SUCCESS
    ended = recorder.finish(status, error)
    ordered = {key: records[key] for key in plan.keys if key in records}
    result = RunResult(run_id, recorder.final_status or status, ordered, started, ended, outputs, instance, error=error)
    (observer or _SILENT).run_finished(result)
    if cancellation.reason == INTERRUPTED:
        raise KeyboardInterrupt
    return result


def materialize(
    assets: Iterable[object],
    selection: Selection | None = None,
    *,
    instance: Instance | None = None,
    raise_on_error: bool = True,
    executor: str | None = None,
    force: bool = False,
    tags: Mapping[str, str] | None = None,
    observer: RunObserver | None = None,
    max_concurrency: int | None = None,
    executor_config: Mapping[str, Any] | None = None,
    pool_limits: Mapping[str, int] | None = None,
    run_config: Any = None,
    resources: Mapping[str, object] | None = None,
    partition_key: str | None = None,
) -> RunResult:
    """Materialize assets in this process (Dagster's ``materialize``), for tests and notebooks.

    Args:
        assets: the assets (decorated functions) making up the graph, plus any jobs.
        selection: which of them to run; all when None.
        instance: the stores to use; a temporary one (removed with the result) when None.
        raise_on_error: raise :class:`RunFailedError` when a step fails, else return the
            failed result.
        executor: as for :func:`execute`; ``in_process`` by default.
        force: rerun up-to-date steps too.
        tags: stored with the run.
        observer: told of progress; by default each printed line is echoed with its step.
        max_concurrency, executor_config, pool_limits: as for :func:`execute`.
        run_config: a ``RunConfig`` (or Dagster's dict form) for the assets that take config.
        resources: resource key -> resource, for assets that take resources.
        partition_key: the partition of the partitioned assets to compute.

    Returns:
        The run's result: ``success``, ``run_id``, ``output_for(key)``.

    Raises:
        DefinitionError: the assets do not form a valid graph.
        RunFailedError: a step failed and ``raise_on_error`` is true.
    """
    location = collect(assets, name="materialize()", resources=resources)
    owned = instance is None
    if instance is None:
        from headwater.storage.instance import Instance

        instance = Instance.ephemeral()
    try:
        result = execute(
            location, selection, instance=instance, executor=executor, observer=observer or EchoObserver(),
            tags=tags, force=force, max_concurrency=max_concurrency, executor_config=executor_config,
            pool_limits=pool_limits, run_config=run_config, partition_key=partition_key,
        )
    except BaseException:
        if owned:
            instance.close()
        raise
    if owned:
        weakref.finalize(result, instance.close)
    if raise_on_error and not result.success and not result.failures:
        run = instance.store.get_run(result.run_id)
        raise RunFailedError(f"run {result.run_id} ended {result.status.value}: {run.error or 'no reason recorded'}", result)
    if raise_on_error and not result.success:
        failure = result.failures[0]
        raise RunFailedError(
            f"run {result.run_id} failed: step {failure.step_key!r}: {failure.error}\n{failure.traceback or ''}".rstrip(),
            result,
        )
    return result


def reexecute(
    run_id: str,
    *,
    instance: Instance,
    from_failure: bool = True,
    from_step: str | None = None,
    location: CodeLocation | None = None,
    executor: str | None = None,
    observer: RunObserver | None = None,
    executor_config: Mapping[str, Any] | None = None,
) -> RunResult:
    """Run a past run again: from its failures, from one step, or whole.

    Steps that do not rerun are read from what that run stored: their values and their
    XComs (a task's pushed values), so a DAG passing values by XCom resumes where it failed.

    Args:
        run_id: the run to re-execute.
        instance: the stores it was recorded in.
        from_failure: rerun only the steps that failed (or whose upstream failed, or that a
            run whose process died left unfinished) and their downstream (else every step).
        from_step: rerun this step of the run and its downstream; overrides ``from_failure``.
        location: the code to run; by default the file or module the run was started from.
        executor: as for :func:`execute`; the original run's executor by default.
        observer: told of progress.
        executor_config: as for :func:`execute` (``dask_address=...``).

    Raises:
        RunNotFound: no run has that id.
        PlanError: the run did not fail (with ``from_failure``), ``from_step`` is not one of
            its steps, or its code cannot be found.
    """
    from headwater.definitions.graph import close_matches
    from headwater.definitions.loading import load_code_location
    from headwater.errors import PlanError

    original = instance.store.get_run(run_id)
    if location is None:
        file, module = original.tags.get(LOCATION_FILE_TAG), original.tags.get(LOCATION_MODULE_TAG)
        if file is None and module is None:
            raise PlanError(f"run {run_id} does not say which code it ran: pass the code location (-f or -m)")
        location = load_code_location(file=file, module=module)
    recorded = {s.step_key: s.status for s in instance.store.get_steps(run_id)}
    in_run = _steps_of(original, recorded, location.graph)
    if from_step is not None:
        if from_step not in in_run:
            raise PlanError(f"step {from_step!r} is not a step of run {run_id}.{close_matches(from_step, in_run)}")
        starts = [from_step]
    elif from_failure:
        starts = sorted(key for key in in_run if recorded.get(key) not in _SETTLED)
        if not starts:
            raise PlanError(f"run {run_id} has no failed step to re-execute from (its status is {original.status})")
    else:
        starts = sorted(in_run)
    keys = set(starts)
    for key in starts:
        keys |= location.graph.downstream_of(key) & in_run
    selection: Selection = sorted(keys)
    pinned = {m.asset_key: m for m in reversed(instance.store.get_materializations(run_id=run_id))}
    tags = {**{k: v for k, v in original.tags.items() if not k.startswith("headwater/")}, PARENT_RUN_TAG: run_id}
    tags.pop("executor", None)
    return execute(
        location,
        selection,
        instance=instance,
        job_name=original.job_name,
        executor=executor or original.tags.get("executor"),
        observer=observer,
        tags=tags,
        force=True,
        pinned_inputs=pinned,
        executor_config=executor_config,
    )


#: the statuses of a step that a re-execution from failure does not rerun (unless downstream
#: of one it reruns): it succeeded, was up to date, or was skipped by a decision (a branch)
_SETTLED = (StepStatus.SUCCESS, StepStatus.UP_TO_DATE, StepStatus.SKIPPED)


def _steps_of(run: Run, recorded: Mapping[str, StepStatus], graph: Graph) -> set[str]:
    """The steps ``run`` covered that still exist: those recorded, and those its selection names.

    A run whose process was killed has no record of the steps it had not finished; its
    selection still names them.
    """
    from headwater.definitions.selection import resolve_selection
    from headwater.errors import SelectionError

    try:
        planned = set(resolve_selection(graph, run.selection))
    except SelectionError:  # the code changed since: what was recorded is what is known
        planned = set()
    return {key for key in (*planned, *recorded) if key in graph}
_SILENT = NullObserver()
