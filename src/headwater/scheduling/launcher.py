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
ahead, its connection open (and, when runs keep coming from one code location, that
location loaded while it waits: :mod:`headwater.scheduling.ahead` says when that code may
run), and hands it the next request; it reaps its children as they exit.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from headwater.errors import RunNotFound
from headwater.execution.lifeline import set_parent_death_signal
from headwater.scheduling.ahead import FRESH, LoadedAhead, StaleCode
from headwater.scheduling.launch import load_launch_location, run_claimed

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.settings import Settings
    from headwater.storage.instance import Instance
    from headwater.storage.sql.store import SqlStore

__all__ = ["ForkLauncher"]

#: seconds a waiting run process trusts the connection it opened ahead
_FRESH_CONNECTION = 30.0
#: seconds a process forked ahead waits before it loads code ahead, unless its run comes first
_SETTLE = 0.1


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
    forked while it runs. When runs keep coming from one code location, the process forked
    ahead loads it while it waits (:mod:`headwater.scheduling.ahead`); one whose code may not
    run the run it is handed (another location, edited code) hands it back, and a clean
    process runs it.
    """
    from headwater.scheduling.warm import preload, warm_store

    # The daemon's Ctrl-C and SIGTERM are for the daemon: it closes this pipe to stop us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    preload()
    server = _Server(requests, settings, warm_store(settings))
    while server.serve_once():
        pass


class _Server:
    """The fork server's state: the process forked ahead, and the location it loads ahead.

    Messages from the run processes come on one pipe, a line each: ``ran <location JSON>``
    (a run of that location is starting) and ``back <run id> <claimer>`` (the code loaded
    ahead may not run it: start it in a clean process). A process forked ahead loads the
    location of the last two runs when they had the same one, and is replaced by a clean
    one when its code has waited :data:`~headwater.scheduling.ahead.FRESH` seconds.
    """

    def __init__(self, requests: int, settings: Settings, store: SqlStore) -> None:
        self.requests, self.settings, self.store = requests, settings, store
        self.messages, self.reply = os.pipe()
        self.pending = {requests: b"", self.messages: b""}
        #: the location the process forked ahead loads (the last two runs'), as JSON
        self.ahead: str | None = None
        self.last_ran: str | None = None
        self.spare = self.fork(self.ahead)
        self.spare_loads: str | None = None
        self.spare_born = time.monotonic()

    def fork(self, ahead: str | None) -> int:
        return _fork_spare(self.requests, self.messages, self.reply, self.settings, self.store, ahead)

    def replace_spare(self, ahead: str | None) -> None:
        os.close(self.spare)  # an idle spare sees the end and exits
        self.spare, self.spare_loads, self.spare_born = self.fork(ahead), ahead, time.monotonic()

    def serve_once(self) -> bool:
        """Wait for requests and messages (at most half a second) and act on them; False once the daemon is gone."""
        _reap()
        timeout = 0.5
        if self.spare_loads is not None:  # its code goes stale: replace it with a clean one then
            timeout = min(timeout, max(self.spare_born + FRESH - time.monotonic(), 0.0))
        ready, _, _ = select.select([self.requests, self.messages], [], [], timeout)
        if self.spare_loads is not None and time.monotonic() - self.spare_born > FRESH:
            self.replace_spare(None)
        for source in ready:
            data = os.read(source, 1 << 16)
            if not data and source == self.requests:
                os.close(self.spare)  # the waiting process sees the end and exits
                return False  # the daemon closed the pipe (or died)
            *lines, self.pending[source] = (self.pending[source] + data).split(b"\n")
            for line in lines:
                if source == self.requests:
                    self.hand_over(line)
                else:
                    self.message(line)
        return True

    def hand_over(self, line: bytes) -> None:
        run_id, _, claimed_by = line.decode().partition(" ")
        if not (run_id and claimed_by):
            return
        try:
            os.write(self.spare, line + b"\n")
        except BrokenPipeError:  # the spare died: fork one for this run
            os.close(self.spare)
            self.spare = self.fork(None)
            os.write(self.spare, line + b"\n")
        os.close(self.spare)
        self.spare, self.spare_loads, self.spare_born = self.fork(self.ahead), self.ahead, time.monotonic()

    def message(self, line: bytes) -> None:
        kind, _, rest = line.decode().partition(" ")
        if kind == "ran":
            # Load ahead only what ran twice in a row: runs alternating between locations
            # (a folder of DAG files) would each find the other's code loaded.
            ahead = rest if rest == self.last_ran else None
            self.last_ran = rest
            if ahead != self.ahead:
                self.ahead = ahead
                if self.spare_loads != ahead:
                    self.replace_spare(ahead)
        elif kind == "back":
            clean = self.fork(None)
            os.write(clean, rest.encode() + b"\n")
            os.close(clean)


def _fork_spare(
    requests: int, messages: int, reply: int, settings: Settings, store: SqlStore, ahead: str | None
) -> int:
    """Fork a run process that opens its connection (loads ``ahead``) and waits for its run; the pipe to it."""
    read_end, write_end = os.pipe()
    if os.fork() != 0:
        os.close(read_end)
        return write_end
    code = 1
    try:
        os.close(requests)
        os.close(messages)
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
        connected = time.monotonic()
        # Load code ahead only once the run started just before has had the machine to itself
        # for a moment, and not at all when a run is already waiting.
        waiting, _, _ = select.select([read_end], [], [], _SETTLE if ahead is not None else 0)
        loaded = LoadedAhead.load(json.loads(ahead)) if ahead is not None and not waiting else None
        line = b""
        while not line.endswith(b"\n"):
            chunk = os.read(read_end, 1024)
            if not chunk:
                os._exit(0)  # the server stopped before a run came
            line += chunk
        run_id, _, claimed_by = line.decode().strip().partition(" ")
        if time.monotonic() - connected > _FRESH_CONNECTION:
            store.engine.dispose()  # long idle: a server may have dropped it; connect anew
        with instance:
            code = run_claimed(instance, run_id, claimed_by, load=_loader(reply, loaded))
    except StaleCode:
        os.write(reply, f"back {run_id} {claimed_by}\n".encode())
        code = 0
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


def _loader(reply: int, loaded: LoadedAhead | None) -> Callable[[dict[str, Any]], CodeLocation]:
    """What loads the run's code: the location loaded ahead, else from disk; tells the server which it was."""

    def load(launch: dict[str, Any]) -> CodeLocation:
        where = launch.get("location") or {}
        os.write(reply, b"ran " + json.dumps(where, sort_keys=True).encode() + b"\n")
        if loaded is not None:
            return loaded.location_for(launch)
        return load_launch_location(launch)

    return load


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
