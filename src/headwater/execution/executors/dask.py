"""The Dask executor: each step is a task on a Dask cluster.

With ``dask_address`` (``executor_config={"dask_address": "tcp://10.0.0.5:8786"}``, or
``--dask-address`` on the CLI) the run connects to a running ``dask scheduler``; without
one it starts a ``distributed.LocalCluster`` of worker processes sized to the machine, for
the length of the run.

Values travel through the artifact store, never through the scheduler: a task receives
:class:`StoredValue` references and returns only where it stored its output, the captured
log lines and the metrics. The store must therefore be reachable by every worker: an
object store URL (``s3://...``) or a folder mounted at the same path everywhere. A local
folder with a scheduler that is not on this machine's loopback fails at run start with a
:class:`~headwater.errors.PlanError` saying so (pass ``shared_artifacts=True`` when that
folder is in fact a shared mount).

The local cluster listens on loopback only, and serves no dashboard unless asked for
(``executor_config={"dashboard": True}`` for a free port, or ``"127.0.0.1:8787"``): the
dashboard has no authentication, so it is never bound beyond this machine.

Each worker process prepares itself once, on its first step (or at run start for the
workers already there): the run's ``sys.path`` entries it lacks are appended, so a test
module's functions resolve by reference, and the code location is imported.

Failure policy
--------------
Dask would rerun a task whose worker died on another worker, up to the scheduler's
``distributed.scheduler.allowed-failures`` times. Headwater's own retries decide instead:
the local cluster is started with that setting at 0 (set
``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=0`` on a scheduler you start yourself), so a
lost worker fails its step at once with ``the Dask worker running 'train' was lost``, and
the run loop retries it if the step allows.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
import threading
import time
import uuid
from concurrent.futures import Future
from types import TracebackType
from typing import Any

import cloudpickle
import dask
import distributed
from distributed.comm.addressing import parse_address, parse_host_port

from headwater.errors import CodeLocationError, PlanError, WorkerLost
from headwater.execution.capture import capture_output
from headwater.execution.executors import ExecutorOptions
from headwater.execution.executors.isolated import run_step_isolated
from headwater.execution.step import StepOutcome, StepRequest, run_step
from headwater.storage.base import ArtifactStore

__all__ = ["DaskExecutor", "is_loopback"]


class DaskExecutor:
    """Runs steps as tasks on a Dask cluster: a scheduler address, or a local cluster."""

    shares_memory = False

    def __init__(self, options: ExecutorOptions) -> None:
        self._options = options
        self._address: str | None = options.extra.get("dask_address") or None
        #: how long to try reaching the scheduler (``executor_config={"connect_timeout": "30s"}``)
        self._connect_timeout = str(options.extra.get("connect_timeout", "10s"))
        location = options.extra.get("location")
        self._setup = _Setup(
            paths=tuple(p for p in sys.path if p),
            file=getattr(location, "file", None),
            module=getattr(location, "module", None),
        )
        self.max_concurrency = options.concurrency
        self._dashboard = _dashboard_address(options.extra.get("dashboard"))
        self._client: Any = None
        self._cluster: Any = None
        self._running: dict[str, Any] = {}
        self._lock = threading.Lock()
        artifacts = options.artifacts
        if (
            self._address is not None
            and getattr(artifacts, "is_local", False)
            and not options.extra.get("shared_artifacts", False)
            and not is_loopback(self._address)
        ):
            raise PlanError(
                f"the artifact store is a local folder ({getattr(artifacts, 'root', artifacts)}), which Dask "
                f"workers behind {self._address} cannot see: set HEADWATER_ARTIFACTS to storage every worker "
                "reaches (s3://bucket/prefix, or a shared mount), or pass shared_artifacts=True if this "
                "folder is such a mount"
            )

    # -- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> DaskExecutor:
        if self._address is not None:
            try:
                self._client = distributed.Client(self._address, timeout=self._connect_timeout, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise PlanError(f"cannot reach the Dask scheduler at {self._address}: {exc}") from exc
            if self._options.max_concurrency is None:
                threads = sum(w.get("nthreads", 1) for w in self._client.scheduler_info()["workers"].values())
                self.max_concurrency = max(1, threads)
        else:
            # Headwater's retries decide what happens to a step whose worker died.
            with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                self._cluster = distributed.LocalCluster(
                    n_workers=self.max_concurrency,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=self._dashboard,
                    silence_logs=logging.CRITICAL,
                )
            self._client = distributed.Client(self._cluster, set_as_default=False)
        try:
            errors = {w: e for w, e in self._client.run(_prepare, self._setup).items() if e}
        except BaseException:
            self._close()
            raise
        if errors:
            self._close()
            worker, error = next(iter(errors.items()))
            raise CodeLocationError(f"Dask worker {worker} cannot import the code location: {error}")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._close()

    def _close(self) -> None:
        with self._lock:
            running = list(self._running.values())
            self._running.clear()
        if self._client is not None:
            if running:
                self._client.cancel(running)
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    # -- submitting -----------------------------------------------------------------------

    def submit(self, request: StepRequest) -> Future[StepOutcome]:
        if self._client is None:
            raise RuntimeError("DaskExecutor.submit called outside its with-block")
        step_key, attempt = request.node.key, request.attempt
        future: Future[StepOutcome] = Future()
        submitted = time.time()
        try:
            payload = cloudpickle.dumps(request)
        except Exception as exc:
            future.set_result(
                _failed(step_key, attempt, submitted, f"cannot send step {step_key!r} to Dask: {type(exc).__name__}: {exc}")
            )
            return future
        task_key = f"headwater-{step_key.replace('/', '.')}-{attempt}-{uuid.uuid4().hex[:12]}"
        task = self._client.submit(
            _run_task, payload, self._options.artifacts, self._setup, key=task_key, pure=False, retries=0
        )
        with self._lock:
            self._running[task_key] = task  # a task nobody holds a future of is forgotten by Dask

        def resolve(done: Any) -> None:
            with self._lock:
                self._running.pop(task_key, None)
            future.set_result(_outcome_of(done, step_key, attempt, submitted))

        task.add_done_callback(resolve)
        return future


def _dashboard_address(asked: object) -> str | None:
    """Where the local cluster's dashboard listens: nowhere unless asked, and never beyond loopback.

    ``dashboard=True`` serves it on a free loopback port; ``dashboard="127.0.0.1:8787"`` on
    that one. The dashboard has no authentication, so a non-loopback host is refused.
    """
    if not asked:
        return None
    if asked is True:
        return "127.0.0.1:0"
    address = str(asked)
    host, _, port = address.rpartition(":")
    if not port.isdigit() or not is_loopback(f"tcp://{host or '127.0.0.1'}:{port}"):
        raise PlanError(
            f"the Dask dashboard must listen on this machine's loopback (it has no authentication); "
            f"got {address!r}: use dashboard=True or dashboard='127.0.0.1:PORT'"
        )
    return address if host else f"127.0.0.1:{port}"


def _outcome_of(done: Any, step_key: str, attempt: int, submitted: float) -> StepOutcome:
    """The outcome a finished Dask future holds; a lost worker or cancellation becomes a failed one."""
    try:
        if done.status == "finished":
            return done.result()
        if done.status == "cancelled":
            return _failed(step_key, attempt, submitted, f"the Dask task running {step_key!r} was cancelled")
        error = done.exception()
    except Exception as exc:  # the client lost the scheduler, say
        error = exc
    if isinstance(error, distributed.KilledWorker):
        worker = getattr(error, "last_worker", None)
        where = f" {getattr(worker, 'address', worker)}" if worker else ""
        message = (
            f"the Dask worker{where} running {step_key!r} was lost: its process died "
            "(killed, crashed, or out of memory)"
        )
    else:
        message = f"Dask could not run {step_key!r}: {type(error).__name__}: {error}"
    return _failed(step_key, attempt, submitted, message)


def _failed(step_key: str, attempt: int, started: float, error: str) -> StepOutcome:
    return StepOutcome.failed(step_key, attempt, started, WorkerLost(error, step_key=step_key))


def is_loopback(address: str) -> bool:
    """True when the scheduler at ``address`` can only be on this machine (``127.0.0.1``, ``inproc``)."""
    scheme, location = parse_address(address)
    if scheme == "inproc":
        return True
    try:
        host, _ = parse_host_port(location, default_port=8786)
    except ValueError:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


# -- the worker side -------------------------------------------------------------------------


class _Setup:
    """What a worker process needs before its first step: import paths and the code location."""

    __slots__ = ("file", "module", "paths")

    def __init__(self, paths: tuple[str, ...], file: str | None, module: str | None) -> None:
        self.paths = paths
        self.file = file
        self.module = module

    def __getstate__(self) -> tuple[tuple[str, ...], str | None, str | None]:
        return self.paths, self.file, self.module

    def __setstate__(self, state: tuple[tuple[str, ...], str | None, str | None]) -> None:
        self.paths, self.file, self.module = state

    def key(self) -> tuple[str | None, str | None]:
        return self.file, self.module


_prepared: dict[tuple[str | None, str | None], str | None] = {}


def _prepare(setup: _Setup) -> str | None:
    """Make this worker process ready for the run's steps (once); the error text, if any."""
    key = setup.key()
    if key in _prepared:
        return _prepared[key]
    for path in setup.paths:
        if path not in sys.path:
            sys.path.append(path)  # after the worker's own entries: they win
    from headwater.execution.executors.processes import import_location

    error = import_location(setup.file, setup.module)
    _prepared[key] = error
    return error


def _run_task(payload: bytes, artifacts: ArtifactStore, setup: _Setup) -> StepOutcome:
    """One step, on a Dask worker: the lines it prints come back in the outcome."""
    error = _prepare(setup)
    if error is not None:
        raise CodeLocationError(error)
    request: StepRequest = cloudpickle.loads(payload)
    with capture_output():
        if request.node.options.timeout is not None:
            # A running Dask task cannot be stopped; a forked child of the worker can.
            return run_step_isolated(request, artifacts, request.node.options.timeout)
        return run_step(request, artifacts, None)
