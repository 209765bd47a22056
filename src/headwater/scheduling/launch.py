"""Running one claimed queued run in the process started for it: load its code afresh, then execute.

This is what a run's process does (:mod:`headwater.scheduling.launcher` forks it), in order:

1. read the run; do nothing unless it is still ``QUEUED`` and claimed by this coordinator;
2. go to its working folder and load its code location from disk (never from a cache: the
   process is new, and its parent never imports user code);
3. resolve its job (selection, tags, executor, config under the submitted config);
4. execute it as that queued run: :func:`~headwater.execution.run.execute` turns the
   queued record into the started one only if the claim still holds, so a run released
   meanwhile (its coordinator presumed dead) is not run twice.

A run whose code does not load, or that cannot be planned (a selection the edited code no
longer has), ends ``FAILURE`` with the message, before any step.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from headwater.errors import HeadwaterError, RunClaimLost
from headwater.storage.records import Run, RunStatus

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.storage.instance import Instance

__all__ = ["EXIT_NOT_RUN", "load_launch_location", "run_claimed"]

#: the exit code of a run process that found its run no longer claimed for it
EXIT_NOT_RUN = 3


def run_claimed(
    instance: Instance, run_id: str, claimed_by: str, *, load: Callable[[dict[str, Any]], CodeLocation] | None = None
) -> int:
    """Run the queued run ``run_id`` claimed by ``claimed_by``; the process's exit code.

    0 success, 1 the run failed, 2 it could not start (recorded as failed),
    :data:`EXIT_NOT_RUN` it was not (or no longer) claimed by ``claimed_by``.

    Args:
        load: gives the code location of a run's launch record; by default it is loaded
            from disk, from the run's working folder.
    """
    from headwater.execution.run import execute

    run = instance.store.get_run(run_id)
    if run.status is not RunStatus.QUEUED or run.claimed_by != claimed_by:
        return EXIT_NOT_RUN
    launch = run.launch
    try:
        location = (load or load_launch_location)(launch)
        options = _resolve(location, run)
        result = execute(location, instance=instance, queued_run=run, **options)
    except RunClaimLost:
        return EXIT_NOT_RUN
    except HeadwaterError as exc:
        # Raised before the run started (a run that started records its own failures).
        if instance.store.fail_claimed_run(run_id, claimed_by, f"{type(exc).__name__}: {exc}"):
            return 2
        raise
    return 0 if result.success else 1


def load_launch_location(launch: dict[str, Any]) -> CodeLocation:
    """Load the code location of a run's launch record from disk, in its working folder (made the current one)."""
    from headwater.definitions.loading import load_code_location

    where = launch.get("location") or {}
    folder = Path(where.get("working_dir") or os.getcwd())
    os.chdir(folder)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))  # a module location imports as `python -m` would
    return load_code_location(file=where.get("file"), module=where.get("module"), project_dir=folder)


def _resolve(location: CodeLocation, run: Run) -> dict[str, Any]:
    """The arguments of ``execute`` for the run: its job's selection, tags, executor and config."""
    from headwater.definitions.selection import AssetSelection
    from headwater.planning.run_config import merge_run_config

    launch = run.launch
    executor = launch.get("executor")
    tags = dict(run.tags)
    run_config: object = launch.get("run_config")
    selection: Any = launch.get("selection") or "*"
    job_name = launch.get("job")
    if job_name is not None:
        job = location.job(job_name)
        selection = job.selection if isinstance(job.selection, str | AssetSelection) else list(job.selection)
        executor = executor or job.executor
        tags = {**dict(job.tags), **tags}
        run_config = merge_run_config(job.config, launch.get("run_config"))
    return {
        "selection": selection,
        "job_name": job_name,
        "executor": executor or location.executor,
        "tags": tags,
        "force": bool(launch.get("force")),
        "max_concurrency": launch.get("max_concurrency"),
        "executor_config": launch.get("executor_config") or None,
        "pool_limits": launch.get("pool_limits") or None,
        "run_config": run_config,
    }
