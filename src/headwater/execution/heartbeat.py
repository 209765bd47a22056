"""A running run's heartbeat: it tells the store it is alive, and hears when it must stop.

A run's process may die with nothing written (``kill -9``, a power cut, a lost machine),
so its record would say STARTED forever. Instead of asking whether its pid is alive (which
only works on the same host), the run's process writes ``heartbeat_at`` on its record every
:func:`beat_interval` seconds, from a small daemon thread, and anyone on any host can tell a
run is lost when its heartbeat is older than the run's timeout
(:mod:`headwater.scheduling.recovery` closes such runs). The timeout is the run's own,
recorded in its tags (:data:`TIMEOUT_TAG`), so a checker configured otherwise never closes a
run that beats at its own pace.

The same thread reads the run's status every ``poll`` seconds (a one-row read; the write
happens only every interval). When the status turns CANCELING (``headwater runs cancel``),
or the run was ended by someone else (found lost while it was only frozen), it requests
the run's :class:`~headwater.execution.cancel.Cancellation`, and the run stops its steps.

Policy
------
* timeout: ``HEADWATER_HEARTBEAT_TIMEOUT`` seconds, 60 by default;
* a beat every ``min(5, timeout / 4)`` seconds, so a run misses several beats before it
  counts as lost;
* a status read every 0.25 s (or the beat interval, when shorter), so a cancel is heard
  within a quarter second;
* a store that fails a beat or a read is tried again at the next poll: the run itself
  fails on the store if the store is really gone.

Example::

    heartbeat = Heartbeat(store, run_id, cancellation, timeout=heartbeat_timeout())
    heartbeat.start()
    ...  # run the steps
    heartbeat.stop()
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping

from headwater.errors import ConfigError, RunNotFound
from headwater.execution.cancel import CANCELED_FROM_OUTSIDE, Cancellation
from headwater.storage.base import RunLiveness
from headwater.storage.records import Run, RunStatus

__all__ = [
    "DEFAULT_TIMEOUT",
    "TIMEOUT_ENV",
    "TIMEOUT_TAG",
    "Heartbeat",
    "beat_interval",
    "heartbeat_timeout",
    "timeout_of",
]

#: seconds without a heartbeat after which a run counts as lost, unless configured
DEFAULT_TIMEOUT = 60.0
#: the environment variable that sets the timeout, in seconds
TIMEOUT_ENV = "HEADWATER_HEARTBEAT_TIMEOUT"
#: the run tag recording the timeout its process beats for
TIMEOUT_TAG = "headwater/heartbeat_timeout"
#: the longest wait between two reads of the run's status
_POLL_S = 0.25


def heartbeat_timeout(env: Mapping[str, str] | None = None) -> float:
    """The heartbeat timeout ``HEADWATER_HEARTBEAT_TIMEOUT`` sets, else :data:`DEFAULT_TIMEOUT`.

    Raises:
        ConfigError: the variable is not a positive number of seconds.
    """
    text = (os.environ if env is None else env).get(TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{TIMEOUT_ENV} must be a positive number of seconds, not {text!r}")
    return value


def timeout_of(run: Run, default: float) -> float:
    """The heartbeat timeout ``run``'s process recorded, else ``default``."""
    try:
        return float(run.tags[TIMEOUT_TAG])
    except (KeyError, ValueError):
        return default


def beat_interval(timeout: float) -> float:
    """Seconds between two heartbeats of a run with ``timeout``."""
    return min(5.0, timeout / 4)


class Heartbeat:
    """Beats for one run and watches its status, on a daemon thread.

    Args:
        store: the run store the run is recorded in.
        run_id: the run.
        cancellation: requested when the run is asked to stop, or was ended from outside.
        timeout: the run's heartbeat timeout (see :func:`heartbeat_timeout`).
    """

    def __init__(self, store: RunLiveness, run_id: str, cancellation: Cancellation, *, timeout: float) -> None:
        self._store = store
        self._run_id = run_id
        self._cancellation = cancellation
        self._interval = beat_interval(timeout)
        self._poll = min(_POLL_S, self._interval)
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="headwater-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop beating (the run is ending and writes its own end)."""
        self._stopped.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._thread = None

    def _loop(self) -> None:
        next_beat = time.monotonic() + self._interval
        while not self._stopped.wait(self._poll):
            now = time.monotonic()
            at = time.time() if now >= next_beat else None
            try:
                status = self._store.beat(self._run_id, at)
            except RunNotFound:
                return
            except Exception:  # noqa: BLE001 -- a busy or flaky store: try again at the next poll
                continue
            if at is not None:
                next_beat = now + self._interval
            if status is RunStatus.CANCELING:
                self._cancellation.request(CANCELED_FROM_OUTSIDE)
            elif status.finished:
                self._cancellation.request(
                    f"the run was recorded as {status.value} by another process (its heartbeat was late)"
                )
