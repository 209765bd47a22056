"""Queueing runs for the daemon, and whether a daemon is there to run them.

``--detach`` and ``headwater runs submit`` (and the web's launch button) call these: the code
location is loaded here first, so a job or a selection that does not exist is an error now,
not a failed run later; the run itself loads the code again when it starts, from disk.

::

    run_id = submit_selection(instance, location, "model+", options=RunOptions(force=True))
    status = queue_status(instance)     # QueueStatus(queued=1, daemons=[], daemon_running=False)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from headwater.storage.records import DaemonRecord

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.definitions.selection import Selection
    from headwater.services.launch import RunOptions
    from headwater.storage.instance import Instance

__all__ = ["DAEMON_SILENT_AFTER", "QueueStatus", "queue_status", "submit_job", "submit_selection"]

#: a daemon whose last heartbeat is older than this (seconds) is not counted as running
DAEMON_SILENT_AFTER = 20.0


@dataclass(frozen=True, slots=True)
class QueueStatus:
    """The queue at a glance.

    Attributes:
        queued: runs waiting (claimed or not).
        daemons: the daemons whose heartbeat is recent.
    """

    queued: int
    daemons: list[DaemonRecord] = field(default_factory=list)

    @property
    def daemon_running(self) -> bool:
        return bool(self.daemons)


def queue_status(instance: Instance, *, silent_after: float = DAEMON_SILENT_AFTER) -> QueueStatus:
    """How many runs wait, and which daemons are alive (heartbeat within ``silent_after`` s)."""
    now = time.time()
    alive = [d for d in instance.store.list_daemons() if d.heartbeat_at >= now - silent_after]
    return QueueStatus(instance.store.count_queued(), alive)


def submit_selection(
    instance: Instance,
    location: CodeLocation,
    selection: Selection,
    *,
    options: RunOptions | None = None,
    run_config: object = None,
    run_key: str | None = None,
    priority: int = 0,
) -> str:
    """Queue a run of ``selection`` of ``location``; its id.

    Raises:
        SelectionError: the selection names nothing in the code location.
        RunKeyTaken: ``run_key`` is already used.
    """
    from headwater.definitions.selection import resolve_selection, selection_text

    resolve_selection(location.graph, selection)  # unknown names: SelectionError now
    text = selection if isinstance(selection, str) else selection_text(selection)
    return _submit(instance, location, options, selection=text, run_config=run_config,
                   run_key=run_key, priority=priority)


def submit_job(
    instance: Instance,
    location: CodeLocation,
    job_name: str,
    *,
    options: RunOptions | None = None,
    run_config: object = None,
    run_key: str | None = None,
    priority: int = 0,
) -> str:
    """Queue a run of the job (or DAG) ``job_name``; its id. The job's tags go on the run now
    (the daemon's tag limits count them), ``options.tags`` over them.

    Raises:
        DefinitionError: no job has that name (the message names the closest).
        RunKeyTaken: ``run_key`` is already used.
    """
    job = location.job(job_name)
    return _submit(instance, location, options, job=job.name, job_tags=dict(job.tags), run_config=run_config,
                   run_key=run_key, priority=priority)


def _submit(
    instance: Instance,
    location: CodeLocation,
    options: RunOptions | None,
    *,
    selection: str | None = None,
    job: str | None = None,
    job_tags: dict[str, str] | None = None,
    run_config: object,
    run_key: str | None,
    priority: int,
) -> str:
    from headwater.scheduling.queue import submit
    from headwater.services.launch import RunOptions

    chosen = options or RunOptions()
    where: dict[str, Any] = {"file": location.file} if location.file is not None else {"module": location.module}
    return submit(
        **where,
        selection=selection,
        job=job,
        tags={**(job_tags or {}), **dict(chosen.tags)},
        run_config=run_config,
        executor=chosen.executor,
        executor_config=dict(chosen.executor_config),
        max_concurrency=chosen.max_concurrency,
        pool_limits=dict(chosen.pool_limits),
        force=chosen.force,
        run_key=run_key,
        priority=priority,
        instance=instance,
    )
