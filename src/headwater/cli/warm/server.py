"""The warm CLI server: one process that has imported the CLI, and forks it per command.

Life of a server (one per user and installation, see :mod:`.place`):

1. A client that found none starts it (``python -c ...``, its own session, stdin from
   ``/dev/null``, output appended to its log file). It takes the place's lock file
   (``flock``); a second server started at the same time finds it taken and exits.
2. It imports Typer, Rich, the CLI and every command, the services, the engine and the
   stores (:func:`headwater.services.preload.preload`), never user code; no connection,
   file or thread stays open. Then it records the size and modification time of every
   file of ``headwater`` (and of the top-level libraries it imported), and listens on
   its socket (replacing the file a killed server left).
3. For each command: it checks the client's user id and key, and that no file of
   ``headwater`` changed since it started; else it refuses (the client runs the command
   itself), stops listening and exits once its running commands end, and the next
   command starts a fresh server. Then it forks a child (its own process group; see
   :mod:`.child`), tells the client the child's pid, passes on the signals the client
   forwards, and when the child ends sends its exit status.
4. When a client disappears (its socket closes) while its command runs, the command gets
   ``SIGINT``, as from Ctrl-C: a run is canceled and recorded so; ``SIGTERM`` follows
   after 10 s and ``SIGKILL`` after 20 s if it still runs.
5. It exits after ``HEADWATER_CLI_SERVER_IDLE`` seconds (600) without a command, on
   ``SIGTERM`` (once its commands end; a second ``SIGTERM``: at once), or when its socket
   file was removed; it removes its socket file when it is still its own.

Should the server die, its children get ``SIGHUP`` (the parent-death signal), as from a
closed terminal: a run under the supervisor is closed as failed, naming its step.

One thread, always: the server never runs anything but its loop, so a fork copies no
lock held by another thread.
"""

from __future__ import annotations

import contextlib
import gc
import os
import select
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from headwater.cli.warm.place import Place, idle_seconds, peer_uid
from headwater.cli.warm.wire import Frames, send

__all__ = ["Request", "main", "serve"]

#: seconds a client has to send its whole request
REQUEST_TIMEOUT = 5.0
#: after a client disappears: (seconds, signal to its command's process group)
ESCALATION = ((10.0, signal.SIGTERM), (20.0, signal.SIGKILL))
#: the signals a client may pass on; all but SIGTERM go to the command's process group,
#: as a terminal sends them (SIGTERM, like ``kill PID``, goes to the command's process)
FORWARDABLE = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGTSTP, signal.SIGCONT})
#: how often the server checks that its socket file is still its own
SOCKET_CHECK = 30.0
#: a log file larger than this is emptied when a server starts
LOG_LIMIT = 1 << 20
#: modules read from the environment when imported: imported in each command instead
_IMPORTED_PER_COMMAND = ("typer.rich_utils",)


@dataclass
class Request:
    """A command to run, as a client sent it, in the child forked for it."""

    argv: list[str]
    cwd: str
    environ: dict[str, str]
    umask: int
    path: list[str]
    ignored_signals: list[str]
    fds: list[int]
    connection: socket.socket
    server_pid: int
    place: Place


def main() -> None:
    """The server process's entry point; in a child forked for a command, run that command."""
    request = serve()
    if request is None:
        return
    from headwater.cli.main import main as run_command
    from headwater.cli.warm.child import become_client

    become_client(request)
    run_command()


def serve() -> Request | None:
    """Run the server until it exits (None); returns in a child forked for a command, with it."""
    _close_inherited_descriptors()
    os.chdir("/")
    sys.path[:] = [entry for entry in sys.path if entry not in ("", ".")]
    for signum in (signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)  # its own session: only an explicit signal stops it
    place = Place.find(os.environ)
    problem = place.prepare()
    if problem is not None:
        _log(f"not starting: {problem}")
        return None
    lock = _take_lock(place)
    if lock is None:
        return None
    _trim_log(place)
    started = time.monotonic()
    _log(f"starting (python {sys.version.split()[0]}, {sys.executable})")
    try:
        _preload(keep={lock})
    except Exception as exc:  # noqa: BLE001 -- say why in the log; the clients run commands themselves
        import traceback

        _log(f"preloading failed: {exc!r}\n{traceback.format_exc()}")
        return None
    sources = source_files()
    listener = _listen(place)
    _log(f"ready in {time.monotonic() - started:.2f} s on {place.socket}")
    server = _Server(place, listener, lock, sources, idle_seconds(os.environ))
    try:
        return server.run()
    except BaseException:
        if os.getpid() == server.pid:
            server.stop_listening("the server failed")
        raise


