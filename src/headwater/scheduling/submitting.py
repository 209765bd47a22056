"""How the scheduler queues a tick's run: the one place it hands a run to the run queue.

A tick's run is a ``QUEUED`` run (:func:`headwater.submit`) with a run key
(:func:`~headwater.scheduling.ticks.tick_run_key`) that no other run may have, so queueing
it again (after a crash between queueing and recording the tick) finds the run already
there and gives its id: one run per tick, ever.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headwater.errors import RunKeyTaken
from headwater.scheduling.locations import LocationRef
from headwater.scheduling.queue import submit

if TYPE_CHECKING:
    from headwater.storage.instance import Instance

__all__ = ["submit_tick_run"]


def submit_tick_run(
    instance: Instance, ref: LocationRef, *, job: str, tags: Mapping[str, str], run_config: Any, run_key: str
) -> str:
    """Queue a run of ``job`` of the location ``ref`` under ``run_key``; its id (the existing run's if the key is taken)."""
    try:
        return submit(
            ref.file, ref.module, working_dir=ref.working_dir, job=job, tags=tags, run_config=run_config,
            run_key=run_key, instance=instance,
        )
    except RunKeyTaken:
        existing = instance.store.get_run_by_key(run_key)
        if existing is None:  # pragma: no cover - the key was taken, so its run exists
            raise
        return existing.run_id
