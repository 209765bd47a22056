"""The Dask executor: each step is a task on a Dask cluster.

With ``dask_address`` (``executor_config={"dask_address": "tcp://10.0.0.5:8786"}``, or
``--dask-address`` on the CLI) the run connects to a running ``dask scheduler``; without
one it uses a ``distributed.LocalCluster`` of worker processes sized to the machine: the
warm one of this process (:mod:`headwater.execution.executors.warm`), started by the first
run that needs it and reused by later runs, or, with ``executor_config={"warm": False}``,
one of the run's own, closed when it ends. A run that ends with steps still running (they
cannot be stopped on a Dask worker) retires the warm cluster: the next run starts another.

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

What a step prints reaches the run as it happens: the task sends each line as a Dask
worker event (``Worker.log_event``) on a topic the run subscribes to, and its outcome
carries them all too; the lines already streamed are dropped from the outcome, so each
line is recorded once, and what a stopped step printed is not lost with it.

Each worker process prepares itself once per run, on the run's first step there (or at run
start for the workers already there): the run's ``sys.path`` entries it lacks are appended,
so a test module's functions resolve by reference, the project's modules it holds are
dropped when the code on disk changed since its last run (or the run's code is another:
see :mod:`headwater.execution.executors.fresh_code`), and the code location is imported.
A worker that died is restarted by its nanny, and prepares itself on its next step.

Failure policy
--------------
Dask would rerun a task whose worker died on another worker, up to the scheduler's
``distributed.scheduler.allowed-failures`` times. Headwater's own retries decide instead:
the local cluster is started with that setting at 0 (set
``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=0`` on a scheduler you start yourself), so a
lost worker fails its step at once with ``the Dask worker running 'train' was lost``, and
the run loop retries it if the step allows.

Canceling the run (:meth:`DaskExecutor.cancel`) cancels its tasks and stops the worker
processes running them: a task's thread cannot be stopped, its process can. Each task
reports where it runs when it starts (pid, host, worker address); a worker on this machine
is killed (its nanny starts a fresh one), one elsewhere is restarted through its nanny
(``Client.restart_workers``). Local workers ignore Ctrl-C, as the process pool's do: the
run handles it (it cancels).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from types import TracebackType
from typing import Any

import cloudpickle
import dask
import distributed
from distributed.comm.addressing import parse_address, parse_host_port

from headwater.errors import CodeLocationError, PlanError, WorkerLost
from headwater.execution.capture import LineSink, capture_output
from headwater.execution.executors import ExecutorOptions
from headwater.execution.executors.fresh_code import UserCode
from headwater.execution.executors.isolated import run_step_isolated
from headwater.execution.step import StepOutcome, StepRequest, run_step
from headwater.storage.base import ArtifactStore
from headwater.storage.records import LogLine

__all__ = ["DaskExecutor", "LocalDask", "is_loopback"]


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
            token=uuid.uuid4().hex,
            paths=tuple(p for p in sys.path if p),
            file=getattr(location, "file", None),
            module=getattr(location, "module", None),
        )
        self.max_concurrency = options.concurrency
        self._dashboard = _dashboard_address(options.extra.get("dashboard"))
        #: use the warm local cluster of this process (see headwater.execution.executors.warm)
        self._warm = bool(options.extra.get("warm", True))
        self._client: Any = None
        self._local: LocalDask | None = None
        self._stack = contextlib.ExitStack()
        self._running: dict[str, Any] = {}
        self._lock = threading.Lock()
        #: the topic this run's tasks send their events on
        self._topic = f"headwater-{uuid.uuid4().hex}"
        #: task key -> the live sink of its step, and how many lines it streamed
        self._streams: dict[str, tuple[LineSink, list[int]]] = {}
        #: task key -> (pid, host, worker address) of the worker process running it
        self._where: dict[str, tuple[int, str, str]] = {}
        self._canceled = False
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
            self._stack.callback(self._client.close)
            if self._options.max_concurrency is None:
                threads = sum(w.get("nthreads", 1) for w in self._client.scheduler_info()["workers"].values())
                self.max_concurrency = max(1, threads)
        elif self._warm:
            from headwater.execution.executors import warm

            workers, dashboard = self.max_concurrency, self._dashboard
            self._local = self._stack.enter_context(
                warm.lease("dask", ("local", workers, dashboard), lambda: LocalDask.start(workers, dashboard))
            )
            self._client = self._local.client
        else:
            self._local = LocalDask.start(self.max_concurrency, self._dashboard)
            self._stack.callback(self._local.close)
            self._client = self._local.client
        self._client.subscribe_topic(self._topic, self._on_event)
        try:
            errors = {w: e for w, e in self._client.run(_prepare, self._setup).items() if e}
        except BaseException:
            self._close(interrupted=True)
            raise
        if errors:
            self._close(interrupted=False)
            worker, error = next(iter(errors.items()))
            raise CodeLocationError(f"Dask worker {worker} cannot import the code location: {error}")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._close(interrupted=exc_type is not None)

    def _close(self, *, interrupted: bool) -> None:
        with self._lock:
            running = list(self._running.values())
            self._running.clear()
        client, self._client = self._client, None
        try:
            if client is not None and client.status == "running":
                client.unsubscribe_topic(self._topic)
            if client is not None and running:
                client.cancel(running)
                if self._local is not None and self._warm:
                    # A running Dask task cannot be stopped: the workers may still be busy
                    # with this run's steps, so the next run gets a fresh cluster.
                    from headwater.execution.executors import warm

                    warm.retire(self._local)
        finally:
            self._local = None
            self._stack.close()

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
        with self._lock:
            if self._canceled:
                future.set_result(_failed(step_key, attempt, submitted, "the run was canceled"))
                return future
            self._streams[task_key] = (self._options.sink_for(step_key), [0])
            task = self._client.submit(
                _run_task, payload, self._options.artifacts, self._setup, self._topic,
                key=task_key, pure=False, retries=0,
            )
            self._running[task_key] = task  # a task nobody holds a future of is forgotten by Dask

        def resolve(done: Any) -> None:
            with self._lock:
                self._running.pop(task_key, None)
                self._where.pop(task_key, None)
                _, streamed = self._streams.pop(task_key, (None, [0]))
            outcome = _outcome_of(done, step_key, attempt, submitted)
            outcome.logs = outcome.logs[streamed[0]:]  # the rest reached the run as they were printed
            future.set_result(outcome)

        task.add_done_callback(resolve)
        return future

    # -- canceling ------------------------------------------------------------------------

    def cancel(self) -> None:
        """Cancel the run's tasks and stop the worker processes running them."""
        with self._lock:
            self._canceled = True
            running = list(self._running.values())
            where = list(self._where.values())
        client = self._client
        if running and client is not None:
            client.cancel(running)
        for place in where:
            self._stop_worker(place)

    def _on_event(self, event: tuple[float, Mapping[str, Any]]) -> None:
        """A task's event (on the client's event loop): a line it printed, or where it runs."""
        message = event[1]
        task_key = str(message.get("task"))
        with self._lock:
            stream = self._streams.get(task_key)
            if stream is None:  # its outcome arrived first, the lines in it (or another run's)
                return
            if message.get("kind") == "start":
                place = (int(message["pid"]), str(message["host"]), str(message["worker"]))
                self._where[task_key] = place
                if self._canceled:  # it started just as the run was canceled
                    self._stop_worker(place)
                return
            stream[1][0] += 1
        stream[0](str(message["stream"]), str(message["text"]), message.get("level"))

    def _stop_worker(self, place: tuple[int, str, str]) -> None:
        """Stop the worker process at ``place``: kill it here, or restart it through its nanny."""
        pid, host, address = place
        if host == socket.gethostname():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return
        client = self._client

        def restart() -> None:
            try:
                client.restart_workers([address], timeout=30, raise_for_error=False)
            except Exception:  # noqa: BLE001 -- best effort: the task is canceled anyway
                pass

        if client is not None:
            threading.Thread(target=restart, name="headwater-dask-stop", daemon=True).start()


