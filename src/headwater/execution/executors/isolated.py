"""Running one step in a forked child process, so that its timeout can be enforced.

A thread cannot be stopped from outside; a process can. A step with ``timeout=`` runs in a
child forked from the process that would have run it (so its in-memory inputs are there
without copying); the child writes the output to the artifact store and sends back the
outcome, which then carries a reference instead of the value. Past its time the child is
killed and the step fails with :class:`~headwater.errors.StepTimeout`; a child that dies on
its own (a segfault, the OOM killer) fails it with :class:`~headwater.errors.WorkerLost`,
naming the signal that killed it. The child dies with the process that forked it
(:func:`~headwater.execution.lifeline.die_with`).

``os.fork`` is used directly rather than ``multiprocessing``, which refuses to start
children from daemonic processes such as Dask's workers. Lines the step prints arrive with
its outcome rather than live.

An executor that must stop its steps when the run is canceled passes an
:class:`IsolatedChildren`, which knows the children running and kills them all at once; a
killed child's step fails with :class:`~headwater.errors.WorkerLost`.

This is the one place Headwater forks a process that may have other threads (a thread
pool, a Dask worker's event loop). The child only runs the step and leaves with
``os._exit``; the locks it could inherit held are the ones a step would take in another
thread at that very moment (``logging``'s are re-created after a fork by Python itself).
"""

from __future__ import annotations

import os
import selectors
import signal
import threading
import time
from dataclasses import replace

import cloudpickle

from headwater.errors import StepError, StepTimeout, WorkerLost
from headwater.execution.lifeline import die_with
from headwater.execution.step import StepOutcome, StepRequest, run_step
from headwater.storage.base import ArtifactStore

__all__ = ["IsolatedChildren", "run_step_isolated"]


class IsolatedChildren:
    """The children an executor's isolated steps run in, so that they can all be stopped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pids: set[int] = set()
        self._stopped = False

    def add(self, pid: int) -> None:
        with self._lock:
            self._pids.add(pid)
            stopped = self._stopped
        if stopped:
            _kill(pid)

    def discard(self, pid: int) -> None:
        with self._lock:
            self._pids.discard(pid)

    def kill_all(self) -> None:
        """Kill every child running now, and every child started from now on."""
        with self._lock:
            self._stopped = True
            pids = list(self._pids)
        for pid in pids:
            _kill(pid)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_step_isolated(
    request: StepRequest, artifacts: ArtifactStore, timeout: float | None, children: IsolatedChildren | None = None
) -> StepOutcome:
    """Run ``request`` in a forked child, killing it after ``timeout`` seconds.

    Args:
        children: where the child is registered while it runs, to be stopped from outside.
    """
    started = time.time()
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: run the step, send the outcome, and leave without cleanup
        try:
            die_with(parent)  # the forking thread waits for the child, so it outlives it
            os.close(read_end)
            outcome = run_step(replace(request, keep_value=False), artifacts, sink=None)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(cloudpickle.dumps(outcome))
        finally:
            os._exit(0)
    os.close(write_end)
    if children is not None:
        children.add(pid)
    try:
        data, finished = _read_until(read_end, None if timeout is None else time.monotonic() + timeout)
    except BaseException:  # interrupted (Ctrl-C): the child must not run on
        _kill(pid)
        os.waitpid(pid, 0)
        if children is not None:
            children.discard(pid)
        raise
    finally:
        os.close(read_end)
    if not finished:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        if children is not None:
            children.discard(pid)
        message = f"step {request.node.key!r} ran past its timeout of {timeout:g}s and was stopped"
        return _failed(request, started, StepTimeout(message, step_key=request.node.key))
    _, status = os.waitpid(pid, 0)
    if children is not None:
        children.discard(pid)
    if data:
        try:
            return cloudpickle.loads(data)
        except Exception as exc:  # a child killed mid-write leaves a truncated message
            cut_off = WorkerLost(f"the outcome of step {request.node.key!r} was cut off: {exc}", step_key=request.node.key)
            return _failed(request, started, cut_off)
    return _failed(request, started, WorkerLost(_death_message(request, status), step_key=request.node.key))


def _read_until(fd: int, deadline: float | None) -> tuple[bytes, bool]:
    """Everything written to ``fd`` until it closes; ``finished`` is False if the deadline came first."""
    chunks: list[bytes] = []
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return b"".join(chunks), False
            if not selector.select(remaining):
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks), True
            chunks.append(chunk)


def _death_message(request: StepRequest, status: int) -> str:
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        return f"the process running step {request.node.key!r} died (killed by {name})"
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    return f"the process running step {request.node.key!r} exited with code {code} without a result"


def _failed(request: StepRequest, started: float, error: StepError) -> StepOutcome:
    return StepOutcome.failed(request.node.key, request.attempt, started, error)
