"""The process executor: a run's steps on a pool of long-lived worker processes.

The workers are those of :class:`~headwater.execution.executors.worker_pool.WorkerPool`:
by default the warm pool of this process (:mod:`headwater.execution.executors.warm`),
started by the first run that needs one and reused by later runs, so a run pays a pipe
round trip per step rather than a process start; with ``executor_config={"warm": False}``
a pool of the run's own, stopped when it ends. Each worker imports the code location once
per run at most, and only again when the code on disk changed (see
:mod:`~headwater.execution.executors.fresh_code`).

Values do not travel through the pipes: a step's inputs arrive as :class:`StoredValue`
references and its output is written to the artifact store by the worker that computed it.

A run that is canceled (:meth:`ProcessExecutor.cancel`: ``headwater runs cancel``, Ctrl-C)
or ends early (an error in the run loop) stops its steps: the workers running them are
killed (``SIGKILL``: a step cannot be asked to stop) and replaced, and its pending steps
dropped; other runs sharing the pool go on. What a killed step printed so far is already on
its way through the pipe, and is read before its step is reported lost.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import Future
from types import TracebackType

import cloudpickle

from headwater.errors import WorkerLost
from headwater.execution.executors import ExecutorOptions
from headwater.execution.executors.process_worker import import_location
from headwater.execution.executors.worker_pool import RunSetup, WorkerPool, run_setup
from headwater.execution.lifeline import describe_exit
from headwater.execution.step import StepOutcome, StepRequest

__all__ = ["ProcessExecutor", "describe_exit", "import_location"]


class ProcessExecutor:
    """Runs steps on ``max_concurrency`` worker processes (the CPU count by default)."""

    shares_memory = False

    def __init__(self, options: ExecutorOptions) -> None:
        self._options = options
        self.max_concurrency = options.concurrency
        self._warm = bool(options.extra.get("warm", True))
        location = options.extra.get("location")
        self._setup: RunSetup = run_setup(
            options.artifacts, getattr(location, "file", None), getattr(location, "module", None)
        )
        self._pool: WorkerPool | None = None
        self._stack = contextlib.ExitStack()
        self._canceled = False

    @property
    def pool(self) -> WorkerPool | None:
        """The workers this run's steps go to (while the run is on)."""
        return self._pool

    def __enter__(self) -> ProcessExecutor:
        size = self.max_concurrency
        if self._warm:
            from headwater.execution.executors import warm

            self._pool = self._stack.enter_context(warm.lease("process", size, lambda: WorkerPool(size).start()))
        else:
            self._pool = WorkerPool(size).start()
            self._stack.callback(self._pool.close)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        pool, self._pool = self._pool, None
        try:
            if pool is not None and exc_type is not None:  # interrupted: steps still running are abandoned
                pool.abandon(self._setup, "the run ended before the step finished")
        finally:
            self._stack.close()

    def cancel(self) -> None:
        """Stop this run's steps now: kill the workers running them, drop those not yet sent."""
        self._canceled = True
        pool = self._pool
        if pool is not None:
            pool.abandon(self._setup, "the run was canceled")

    def submit(self, request: StepRequest) -> Future[StepOutcome]:
        if self._pool is None:
            raise RuntimeError("ProcessExecutor.submit called outside its with-block")
        key = request.node.key
        try:
            if self._canceled:
                raise RuntimeError("the run was canceled")
            payload = cloudpickle.dumps(request)
        except Exception as exc:
            future: Future[StepOutcome] = Future()
            error = WorkerLost(f"cannot send step {key!r} to a worker process: {type(exc).__name__}: {exc}", step_key=key)
            future.set_result(StepOutcome.failed(key, request.attempt, time.time(), error))
            return future
        return self._pool.submit(
            self._setup, key, request.attempt, payload, self._options.sink_for(key), request.node.options.timeout
        )
