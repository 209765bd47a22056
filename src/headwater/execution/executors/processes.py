"""The process executor: a pool of long-lived worker processes, one pipe each.

Workers are started once per run (in ``__enter__``), import the code location once (so a
step costs a pipe round trip, not an interpreter start), and run many steps each. Values
do not travel through the pipes: a step's inputs arrive as :class:`StoredValue` references
and its output is written to the artifact store by the worker that computed it, so a 1 GB
frame is written once and read once, and never passes through the run's process.

Why not ``concurrent.futures.ProcessPoolExecutor``: when one of its workers dies, the whole
pool breaks and every pending future fails. Here each worker is watched on its own.

State
-----
``workers``   the live workers; each is idle (``task is None``) or runs one task
``pending``   tasks submitted while every worker was busy, oldest first

One dispatcher thread waits on every worker's pipe and process sentinel at once
(``multiprocessing.connection.wait``) and on a wake-up pipe. A worker sends:

* ``("log", stream, text, level)`` for each line its step prints or logs, as it happens;
  the dispatcher hands it to the step's live sink, so logs are seen while the step runs;
* ``("done", outcome_bytes)`` when the step ends; the future is resolved and the worker
  takes the next pending task.

Failure policy
--------------
A worker whose process ends while running a step (SIGKILL, a segfault, the out-of-memory
killer) fails that step with ``worker process running 'train' died (killed by SIGKILL)``;
the run loop retries it like any failure, the other workers go on, and a fresh worker
takes the dead one's place. Should workers keep dying before they finish starting, the
pool gives up and fails what is pending rather than restart them forever.

Deadlines: a step with ``timeout=`` gets a deadline when it is sent to a worker, and the
dispatcher is woken to take it into account (else, asleep with no deadline in view, it
would let the step run on). Past it, the worker is killed and the step fails with
``StepTimeout``. As a backstop, the worker also ends itself a little after the deadline.

Workers die with their run: each calls :func:`headwater.execution.lifeline.die_with` on
start (the parent-death signal on Linux, and a thread that watches the run's process), so
a run killed with ``kill -9`` leaves no worker behind, and none writes an artifact for it.

Start method
------------
The first workers of a pool are forked from the run's process itself when it has no other
thread at that moment (the common case): the fastest start, and the workers inherit the
code location and the libraries already imported. A fork copies other threads' locks in
whatever state they are, so when the process has threads (the user's own, a progress
display), and for workers that replace dead ones (the dispatcher thread runs by then), the
start method is ``forkserver``: the first such pool of a process starts one small,
single-threaded server (with Headwater preloaded, and numpy, pandas, pyarrow and
scikit-learn when the run's process has imported them) and workers fork from it. ``spawn``
would be safe too but starts a whole interpreter per worker. Each worker receives the
parent's ``sys.path``, working directory and environment, so the functions of a test
module or a code location resolve by reference.
"""

from __future__ import annotations

import collections
import contextlib
import importlib.util
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any

import cloudpickle

from headwater.errors import StepTimeout, WorkerLost
from headwater.execution.capture import LineSink, capture_output
from headwater.execution.executors import ExecutorOptions
from headwater.execution.lifeline import EXIT_DEADLINE, describe_exit, die_with, set_deadline
from headwater.execution.step import StepOutcome, StepRequest, run_step

__all__ = ["ProcessExecutor", "describe_exit", "import_location"]

_START_METHOD = "forkserver"
#: how long past its step's deadline a worker waits to be stopped before it stops itself
_DEADLINE_GRACE_S = 2.0
_PRELOAD = ["headwater.execution.executors.processes"]
#: heavy libraries the server also preloads when the run's process already uses them, so
#: that no worker pays their import again (pandas and pyarrow alone take about half a second)
_WARM = ("numpy", "pandas", "pyarrow", "pyarrow.parquet", "sklearn")


@dataclass(slots=True)
class _Task:
    key: str
    attempt: int
    payload: bytes
    future: Future[StepOutcome]
    sink: LineSink
    sent_at: float = 0.0
    #: seconds the step may run (its ``timeout=``), and when that runs out (monotonic)
    timeout: float | None = None
    deadline: float | None = None


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    conn: Connection
    task: _Task | None = None
    ready: bool = False
    #: killed by the pool because its step ran past its timeout
    timed_out: bool = False


