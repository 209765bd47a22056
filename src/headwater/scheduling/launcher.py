"""Starting each run in a fresh process, forked from a warm parent: fast, and the code is new.

A run started with ``python -m headwater ...`` spends a few hundred milliseconds importing
Headwater, SQLAlchemy and the rest before its first step. The launcher pays that once: at
start it forks a *fork server*, a small single-threaded process that imports the engine and
the store (never the user's code) and then waits for requests on a pipe. For each claimed
run it forks a child, which opens its own store connection, loads the run's code location
from disk and runs it (:func:`~headwater.scheduling.launch.run_claimed`). So edited code is
always what runs, and a run starts in milliseconds.

Why a separate server and not a fork of the daemon itself: the daemon may run threads
(parts of the loop, database pools), and forking a process with threads can copy a lock
held by another thread. The server has one thread and no open connection when it forks.

Lifetimes:

* the server dies with the daemon (the parent-death signal), and also exits when the
  request pipe closes (the daemon stopped);
* a run's process starts a new session (``setsid``): a Ctrl-C meant for the daemon does not
  cancel the runs, and a run outlives a daemon that stops or dies: it finishes and records
  its end itself. Its heartbeat (or its absence) is how others know it is alive.

Requests, one a line: ``<run id> <claimer>``. The server keeps one run process forked
ahead, its connection open, and hands it the next request; it reaps its children as they exit.
"""

from __future__ import annotations

import os
import select
import signal
import sys
from typing import TYPE_CHECKING

from headwater.errors import RunNotFound
from headwater.execution.lifeline import set_parent_death_signal

if TYPE_CHECKING:
    from headwater.settings import Settings
    from headwater.storage.instance import Instance
    from headwater.storage.sql.store import SqlStore

__all__ = ["ForkLauncher"]

#: seconds a waiting run process trusts the connection it opened ahead
_FRESH_CONNECTION = 30.0


class ForkLauncher:
    """Launches claimed runs in processes forked from a warm fork server.

    Args:
        settings: the stores the runs are recorded in (the daemon's).

    Use as a context manager, or call :meth:`start` and :meth:`close`. Start it before the
    daemon opens threads of its own: the server is forked from the calling process.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pipe: int | None = None
        self._server: int | None = None

    def start(self) -> None:
        """Fork the fork server (it imports the engine in the background, in its own process)."""
        if self._server is not None:
            return
        read_end, write_end = os.pipe()
        owner = os.getpid()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        pid = os.fork()
        if pid == 0:  # the fork server
            code = 0
            try:
                os.close(write_end)
                # No watcher thread (die_with's): the server forks, and must have one thread.
                set_parent_death_signal()
                if os.getppid() != owner:
                    return
                _serve(read_end, self.settings)
            except BaseException:  # noqa: BLE001 -- say why, then leave without unwinding the parent's state
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        os.close(read_end)
        self._pipe, self._server = write_end, pid

    def launch(self, run_id: str, claimed_by: str) -> None:
        """Ask the server to start run ``run_id`` (claimed by ``claimed_by``) in a new process.

        Raises:
            RuntimeError: the launcher is not started, or its server is gone.
        """
        if self._pipe is None:
            raise RuntimeError("the launcher is not started")
        try:
            os.write(self._pipe, f"{run_id} {claimed_by}\n".encode())
        except BrokenPipeError:
            raise RuntimeError("the launcher's fork server is gone") from None

    @property
    def alive(self) -> bool:
        """Whether the fork server is still running."""
        if self._server is None:
            return False
        try:
            done, _ = os.waitpid(self._server, os.WNOHANG)
        except ChildProcessError:
            return False
        if done:
            self._server = None
            return False
        return True

    def close(self) -> None:
        """Stop the server (runs already started go on, in their own sessions)."""
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        if self._server is not None:
            try:
                os.waitpid(self._server, 0)
            except ChildProcessError:
                pass
            self._server = None

    def __enter__(self) -> ForkLauncher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve(requests: int, settings: Settings) -> None:
    """The fork server's loop: hand each request to a process forked ahead of it; reap the children.

    One run process is always forked ahead and waiting, its store connection open: a request
    goes to it at once (no fork, no connect on the way to the first step), and the next is
    forked while it runs. It has loaded no user code yet: it loads the run's when the
    request comes.
    """
    from headwater.scheduling.warm import preload, warm_store

    # The daemon's Ctrl-C and SIGTERM are for the daemon: it closes this pipe to stop us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    preload()
    store = warm_store(settings)
    pending = b""
    spare = _fork_spare(requests, settings, store)
    while True:
        _reap()
        ready, _, _ = select.select([requests], [], [], 0.5)
        if not ready:
            continue
        data = os.read(requests, 1 << 16)
        if not data:
            os.close(spare)  # the waiting process sees the end and exits
            return  # the daemon closed the pipe (or died)
        *lines, pending = (pending + data).split(b"\n")
        for line in lines:
            run_id, _, claimed_by = line.decode().partition(" ")
            if run_id and claimed_by:
                try:
                    os.write(spare, line + b"\n")
                except BrokenPipeError:  # the spare died: fork one for this run
                    os.close(spare)
                    spare = _fork_spare(requests, settings, store)
                    os.write(spare, line + b"\n")
                os.close(spare)
                spare = _fork_spare(requests, settings, store)


def _fork_spare(requests: int, settings: Settings, store: SqlStore) -> int:
    """Fork a run process that opens its connection and waits for its run; the pipe to it."""
    read_end, write_end = os.pipe()
    if os.fork() != 0:
        os.close(read_end)
        return write_end
    code = 1
    try:
        os.close(requests)
        os.close(write_end)
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        instance = _instance(settings, store)
        try:
            # the run's first statement, ahead: the pool keeps the connection it opened for
            # the run, and SQLite has read the schema
            store.get_run("")
        except RunNotFound:
            pass
        import time

        connected = time.monotonic()
        line = b""
        while not line.endswith(b"\n"):
            chunk = os.read(read_end, 1024)
            if not chunk:
                os._exit(0)  # the server stopped before a run came
            line += chunk
        run_id, _, claimed_by = line.decode().strip().partition(" ")
        if time.monotonic() - connected > _FRESH_CONNECTION:
            store.engine.dispose()  # long idle: a server may have dropped it; connect anew
        from headwater.scheduling.launch import run_claimed

        with instance:
            code = run_claimed(instance, run_id, claimed_by)
    except BaseException:  # noqa: BLE001 -- a run process must never return into the server's loop
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 -- nothing left to tell
                pass
        os._exit(code)


def _instance(settings: Settings, store: SqlStore) -> Instance:
    from headwater.storage.artifacts import FsspecArtifactStore
    from headwater.storage.instance import Instance

    return Instance(settings, store, FsspecArtifactStore(settings.artifacts_url))


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
