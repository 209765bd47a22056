"""The daemon's loop: heart-beat, tick each part, sleep until one wants to run again.

``headwater daemon`` runs one :class:`Daemon` with its parts: the run coordinator
(:mod:`headwater.scheduling.coordinator`) and, with the scheduler, the schedules. A part is
anything with ``name``, ``tick(now) -> seconds until it wants the next tick`` and
``close()`` (:class:`DaemonPart`), so adding one is adding an object to the list.

State: the daemon's record in the store's ``daemons`` table (id, host, pid, start, last
heartbeat, and ``info`` naming its parts), written at start, refreshed every
``heartbeat_interval`` seconds, removed at a clean stop. Others read it to tell that a daemon
is running (``headwater runs list``) and that one has died (its heartbeat is old: the
coordinators return its claimed runs to the queue).

Stopping: SIGTERM or Ctrl-C (SIGINT) asks the loop to stop after the current tick; each
part is closed (the coordinator gives back the runs it claimed and had not started), then
the record is removed. Runs already started go on in their own processes.

Time: the loop reads the time and sleeps only through its :class:`~headwater.scheduling.clock.Clock`
(the wall clock unless given another), so a test drives the real loop with a fake one.

Example::

    with ForkLauncher(settings) as launcher:
        coordinator = RunCoordinator(store, launcher, daemon_id)
        Daemon(store, [coordinator], daemon_id=daemon_id).run()
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from headwater.scheduling.clock import Clock, SystemClock
from headwater.scheduling.limits import RunLimits
from headwater.storage.base import DaemonRegistry
from headwater.storage.records import DaemonRecord

if TYPE_CHECKING:
    from headwater.settings import Settings
    from headwater.storage.sql.store import SqlStore

__all__ = ["DAEMON_KIND", "Daemon", "DaemonPart", "PartFactory", "new_daemon_id", "serve"]

#: the ``kind`` of a daemon record written by ``headwater daemon``
DAEMON_KIND = "daemon"


class DaemonPart(Protocol):
    """One job of the daemon's loop (the run coordinator, the schedules)."""

    name: str

    def tick(self, now: float) -> float:
        """Do what is due at ``now`` (epoch seconds); the seconds until the next tick is wanted."""
        ...

    def close(self) -> None:
        """Stop cleanly: leave nothing claimed or half-done."""
        ...


#: builds one more part of the loop from the store and the daemon's id
PartFactory = Callable[["SqlStore", str], DaemonPart]


def new_daemon_id() -> str:
    """A fresh daemon id: the host, then random, so a ``claimed_by`` says where it was claimed."""
    return f"{socket.gethostname()[:40]}-{uuid.uuid4().hex[:12]}"