class LocalDask:
    """A ``distributed.LocalCluster`` on loopback and a client of it: what a warm Dask executor keeps."""

    def __init__(self, cluster: Any, client: Any) -> None:
        self.cluster = cluster
        self.client = client

    @classmethod
    def start(cls, workers: int, dashboard: str | None) -> LocalDask:
        """Start ``workers`` single-threaded worker processes, Dask's own retries off."""
        # Headwater's retries decide what happens to a step whose worker died. The workers
        # ignore Ctrl-C: the run handles it (it cancels).
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}), _sigint_ignored():
            cluster = distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=dashboard,
                silence_logs=logging.CRITICAL,
            )
        try:
            client = distributed.Client(cluster, set_as_default=False)
        except BaseException:
            cluster.close()
            raise
        return cls(cluster, client)

    @property
    def usable(self) -> bool:
        """Whether the scheduler and the client still run (closed, or lost, it is not)."""
        status = getattr(self.cluster.status, "name", str(self.cluster.status))
        return status == "running" and self.client.status == "running"

    def close(self) -> None:
        """Close the client, then the cluster and its workers."""
        try:
            self.client.close()
        finally:
            self.cluster.close()


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while worker processes start, so that they inherit it ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)


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
    """What a worker process needs before a run's first step: import paths and the code location.

    ``token`` names the run: a worker prepares itself again when it changes.
    """

    __slots__ = ("file", "module", "paths", "token")

    def __init__(self, token: str, paths: tuple[str, ...], file: str | None, module: str | None) -> None:
        self.token = token
        self.paths = paths
        self.file = file
        self.module = module

    def __getstate__(self) -> tuple[str, tuple[str, ...], str | None, str | None]:
        return self.token, self.paths, self.file, self.module

    def __setstate__(self, state: tuple[str, tuple[str, ...], str | None, str | None]) -> None:
        self.token, self.paths, self.file, self.module = state


