"""The in-process executor: each step runs in the run's own thread, when it is submitted.

A step with ``timeout=`` runs in a forked child instead, so that it can be stopped.

Canceling the run interrupts the step where it runs: its forked child is killed, or its
thread gets a ``KeyboardInterrupt``. In the main thread that exception comes from a signal
handler, which interrupts a blocking call (``time.sleep``, a socket read) as Ctrl-C would:
the executor installs it for the length of the run, on a real-time signal of its own (not
``SIGINT``, which a process started in the background ignores). Elsewhere it is raised
asynchronously (see :func:`headwater.execution.cancel.interrupt_thread`).
"""

from __future__ import annotations

import signal
import threading
from concurrent.futures import Future
from types import FrameType, TracebackType
from typing import Any

from headwater.execution.cancel import interrupt_thread
from headwater.execution.executors import ExecutorOptions
from headwater.execution.executors.isolated import IsolatedChildren, run_step_isolated
from headwater.execution.step import StepOutcome, StepRequest, run_step

__all__ = ["InProcessExecutor"]


class InProcessExecutor:
    """Runs a step to completion inside ``submit``: no threads, no copies, least overhead."""

    shares_memory = True
    max_concurrency = 1

    def __init__(self, options: ExecutorOptions) -> None:
        self._options = options
        self._children = IsolatedChildren()
        #: the thread running a step now, if any
        self._stepping: int | None = None
        #: the interrupting signal while its handler is installed, and the handler it had before
        self._signal: int | None = None
        self._previous: Any = None

    def __enter__(self) -> InProcessExecutor:
        if _INTERRUPT is not None and threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(_INTERRUPT, _interrupted)
            self._signal = _INTERRUPT
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # The run's heartbeat (the one thread that cancels from outside) has stopped by now,
        # so no interrupting signal can arrive after its handler is gone.
        if self._signal is not None:
            signal.signal(self._signal, signal.SIG_DFL if self._previous is None else self._previous)
            self._signal = None

    def submit(self, request: StepRequest) -> Future[StepOutcome]:
        future: Future[StepOutcome] = Future()
        self._stepping = threading.get_ident()
        try:
            if request.node.options.timeout is not None:
                outcome = run_step_isolated(request, self._options.artifacts, request.node.options.timeout, self._children)
            else:
                outcome = run_step(request, self._options.artifacts, self._options.sink_for(request.node.key))
        finally:
            self._stepping = None
        future.set_result(outcome)
        return future

    def cancel(self) -> None:
        """Stop the step running now: kill its child, or interrupt its thread."""
        self._children.kill_all()
        stepping = self._stepping
        if stepping is None or stepping == threading.get_ident():
            return
        if self._signal is not None and stepping == threading.main_thread().ident:
            signal.pthread_kill(stepping, self._signal)
        else:
            interrupt_thread(stepping)


#: the signal that interrupts a step running in the main thread (Linux has real-time signals)
_INTERRUPT: int | None = signal.SIGRTMIN + 7 if hasattr(signal, "SIGRTMIN") else None


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
