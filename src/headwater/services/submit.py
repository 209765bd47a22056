"""Queuing runs for the daemon: a job, a selection or an Airflow DAG (with conf), and a past
run again from its failure.

The web UI (and any other entry point that must not run user code itself) queues runs
here; ``headwater daemon`` starts each in a fresh process that loads the code location from
disk. Nothing here imports the user's code::

    run = queue_launch(instance, where, job="iris_ml_pipeline")
    again = queue_reexecution(instance, where, run.run_id)     # its failed steps and downstream
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from headwater.storage.records import Run, StepStatus

if TYPE_CHECKING:
    from headwater.storage.instance import Instance

__all__ = ["LocationRef", "dag_run_tags", "queue_launch", "queue_reexecution"]

#: the tags a re-execution carries (Dagster's names)
PARENT_TAG = "dagster/parent_run_id"
ROOT_TAG = "dagster/root_run_id"
#: step states a re-execution from failure runs again
_UNFINISHED = {StepStatus.FAILURE, StepStatus.UPSTREAM_FAILED, StepStatus.PENDING, StepStatus.RUNNING}


@dataclass(frozen=True, slots=True)
class LocationRef:
    """Where a queued run finds its code: a file, a module, or the pyproject of ``working_dir``."""

    file: str | None = None
    module: str | None = None
    working_dir: str | None = None


def queue_launch(
    instance: Instance,
    where: LocationRef,
    *,
    job: str | None = None,
    selection: str | list[str] | None = None,
    dag_id: str | None = None,
    run_config: Mapping[str, Any] | None = None,
    conf: Mapping[str, Any] | None = None,
    logical_date: datetime | None = None,
    tags: Mapping[str, str] | None = None,
) -> Run:
    """Queue a run of ``job``, ``selection`` or DAG ``dag_id``; the queued run.

    A DAG run is tagged with its logical date (now by default) and ``dag_run.conf``, as
    ``headwater dags test`` tags it, and runs every task (nothing skipped as up to date).

    Raises:
        ConfigError: not exactly one of ``job``, ``selection`` and ``dag_id``.
        StoreReadOnly: the store cannot be written here.
    """
    from headwater.errors import ConfigError
    from headwater.scheduling.queue import submit

    if sum(x is not None for x in (job, selection, dag_id)) != 1:
        raise ConfigError("give exactly one of job, selection and dag_id")
    all_tags = dict(tags or {})
    force = False
    if dag_id is not None:
        all_tags.update(dag_run_tags(logical_date, conf))
        job, force = dag_id, True
    run_id = submit(
        where.file, where.module, working_dir=where.working_dir, job=job, selection=selection, tags=all_tags,
        run_config=dict(run_config) if run_config else None, force=force, instance=instance,
    )
    return instance.store.get_run(run_id)


def dag_run_tags(logical_date: datetime | None, conf: Mapping[str, Any] | None) -> dict[str, str]:
    """The tags of an Airflow DAG run: its logical date (now when None; UTC when naive) and
    ``dag_run.conf`` when there is one."""
    when = logical_date or datetime.now(UTC).replace(microsecond=0)
    when = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    tags = {"logical_date": when.isoformat()}
    if conf:
        tags["dag_run_conf"] = json.dumps(dict(conf))
    return tags


def queue_reexecution(instance: Instance, where: LocationRef, run_id: str, *, from_failure: bool = True) -> Run:
    """Queue ``run_id`` again: from its failure (its failed and unfinished steps, the steps
    that succeeded read from the store), or all of its steps; the queued run.

    Raises:
        RunNotFound: no such run.
        ConfigError: from failure, but no step of the run failed.
    """
    from headwater.errors import ConfigError
    from headwater.services.runs import run_detail

    detail = run_detail(instance, run_id)
    original = detail.run
    steps = [s.step_key for s in detail.steps if not from_failure or s.status in _UNFINISHED]
    if not steps:
        raise ConfigError(f"run {original.run_id} has no failed step to re-execute from")
    tags = {k: v for k, v in original.tags.items() if not k.startswith("headwater/")}
    tags[PARENT_TAG] = original.run_id
    tags[ROOT_TAG] = original.tags.get(ROOT_TAG, original.run_id)
    from headwater.scheduling.queue import submit

    new_id = submit(
        where.file, where.module, working_dir=where.working_dir, selection=steps, tags=tags,
        run_config=original.launch.get("run_config") if original.launch else None, instance=instance,
    )
    return instance.store.get_run(new_id)
