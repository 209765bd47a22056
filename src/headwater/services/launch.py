"""Running now, in this process: a selection, a job or DAG, one task, a past run again.

The entry points call these with an observer that shows the run (the CLI's console); each
returns the run's :class:`~headwater.execution.run.RunResult`. The engine is imported when
a run starts, so importing this module stays light.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.definitions.selection import Selection
    from headwater.execution.observer import RunObserver
    from headwater.execution.run import RunResult
    from headwater.storage.instance import Instance

__all__ = ["RunOptions", "close_lost_runs_of", "merged_run_config", "reexecute_run", "run_job", "run_selection", "run_task"]


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run: where, how parallel, whether to skip what is up to date.

    Attributes:
        executor: ``in_process``, ``thread``, ``process`` or ``dask``; the code location's
            (or job's) default when None.
        force: run every selected step, even those up to date.
        max_concurrency: steps at once on a parallel executor.
        executor_config: executor settings (``dask_address``).
        pool_limits: pool name -> at most this many of its steps at once.
        tags: tags for the run.
    """

    executor: str | None = None
    force: bool = False
    max_concurrency: int | None = None
    executor_config: Mapping[str, Any] = field(default_factory=dict)
    pool_limits: Mapping[str, int] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


def run_selection(
    instance: Instance,
    location: CodeLocation,
    selection: Selection,
    *,
    options: RunOptions | None = None,
    observer: RunObserver | None = None,
    job_name: str | None = None,
    run_config: object = None,
) -> RunResult:
    """Run ``selection`` of ``location`` now, skipping what is up to date unless forced."""
    from headwater.execution.run import execute

    close_lost_runs_of(instance)
    chosen = options or RunOptions()
    return execute(
        location,
        selection,
        instance=instance,
        job_name=job_name,
        executor=chosen.executor or location.executor,
        observer=observer,
        tags=dict(chosen.tags) or None,
        force=chosen.force,
        max_concurrency=chosen.max_concurrency,
        executor_config=dict(chosen.executor_config),
        pool_limits=dict(chosen.pool_limits),
        run_config=run_config,
    )


def run_job(
    instance: Instance,
    location: CodeLocation,
    job_name: str,
    *,
    options: RunOptions | None = None,
    observer: RunObserver | None = None,
    config_file: str | None = None,
) -> RunResult:
    """Run the job (or DAG) ``job_name``: its selection, tags, executor and config, with
    ``config_file``'s entries over its config and ``options.tags`` over its tags.

    Raises:
        DefinitionError: no job has that name (the message names the closest).
        RunConfigError: the config does not fit the assets' Config classes.
    """
    from dataclasses import replace

    from headwater.definitions.selection import AssetSelection

    job = location.job(job_name)
    selection = job.selection if isinstance(job.selection, str | AssetSelection) else list(job.selection)
    chosen = options or RunOptions()
    chosen = replace(chosen, executor=chosen.executor or job.executor, tags={**dict(job.tags), **dict(chosen.tags)})
    return run_selection(
        instance, location, selection, options=chosen, observer=observer, job_name=job.name,
        run_config=merged_run_config(job.config, config_file),
    )


def run_task(
    instance: Instance,
    location: CodeLocation,
    dag_id: str,
    task_id: str,
    *,
    logical_date: datetime | None = None,
    options: RunOptions | None = None,
    observer: RunObserver | None = None,
) -> RunResult:
    """Run one task of a DAG whatever its dependencies (``airflow tasks test``), reading
    its upstream XComs from their latest successful runs."""
    from headwater.execution.one_task import test_task

    close_lost_runs_of(instance)
    chosen = options or RunOptions()
    return test_task(
        location, dag_id, task_id, instance=instance, logical_date=logical_date, executor=chosen.executor,
        observer=observer, executor_config=dict(chosen.executor_config) or None,
    )


def reexecute_run(
    instance: Instance,
    run_id: str,
    *,
    from_failure: bool = True,
    from_step: str | None = None,
    location: CodeLocation | None = None,
    options: RunOptions | None = None,
    observer: RunObserver | None = None,
) -> RunResult:
    """Run a past run again (``run_id`` as :func:`~headwater.services.runs.find_run` reads it):
    from its failures, from ``from_step``, or whole, with the code as it is now.

    Raises:
        RunNotFound: no such run.
    """
    from headwater.execution.run import reexecute
    from headwater.services.runs import find_run

    close_lost_runs_of(instance)
    original = find_run(instance, run_id)
    chosen = options or RunOptions()
    return reexecute(
        original.run_id, instance=instance, from_failure=from_failure, from_step=from_step, location=location,
        executor=chosen.executor, observer=observer, executor_config=dict(chosen.executor_config) or None,
    )


def close_lost_runs_of(instance: Instance) -> None:
    """Close the runs whose process was lost, as a new run starts (when the store can be written)."""
    from headwater.scheduling.recovery import close_lost_runs

    if not instance.read_only:
        close_lost_runs(instance.store)


def merged_run_config(base: object, config_file: str | None) -> object:
    """``base`` (a job's config) with the entries of ``config_file`` over it, op by op.

    Raises:
        RunConfigError: the file cannot be read or is not a run config.
    """
    if config_file is None:
        return base
    from headwater.planning.run_config import load_run_config_file, merge_run_config

    return merge_run_config(base, load_run_config_file(config_file))
