"""The in-process executor: each step runs in the run's own thread, when it is submitted.

A step with ``timeout=`` runs in a forked child instead, so that it can be stopped.
"""

from __future__ import annotations

from concurrent.futures import Future
from types import TracebackType

from headwater.execution.executors import ExecutorOptions
from headwater.execution.executors.isolated import run_step_isolated
from headwater.execution.step import StepOutcome, StepRequest, run_step

__all__ = ["InProcessExecutor"]


class InProcessExecutor:
    """Runs a step to completion inside ``submit``: no threads, no copies, least overhead."""

    shares_memory = True
    max_concurrency = 1

    def __init__(self, options: ExecutorOptions) -> None:
        self._options = options

    def __enter__(self) -> InProcessExecutor:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def submit(self, request: StepRequest) -> Future[StepOutcome]:
        future: Future[StepOutcome] = Future()
        if request.node.options.timeout is not None:
            outcome = run_step_isolated(request, self._options.artifacts, request.node.options.timeout)
        else:
            outcome = run_step(request, self._options.artifacts, self._options.sink_for(request.node.key))
        future.set_result(outcome)
        return future
