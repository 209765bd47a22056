"""Backfills: start one over a job's partitions or a DAG's logical dates, follow it, stop it.

The runs are driven in this process, at most ``max_concurrent`` at once
(:func:`headwater.scheduling.backfill.drive_backfill`), through one launcher function that a
run-queue launcher can replace. A backfill killed midway is resumed with
:func:`resume_backfill`: what succeeded is not run again. One started ``detached`` is driven
by ``headwater daemon`` instead (:mod:`headwater.scheduling.backfill_daemon`): starting it
records it and returns.

::

    backfill = start_job_backfill(instance, location, "ingest", first="2026-01-01", last="2026-01-31")
    progress = drive(instance, location, backfill.backfill_id, on_progress=print)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from headwater.scheduling.backfill import (
    BackfillProgress,
    KeyState,
    backfill_progress,
    cancel_backfill,
    create_backfill,
    dag_logical_dates,
    drive_backfill,
    job_partition_keys,
    queue_launcher,
    skip_up_to_date,
)
from headwater.storage.records import Backfill

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.storage.instance import Instance

__all__ = [
    "BackfillProgress",
    "KeyState",
    "backfill_progress",
    "cancel_backfill",
    "drive",
    "list_backfills",
    "location_of",
    "start_dag_backfill",
    "start_job_backfill",
]


def start_job_backfill(
    instance: Instance,
    location: CodeLocation,
    job_name: str,
    *,
    first: str | None = None,
    last: str | None = None,
    partitions: Sequence[str] | None = None,
    max_concurrent: int = 4,
    detached: bool = False,
    force: bool = False,
) -> Backfill:
    """Record a backfill of job ``job_name``'s partitions ``first`` to ``last`` (both
    included; the first and last by default) or of the ``partitions`` listed.

    ``detached``: the daemon drives it (partitions already up to date are recorded skipped
    now, unless ``force``).

    Raises:
        DefinitionError: no such job, or it is not partitioned.
        PartitionKeyError: a key outside the job's partitions, or a range holding none.
    """
    _, keys = job_partition_keys(location, job_name, first=first, last=last, partitions=partitions)
    created = create_backfill(
        instance, location, kind="job", target=job_name, keys=keys, max_concurrent=max_concurrent,
        detached=detached, force=force,
    )
    return skip_up_to_date(instance, location, created.backfill_id) if detached and not force else created


def start_dag_backfill(
    instance: Instance,
    location: CodeLocation,
    dag_id: str,
    start: datetime,
    end: datetime,
    *,
    max_concurrent: int = 4,
    detached: bool = False,
) -> Backfill:
    """Record a backfill of DAG ``dag_id``: one run per scheduled logical date from ``start``
    to ``end`` (both included), each with its data interval (Airflow's ``dags backfill``);
    ``detached``: the daemon drives it.

    Raises:
        DefinitionError: no such DAG, or it has no schedule.
        PartitionKeyError: the range holds no scheduled time.
    """
    keys = dag_logical_dates(location, dag_id, start, end)
    return create_backfill(
        instance, location, kind="dag", target=dag_id, keys=keys, max_concurrent=max_concurrent, detached=detached
    )


def drive(
    instance: Instance,
    location: CodeLocation,
    backfill_id: str,
    *,
    on_progress: Callable[[BackfillProgress], None] | None = None,
    force: bool = False,
    queued: bool = False,
) -> BackfillProgress:
    """Drive what remains of the backfill from this process; returns where it ended.

    Args:
        queued: submit each run to the run queue (``headwater daemon`` runs it) instead of
            running it here.
    """
    launcher = queue_launcher(instance) if queued else None
    return drive_backfill(instance, location, backfill_id, launcher=launcher, on_progress=on_progress, force=force)


def list_backfills(instance: Instance, *, limit: int = 50) -> list[BackfillProgress]:
    """The newest backfills with the state of their keys."""
    return [backfill_progress(instance, b.backfill_id) for b in instance.store.list_backfills(limit=limit)]


def location_of(instance: Instance, backfill_id: str) -> tuple[str | None, str | None]:
    """The code location (file, module) a backfill was started from, to resume it.

    Raises:
        BackfillNotFound: no backfill has that id.
    """
    launch = instance.store.get_backfill(backfill_id).launch
    return launch.get("file"), launch.get("module")
