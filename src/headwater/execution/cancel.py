"""A run's cancellation: asked for once, from any thread, heard by everything that must stop.

A run is canceled from outside (``headwater runs cancel``: its heartbeat thread reads the
run's CANCELING status, see :mod:`headwater.execution.heartbeat`) or from inside (Ctrl-C:
the run loop catches ``KeyboardInterrupt``). Either way :meth:`Cancellation.request` is
called, and each listener registered with :meth:`Cancellation.on_request` is called once,
in the requesting thread: the run loop wakes up and stops submitting; the executor stops
the steps it runs (kills their worker processes, or interrupts the thread of an in-process
step).

Example::

    cancellation = Cancellation()
    cancellation.on_request(lambda: print("stopping"))
    cancellation.request("canceled by ana")   # prints "stopping"; later calls do nothing
    assert cancellation.requested and cancellation.reason == "canceled by ana"
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator

__all__ = ["CANCELED_FROM_OUTSIDE", "INTERRUPTED", "Cancellation", "interrupt_thread", "interrupts_deferred"]

#: the reason of a run canceled with ``headwater runs cancel`` (or the web UI)
CANCELED_FROM_OUTSIDE = "canceled on request (headwater runs cancel)"
#: the reason of a run stopped by Ctrl-C
INTERRUPTED = "interrupted (Ctrl-C)"


class Cancellation:
    """Whether a run was asked to stop, why, and who to tell."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._event = threading.Event()
        self._listeners: list[Callable[[], None]] = []
        self.reason: str | None = None

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def on_request(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` when cancellation is requested (at once, if it already was)."""
        with self._lock:
            if not self._event.is_set():
                self._listeners.append(listener)
                return
        listener()

    def request(self, reason: str) -> bool:
        """Ask the run to stop for ``reason``; whether this call was the first to ask."""
        with self._lock:
            if self._event.is_set():
                return False
            self.reason = reason
            self._event.set()
            listeners, self._listeners = self._listeners, []
        for listener in listeners:
            listener()
        return True


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ignore Ctrl-C while a canceled run records how it stopped (a few seconds at most).

    A second Ctrl-C from an impatient user would otherwise cut the records short; it is
    ignored instead. Outside the main thread (where signals are not delivered) this does
    nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main interpreter
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)


def interrupt_thread(ident: int) -> None:
    """Raise ``KeyboardInterrupt`` in the thread ``ident`` (a step running in-process).

    The main thread, when Python's own Ctrl-C handler is in place, gets a real ``SIGINT``:
    it interrupts a blocking call (``time.sleep``, a socket read) as Ctrl-C would. Any other
    thread gets the exception raised asynchronously, which takes effect at its next Python
    instruction: a thread blocked in a long C call is interrupted only when that call returns.
    """
    if ident == threading.main_thread().ident and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.pthread_kill(ident, signal.SIGINT)
        return
    import ctypes

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(KeyboardInterrupt))