class Daemon:
    """Runs its parts in one loop until stopped.

    Args:
        store: where the daemon records itself.
        parts: ticked in order, each tick.
        daemon_id: its id (the coordinator's ``claimed_by``); fresh when None.
        heartbeat_interval: seconds between heartbeats.
        max_sleep: the longest pause between ticks, whatever the parts ask.
        info: more for the daemon's record (its limits, say).
        clock: where the loop reads the time and sleeps (the wall clock when None).
    """

    def __init__(
        self,
        store: DaemonRegistry,
        parts: Sequence[DaemonPart],
        *,
        daemon_id: str | None = None,
        heartbeat_interval: float = 2.0,
        max_sleep: float = 1.0,
        info: dict[str, Any] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.parts = list(parts)
        self.daemon_id = daemon_id or new_daemon_id()
        self.heartbeat_interval = heartbeat_interval
        self.max_sleep = max_sleep
        self.info = {"parts": [part.name for part in self.parts], **(info or {})}
        self._stop = threading.Event()
        #: called once the daemon is recorded, before its first tick
        self.on_registered: Callable[[], object] | None = None

    def stop(self) -> None:
        """Ask the loop to stop after the current tick (safe from a signal handler or a thread)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, *, handle_signals: bool = True) -> None:
        """Register, loop until :meth:`stop` (or SIGTERM / Ctrl-C), then close every part."""
        with self._signals(handle_signals):
            self._register()
            try:
                if self.on_registered is not None:
                    self.on_registered()
                self._loop()
            finally:
                try:
                    for part in self.parts:
                        part.close()
                finally:
                    self.store.remove_daemon(self.daemon_id)

    def _loop(self) -> None:
        clock = self.clock
        beat_at = clock.now()
        while not self._stop.is_set():
            now = clock.now()
            if now - beat_at >= self.heartbeat_interval:
                beat_at = now
                if not self.store.daemon_heartbeat(self.daemon_id, now):
                    self._register()  # another daemon presumed this one dead: say it lives
            # Each part's wait counts from ``now``, not from when the last part is done: a
            # tick due at a given time is woken for at that time, however long the parts took.
            wake_at = min(now + self.max_sleep, beat_at + self.heartbeat_interval)
            for part in self.parts:
                wake_at = min(wake_at, now + part.tick(now))
                if self._stop.is_set():
                    return
            if wake_at > clock.now():
                clock.sleep_until(wake_at, self._stop)

    def _register(self) -> None:
        now = self.clock.now()
        record = DaemonRecord(
            self.daemon_id, DAEMON_KIND, socket.gethostname(), os.getpid(), now, now, dict(self.info)
        )
        self.store.register_daemon(record)

    @contextmanager
    def _signals(self, handle: bool) -> Iterator[None]:
        if not handle or threading.current_thread() is not threading.main_thread():
            yield
            return

        def request_stop(signum: int, frame: object) -> None:
            self._stop.set()

        previous = {signum: signal.signal(signum, request_stop) for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def serve(
    settings: Settings,
    *,
    limits: RunLimits | None = None,
    poll_interval: float = 0.02,
    heartbeat_interval: float = 2.0,
    dead_after: float = 20.0,
    extra_parts: Sequence[PartFactory] = (),
    on_ready: Callable[[Daemon], object] | None = None,
    clock: Clock | None = None,
) -> None:
    """Run ``headwater daemon``: a run coordinator (and ``extra_parts``) until SIGTERM or Ctrl-C.

    Args:
        settings: the stores to serve.
        limits: the concurrency limits of the runs it launches.
        poll_interval: seconds between looks at an empty queue.
        heartbeat_interval: seconds between the daemon's heartbeats.
        dead_after: a daemon silent this long is taken for dead (its claims are released).
        extra_parts: more parts of the loop (the scheduler's), each built from the store and
            the daemon's id.
        on_ready: called once the daemon is recorded and about to loop (the CLI prints then).
        clock: the loop's clock (the wall clock when None; a fake one in tests).

    Raises:
        StoreReadOnly: the run store cannot be written here.
    """
    from headwater.scheduling.coordinator import RunCoordinator
    from headwater.scheduling.launcher import ForkLauncher
    from headwater.storage.instance import Instance

    # The fork server is forked first, before this process opens a connection or a thread.
    with ForkLauncher(settings) as launcher, Instance.from_settings(settings) as instance:
        instance.store.ensure_writable()
        daemon_id = new_daemon_id()
        limits = limits or RunLimits()
        coordinator = RunCoordinator(
            instance.store, launcher, daemon_id, limits=limits, poll_interval=poll_interval, dead_after=dead_after
        )
        # The coordinator comes last: a run the scheduler queues is claimed and launched in the same pass.
        parts: list[DaemonPart] = [*(make(instance.store, daemon_id) for make in extra_parts), coordinator]
        daemon = Daemon(
            instance.store, parts, daemon_id=daemon_id, heartbeat_interval=heartbeat_interval,
            info={"limits": limits.describe(), "home": str(settings.home)}, clock=clock,
        )
        if on_ready is not None:
            daemon.on_registered = lambda: on_ready(daemon)
        daemon.run()
