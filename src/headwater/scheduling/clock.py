"""The daemon's clock: what time it is, and waiting until a later time.

The daemon's loop (:mod:`headwater.scheduling.daemon`) reads the time and sleeps only
through a :class:`Clock`, so a test can hand it one that jumps to the end of each sleep at
once and drive the real loop through days of schedule ticks in a second.
:class:`SystemClock` is the one ``headwater daemon`` uses.

Example::

    Daemon(store, parts, clock=SystemClock())   # the default
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "SystemClock"]


class Clock(Protocol):
    """The time as the daemon's loop sees it."""

    def now(self) -> float:
        """The current time, in epoch seconds."""
        ...

    def sleep_until(self, deadline: float, wake: threading.Event) -> None:
        """Return once it is ``deadline`` (epoch seconds), or sooner when ``wake`` is set."""
        ...


class SystemClock:
    """The wall clock: :func:`time.time`, and a wait that ``wake`` interrupts."""

    def now(self) -> float:
        """The current time, in epoch seconds."""
        return time.time()

    def sleep_until(self, deadline: float, wake: threading.Event) -> None:
        """Wait until ``deadline``, or until ``wake`` is set."""
        delay = deadline - time.time()
        if delay > 0:
            wake.wait(delay)