def _close_inherited_descriptors() -> None:
    """Close what the starting client inherited and passed on (a test's pipes, say)."""
    try:
        limit = os.sysconf("SC_OPEN_MAX")
    except (ValueError, OSError):
        limit = 1024
    os.closerange(3, limit)


def _take_lock(place: Place) -> int | None:
    """Hold the place's lock for this server's life; None when another server holds it."""
    import fcntl

    lock = os.open(place.lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(lock)
        return None
    os.ftruncate(lock, 0)
    os.write(lock, f"{os.getpid()}\n".encode())
    return lock


def _trim_log(place: Place) -> None:
    try:
        if os.path.getsize(place.log) > LOG_LIMIT:
            os.truncate(place.log, 0)
    except OSError:
        pass


def _preload(keep: set[int]) -> None:
    """Import what commands import; build every command; leave nothing open but ``keep``."""
    import importlib

    from headwater.cli.lazy import prebuild
    from headwater.cli.main import COMMANDS
    from headwater.services.preload import preload

    preload()
    prebuild(COMMANDS)
    for name in ("headwater.cli.warm.child", "headwater.cli.console", "rich.table", "rich.progress", "rich.markup"):
        importlib.import_module(name)
    for name in _IMPORTED_PER_COMMAND:
        if sys.modules.pop(name, None) is not None:
            parent, _, attribute = name.rpartition(".")
            if hasattr(sys.modules[parent], attribute):
                delattr(sys.modules[parent], attribute)
    open_files = [fd for fd in _descriptors() if fd > 2 and fd not in keep]
    if open_files:
        raise RuntimeError(f"preloading left files open: {', '.join(_describe_fd(fd) for fd in open_files)}")
    gc.collect()
    gc.freeze()  # the children share these pages: collections in them need not touch (copy) them


def _descriptors() -> list[int]:
    try:
        return sorted(int(name) for name in os.listdir("/proc/self/fd"))[:-1]  # the last: the listing's own
    except OSError:
        return []


def _describe_fd(fd: int) -> str:
    try:
        return f"{fd} ({os.readlink(f'/proc/self/fd/{fd}')})"
    except OSError:
        return str(fd)


def source_files() -> dict[str, tuple[int, int] | None]:
    """The size and modification time of each file whose change makes a server stale.

    Every ``.py`` file of the ``headwater`` package (a new one too), and the file of each
    top-level module imported (an upgraded library): path -> (mtime in ns, size).
    """
    import headwater

    package = os.path.dirname(os.path.abspath(headwater.__file__))
    found: dict[str, tuple[int, int] | None] = {}
    folders = [package]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        folders.append(entry.path)
                elif entry.name.endswith(".py"):
                    info = entry.stat()
                    found[entry.path] = (info.st_mtime_ns, info.st_size)
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if "." in name or not isinstance(path, str) or path in found:
            continue
        try:
            info = os.stat(path)
        except OSError:
            found[path] = None
        else:
            found[path] = (info.st_mtime_ns, info.st_size)
    return found


def _listen(place: Place) -> socket.socket:
    """Listen on the place's socket, replacing a file left there (we hold the lock).

    The socket is made under a temporary name and renamed over the old file once it
    listens, so a client finds either the old file or a server ready for it.
    """
    fresh = os.path.join(os.path.dirname(place.socket), f"{os.getpid()}.new")  # no longer than the name
    with contextlib.suppress(FileNotFoundError):
        os.unlink(fresh)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(fresh)
    os.chmod(fresh, 0o600)
    listener.listen(64)
    listener.setblocking(False)
    os.rename(fresh, place.socket)
    return listener


def _log(message: str) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    sys.stderr.write(f"{stamp} headwater CLI server {os.getpid()}: {message}\n")
    sys.stderr.flush()


@dataclass
class _Command:
    """A command running in a child, and the client waiting for it (None once gone)."""

    pid: int
    client: socket.socket | None
    frames: Frames = field(default_factory=Frames)
    #: (monotonic time, signal) still to send, after the client disappeared
    escalation: list[tuple[float, int]] = field(default_factory=list)


class _Server:
    """The loop of one server (see the module docstring)."""

    def __init__(self, place: Place, listener: socket.socket, lock: int, sources: dict[str, Any], idle: float) -> None:
        self.pid = os.getpid()
        self.place = place
        self.listener: socket.socket | None = listener
        self.inode = os.stat(place.socket).st_ino
        self.lock = lock
        self.sources = sources
        self.idle = idle
        self.commands: dict[int, _Command] = {}
        self.last_request = time.monotonic()
        self.last_socket_check = self.last_request
        self.stop_requested = 0
        self.wake_r, self.wake_w = os.pipe()
        for fd in (self.wake_r, self.wake_w):
            os.set_blocking(fd, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, signum: int, frame: object) -> None:
        self.stop_requested += 1
        if self.stop_requested > 1:
            self.stop_listening("stopped (a second SIGTERM)")
            os._exit(0)

    def run(self) -> Request | None:
        """The loop; returns None when the server is done, a Request in a forked child."""
        while True:
            if self.stop_requested:
                self.stop_listening("stopping (SIGTERM): exits when its commands end")
            if self.listener is None and not self.commands:
                _log("exiting")
                return None
            readable: list[int | socket.socket] = [self.wake_r]
            readable += [c.client for c in self.commands.values() if c.client is not None]
            if self.listener is not None:
                readable.append(self.listener)
            ready, _, _ = select.select(readable, [], [], self._timeout())
            now = time.monotonic()
            if self.wake_r in ready:
                _drain(self.wake_r)
            self._reap()
            for command in list(self.commands.values()):
                if command.client is not None and command.client in ready:
                    self._read_client(command, now)
            self._escalate(now)
            if self.listener is not None and self.listener in ready:
                request = self._accept()
                if request is not None:
                    return request
            self._check_idle(now)

    def _timeout(self) -> float:
        now = time.monotonic()
        deadlines = [self.last_socket_check + SOCKET_CHECK]
        if not self.commands:
            deadlines.append(self.last_request + self.idle)
        deadlines += [when for c in self.commands.values() for when, _ in c.escalation]
        return max(0.0, min(deadlines) - now) + 0.01

    def _check_idle(self, now: float) -> None:
        if self.listener is None:
            return
        if not self.commands and now - self.last_request >= self.idle:
            self.stop_listening(f"idle for {self.idle:.0f} s")
        elif now - self.last_socket_check >= SOCKET_CHECK:
            self.last_socket_check = now
            if not self._owns_socket_file():
                self.stop_listening(f"its socket file {self.place.socket} was removed or replaced")

    def _owns_socket_file(self) -> bool:
        try:
            return os.stat(self.place.socket).st_ino == self.inode
        except OSError:
            return False

    def stop_listening(self, reason: str) -> None:
        """Take no more commands: remove the socket file (when still ours), release the lock."""
        if self.listener is None:
            return
        _log(reason)
        if self._owns_socket_file():
            try:
                os.unlink(self.place.socket)
            except OSError:
                pass
        self.listener.close()
        self.listener = None
        os.close(self.lock)  # a new server may start while our commands finish

    # -- a request --------------------------------------------------------------------------

    def _accept(self) -> Request | None:
        assert self.listener is not None
        try:
            client, _ = self.listener.accept()
        except (BlockingIOError, InterruptedError):
            return None
        self.last_request = time.monotonic()
        fds: list[int] = []
        try:
            client.settimeout(REQUEST_TIMEOUT)
            uid = peer_uid(client)
            if uid is not None and uid != os.getuid():
                _log(f"refused a client of another user (uid {uid})")
                client.close()
                return None
            message, fds, later = _read_request(client)
            refusal = self._refusal(message, fds)
            if refusal is not None:
                send(client, ("refused", refusal))
                _close_all(fds)
                client.close()
                if refusal.startswith("headwater changed"):
                    self.stop_listening(f"stale: {refusal}")
                return None
        except (OSError, ValueError, EOFError) as exc:
            _log(f"a request failed: {exc!r}")
            _close_all(fds)
            client.close()
            return None
        return self._fork(client, message, fds, later)

    def _refusal(self, message: tuple[Any, ...], fds: list[int]) -> str | None:
        if message[0] != "run" or len(message) != 8:
            return "not a request this server understands"
        if message[1] != self.place.key:
            return "this server serves another installation"
        if len(fds) != 3:
            return "the request did not pass stdin, stdout and stderr"
        changed = self._changed_source()
        if changed is not None:
            return f"headwater changed on disk since the server started ({changed})"
        return None

    def _changed_source(self) -> str | None:
        now = source_files()
        for path in self.sources.keys() | now.keys():
            if self.sources.get(path) != now.get(path):
                return path
        return None

    def _fork(self, client: socket.socket, message: tuple[Any, ...], fds: list[int], later: list[tuple[Any, ...]]) -> Request | None:
        _, _, argv, cwd, environ, umask, path, ignored = message
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        pid = os.fork()
        if pid == 0:
            try:
                return self._in_child(Request(argv, cwd, environ, umask, path, ignored, fds, client, self.pid, self.place))
            except BaseException:  # noqa: BLE001 -- never return into the server's loop from a child
                os._exit(70)
        try:
            os.setpgid(pid, pid)  # also done in the child: whichever runs first
        except OSError:
            pass
        _close_all(fds)
        command = _Command(pid, client)
        self.commands[pid] = command
        try:
            client.setblocking(False)
            send(client, ("started", pid))
        except OSError:
            pass
        for signal_message in later:
            self._on_message(command, signal_message)
        return None

    def _in_child(self, request: Request) -> Request:
        """Drop the server's state in a forked child: its sockets, lock, pipes and handlers."""
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.close(self.wake_r)
        os.close(self.wake_w)
        if self.listener is not None:
            self.listener.close()
            os.close(self.lock)
        for command in self.commands.values():
            if command.client is not None:
                command.client.close()
        request.connection.settimeout(None)
        return request

    # -- running commands -------------------------------------------------------------------

    def _read_client(self, command: _Command, now: float) -> None:
        assert command.client is not None
        try:
            data = command.client.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._client_gone(command, now)
            return
        try:
            messages = command.frames.feed(data)
        except ValueError as exc:
            _log(f"a client of command {command.pid} sent garbage: {exc}")
            self._client_gone(command, now)
            return
        for message in messages:
            self._on_message(command, message)

    def _on_message(self, command: _Command, message: tuple[Any, ...]) -> None:
        if message[0] == "signal" and len(message) == 2 and message[1] in FORWARDABLE:
            _signal(command.pid, int(message[1]))

    def _client_gone(self, command: _Command, now: float) -> None:
        """The client of a running command disappeared: interrupt the command, as Ctrl-C would."""
        assert command.client is not None
        command.client.close()
        command.client = None
        _log(f"the client of command {command.pid} is gone: interrupting it")
        _signal(command.pid, signal.SIGINT)
        command.escalation = [(now + delay, signum) for delay, signum in ESCALATION]

    def _escalate(self, now: float) -> None:
        for command in self.commands.values():
            while command.escalation and command.escalation[0][0] <= now:
                _, signum = command.escalation.pop(0)
                _log(f"command {command.pid} still runs: {signal.Signals(signum).name}")
                _signal(command.pid, signum, group=True)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            command = self.commands.pop(pid, None)
            if command is None or command.client is None:
                continue
            try:
                command.client.setblocking(True)
                command.client.settimeout(1.0)
                send(command.client, ("exit", os.waitstatus_to_exitcode(status)))
            except OSError:
                pass
            command.client.close()


def _read_request(client: socket.socket) -> tuple[tuple[Any, ...], list[int], list[tuple[Any, ...]]]:
    """The request, the descriptors passed with it, and the messages that followed it."""
    frames = Frames()
    data, fds, flags, _ = socket.recv_fds(client, 1 << 16, 3)
    if flags & getattr(socket, "MSG_CTRUNC", 0):
        _close_all(fds)
        raise ValueError("the descriptors passed were cut short")
    messages = frames.feed(data)
    while not messages:
        data = client.recv(1 << 16)
        if not data:
            _close_all(fds)
            raise EOFError("the client closed before its request was whole")
        messages = frames.feed(data)
    return messages[0], list(fds), messages[1:]


def _signal(pid: int, signum: int, *, group: bool | None = None) -> None:
    """Send ``signum`` to the command's process group (its process alone for SIGTERM)."""
    try:
        if group is None:
            group = signum != signal.SIGTERM
        if group:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except (BlockingIOError, InterruptedError):
        pass
