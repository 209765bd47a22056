"""The thread executor: steps run in a thread pool of the run's process.

For steps that wait on I/O (HTTP calls, object stores, databases): they overlap while the
GIL is released. Values stay in memory, as with the in-process executor.

Canceling the run kills the children of steps with a timeout and raises
``KeyboardInterrupt`` in the threads of the others (at their next Python instruction: a
thread cannot be stopped from outside, so one blocked in a long call is abandoned).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

from headwater.execution.cancel import interrupt_thread
from headwater.execution.executors import ExecutorOptions
from headwater.execution.executors.isolated import IsolatedChildren, run_step_isolated
from headwater.execution.step import StepOutcome, StepRequest, run_step

__all__ = ["ThreadExecutor"]


class ThreadExecutor:
    """Runs steps on ``max_concurrency`` threads (the CPU count by default)."""

    shares_memory = True

    def __init__(self, options: ExecutorOptions) -> None:
        self._options = options
        self.max_concurrency = options.concurrency
        self._pool: ThreadPoolExecutor | None = None
        self._children = IsolatedChildren()
        self._lock = threading.Lock()
        #: the threads running a step now
        self._stepping: set[int] = set()
        self._canceled = False

    def __enter__(self) -> ThreadExecutor:
        self._pool = ThreadPoolExecutor(max_workers=self.max_concurrency, thread_name_prefix="headwater-step")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            # After a cancel, steps still running are abandoned rather than waited for.
            self._pool.shutdown(wait=not self._canceled, cancel_futures=True)
            self._pool = None

    def submit(self, request: StepRequest) -> Future[StepOutcome]:
        if self._pool is None:
            raise RuntimeError("ThreadExecutor.submit called outside its with-block")
        return self._pool.submit(self._run, request)

    def cancel(self) -> None:
        """Stop the steps running now (see the module docstring)."""
        self._children.kill_all()
        # Under the lock, so that no thread leaves its step between being chosen and
        # interrupted (the exception would then hit the pool's own loop).
        with self._lock:
            self._canceled = True
            for ident in self._stepping:
                interrupt_thread(ident)

    def _run(self, request: StepRequest) -> StepOutcome:
        ident = threading.get_ident()
        with self._lock:
            if self._canceled:
                raise KeyboardInterrupt
            self._stepping.add(ident)
        try:
            if request.node.options.timeout is not None:
                return run_step_isolated(request, self._options.artifacts, request.node.options.timeout, self._children)
            return run_step(request, self._options.artifacts, self._options.sink_for(request.node.key))
        finally:
            with self._lock:
                self._stepping.discard(ident)