class _WorkerState:
    """This Dask worker process's code: which run it was prepared for, and its project modules."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.token: str | None = None
        self.error: str | None = None
        self.code = UserCode()


_state = _WorkerState()


def _prepare(setup: _Setup) -> str | None:
    """Make this worker process ready for the run's steps (once per run); the error text, if any.

    The project's modules are imported again when the code on disk changed since the last
    run, or the run's code is another (see :mod:`headwater.execution.executors.fresh_code`).
    """
    with _state.lock:
        if _state.token == setup.token:
            return _state.error
        for path in setup.paths:
            if path not in sys.path:
                sys.path.append(path)  # after the worker's own entries: they win
        from headwater.execution.executors.process_worker import import_location, location_folder_first

        location_folder_first(setup.file)
        _state.code.begin_run((setup.file, setup.module, setup.paths))
        _state.error = import_location(setup.file, setup.module)
        _state.code.stamp_new()
        _state.token = setup.token
        return _state.error


def _run_task(payload: bytes, artifacts: ArtifactStore, setup: _Setup, topic: str) -> StepOutcome:
    """One step, on a Dask worker: the lines it prints are sent as events on ``topic`` as
    they come, and come back in the outcome too."""
    error = _prepare(setup)
    if error is not None:
        raise CodeLocationError(error)
    started = time.time()
    request: StepRequest = cloudpickle.loads(payload)
    worker = distributed.get_worker()
    task_key = worker.get_current_task()
    worker.log_event(
        topic, {"kind": "start", "task": task_key, "pid": os.getpid(), "host": socket.gethostname(), "worker": worker.address}
    )
    try:
        with capture_output():
            if request.node.options.timeout is not None:
                # A running Dask task cannot be stopped; a forked child of the worker can.
                return run_step_isolated(request, artifacts, request.node.options.timeout)
            lines: list[LogLine] = []
            run_id, step_key = request.run_id, request.node.key

            def sink(stream: str, text: str, level: str | None) -> None:
                lines.append(LogLine(run_id, step_key, stream, time.time(), text, level))
                worker.log_event(topic, {"kind": "line", "task": task_key, "stream": stream, "text": text, "level": level})

            outcome = run_step(request, artifacts, sink)
            outcome.logs = lines
            return outcome
    finally:
        with _state.lock:
            _state.code.stamp_new(since=started)
