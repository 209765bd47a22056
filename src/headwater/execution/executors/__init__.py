"""Executors: where steps run. The run loop is the same for all of them.

An executor is a context manager with ``submit(request) -> Future[StepOutcome]``. Each lives
in its own short module and is imported only when a run asks for it:

==============  ======================================================================
``in_process``  the run's own thread, one step at a time (default, lowest overhead)
``thread``      a thread pool in the run's process, for steps that wait on I/O
``process``     a pool of worker processes, kept warm for later runs of this process
``dask``        tasks on a Dask cluster (a warm ``LocalCluster``, or a scheduler address)
==============  ======================================================================

The process pool and the local Dask cluster are started by the first run that needs them
and reused by the later runs of the same process (:mod:`headwater.execution.executors.warm`,
which also closes them at exit); ``executor_config={"warm": False}`` gives a run workers of
its own.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol

from headwater.errors import PlanError
from headwater.execution.capture import LineSink
from headwater.execution.step import StepOutcome, StepRequest
from headwater.storage.base import ArtifactStore

__all__ = ["EXECUTORS", "SENDINGS_BEFORE_START", "Executor", "ExecutorOptions", "open_executor"]

#: how many times a step is sent again, as the same attempt, when the worker it was given
#: to died before it started (a Dask worker killed by the step it ran, with this one queued
#: behind): then it fails as lost. A step that had started is a lost attempt at once.
SENDINGS_BEFORE_START = 3

EXECUTORS: dict[str, str] = {
    "in_process": "headwater.execution.executors.in_process:InProcessExecutor",
    "thread": "headwater.execution.executors.threads:ThreadExecutor",
    "process": "headwater.execution.executors.processes:ProcessExecutor",
    "dask": "headwater.execution.executors.dask:DaskExecutor",
}


class Executor(Protocol):
    """Runs steps somewhere and hands back futures of their outcomes."""

    #: outcomes may carry values in memory, so downstream steps need not read the store
    shares_memory: bool
    #: how many steps may run at once
    max_concurrency: int

    def __enter__(self) -> Executor: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def submit(self, request: StepRequest) -> Future[StepOutcome]: ...


@dataclass(frozen=True, slots=True)
class ExecutorOptions:
    """What an executor is built from.

    Attributes:
        artifacts: the artifact store steps read and write.
        sink_for: step key -> where that step's printed and logged lines go, live.
        max_concurrency: steps at once; the CPU count when None.
        extra: executor-specific settings (``dask_address``, a code location to import).
    """

    artifacts: ArtifactStore
    sink_for: Callable[[str], LineSink]
    max_concurrency: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def concurrency(self) -> int:
        return self.max_concurrency or os.cpu_count() or 1


def open_executor(name: str, options: ExecutorOptions) -> Executor:
    """Build the executor called ``name`` (not yet entered).

    Raises:
        PlanError: no executor has that name, or its extra dependencies are missing.
    """
    target = EXECUTORS.get(name)
    if target is None:
        raise PlanError(f"unknown executor {name!r}; choose one of {', '.join(EXECUTORS)}")
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("headwater"):
            raise PlanError(f"the {name!r} executor is not available in this version of Headwater") from exc
        raise PlanError(
            f"the {name!r} executor needs {exc.name!r}, which is not installed (pip install 'headwater[{name}]')"
        ) from exc
    factory: Callable[[ExecutorOptions], Executor] = getattr(module, class_name)
    return factory(options)