class ProcessExecutor:
    """Runs steps on ``max_concurrency`` worker processes (the CPU count by default)."""

    shares_memory = False

    def __init__(self, options: ExecutorOptions) -> None:
        self._options = options
        self.max_concurrency = options.concurrency
        location = options.extra.get("location")
        # The environment travels too: workers fork from a server started by the first pool
        # of this process, whose environment may be older than the run's.
        self._setup = cloudpickle.dumps(
            (
                options.artifacts,
                getattr(location, "file", None),
                getattr(location, "module", None),
                dict(os.environ),
                os.getpid(),
            )
        )
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._pending: collections.deque[_Task] = collections.deque()
        self._closing = False
        self._failed_starts = 0
        self._broken: str | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> ProcessExecutor:
        self._mp = multiprocessing.get_context(_START_METHOD)
        self._mp.set_forkserver_preload(_PRELOAD + [name for name in _WARM if name in sys.modules])
        self._wake_r, self._wake_w = self._mp.Pipe(duplex=False)
        # While this process has no other thread, forking it is safe, and it is the fastest
        # start: the workers inherit the imported code location and libraries for free.
        first = multiprocessing.get_context("fork") if threading.active_count() == 1 else self._mp
        self._workers = [self._start_worker(first) for _ in range(self.max_concurrency)]
        self._thread = threading.Thread(target=self._dispatch, name="headwater-process-pool", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._lock:
            self._closing = True
            workers = list(self._workers)
            orphans = [w.task for w in workers if w.task is not None] + list(self._pending)
            self._pending.clear()
        self._wake()
        if self._thread is not None:
            self._thread.join()
        for worker in workers:
            if exc_type is None:
                try:
                    worker.conn.send_bytes(b"")  # the stop message
                except OSError:
                    pass
            else:  # interrupted: steps still running are abandoned
                worker.process.terminate()
        deadline = time.monotonic() + 5.0
        for worker in workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        for task in orphans:
            if not task.future.done():
                task.future.set_result(_failed(task, "the process pool was shut down before the step finished"))
        self._wake_r.close()
        self._wake_w.close()

    def _start_worker(self, context: Any = None) -> _Worker:
        context = context or self._mp
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(
            target=_worker_main, args=(child_end, self._setup), name="headwater-worker", daemon=True
        )
        with _main_module_hidden():
            process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def _wake(self) -> None:
        try:
            self._wake_w.send_bytes(b"!")
        except OSError:
            pass

    # -- submitting -----------------------------------------------------------------------

    def submit(self, request: StepRequest) -> Future[StepOutcome]:
        if self._thread is None:
            raise RuntimeError("ProcessExecutor.submit called outside its with-block")
        key = request.node.key
        future: Future[StepOutcome] = Future()
        task = _Task(key, request.attempt, b"", future, self._options.sink_for(key), timeout=request.node.options.timeout)
        try:
            task.payload = cloudpickle.dumps(request)
        except Exception as exc:
            future.set_result(_failed(task, f"cannot send step {key!r} to a worker process: {type(exc).__name__}: {exc}"))
            return future
        with self._lock:
            if self._broken is not None:
                future.set_result(_failed(task, self._broken))
                return future
            idle = next((w for w in self._workers if w.task is None), None)
            if idle is None:
                self._pending.append(task)
            else:
                self._send(idle, task)
        return future

    def _send(self, worker: _Worker, task: _Task) -> None:
        """Give ``task`` to the idle ``worker`` (lock held). A dead worker is noticed by the dispatcher."""
        worker.task = task
        task.sent_at = time.time()
        try:
            worker.conn.send_bytes(task.payload)
        except OSError:
            pass  # its sentinel fires; the dispatcher reports the step as lost with the exit status
        if task.timeout is not None:
            task.deadline = time.monotonic() + task.timeout
            # The dispatcher may be asleep with no deadline in view: it must see this one.
            self._wake()

    # -- the dispatcher thread ------------------------------------------------------------

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                if self._closing:
                    return
                by_conn = {w.conn: w for w in self._workers}
                by_sentinel = {w.process.sentinel: w for w in self._workers}
                deadlines = [w.task.deadline for w in self._workers if w.task is not None and w.task.deadline]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            self._stop_overdue()
            for ready in wait([self._wake_r, *by_conn, *by_sentinel], timeout):
                if ready is self._wake_r:
                    while self._wake_r.poll():
                        self._wake_r.recv_bytes()
                elif ready in by_conn:
                    worker = by_conn[ready]
                    if not self._read(worker):
                        self._lost(worker)
                elif ready in by_sentinel:
                    self._lost(by_sentinel[ready])

    def _stop_overdue(self) -> None:
        """Kill the workers whose step ran past its timeout; ``_lost`` then fails the step."""
        now = time.monotonic()
        with self._lock:
            overdue = [w for w in self._workers if w.task is not None and w.task.deadline and w.task.deadline <= now]
        for worker in overdue:
            worker.timed_out = True
            worker.process.kill()

    def _read(self, worker: _Worker) -> bool:
        """Handle every message waiting on ``worker``'s pipe; False when the pipe is closed."""
        try:
            while worker.conn.poll():
                self._handle(worker, worker.conn.recv())
        except (EOFError, OSError):
            return False
        return True

    def _handle(self, worker: _Worker, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "log":
            task = worker.task
            if task is not None:
                task.sink(message[1], message[2], message[3])
        elif kind == "ready":
            worker.ready = True
            self._failed_starts = 0
        elif kind in ("done", "error"):
            with self._lock:
                task, worker.task = worker.task, None
                if self._pending and not self._closing:
                    self._send(worker, self._pending.popleft())
            if task is None:
                return
            if kind == "done":
                try:
                    outcome = cloudpickle.loads(message[1])
                except Exception as exc:
                    outcome = _failed(task, f"the outcome of step {task.key!r} could not be read: {exc!r}")
            else:
                outcome = _failed(task, message[1])
            task.future.set_result(outcome)

    def _lost(self, worker: _Worker) -> None:
        """``worker``'s process ended: fail its step, and start another in its place."""
        if worker.process.is_alive():
            worker.process.join(1.0)  # the pipe closed first; let the exit status arrive
        self._read(worker)  # a step that finished just before the exit still counts
        worker.process.join(1.0)
        exitcode = worker.process.exitcode
        with self._lock:
            if worker not in self._workers:
                return
            self._workers.remove(worker)
            task, worker.task = worker.task, None
            failures: list[_Task] = []
            if not worker.ready:
                self._failed_starts += 1
            if self._closing:
                pass
            elif self._failed_starts > max(3, self.max_concurrency):
                self._broken = f"worker processes keep dying while starting ({describe_exit(exitcode)})"
                failures = list(self._pending)
                self._pending.clear()
            else:
                replacement = self._start_worker()
                self._workers.append(replacement)
                if self._pending:
                    self._send(replacement, self._pending.popleft())
        worker.conn.close()
        if task is not None and (worker.timed_out or exitcode == EXIT_DEADLINE):
            message = f"step {task.key!r} ran past its timeout of {task.timeout:g}s and was stopped"
            task.future.set_result(_failed(task, message, kind=StepTimeout))
        elif task is not None:
            pid = worker.process.pid
            task.future.set_result(
                _failed(task, f"worker process running {task.key!r} died ({describe_exit(exitcode)}; pid {pid})")
            )
        for pending in failures:
            pending.future.set_result(_failed(pending, self._broken or "the process pool broke"))


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start a worker without re-running the parent's ``__main__`` in it.

    ``multiprocessing`` re-imports the main script in each child so that functions defined
    there unpickle by reference. Steps are sent with cloudpickle, which sends functions of
    ``__main__`` by value, so that import is not needed: it only costs time, and a script
    without an ``if __name__ == "__main__":`` guard would start a run in every worker.
    """
    main = sys.modules.get("__main__")
    saved: dict[str, Any] = {name: main.__dict__[name] for name in ("__file__", "__spec__") if main and name in main.__dict__}
    if main is not None:
        main.__dict__.pop("__file__", None)
        main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        if main is not None:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


def _failed(task: _Task, error: str, *, kind: type[StepTimeout | WorkerLost] = WorkerLost) -> StepOutcome:
    return StepOutcome.failed(task.key, task.attempt, task.sent_at or time.time(), kind(error, step_key=task.key))


# -- the worker side -------------------------------------------------------------------------


def _worker_main(conn: Connection, setup: bytes) -> None:
    """A worker process: import the code location once, then run steps until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    artifacts, file, module, environ, owner = cloudpickle.loads(setup)
    die_with(owner, watch=True)  # a worker never outlives its run, nor writes for a run that is gone
    os.environ.clear()
    os.environ.update(environ)
    init_error = import_location(file, module)
    conn.send(("ready",))

    def sink(stream: str, text: str, level: str | None) -> None:
        conn.send(("log", stream, text, level))

    with capture_output():
        while True:
            try:
                payload = conn.recv_bytes()
            except (EOFError, OSError):
                return
            if not payload:
                return
            if init_error is not None:
                conn.send(("error", init_error))
                continue
            try:
                request = cloudpickle.loads(payload)
            except Exception as exc:
                conn.send(("error", f"worker process {os.getpid()} cannot load the step: {type(exc).__name__}: {exc}"))
                continue
            timeout = request.node.options.timeout
            # A backstop: the pool kills a worker at its step's deadline; should it fail to,
            # the worker ends itself a little later.
            set_deadline(None if timeout is None else time.monotonic() + timeout + _DEADLINE_GRACE_S)
            outcome = run_step(request, artifacts, sink)
            set_deadline(None)
            try:
                data = cloudpickle.dumps(outcome)
            except Exception as exc:
                conn.send(("error", f"the outcome of {request.node.key!r} cannot be sent back: {type(exc).__name__}: {exc}"))
                continue
            conn.send(("done", data))


def import_location(file: str | None, module: str | None) -> str | None:
    """Import the run's code location in this worker; the error text when that fails."""
    if file is None and module is None:
        return None
    from headwater.definitions.loading import load_module

    try:
        # A module imported by name is imported by name again; a file loaded by path (under
        # a generated name that no finder knows) is loaded by path, under the same name.
        if module is not None and (file is None or _findable(module)):
            load_module(module=module)
        else:
            load_module(file=file)
    except BaseException as exc:  # noqa: BLE001 -- reported on every step this worker is given
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return f"worker process {os.getpid()} could not import the code location {file or module}: {detail}"
    return None


def _findable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
