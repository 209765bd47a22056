"""How the scheduler queues a tick's run: the one place it hands a run to the run queue.

A tick's run is a ``QUEUED`` run with a run key (:func:`~headwater.scheduling.ticks.tick_run_key`)
that no other run may have, so queueing it again (after a crash between queueing and
recording the tick) finds the run already there and gives its id: one run per tick, ever.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from headwater.scheduling.locations import LocationRef
from headwater.storage.records import Run, RunStatus
from headwater.storage.sql.store import SqlStore

__all__ = ["submit_tick_run"]


def submit_tick_run(
    store: SqlStore,
    ref: LocationRef,
    *,
    job: str,
    tags: Mapping[str, str],
    run_config: Any,
    run_key: str,
    created_at: float | None = None,
) -> str:
    """Queue a run of ``job`` of the location ``ref`` under ``run_key``; its id (the existing run's if the key is taken)."""
    from sqlalchemy.exc import IntegrityError

    launch = {
        "version": 1,
        "location": {"file": ref.file, "module": ref.module, "working_dir": ref.working_dir},
        "selection": None,
        "job": job,
        "run_config": None if run_config is None else dict(run_config),
        "executor": None,
        "executor_config": {},
        "max_concurrency": None,
        "pool_limits": {},
        "force": False,
    }
    run = Run(
        run_id=uuid.uuid4().hex,
        status=RunStatus.QUEUED,
        selection=f"job {job}",
        job_name=job,
        created_at=time.time() if created_at is None else created_at,
        tags={str(k): str(v) for k, v in tags.items()},
        launch=launch,
        run_key=run_key,
    )
    try:
        store.add_run(run)
    except IntegrityError:
        existing = store.run_id_for_key(run_key)
        if existing is None:
            raise
        return existing
    return run.run_id
