"""Backfills: one record, many runs, over a range of partitions or of a DAG's logical dates.

A backfill is made once (:func:`create_backfill`): its target (a partitioned job, or a DAG),
the keys to run in order (partition keys, or logical dates as ISO text), and how many runs
may go at once. It is then *driven* (:func:`drive_backfill`) until every key has a
successful run, or was skipped as up to date, or failed:

* each key's run carries the tags ``dagster/backfill`` (the backfill's id) and either
  ``dagster/partition`` or ``logical_date``, so the runs of a backfill, and what each did, are
  read back from the run store: nothing else needs to be written per run;
* at most ``max_concurrent`` runs go at once; each is handed to one function, the
  :data:`Launcher`: :func:`in_process_launcher` runs it on a thread of the driver (no
  daemon needed), :func:`queue_launcher` submits it to the run queue, where
  ``headwater daemon`` runs it in a fresh process, and waits for its end;
* a partition whose every partitioned asset is already materialized and current is skipped
  without a run (a second backfill of the same range runs nothing);
* driving it again resumes it: a key that has a successful run is not run again, so a
  driver killed at any moment loses nothing and redoes nothing that succeeded (a run it
  left half-done is closed as lost once its heartbeat times out
  (:mod:`headwater.scheduling.recovery`) and run again, its finished steps skipped as up to
  date);
* :func:`cancel_backfill` moves it to CANCELING: no new run starts, the driver waits for
  those going and ends it CANCELED (at once when no driver is alive and none is going).

A backfill made with ``detached=True`` (``headwater backfill ... --detach``) is driven by
``headwater daemon`` instead (:mod:`headwater.scheduling.backfill_daemon`), a step at a
time, through the run queue; the command that made it returns at once.

State
-----
``Backfill.status``: REQUESTED while keys remain, CANCELING, then one of CANCELED,
COMPLETED_SUCCESS (every key succeeded or was skipped) and COMPLETED_FAILED (some run
failed; driving it again retries those keys).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from enum import StrEnum
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

from headwater.definitions.airflow.intervals import LOGICAL_DATE_TAG, interval_starting, interval_tags, intervals_between
from headwater.definitions.cron import fire_times, timezone
from headwater.definitions.partitioned_nodes import partitions_def_of
from headwater.definitions.partitions import BACKFILL_TAG, PARTITION_TAG, PartitionsDefinition, keys_between
from headwater.definitions.selection import resolve_selection
from headwater.errors import DefinitionError, PartitionKeyError, PlanError
from headwater.planning.partition_status import PartitionState, partition_states
from headwater.scheduling.recovery import close_lost_runs
from headwater.storage.processes import process_alive
from headwater.storage.records import Backfill, BackfillStatus, Run, RunStatus

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.storage.instance import Instance

__all__ = [
    "DETACHED",
    "BackfillProgress",
    "KeyState",
    "Launcher",
    "backfill_progress",
    "cancel_backfill",
    "create_backfill",
    "dag_logical_dates",
    "drive_backfill",
    "driver_alive",
    "finish_backfill",
    "in_process_launcher",
    "job_partition_keys",
    "key_tags",
    "queue_launcher",
    "skip_up_to_date",
]

#: the ``launch`` entry of a backfill the daemon drives (``--detach``)
DETACHED = "detached"

#: the longest a backfill of a DAG may be, in runs (a typo in a date should not start 10**6 runs)
MOST_LOGICAL_DATES = 100_000


@dataclass(frozen=True, slots=True)
class BackfillRun:
    """What the launcher is asked to run: one key of a backfill, with its run's tags."""

    backfill: Backfill
    key: str
    tags: Mapping[str, str]


#: runs one key of a backfill to its end and returns its final status (in this process by
#: default; a launcher that submits to the run queue waits for the queued run instead)
Launcher = Callable[[BackfillRun], RunStatus]


