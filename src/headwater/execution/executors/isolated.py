"""Running one step in a forked child process, so that its timeout can be enforced.

A thread cannot be stopped from outside; a process can. A step with ``timeout=`` runs in a
child forked from the run's process (so its in-memory inputs are there without copying);
the child writes the output to the artifact store and sends back the outcome, which then
carries a reference instead of the value. Past its time the child is killed and the step
fails with :class:`~headwater.errors.StepTimeout`'s message; a child that dies on its own
(a segfault, the OOM killer) fails the step with the signal that killed it.

Lines the step prints arrive with its outcome rather than live.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from dataclasses import replace
from multiprocessing.connection import Connection

import cloudpickle

from headwater.execution.step import StepOutcome, StepRequest, run_step
from headwater.storage.base import ArtifactStore

__all__ = ["run_step_isolated"]


def run_step_isolated(request: StepRequest, artifacts: ArtifactStore, timeout: float | None) -> StepOutcome:
    """Run ``request`` in a forked child, killing it after ``timeout`` seconds."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child_request = replace(request, keep_value=False)
    started = time.time()
    child = context.Process(target=_child_main, args=(child_request, artifacts, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if receiver.poll(timeout):
            try:
                return cloudpickle.loads(receiver.recv_bytes())
            except EOFError:
                child.join()
                return _failed(request, started, _death_message(request, child.exitcode), "worker")
        child.kill()
        child.join()
        message = f"step {request.node.key!r} ran past its timeout of {timeout:g}s and was stopped"
        return _failed(request, started, f"StepTimeout: {message}", "timeout")
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()


def _child_main(request: StepRequest, artifacts: ArtifactStore, sender: Connection) -> None:
    outcome = run_step(request, artifacts, sink=None)
    sender.send_bytes(cloudpickle.dumps(outcome))
    sender.close()


def _death_message(request: StepRequest, exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        return f"WorkerLost: the process running step {request.node.key!r} died (killed by {name})"
    return f"WorkerLost: the process running step {request.node.key!r} exited with code {exitcode} without a result"


def _failed(request: StepRequest, started: float, error: str, kind: str) -> StepOutcome:
    return StepOutcome(
        step_key=request.node.key,
        attempt=request.attempt,
        ok=False,
        started_at=started,
        ended_at=time.time(),
        error=error,
        error_kind=kind,
    )
