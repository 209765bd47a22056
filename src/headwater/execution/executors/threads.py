"""The thread executor: steps run in a thread pool of the run's process.

For steps that wait on I/O (HTTP calls, object stores, databases): they overlap while the
GIL is released. Values stay in memory, as with the in-process executor.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

from headwater.execution.executors import ExecutorOptions
from headwater.execution.executors.isolated import run_step_isolated
from headwater.execution.step import StepOutcome, StepRequest, run_step

__all__ = ["ThreadExecutor"]


class ThreadExecutor:
    """Runs steps on ``max_concurrency`` threads (the CPU count by default)."""

    shares_memory = True

    def __init__(self, options: ExecutorOptions) -> None:
        self._options = options
        self.max_concurrency = options.concurrency
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> ThreadExecutor:
        self._pool = ThreadPoolExecutor(max_workers=self.max_concurrency, thread_name_prefix="headwater-step")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def submit(self, request: StepRequest) -> Future[StepOutcome]:
        if self._pool is None:
            raise RuntimeError("ThreadExecutor.submit called outside its with-block")
        if request.node.options.timeout is not None:
            return self._pool.submit(run_step_isolated, request, self._options.artifacts, request.node.options.timeout)
        return self._pool.submit(run_step, request, self._options.artifacts, self._options.sink_for(request.node.key))
