"""The daemon's part that drives detached backfills (``headwater backfill ... --detach``).

``--detach`` records the backfill (its keys, its concurrency, the keys already up to date)
and returns at once with its id; this part of ``headwater daemon`` then drives it, one
step per look, never waiting on a run:

1. take or renew the ``backfills`` lease (one daemon of a store drives backfills; another
   takes over within ``lease_ttl`` when it dies);
2. for each detached backfill that is REQUESTED or CANCELING, read where each key stands
   from its runs (:func:`~headwater.scheduling.backfill.backfill_progress`);
3. REQUESTED: queue the runs of pending keys, oldest first, while fewer than its
   ``max_concurrent`` runs are going; once no key is pending or going, end it
   COMPLETED_SUCCESS, or COMPLETED_FAILED naming the failed keys (``headwater backfills
   resume ID`` runs those again);
4. CANCELING (``headwater backfills cancel ID``): queue nothing more; CANCELED once none of
   its runs is going.

State: only the store. A key's run has the run key ``backfill/<id>/<key>/<n>`` (its n-th run
in the backfill, as :func:`~headwater.scheduling.backfill.queue_launcher` names it), unique
in the run store, and carries the backfill's tag, so a daemon killed at any moment and
restarted reads the runs it queued back as going, never queues a key twice, and loses
nothing.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from headwater.definitions.airflow.intervals import LOGICAL_DATE_TAG
from headwater.definitions.partitions import PARTITION_TAG
from headwater.errors import HeadwaterError, RunKeyTaken
from headwater.scheduling.backfill import (
    DETACHED,
    KeyState,
    backfill_progress,
    driver_alive,
    finish_backfill,
    key_tags,
)
from headwater.scheduling.locations import WatchedLocations
from headwater.scheduling.queue import submit
from headwater.storage.records import Backfill, BackfillStatus

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.scheduling.daemon import PartFactory
    from headwater.settings import Settings
    from headwater.storage.instance import Instance
    from headwater.storage.sql.store import SqlStore

__all__ = ["LEASE_NAME", "BackfillDriver", "backfill_part"]

log = logging.getLogger(__name__)

LEASE_NAME = "backfills"
#: how often the part looks while a detached backfill is unfinished (a finished run frees a
#: slot within this), and while none is
_LOOK_EVERY = 0.25
_IDLE_LOOK_EVERY = 1.0
_UNFINISHED = (BackfillStatus.REQUESTED, BackfillStatus.CANCELING)


class BackfillDriver:
    """Drives the detached backfills of a store; one part of the daemon's loop.

    Args:
        instance: the stores.
        holder: who takes the lease (the daemon's id).
        lease_ttl: seconds the lease lasts unless renewed.
    """

    name = "backfills"

    def __init__(self, instance: Instance, *, holder: str, lease_ttl: float = 10.0) -> None:
        self.instance = instance
        self.store = instance.store
        self.holder = holder
        self.lease_ttl = lease_ttl
        #: backfill id -> its code location, loaded once (a DAG's runs need its schedule)
        self._locations: dict[str, WatchedLocations] = {}
        self._next = 0.0

    def close(self) -> None:
        """Give the lease up, so another daemon takes over at once."""
        self.store.release_lease(LEASE_NAME, self.holder)

    def tick(self, now: float) -> float:
        """Move every detached backfill along; the seconds until the next look."""
        if now < self._next:
            return self._next - now
        if not self.store.acquire_lease(LEASE_NAME, self.holder, ttl=self.lease_ttl, now=now):
            self._next = now + min(_IDLE_LOOK_EVERY, self.lease_ttl / 3)
            return self._next - now
        detached = [
            b for b in self.store.list_backfills(limit=10_000, statuses=_UNFINISHED)
            if b.launch.get(DETACHED) and not driver_alive(b)
        ]
        for backfill in detached:
            try:
                self._step(backfill)
            except HeadwaterError as exc:
                log.error("backfill %s: %s", backfill.backfill_id, exc)
        for gone in set(self._locations) - {b.backfill_id for b in detached}:
            del self._locations[gone]
        self._next = now + (_LOOK_EVERY if detached else _IDLE_LOOK_EVERY)
        return self._next - now

    def _step(self, backfill: Backfill) -> None:
        progress = backfill_progress(self.instance, backfill.backfill_id)
        going = progress.count(KeyState.RUNNING)
        pending = [key for key, state in progress.keys.items() if state == KeyState.PENDING]
        if backfill.status is BackfillStatus.CANCELING:
            if not going:
                finish_backfill(self.instance, backfill.backfill_id, canceled=True)
            return
        if not pending and not going:
            finish_backfill(self.instance, backfill.backfill_id, canceled=False)
            return
        room = backfill.max_concurrent - going
        if room <= 0 or not pending:
            return
        location = self._location(backfill) if backfill.kind == "dag" else None
        tag = PARTITION_TAG if backfill.kind == "job" else LOGICAL_DATE_TAG
        runs = self.store.backfill_runs(backfill.backfill_id)
        for key in pending[:room]:
            attempt = sum(1 for run in runs if run.tags.get(tag) == key) + 1
            launch = backfill.launch
            try:
                submit(
                    launch.get("file"), launch.get("module"), working_dir=launch.get("working_dir"),
                    job=backfill.target, tags=key_tags(location, backfill, key),
                    run_key=f"backfill/{backfill.backfill_id}/{key}/{attempt}",
                    force=backfill.kind == "dag" or bool(launch.get("force")), instance=self.instance,
                )
            except RunKeyTaken:  # queued by a daemon that died before reading it back: it is going
                continue

    def _location(self, backfill: Backfill) -> CodeLocation:
        launch = backfill.launch
        watched = self._locations.get(backfill.backfill_id)
        if watched is None:
            watched = WatchedLocations(launch.get("file"), launch.get("module"), working_dir=launch.get("working_dir"))
            self._locations[backfill.backfill_id] = watched
        loaded = watched.current()
        if not loaded:
            raise HeadwaterError(f"cannot load {watched.describe()}: {'; '.join(watched.errors.values())}")
        return loaded[0][1]


def backfill_part(settings: Settings, *, lease_ttl: float = 10.0) -> PartFactory:
    """What ``headwater daemon`` adds to its loop to drive detached backfills."""

    def make(store: SqlStore, daemon_id: str) -> BackfillDriver:
        from headwater.storage.instance import Instance

        return BackfillDriver(Instance(settings, store), holder=daemon_id, lease_ttl=lease_ttl)

    return make
