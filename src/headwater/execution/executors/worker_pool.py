"""A pool of long-lived worker processes, one pipe each, shared by the runs that lease it.

Workers are started once (when the pool starts) and run many steps each, of one run or of
many: the process executor of each run submits to a pool of its own, or to the warm pool
of this process (:mod:`headwater.execution.executors.warm`) that outlives it. Values do not
travel through the pipes: a step's inputs arrive as :class:`StoredValue` references and
its output is written to the artifact store by the worker that computed it, so a 1 GB
frame is written once and read once, and never passes through the run's process.

Why not ``concurrent.futures.ProcessPoolExecutor``: when one of its workers dies, the whole
pool breaks and every pending future fails. Here each worker is watched on its own.

State
-----
``workers``   the live workers; each is idle (``task is None``) or runs one task, and
              knows which run's setup it has applied (``setup``)
``pending``   tasks submitted while every worker was busy, oldest first

A task carries its run's :class:`RunSetup`: the artifact store, the code location, the
environment, ``sys.path`` and working directory. A worker is sent a run's setup before
its first step of that run; it then resets its environment to the run's and, through
:class:`~headwater.execution.executors.fresh_code.UserCode`, drops the project modules it
holds when the code changed on disk (or belongs to another run's code location), so that
every run runs the code on disk when it started, and no run sees another's modules.

One dispatcher thread waits on every worker's pipe and process sentinel at once
(``multiprocessing.connection.wait``) and on a wake-up pipe. A worker sends:

* ``("log", stream, text, level)`` for each line its step prints or logs, as it happens;
  the dispatcher hands it to the step's live sink, so logs are seen while the step runs;
* ``("done", outcome_bytes)`` when the step ends; the future is resolved and the worker
  takes the next pending task;
* ``("started",)`` when it takes up a step (or its run's setup), before any of its code.

Failure policy
--------------
A worker whose process ends while running a step (SIGKILL, a segfault, the out-of-memory
killer) fails that step with ``worker process running 'train' died (killed by SIGKILL)``;
the run loop retries it like any failure, the other workers go on, and a fresh worker
takes the dead one's place. A step given to a worker that died before it said
``started`` (killed while idle, the step on its way) never began: it goes back to the
front of the queue as the same attempt, a line in its log says so, at most
:data:`~headwater.execution.executors.SENDINGS_BEFORE_START` times; then it fails as lost,
saying it never started. Should workers keep dying before they finish starting, the
pool gives up (``broken``) and fails what is pending rather than restart them forever; a
warm pool that broke is never reused.

Deadlines: a step with ``timeout=`` gets a deadline when it is sent to a worker, and the
dispatcher is woken to take it into account (else, asleep with no deadline in view, it
would let the step run on). Past it, the worker is killed (and replaced, like any dead
worker) and the step fails with ``StepTimeout``. As a backstop, the worker also ends
itself a little after the deadline. A run that ends early (Ctrl-C, an error in the run
loop) has the workers running its steps killed and replaced (:meth:`WorkerPool.abandon`):
its abandoned steps stop, and the pool stays whole for the next run.

Workers die with the pool's process: each calls :func:`headwater.execution.lifeline.die_with`
on start (the parent-death signal on Linux, and a thread that watches that process), so a
run killed with ``kill -9`` leaves no worker behind, and none writes an artifact for it.

Start method
------------
The first workers of a pool are forked from the process itself when it has no other
thread at that moment (the common case): the fastest start, and the workers inherit the
libraries already imported (the project's modules they inherit are imported again at the
first setup: the parent's copies may be older than the files). A fork copies other
threads' locks in whatever state they are, so when the process has threads (the user's
own, a progress display), and for workers that replace dead ones (the dispatcher thread
runs by then), the start method is ``forkserver``: the first such pool of a process starts
one small, single-threaded server (with Headwater preloaded, and numpy, pandas, pyarrow and
scikit-learn when the process has imported them) and workers fork from it. ``spawn`` would
be safe too but starts a whole interpreter per worker.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

import cloudpickle

from headwater.errors import StepTimeout, WorkerLost
from headwater.execution.capture import LineSink
from headwater.execution.executors import SENDINGS_BEFORE_START
from headwater.execution.lifeline import EXIT_DEADLINE, describe_exit
from headwater.execution.step import StepOutcome

__all__ = ["RunSetup", "WorkerPool"]

_START_METHOD = "forkserver"
_PRELOAD = ["headwater.execution.executors.process_worker"]
#: heavy libraries the server also preloads when this process already uses them, so that
#: no worker pays their import again (pandas and pyarrow alone take about half a second)
_WARM = ("numpy", "pandas", "pyarrow", "pyarrow.parquet", "sklearn")


@dataclass(frozen=True, slots=True)
class RunSetup:
    """What a worker applies before its first step of a run (see :func:`run_setup`)."""

    id: str
    payload: bytes


def run_setup(artifacts: object, file: str | None, module: str | None) -> RunSetup:
    """The setup of a run whose steps read and write ``artifacts`` and whose code is at ``file``/``module``.

    The environment, ``sys.path`` and working directory travel too: a warm pool's workers
    were started for an earlier run, whose environment may not be this one's.
    """
    state = (artifacts, file, module, dict(os.environ), list(sys.path), os.getcwd())
    return RunSetup(uuid.uuid4().hex, cloudpickle.dumps(state))


@dataclass(slots=True)
class _Task:
    key: str
    attempt: int
    payload: bytes
    future: Future[StepOutcome]
    sink: LineSink
    setup: RunSetup
    sent_at: float = 0.0
    #: seconds the step may run (its ``timeout=``), and when that runs out (monotonic)
    timeout: float | None = None
    deadline: float | None = None
    #: the worker said it took the step up (see the module docstring)
    started: bool = False
    #: how many times it was sent again because its worker died before it started
    resent: int = 0


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    conn: Connection
    task: _Task | None = None
    ready: bool = False
    #: the id of the run setup it applied last
    setup: str | None = None
    #: killed by the pool: its step ran past its timeout, or its run was abandoned
    killed_because: str | None = None


class WorkerPool:
    """``size`` worker processes, running the steps submitted to them (see the module docstring)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._pending: collections.deque[_Task] = collections.deque()
        self._closing = False
        self._failed_starts = 0
        self._broken: str | None = None
        self._thread: threading.Thread | None = None
        self._owner = os.getpid()

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> WorkerPool:
        """Start the workers and the dispatcher thread."""
        self._mp = multiprocessing.get_context(_START_METHOD)
        self._mp.set_forkserver_preload(_PRELOAD + [name for name in _WARM if name in sys.modules])
        self._wake_r, self._wake_w = self._mp.Pipe(duplex=False)
        # While this process has no other thread, forking it is safe, and it is the fastest
        # start: the workers inherit the imported libraries for free.
        first = multiprocessing.get_context("fork") if threading.active_count() == 1 else self._mp
        self._workers = [self._start_worker(first) for _ in range(self.size)]
        self._thread = threading.Thread(target=self._dispatch, name="headwater-process-pool", daemon=True)
        self._thread.start()
        return self

    @property
    def usable(self) -> bool:
        """Whether the pool can take steps: started, not closed, not broken, in its own process."""
        return self._thread is not None and not self._closing and self._broken is None and os.getpid() == self._owner

    def pids(self) -> list[int]:
        """The process ids of the live workers."""
        with self._lock:
            return [w.process.pid for w in self._workers if w.process.pid is not None]

    def close(self, *, kill: bool = False) -> None:
        """Stop every worker (at once with ``kill``, else after its step) and fail what is left."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            workers = list(self._workers)
            orphans = [w.task for w in workers if w.task is not None] + list(self._pending)
            self._pending.clear()
        self._wake()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        for worker in workers:
            if kill:
                worker.process.terminate()
            else:
                with contextlib.suppress(OSError):
                    worker.conn.send_bytes(b"")  # the stop message
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
        from headwater.execution.executors.process_worker import worker_main

        context = context or self._mp
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(
            target=worker_main, args=(child_end, self._owner), name="headwater-worker", daemon=True
        )
        with _main_module_hidden():
            process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send_bytes(b"!")

    # -- submitting -----------------------------------------------------------------------

    def submit(
        self, setup: RunSetup, key: str, attempt: int, payload: bytes, sink: LineSink, timeout: float | None
    ) -> Future[StepOutcome]:
        """Run the pickled step ``payload`` of the run ``setup`` on the next idle worker."""
        future: Future[StepOutcome] = Future()
        task = _Task(key, attempt, payload, future, sink, setup, timeout=timeout)
        with self._lock:
            if self._broken is not None or self._closing:
                future.set_result(_failed(task, self._broken or "the process pool was shut down"))
                return future
            idle = next((w for w in self._workers if w.task is None), None)
            if idle is None:
                self._pending.append(task)
            else:
                self._send(idle, task)
        return future

    def abandon(self, setup: RunSetup, reason: str) -> None:
        """Stop the steps of run ``setup``: pending ones fail, running ones' workers are killed (and replaced)."""
        with self._lock:
            dropped = [task for task in self._pending if task.setup.id == setup.id]
            for task in dropped:
                self._pending.remove(task)
            running = [w for w in self._workers if w.task is not None and w.task.setup.id == setup.id]
            for worker in running:
                worker.killed_because = reason
                worker.process.kill()
        for task in dropped:
            task.future.set_result(_failed(task, reason))

    def _send(self, worker: _Worker, task: _Task) -> None:
        """Give ``task`` to the idle ``worker`` (lock held). A dead worker is noticed by the dispatcher."""
        worker.task = task
        task.sent_at = time.time()
        try:
            if worker.setup != task.setup.id:
                worker.conn.send_bytes(b"S" + task.setup.payload)
                worker.setup = task.setup.id
            worker.conn.send_bytes(b"T" + task.payload)
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
            worker.killed_because = "timeout"
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
        elif kind == "started":
            if worker.task is not None:
                worker.task.started = True
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
        deadline_passed = worker.killed_because == "timeout" or exitcode == EXIT_DEADLINE
        with self._lock:
            if worker not in self._workers:
                return
            self._workers.remove(worker)
            task, worker.task = worker.task, None
            failures: list[_Task] = []
            resent = (
                task is not None and not task.started and worker.killed_because is None and not deadline_passed
                and task.resent < SENDINGS_BEFORE_START and not self._closing
            )
            if resent and task is not None:  # it never began: it goes first, as the same attempt
                task.resent += 1
                self._pending.appendleft(task)
            if not worker.ready and worker.killed_because is None:
                self._failed_starts += 1
            if self._closing:
                pass
            elif self._failed_starts > max(3, self.size):
                self._broken = f"worker processes keep dying while starting ({describe_exit(exitcode)})"
                failures = list(self._pending)
                self._pending.clear()
            else:
                replacement = self._start_worker()
                self._workers.append(replacement)
                if self._pending:
                    self._send(replacement, self._pending.popleft())
        worker.conn.close()
        pid = worker.process.pid
        if resent and task is not None:
            task.sink("log", (
                f"worker process {pid} died ({describe_exit(exitcode)}) before step {task.key!r} started: "
                f"sent again as the same attempt ({task.resent} of {SENDINGS_BEFORE_START})"
            ), "WARNING")
        elif task is not None and not task.started and worker.killed_because is None and not deadline_passed:
            task.future.set_result(_failed(task, (
                f"step {task.key!r} never started: the worker processes it was sent to died "
                f"{task.resent + 1} times before it began (the last {describe_exit(exitcode)}; pid {pid})"
            )))
        elif task is not None and deadline_passed:
            message = f"step {task.key!r} ran past its timeout of {task.timeout:g}s and was stopped"
            task.future.set_result(_failed(task, message, kind=StepTimeout))
        elif task is not None and worker.killed_because is not None:
            task.future.set_result(_failed(task, worker.killed_because))
        elif task is not None:
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
