"""The ``headwater`` entry point: run the command in the warm server, else in this process.

The client imports the standard library only (``os``, ``sys``, ``socket``, ``signal``,
``marshal``, ``zlib``): it is the whole cost of a warm call, apart from the command itself.

1. When the server is off (:func:`~headwater.cli.warm.place.off_reason`), or its folder
   or socket cannot be trusted, the command runs here, as it always did.
2. When no server answers (no socket, or a stale one left by a killed server), the command
   runs here too, so a first call is never slower than one without the server, and a
   server is started in the background (its own session, output to its log file) for the
   next call.
3. Otherwise the client sends the command (argv, current folder, environment, umask,
   ``sys.path``, and its stdin, stdout and stderr themselves) and waits. It passes on the
   signals a terminal or a supervisor sends it (Ctrl-C, ``SIGTERM``, ``SIGHUP``,
   ``SIGQUIT``, and Ctrl-Z / ``fg``), and ends as the command ended: its exit code, or
   killed by the same signal. A server that refuses the command (its ``headwater`` changed
   on disk) makes the client run it here and start a fresh server.

Should the server die while the command runs, the command is stopped with it (it gets
``SIGHUP``, as from a closed terminal) and the client reports it and exits 1.
"""

from __future__ import annotations

import os
import signal
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # not imported at run time: this module runs on every call
    import socket

    from headwater.cli.warm.place import Place

__all__ = ["main", "why_here"]

#: seconds to wait for the server to start a command before running it here
START_TIMEOUT = 10.0
#: exit code when the server died while the command ran
EXIT_SERVER_LOST = 1
#: the signals passed on to the command
FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGTSTP", "SIGCONT")

#: commands that serve until stopped run in their own process: their start-up time does not
#: matter, and a served one would hold its server, stale or not, for as long as it runs
LONG_RUNNING = frozenset({"daemon", "scheduler", "ui", "dev"})

#: why this process runs the command itself, when it does (``headwater info`` shows it)
why_here: str | None = None


def main() -> None:
    """Run ``headwater`` with ``sys.argv``: through the warm server when one answers."""
    global why_here
    why_here = _through_server()  # returns only when the command must run here
    from headwater.cli.main import main as run_here

    run_here()


def _through_server() -> str:
    """Have the server run the command and exit as it did; or say why it runs here instead."""
    from headwater.cli.warm.place import Place, off_reason

    reason = off_reason(os.environ)
    if reason is not None:
        return reason
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if command in LONG_RUNNING:
        return f"not used: `headwater {command}` runs until stopped, in its own process"
    place = Place.find(os.environ)
    problem = place.prepare() or place.socket_problem()
    if problem is not None:
        return f"off ({problem})"
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(place.socket)
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        start_server(place)
        return "not running: this command ran in its own process, and started a server for the next"
    except OSError as exc:
        sock.close()
        return f"off (cannot connect to {place.socket}: {exc.strerror})"
    refused = _run_remotely(sock, place)
    sock.close()
    if refused.startswith("refused"):
        start_server(place)
    return refused


def _run_remotely(sock: socket.socket, place: Place) -> str:
    """Send the command, wait for its end and exit with it; or why it was not run."""
    import socket

    from headwater.cli.warm.place import peer_uid
    from headwater.cli.warm.wire import Frames, send

    uid = peer_uid(sock)
    if uid is not None and uid != os.getuid():
        return f"off (the server at {place.socket} runs as another user, uid {uid})"
    try:
        cwd = os.getcwd()
    except OSError as exc:
        return f"off (the current folder cannot be read: {exc.strerror})"
    umask = os.umask(0o022)
    os.umask(umask)
    ignored = [name for name in ("SIGINT", "SIGQUIT", "SIGHUP") if signal.getsignal(getattr(signal, name)) == signal.SIG_IGN]
    request = ("run", place.key, sys.argv, cwd, dict(os.environ), umask, sys.path, ignored)
    try:
        send(sock, request, fds=(0, 1, 2))
    except OSError as exc:
        return f"off (the command could not be sent: {exc.strerror or exc})"
    _forward_signals(sock, ignored)
    frames = Frames()
    sock.settimeout(START_TIMEOUT)
    started = False
    while True:
        try:
            data = sock.recv(1 << 16)
        except socket.timeout:
            sys.stderr.write(f"headwater: the CLI server did not answer in {START_TIMEOUT:.0f} s; running the command here\n")
            _restore_signals()
            return "not used: the server did not answer"
        except OSError:
            data = b""
        if not data:
            if not started:
                _restore_signals()
                return "not used: the server closed the connection before starting the command"
            _say_server_lost(place)
            os._exit(EXIT_SERVER_LOST)
        for message in frames.feed(data):
            if message[0] == "started":
                started = True
                sock.settimeout(None)
            elif message[0] == "exit":
                _exit_as(int(message[1]))
            elif message[0] == "refused":
                _restore_signals()
                return f"refused by the server: {message[1]}"


def _forward_signals(sock: socket.socket, ignored: list[str]) -> None:
    """Pass each forwarded signal to the command (through the server)."""
    from headwater.cli.warm.wire import send

    def forward(signum: int, frame: object) -> None:
        try:
            send(sock, ("signal", signum))
        except OSError:
            return
        if signum == signal.SIGTSTP:  # stop this process too, as Ctrl-Z would
            signal.signal(signal.SIGTSTP, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTSTP)
            signal.signal(signal.SIGTSTP, forward)

    for name in FORWARDED:
        if name not in ignored and hasattr(signal, name):
            signal.signal(getattr(signal, name), forward)


def _restore_signals() -> None:
    for name in FORWARDED:
        if hasattr(signal, name):
            signum = getattr(signal, name)
            signal.signal(signum, signal.default_int_handler if name == "SIGINT" else signal.SIG_DFL)


def _exit_as(code: int) -> None:
    """End this process as the command ended: its exit code, or the signal that killed it."""
    if code >= 0:
        os._exit(code)
    signum = -code
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)  # a signal that does not end a process by default


def _say_server_lost(place: Place) -> None:
    sys.stderr.write(
        "error: the headwater CLI server stopped while running this command; the command was stopped with it\n"
        f"  (its log: {place.log}; set HEADWATER_CLI_SERVER=0 to run commands without it)\n"
    )
    sys.stderr.flush()


def start_server(place: Place) -> None:
    """Start a server for ``place`` in the background: its own session, output to its log.

    A server that finds another already running for the same place exits at once.
    """
    if not sys.executable:
        return
    code = "from headwater.cli.warm.server import main; main()"
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, place.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    try:
        os.posix_spawn(sys.executable, [sys.executable, "-c", code], os.environ, file_actions=actions, setsid=True)
    except (OSError, NotImplementedError):
        pass  # no server this time: the next command tries again
