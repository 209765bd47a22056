"""The worker side of the process pool: apply each run's setup, then run its steps.

A worker reads two kinds of message from its pipe (see
:mod:`headwater.execution.executors.worker_pool`): ``S`` + a run's setup, before its first
step of that run, and ``T`` + a step; an empty message stops it. It answers each with
``("started",)`` before acting on it, so that the pool knows, should the worker die, whether
the step had begun (the setup imports the run's code: part of the step's start). Applying a setup puts the
run's environment, ``sys.path`` and working directory in place, drops the project modules
that may be stale (:class:`~headwater.execution.executors.fresh_code.UserCode`) and imports
the run's code location; an import that fails fails every step of that run given to this
worker, with the reason.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import sys
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import cloudpickle

from headwater.execution.capture import capture_output
from headwater.execution.executors.fresh_code import UserCode
from headwater.execution.lifeline import die_with, set_deadline
from headwater.execution.step import run_step

__all__ = ["import_location", "location_folder_first", "worker_main"]

#: how long past its step's deadline a worker waits to be stopped before it stops itself
_DEADLINE_GRACE_S = 2.0


def worker_main(conn: Connection, owner: int) -> None:
    """A worker process: apply run setups and run steps until told to stop.

    A pool that closes its end of the pipe (its run canceled or ended while this worker,
    a replacement, was starting) has nobody waiting for this worker: it ends quietly.
    """
    try:
        _serve(conn, owner)
    except (BrokenPipeError, ConnectionResetError):
        return


def _serve(conn: Connection, owner: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    die_with(owner, watch=True)  # a worker never outlives its pool, nor writes for a run that is gone
    code = UserCode()
    conn.send(("ready",))

    def sink(stream: str, text: str, level: str | None) -> None:
        conn.send(("log", stream, text, level))

    artifacts: Any = None
    init_error: str | None = None
    with capture_output():
        while True:
            try:
                message = conn.recv_bytes()
            except (EOFError, OSError):
                return
            if not message:
                return
            conn.send(("started",))
            if message[:1] == b"S":
                artifacts, init_error = _apply_setup(message[1:], code)
                continue
            if init_error is not None:
                conn.send(("error", init_error))
                continue
            try:
                request = cloudpickle.loads(message[1:])
            except Exception as exc:
                conn.send(("error", f"worker process {os.getpid()} cannot load the step: {type(exc).__name__}: {exc}"))
                continue
            started = time.time()
            timeout = request.node.options.timeout
            # A backstop: the pool kills a worker at its step's deadline; should it fail to,
            # the worker ends itself a little later.
            set_deadline(None if timeout is None else time.monotonic() + timeout + _DEADLINE_GRACE_S)
            outcome = run_step(request, artifacts, sink)
            set_deadline(None)
            code.stamp_new(since=started)
            try:
                data = cloudpickle.dumps(outcome)
            except Exception as exc:
                conn.send(("error", f"the outcome of {request.node.key!r} cannot be sent back: {type(exc).__name__}: {exc}"))
                continue
            conn.send(("done", data))


def _apply_setup(payload: bytes, code: UserCode) -> tuple[Any, str | None]:
    """Make this worker ready for a run's steps; its artifact store, and the error text if its code fails to import."""
    try:
        artifacts, file, module, environ, path, cwd = cloudpickle.loads(payload)
    except Exception as exc:  # noqa: BLE001 -- reported on every step of the run
        return None, f"worker process {os.getpid()} cannot read the run's setup: {type(exc).__name__}: {exc}"
    os.environ.clear()
    os.environ.update(environ)
    sys.path[:] = path
    location_folder_first(file)
    try:
        os.chdir(cwd)
    except OSError:
        pass  # the run's folder is gone: imports by absolute path still work
    code.begin_run((file, module, tuple(path)))
    error = import_location(file, module)
    code.stamp_new()
    return artifacts, error


def location_folder_first(file: str | None) -> None:
    """Put the folder of a code location file first on ``sys.path``, as running it as a script does.

    Loading the file put it there in the run's process too, unless an earlier location had
    (a long-lived process may have loaded several): its sibling modules must win.
    """
    if file is None:
        return
    folder = str(Path(file).expanduser().resolve().parent)
    if sys.path[:1] != [folder]:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
        sys.path.insert(0, folder)


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
