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
``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=0`` on a scheduler you start yourself).

A dying worker takes with it every task the scheduler had given it: the one it ran, and
those queued behind it, never started; Dask fails them all with ``KilledWorker``. So each
task records its start at the scheduler (``Client.set_metadata``: a round trip, not a
batched event) before it runs any of the step's code, and the executor asks, for a task
whose worker was lost, whether it had started:

* it had: the attempt failed with ``the Dask worker tcp://... running 'train' was lost``
  (:class:`~headwater.errors.WorkerLost`), and the run loop retries it if the step allows;
* it had not: the same attempt is sent again (a line in the step's log says so), at most
  :data:`~headwater.execution.executors.SENDINGS_BEFORE_START` (3) times; then it fails
  as lost, saying it never started.

Canceling the run (:meth:`DaskExecutor.cancel`) cancels its tasks and stops the worker
processes running them: a task's thread cannot be stopped, its process can. The start a
task records says where it runs (pid, host, worker address); a worker on this machine is
killed (its nanny starts a fresh one), one elsewhere is restarted through its nanny
(``Client.restart_workers``). Cancel first marks the run closed at the scheduler, then
reads the starts; a task reads that mark after recording its start, and runs no step code
once the run is closed: so a step that starts as the run is canceled is either stopped or
never runs. What a run records at the scheduler is dropped when it ends. Local workers
ignore Ctrl-C, as the process pool's do: the run handles it (it cancels).
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
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import cloudpickle
import dask
import distributed
from distributed.comm.addressing import parse_address, parse_host_port

from headwater.errors import CodeLocationError, PlanError, WorkerLost
from headwater.execution.capture import LineSink, capture_output
from headwater.execution.executors import SENDINGS_BEFORE_START, ExecutorOptions
from headwater.execution.executors.fresh_code import UserCode
from headwater.execution.executors.isolated import run_step_isolated
from headwater.execution.step import StepOutcome, StepRequest, run_step
from headwater.storage.base import ArtifactStore
from headwater.storage.records import LogLine

__all__ = ["DaskExecutor", "LocalDask", "is_loopback"]


@dataclass(slots=True)
class _Job:
    """One attempt of one step, as sent (and sent again) to the cluster."""

    step_key: str
    attempt: int
    payload: bytes
    future: Future[StepOutcome]
    submitted: float
    #: how many times it was sent again because its worker was lost before it started
    resent: int = 0


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
            self._client.set_metadata([self._topic, "open"], True)  # see _announce_start
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
                _forget_run(client, self._topic)  # tasks that start later find the run closed
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
        self._send(_Job(step_key, attempt, payload, future, submitted))
        return future

    def _send(self, job: _Job) -> None:
        """Submit ``job`` as a new Dask task; its done-callback resolves (or sends again) the job."""
        task_key = f"headwater-{job.step_key.replace('/', '.')}-{job.attempt}-{uuid.uuid4().hex[:12]}"
        with self._lock:
            if self._canceled or self._client is None:
                why = "the run was canceled" if self._canceled else "the run ended before the step started"
                job.future.set_result(_failed(job.step_key, job.attempt, job.submitted, why))
                return
            self._streams[task_key] = (self._options.sink_for(job.step_key), [0])
            task = self._client.submit(
                _run_task, job.payload, self._options.artifacts, self._setup, self._topic,
                key=task_key, pure=False, retries=0,
            )
            self._running[task_key] = task  # a task nobody holds a future of is forgotten by Dask
        task.add_done_callback(lambda done: self._resolve(job, task_key, done))

    def _resolve(self, job: _Job, task_key: str, done: Any) -> None:
        """``job``'s task ended (on Dask's callback thread): resolve the job, or send it again
        when its worker was lost before it started."""
        try:
            self._resolve_or_resend(job, task_key, done)
        except Exception as exc:  # never leave the run waiting on a future nobody resolves
            if not job.future.done():
                message = f"Dask could not run {job.step_key!r}: {type(exc).__name__}: {exc}"
                job.future.set_result(_failed(job.step_key, job.attempt, job.submitted, message))

    def _resolve_or_resend(self, job: _Job, task_key: str, done: Any) -> None:
        with self._lock:
            self._running.pop(task_key, None)
            sink, streamed = self._streams.pop(task_key, (None, [0]))
        lost = _killed_worker(done)
        if lost is not None and not self._canceled and not self._started(task_key):
            if job.resent < SENDINGS_BEFORE_START:
                job.resent += 1
                if sink is not None:
                    sink("log", (
                        f"the Dask worker{_worker_of(lost)} was lost before step {job.step_key!r} started: "
                        f"sent again as the same attempt ({job.resent} of {SENDINGS_BEFORE_START})"
                    ), "WARNING")
                self._send(job)
                return
            message = (
                f"step {job.step_key!r} never started: the Dask workers it was sent to were lost "
                f"{job.resent + 1} times before it began (the last{_worker_of(lost)}: killed, crashed, or out of memory)"
            )
            job.future.set_result(_failed(job.step_key, job.attempt, job.submitted, message))
            return
        outcome = _outcome_of(done, job.step_key, job.attempt, job.submitted)
        outcome.logs = outcome.logs[streamed[0]:]  # the rest reached the run as they were printed
        job.future.set_result(outcome)

    def _started(self, task_key: str) -> bool:
        """Whether the task recorded its start at the scheduler (so ran some of the step's code).

        When the scheduler cannot tell (it is gone), the task counts as started: a lost
        attempt is charged rather than the step's code run twice as one attempt.
        """
        client = self._client
        if client is None:
            return True
        try:
            return client.get_metadata([self._topic, "started", task_key], default=None) is not None
        except Exception:  # noqa: BLE001 -- the scheduler is unreachable: see above
            return True

    # -- canceling ------------------------------------------------------------------------

    def cancel(self) -> None:
        """Cancel the run's tasks and stop the worker processes running them.

        The run is marked closed at the scheduler before the starts are read: a task that
        records its start after that read finds the run closed and runs none of its step.
        """
        with self._lock:
            self._canceled = True
            running = dict(self._running)
        client = self._client
        if client is None:
            return
        started: dict[str, Any] = {}
        try:
            client.set_metadata([self._topic, "open"], False)
            started = client.get_metadata([self._topic, "started"], default={}) or {}
        except Exception:  # noqa: BLE001 -- the scheduler is gone: so are its tasks
            pass
        if running:
            client.cancel(list(running.values()))
        for task_key in running:
            place = started.get(task_key)
            if place is not None:
                self._stop_worker((int(place[0]), str(place[1]), str(place[2])))

    def _on_event(self, event: tuple[float, Mapping[str, Any]]) -> None:
        """A line a task printed (on the client's event loop), for its step's live sink."""
        message = event[1]
        task_key = str(message.get("task"))
        with self._lock:
            stream = self._streams.get(task_key)
            if stream is None:  # its outcome arrived first, the lines in it (or another run's)
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


def _killed_worker(done: Any) -> Any:
    """The ``KilledWorker`` error a finished Dask future holds, or None."""
    try:
        if done.status != "error":
            return None
        error = done.exception()
    except Exception:  # noqa: BLE001 -- the client lost the scheduler: _outcome_of says so
        return None
    return error if isinstance(error, distributed.KilledWorker) else None


def _worker_of(error: Any) -> str:
    """`` tcp://...``: the address of the worker a ``KilledWorker`` names (empty when none)."""
    worker = getattr(error, "last_worker", None)
    return f" {getattr(worker, 'address', worker)}" if worker else ""


def _forget_run(client: Any, topic: str) -> None:
    """Drop what the run recorded at the scheduler (its starts, its open mark)."""
    try:
        client.run_on_scheduler(_forget_metadata, topic)
    except Exception:  # noqa: BLE001 -- a scheduler that runs no functions: keep an empty entry
        with contextlib.suppress(Exception):
            client.set_metadata(topic, {})


def _forget_metadata(topic: str, dask_scheduler: Any = None) -> None:
    """On the scheduler: drop the metadata entry ``topic``."""
    getattr(dask_scheduler, "task_metadata", {}).pop(topic, None)


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
        message = (
            f"the Dask worker{_worker_of(error)} running {step_key!r} was lost: its process died "
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


def _announce_start(topic: str, task_key: str, worker: Any) -> bool:
    """Record at the scheduler that this task starts, and where; False when the run is closed.

    Round trips, not a batched event: once the first returns, the scheduler knows for
    certain that the step started. The run's ``open`` mark is read after the start is
    written, and cancel clears it before reading the starts, so either cancel sees this
    start (and stops this worker) or this task sees the run closed.
    """
    client = distributed.get_client()
    client.set_metadata([topic, "started", task_key], [os.getpid(), socket.gethostname(), worker.address])
    return bool(client.get_metadata([topic, "open"], default=False))


def _run_task(payload: bytes, artifacts: ArtifactStore, setup: _Setup, topic: str) -> StepOutcome:
    """One step, on a Dask worker: the lines it prints are sent as events on ``topic`` as
    they come, and come back in the outcome too."""
    worker = distributed.get_worker()
    task_key = str(worker.get_current_task())
    if not _announce_start(topic, task_key, worker):  # canceled: its future is gone already
        raise WorkerLost(f"the run ended before task {task_key} started")
    error = _prepare(setup)
    if error is not None:
        raise CodeLocationError(error)
    started = time.time()
    request: StepRequest = cloudpickle.loads(payload)
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