class KeyState(StrEnum):
    """Where one key of a backfill stands."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class BackfillProgress:
    """A backfill and the state of each of its keys, from its runs."""

    backfill: Backfill
    #: key -> its state, in the backfill's order
    keys: Mapping[str, KeyState]
    #: key -> the id of its latest run
    runs: Mapping[str, str] = field(default_factory=dict)

    def count(self, state: KeyState | str) -> int:
        return sum(1 for value in self.keys.values() if value == state)

    @property
    def done(self) -> int:
        """Keys that need nothing more: succeeded or skipped."""
        return self.count(KeyState.SUCCEEDED) + self.count(KeyState.SKIPPED)


# -- which keys ----------------------------------------------------------------------------


def job_partition_keys(
    location: CodeLocation, job_name: str, *, first: str | None, last: str | None, partitions: Sequence[str] | None
) -> tuple[PartitionsDefinition, list[str]]:
    """The partitions of job ``job_name`` to backfill: ``first`` to ``last`` (both included)
    or the keys listed.

    Raises:
        DefinitionError: the job does not exist or is not partitioned.
        PartitionKeyError: a key is not one of the job's, or the range holds none.
    """
    job = location.job(job_name)
    definition = job.partitions_def or _selection_partitions(location, job_name)
    if partitions is not None:
        if first is not None or last is not None:
            raise PartitionKeyError("give --partitions or a range (--from/--to), not both")
        keys = [definition.check_partition_key(key.strip(), where=f"job {job_name!r}") for key in partitions]
        if not keys:
            raise PartitionKeyError("--partitions names no partition")
        return definition, list(dict.fromkeys(keys))
    all_keys = definition.get_partition_keys()
    if not all_keys:
        raise PartitionKeyError(f"job {job_name!r} has no partition yet ({definition.describe()})")
    return definition, keys_between(definition, first or all_keys[0], last or all_keys[-1])


def _selection_partitions(location: CodeLocation, job_name: str) -> PartitionsDefinition:
    job = location.job(job_name)
    keys = resolve_selection(location.graph, job.selection)
    found = {d for key in keys if (d := partitions_def_of(location.graph.nodes, key)) is not None}
    if not found:
        raise DefinitionError(f"job {job_name!r} is not partitioned: none of its assets has a partitions_def")
    if len(found) > 1:
        raise DefinitionError(f"job {job_name!r} holds assets partitioned differently: {sorted(map(str, found))}")
    return found.pop()


def dag_logical_dates(location: CodeLocation, dag_id: str, start: datetime, end: datetime) -> list[str]:
    """The logical dates of DAG ``dag_id``'s schedule from ``start`` to ``end``, both included
    (Airflow's ``dags backfill -s -e``), as ISO text.

    Raises:
        DefinitionError: no such DAG, or it has no schedule.
        PartitionKeyError: the range runs backwards or holds no scheduled time.
    """
    location.job(dag_id)  # unknown: the closest names
    if dag_id not in location.dags:
        raise DefinitionError(f"{dag_id!r} is a job, not a DAG: backfill it with `headwater backfill {dag_id}`")
    schedule = next((s for s in location.schedules.values() if s.job_name == dag_id), None)
    if schedule is None:
        raise DefinitionError(f"DAG {dag_id!r} has no schedule, so it has no logical dates to backfill")
    if end < start:
        raise PartitionKeyError(f"the range {start.isoformat()} to {end.isoformat()} runs backwards")
    zone = timezone(schedule.execution_timezone)
    ticks = islice(fire_times(schedule.cron_schedule, zone, start.astimezone(UTC) - _TINY), 2)
    first, step = next(ticks, end), None
    for second in ticks:
        step = second.astimezone(UTC) - first.astimezone(UTC)
    if step is not None and first <= end and (end - first) / step > MOST_LOGICAL_DATES:  # a typo in a date should not start 10**6 runs
        raise PartitionKeyError(f"the range holds more than {MOST_LOGICAL_DATES} runs of DAG {dag_id!r}")
    dates = [i.logical_date.isoformat() for i in intervals_between(schedule.cron_schedule, zone, start, end)]
    if not dates:
        raise PartitionKeyError(
            f"DAG {dag_id!r} is scheduled {schedule.cron_schedule!r}: no run falls from "
            f"{start.isoformat()} to {end.isoformat()}"
        )
    return dates


# -- the record ----------------------------------------------------------------------------


def create_backfill(
    instance: Instance,
    location: CodeLocation,
    *,
    kind: str,
    target: str,
    keys: Sequence[str],
    max_concurrent: int = 4,
    tags: Mapping[str, str] | None = None,
    detached: bool = False,
    force: bool = False,
) -> Backfill:
    """Record a new backfill of ``keys`` of ``target`` (a job's partitions, or a DAG's
    logical dates), to be driven by :func:`drive_backfill`, or, ``detached``, by the daemon
    (``force``: up-to-date partitions run too).

    Raises:
        PlanError: ``max_concurrent`` is not a whole number of at least 1.
    """
    if isinstance(max_concurrent, bool) or not isinstance(max_concurrent, int) or max_concurrent < 1:
        raise PlanError(f"a backfill's concurrency must be a whole number of at least 1, not {max_concurrent!r}")
    instance.store.ensure_writable()
    launch: dict[str, Any] = {"file": str(location.file)} if location.file is not None else {"module": location.module}
    launch["working_dir"] = os.getcwd()  # where a module location is importable from
    if detached:
        launch.update({DETACHED: True, "force": force})
    backfill = Backfill(
        backfill_id=uuid.uuid4().hex[:12],
        kind=kind,
        target=target,
        status=BackfillStatus.REQUESTED,
        keys=list(keys),
        max_concurrent=max_concurrent,
        created_at=time.time(),
        tags=dict(tags or {}),
        launch=launch,
    )
    instance.store.add_backfill(backfill)
    return backfill


def backfill_progress(instance: Instance, backfill_id: str) -> BackfillProgress:
    """The backfill and the state of each key, read from its runs.

    Raises:
        BackfillNotFound: no backfill has that id.
    """
    backfill = instance.store.get_backfill(backfill_id)
    return _progress(backfill, instance.store.backfill_runs(backfill_id))


def _progress(backfill: Backfill, runs: Iterable[Run]) -> BackfillProgress:
    tag = PARTITION_TAG if backfill.kind == "job" else LOGICAL_DATE_TAG
    latest: dict[str, Run] = {}
    succeeded: set[str] = set()
    for run in runs:  # oldest first: the last one wins, but any success counts
        key = run.tags.get(tag)
        if key is None:
            continue
        latest[key] = run
        if run.status is RunStatus.SUCCESS:
            succeeded.add(key)
    skipped = set(backfill.skipped)
    states: dict[str, KeyState] = {}
    for key in backfill.keys:
        last = latest.get(key)
        if key in succeeded:
            states[key] = KeyState.SUCCEEDED
        elif key in skipped:
            states[key] = KeyState.SKIPPED
        elif last is None:
            states[key] = KeyState.PENDING
        elif last.status in (RunStatus.QUEUED, RunStatus.STARTED) or last.status.value == "CANCELING":
            states[key] = KeyState.RUNNING
        elif last.status is RunStatus.CANCELED:
            states[key] = KeyState.CANCELED
        else:
            states[key] = KeyState.FAILED
    return BackfillProgress(backfill, states, {key: run.run_id for key, run in latest.items()})


def cancel_backfill(instance: Instance, backfill_id: str) -> Backfill:
    """Stop a backfill: no new run starts; runs going finish. CANCELED at once when no
    driver is alive, else CANCELING until its driver sees it.

    Raises:
        BackfillNotFound: no backfill has that id.
    """
    backfill = instance.store.get_backfill(backfill_id)
    if backfill.status.finished:
        return backfill
    going = backfill_progress(instance, backfill_id).count(KeyState.RUNNING)
    if driver_alive(backfill) or (backfill.launch.get(DETACHED) and going):  # the daemon ends it
        instance.store.update_backfill(backfill_id, status=BackfillStatus.CANCELING)
    else:
        instance.store.update_backfill(backfill_id, status=BackfillStatus.CANCELED, ended_at=time.time())
    return instance.store.get_backfill(backfill_id)


def driver_alive(backfill: Backfill) -> bool:
    """Whether a live process of this host drives ``backfill`` in the foreground."""
    return (
        backfill.pid is not None
        and backfill.hostname == socket.gethostname()
        and (backfill.pid == os.getpid() or process_alive(backfill.pid))
    )


# -- driving -------------------------------------------------------------------------------


def drive_backfill(
    instance: Instance,
    location: CodeLocation,
    backfill_id: str,
    *,
    launcher: Launcher | None = None,
    on_progress: Callable[[BackfillProgress], None] | None = None,
    force: bool = False,
) -> BackfillProgress:
    """Run what remains of a backfill, at most ``max_concurrent`` runs at once; returns where
    it ends. Safe to call again after a crash, a cancel or failures: what succeeded is not
    run again, what failed is.

    Args:
        launcher: runs one key (see :data:`Launcher`); in this process by default.
        on_progress: told of the progress after each run ends (a progress bar).
        force: run partitions that are already up to date too.

    Raises:
        BackfillNotFound: no backfill has that id.
        PlanError: the backfill is driven by another live process.
    """
    store = instance.store
    backfill = store.get_backfill(backfill_id)
    if backfill.status is BackfillStatus.COMPLETED_SUCCESS:
        return backfill_progress(instance, backfill_id)
    if driver_alive(backfill) and backfill.pid != os.getpid():
        raise PlanError(f"backfill {backfill_id} is being driven by process {backfill.pid}; cancel it first")
    if backfill.launch.get(DETACHED) and not backfill.status.finished:
        raise PlanError(
            f"backfill {backfill_id} is driven by headwater daemon (--detach): follow it with "
            f"`headwater backfills show {backfill_id}`, or cancel it first"
        )
    close_lost_runs(store)
    store.update_backfill(
        backfill_id, status=BackfillStatus.REQUESTED, pid=os.getpid(), hostname=socket.gethostname(), ended_at=0.0
    )
    launch = launcher or in_process_launcher(instance, location)
    if not force:
        skip_up_to_date(instance, location, backfill_id)
    progress = backfill_progress(instance, backfill_id)
    remaining = [key for key, state in progress.keys.items() if state not in (KeyState.SUCCEEDED, KeyState.SKIPPED)]
    backfill = store.get_backfill(backfill_id)
    lock = threading.Lock()

    def report() -> None:
        if on_progress is not None:
            with lock:
                on_progress(backfill_progress(instance, backfill_id))

    report()
    canceled = False
    going: set[Future[RunStatus]] = set()
    pool = ThreadPoolExecutor(max_workers=backfill.max_concurrent, thread_name_prefix="backfill")
    try:
        queue = list(remaining)
        while queue or going:
            while queue and len(going) < backfill.max_concurrent and not canceled:
                if store.get_backfill(backfill_id).status is BackfillStatus.CANCELING:
                    canceled = True
                    break
                key = queue.pop(0)
                going.add(pool.submit(launch, BackfillRun(backfill, key, key_tags(location, backfill, key))))
            if canceled:
                queue.clear()
            if not going:
                break
            done, going_left = wait(going, timeout=1.0, return_when=FIRST_COMPLETED)
            going = set(going_left)
            for future in done:
                future.result()  # a launcher's own failure (not a failed run) is a bug: raise it
            if done:
                report()
            if not canceled and store.get_backfill(backfill_id).status is BackfillStatus.CANCELING:
                canceled = True
    except KeyboardInterrupt:  # Ctrl-C: no new run; those going finish, and it ends CANCELED
        canceled = True
        store.update_backfill(backfill_id, status=BackfillStatus.CANCELING)
        wait(going)
    finally:
        pool.shutdown(wait=True)
    return finish_backfill(instance, backfill_id, canceled=canceled)


def finish_backfill(instance: Instance, backfill_id: str, *, canceled: bool) -> BackfillProgress:
    """End a backfill whose runs are all over: CANCELED, COMPLETED_SUCCESS (every key
    succeeded or was skipped) or COMPLETED_FAILED naming the failed keys."""
    progress = backfill_progress(instance, backfill_id)
    if canceled:
        status = BackfillStatus.CANCELED
    elif progress.done == len(progress.keys):
        status = BackfillStatus.COMPLETED_SUCCESS
    else:
        status = BackfillStatus.COMPLETED_FAILED
    failed = [key for key, state in progress.keys.items() if state == KeyState.FAILED]
    error = f"{len(failed)} run(s) failed: {', '.join(failed[:5])}{' ...' if len(failed) > 5 else ''}" if failed else None
    instance.store.update_backfill(backfill_id, status=status, ended_at=time.time(), error=error or "")
    return backfill_progress(instance, backfill_id)


def key_tags(location: CodeLocation | None, backfill: Backfill, key: str) -> dict[str, str]:
    """A run's tags: the backfill's, its id, and the partition (or the DAG run's logical date
    and data interval, from the DAG's schedule in ``location``)."""
    tags = {**backfill.tags, BACKFILL_TAG: backfill.backfill_id}
    if backfill.kind == "job":
        return {**tags, PARTITION_TAG: key}
    schedules = location.schedules.values() if location is not None else ()
    schedule = next((s for s in schedules if s.job_name == backfill.target), None)
    if schedule is None:  # the DAG lost its schedule since: its logical date alone
        return {**tags, LOGICAL_DATE_TAG: key}
    zone = timezone(schedule.execution_timezone)
    return {**tags, **interval_tags(interval_starting(schedule.cron_schedule, zone, datetime.fromisoformat(key)))}


def skip_up_to_date(instance: Instance, location: CodeLocation, backfill_id: str) -> Backfill:
    """Record as skipped the keys of a job's backfill not yet done whose every partitioned
    asset is materialized and current (a second backfill of a range runs nothing)."""
    store = instance.store
    backfill = store.get_backfill(backfill_id)
    if backfill.kind != "job":
        return backfill
    progress = backfill_progress(instance, backfill_id)
    remaining = [key for key, state in progress.keys.items() if state not in (KeyState.SUCCEEDED, KeyState.SKIPPED)]
    fresh = _up_to_date(instance, location, backfill, remaining)
    if fresh:
        store.update_backfill(backfill_id, skipped=sorted(set(backfill.skipped) | set(fresh)))
    return store.get_backfill(backfill_id)


def _up_to_date(instance: Instance, location: CodeLocation, backfill: Backfill, keys: Sequence[str]) -> set[str]:
    """The keys whose every partitioned asset of the job is materialized and current."""
    if not keys:
        return set()
    graph = location.graph
    selected = resolve_selection(graph, location.job(backfill.target).selection)
    partitioned = [key for key in selected if partitions_def_of(graph.nodes, key) is not None]
    if not partitioned:
        return set()
    store = instance.store
    upstream = {up for key in partitioned for up in graph.nodes[key].upstream}
    states = partition_states(
        graph, partitioned, store.latest_partition_materializations(partitioned, keys),
        store.latest_materializations(sorted(upstream)), store.last_partition_failures(partitioned),
        partitions=list(keys), artifact_check=instance.check_artifact,
    )
    return {
        key for key in keys
        if all(states[asset].get(key) is PartitionState.MATERIALIZED for asset in partitioned)
    }


def in_process_launcher(instance: Instance, location: CodeLocation) -> Launcher:
    """A launcher running each key's run in this process (on a thread of the driver's pool),
    with the job's (or DAG's) selection, executor and config."""
    from headwater.execution.observer import NullObserver
    from headwater.execution.run import execute

    def launch(request: BackfillRun) -> RunStatus:
        job = location.job(request.backfill.target)
        selection: Any = list(job.selection) if isinstance(job.selection, tuple) else job.selection
        result = execute(
            location,
            selection,
            instance=instance,
            job_name=job.name,
            executor=job.executor,
            observer=NullObserver(),
            tags={**dict(job.tags), **request.tags},
            run_config=job.config,
            # each logical date of a DAG is a run of its own, every task run (as Airflow does)
            force=request.backfill.kind == "dag",
        )
        return result.status

    return launch


_TINY = timedelta(microseconds=1)


def queue_launcher(instance: Instance, *, poll_interval: float = 0.2) -> Launcher:
    """A launcher submitting each key's run to the run queue (``headwater daemon`` runs it in
    a fresh process, with the code on disk then) and waiting for its end.

    Each run has the run key ``backfill/<id>/<key>/<n>`` (its n-th run in the backfill), so a
    driver that dies after submitting never queues that run twice: driven again, it waits for
    the run already queued or going.
    """
    from headwater.scheduling.queue import submit

    def launch(request: BackfillRun) -> RunStatus:
        backfill = request.backfill
        tag = PARTITION_TAG if backfill.kind == "job" else LOGICAL_DATE_TAG
        earlier = [r for r in instance.store.backfill_runs(backfill.backfill_id) if r.tags.get(tag) == request.key]
        going = next((r for r in reversed(earlier) if not r.status.finished), None)
        if going is not None:
            run_id = going.run_id
        else:
            run_id = submit(
                backfill.launch.get("file"), backfill.launch.get("module"),
                working_dir=backfill.launch.get("working_dir"), job=backfill.target, tags=dict(request.tags),
                run_key=f"backfill/{backfill.backfill_id}/{request.key}/{len(earlier) + 1}",
                force=backfill.kind == "dag", instance=instance,
            )
        while True:
            status = instance.store.get_run(run_id).status
            if status.finished:
                return status
            time.sleep(poll_interval)

    return launch
