"""The run coordinator: claims queued runs within the limits and launches each in its own process.

One part of the daemon's loop (:mod:`headwater.scheduling.daemon`). Each tick it:

1. claims what the limits allow (:meth:`RunLimits.choose`, inside the store's serialized
   claim transaction) and hands each run to the launcher, before any upkeep, so a waiting
   run is never delayed by it;
2. every ``recover_every`` seconds, returns to the queue the runs claimed by coordinators
   that stopped heart-beating (dead, or stopped without cleaning up), forgets them, and
   claims again if it returned any;
3. every ``check_every`` seconds, runs the lost-run checks it was given (``on_tick``; see
   :data:`LOST_RUN_CHECKS`).

State: only its id and the time of its last recovery. What is queued, claimed or in flight
is read from the store each tick, so any number of coordinators share one store, and one
that is killed loses nothing: its claimed runs that had not started go back to the queue,
and those that had started finish in their own processes.

Polling: a tick that claimed a full batch asks to run again at once; otherwise after
``poll_interval`` (0.02 s). An idle tick is one indexed read, so polling that often is cheap
on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from headwater.scheduling.limits import RunLimits
from headwater.storage.base import DaemonRegistry, EventLog, RunLiveness, RunQueue, RunStore
from headwater.storage.records import Run

__all__ = ["LOST_RUN_CHECKS", "Launcher", "RunCoordinator"]


class Launcher(Protocol):
    """Starts a claimed run somewhere (a :class:`~headwater.scheduling.launcher.ForkLauncher`)."""

    def launch(self, run_id: str, claimed_by: str) -> None: ...


class _QueueStore(RunStore, RunQueue, RunLiveness, DaemonRegistry, EventLog, Protocol):
    """What the coordinator needs of the store (a ``SqlStore`` is all of it)."""


def _close_lost(store: _QueueStore) -> None:
    from headwater.scheduling.recovery import close_lost_runs

    close_lost_runs(store)


#: The checks for runs whose process died, run by every coordinator each tick: runs whose
#: heartbeat is older than their timeout are closed as lost, on any host.
LOST_RUN_CHECKS: tuple[Callable[[_QueueStore], object], ...] = (_close_lost,)


class RunCoordinator:
    """Claims queued runs and launches them (a part of the daemon's loop).

    Args:
        store: the run store.
        launcher: starts each claimed run.
        daemon_id: this coordinator's id: written to ``claimed_by``, and its daemon record's.
        limits: the concurrency limits, shared by every coordinator of the store.
        poll_interval: seconds between ticks when the queue is empty.
        dead_after: a daemon silent this long is dead: its unstarted claims are released.
        batch: how many runs one tick claims at most.
        on_tick: checks called with the store (lost runs), at most every ``check_every`` seconds.
    """

    name = "run coordinator"

    def __init__(
        self,
        store: _QueueStore,
        launcher: Launcher,
        daemon_id: str,
        *,
        limits: RunLimits | None = None,
        poll_interval: float = 0.02,
        dead_after: float = 20.0,
        batch: int = 16,
        on_tick: Sequence[Callable[[_QueueStore], object]] = LOST_RUN_CHECKS,
        check_every: float = 0.5,
    ) -> None:
        self.store = store
        self.launcher = launcher
        self.daemon_id = daemon_id
        self.limits = limits or RunLimits()
        self.poll_interval = poll_interval
        self.dead_after = dead_after
        self.batch = batch
        self.on_tick = tuple(on_tick)
        self.recover_every = max(dead_after / 4, 0.05)
        self.check_every = check_every
        self._recovered_at = self._checked_at = float("-inf")
        #: the ids of the runs this coordinator launched (for tests and the daemon's record)
        self.launched: list[str] = []

    def tick(self, now: float) -> float:
        """Claim and launch, then recover and check; the seconds until the next tick is wanted.

        Claiming comes first, so the upkeep never delays a run that is waiting; runs that
        recovery returns to the queue are claimed in the same tick.
        """
        claimed = self._claim_and_launch()
        if now - self._recovered_at >= self.recover_every:
            self._recovered_at = now
            if self.recover(now):
                claimed += self._claim_and_launch()
        if now - self._checked_at >= self.check_every:
            self._checked_at = now
            for check in self.on_tick:
                check(self.store)
        return 0.0 if claimed >= self.batch else self.poll_interval

    def _claim_and_launch(self) -> int:
        claimed = self.store.claim_runs(self.daemon_id, self._choose)
        for run in claimed:
            self.launcher.launch(run.run_id, self.daemon_id)
            self.launched.append(run.run_id)
        return len(claimed)

    def _choose(self, in_flight: Sequence[Run], candidates: Sequence[Run]) -> list[str]:
        return self.limits.choose(in_flight, candidates)[: self.batch]

    def recover(self, now: float) -> list[str]:
        """Release the unstarted claims of dead coordinators and forget them; the runs released."""
        live = []
        for daemon in self.store.list_daemons():
            if daemon.daemon_id != self.daemon_id and daemon.heartbeat_at < now - self.dead_after:
                self.store.remove_daemon(daemon.daemon_id)
            else:
                live.append(daemon.daemon_id)
        return self.store.release_claims_not_held_by([*live, self.daemon_id])

    def close(self) -> None:
        """Give back the runs claimed and not yet started (they stay ``QUEUED`` for another)."""
        self.store.release_claims(self.daemon_id)
