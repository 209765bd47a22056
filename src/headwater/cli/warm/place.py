"""Where a warm CLI server lives, whether it is on, and whether a client may trust it.

One server serves one user and one installation: its socket is named by a hash of
everything that makes two ``headwater`` commands import different code (the interpreter
and its version, where ``headwater`` is installed and its version, ``PYTHON*`` variables
such as ``PYTHONPATH``, and the locale variables that decide how Python encodes its
streams). So two virtual environments never share a server.

The folder holding the sockets, first that applies:

1. ``HEADWATER_CLI_SERVER_DIR``;
2. ``$XDG_RUNTIME_DIR/headwater-cli``;
3. ``~/.cache/headwater/cli``.

It is created with mode ``0700``; a folder that is not a directory owned by this user
with no access for group or others is not used (the command then runs in its own process,
and ``headwater info`` says why). A socket file not owned by this user is refused too, and
the server checks each client's user id (``SO_PEERCRED``).

The server is on by default; ``HEADWATER_CLI_SERVER=0`` (or ``off``, ``false``, ``no``)
turns it off;
``HEADWATER_CLI_SERVER_IDLE`` is how long an idle server waits before it exits
(seconds, default 600).

This module is imported by the client on every call: the standard library only, and
nothing that takes long to import (no ``dataclasses``, ``typing`` or ``hashlib``).
"""

from __future__ import annotations

import os
import stat
import sys
import zlib

__all__ = [
    "DEFAULT_IDLE_SECONDS",
    "FOLDER_ENV",
    "IDLE_ENV",
    "SWITCH_ENV",
    "Place",
    "default_folder",
    "idle_seconds",
    "off_reason",
    "peer_uid",
    "private_folder_problem",
    "server_key",
]

SWITCH_ENV = "HEADWATER_CLI_SERVER"
FOLDER_ENV = "HEADWATER_CLI_SERVER_DIR"
IDLE_ENV = "HEADWATER_CLI_SERVER_IDLE"
#: seconds an idle server waits for a command before it exits
DEFAULT_IDLE_SECONDS = 600.0
#: whether the server is used when ``HEADWATER_CLI_SERVER`` is not set
ON_BY_DEFAULT = True
#: the longest socket path every platform accepts (``sun_path`` is 104 bytes on macOS)
_MAX_SOCKET_PATH = 100
_OFF = {"0", "off", "false", "no"}
_ON = {"1", "on", "true", "yes"}


def off_reason(env: dict[str, str] | os._Environ[str]) -> str | None:
    """Why a command runs without the server here, or None when it may use one."""
    value = env.get(SWITCH_ENV, "").strip().lower()
    if value in _OFF:
        return f"off ({SWITCH_ENV}={env[SWITCH_ENV]})"
    if value not in _ON and not ON_BY_DEFAULT:
        return f"off (set {SWITCH_ENV}=1 to use it)"
    if not hasattr(os, "fork") or not hasattr(os, "register_at_fork") or sys.platform == "win32":
        return "off (this platform has no fork)"
    if not _plain_interpreter():
        return "off (the interpreter was started with options: the command runs in its own process)"
    return None


def idle_seconds(env: dict[str, str] | os._Environ[str]) -> float:
    """``HEADWATER_CLI_SERVER_IDLE`` in seconds (the default when unset or not a positive number)."""
    try:
        value = float(env.get(IDLE_ENV, ""))
    except ValueError:
        return DEFAULT_IDLE_SECONDS
    return value if value > 0 else DEFAULT_IDLE_SECONDS


def _plain_interpreter() -> bool:
    """Whether Python runs ``headwater`` with no options of its own (``-X importtime``, ``-W``...).

    Such options change what a process does, and the server was not started with them.
    """
    argv = getattr(sys, "orig_argv", [])
    return len(argv) > 1 and (argv[1] == "-m" or not argv[1].startswith("-"))


def server_key(env: dict[str, str] | os._Environ[str]) -> str:
    """Everything that must be equal for a server to run a client's command as it would itself."""
    import headwater

    package = os.path.dirname(os.path.abspath(headwater.__file__))
    version = getattr(headwater, "__version__", "?")
    variables = sorted(
        (name, value) for name, value in env.items()
        if name.startswith("PYTHON") or name in ("LC_ALL", "LC_CTYPE", "LANG")
    )
    parts = [sys.executable, sys.version, package, version, *(f"{name}={value}" for name, value in variables)]
    return "\0".join(parts)


class Place:
    """The files of the server for one key: its socket, lock and log, in a private folder.

    Args:
        folder: the private folder.
        key: :func:`server_key`'s answer; its hash names the files.
    """

    __slots__ = ("folder", "key", "socket", "lock", "log")

    def __init__(self, folder: str, key: str) -> None:
        data = key.encode("utf-8", "surrogateescape")
        name = f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"
        self.folder = folder
        self.key = key
        self.socket = os.path.join(folder, f"{name}.sock")
        self.lock = os.path.join(folder, f"{name}.lock")
        self.log = os.path.join(folder, f"{name}.log")

    @classmethod
    def find(cls, env: dict[str, str] | os._Environ[str]) -> Place:
        """The place of this installation's server (the folder may not exist yet)."""
        return cls(default_folder(env), server_key(env))

    def prepare(self) -> str | None:
        """Create the folder (mode 0700) if needed; why it cannot be used, or None when it can."""
        try:
            os.makedirs(self.folder, mode=0o700, exist_ok=True)
        except OSError as exc:
            return f"cannot create {self.folder}: {exc.strerror}"
        problem = private_folder_problem(self.folder)
        if problem is None and len(self.socket.encode()) > _MAX_SOCKET_PATH:
            return f"the socket path {self.socket} is too long for a Unix socket"
        return problem

    def socket_problem(self) -> str | None:
        """Why the socket file may not be trusted (not a socket, another user's), or None."""
        try:
            info = os.lstat(self.socket)
        except FileNotFoundError:
            return None
        if not stat.S_ISSOCK(info.st_mode):
            return f"{self.socket} is not a socket"
        if info.st_uid != os.getuid():
            return f"{self.socket} belongs to another user (uid {info.st_uid})"
        return None


def default_folder(env: dict[str, str] | os._Environ[str]) -> str:
    """The folder of the sockets: ``HEADWATER_CLI_SERVER_DIR``, the runtime folder, or the cache."""
    if env.get(FOLDER_ENV):
        return os.path.abspath(os.path.expanduser(env[FOLDER_ENV]))
    if env.get("XDG_RUNTIME_DIR"):
        return os.path.join(env["XDG_RUNTIME_DIR"], "headwater-cli")
    return os.path.join(os.path.expanduser("~"), ".cache", "headwater", "cli")


def private_folder_problem(folder: str) -> str | None:
    """Why ``folder`` is not private to this user (a link, another owner, open to others), or None."""
    try:
        info = os.lstat(folder)
    except OSError as exc:
        return f"cannot read {folder}: {exc.strerror}"
    if not stat.S_ISDIR(info.st_mode):
        return f"{folder} is not a folder"
    if info.st_uid != os.getuid():
        return f"{folder} belongs to another user (uid {info.st_uid})"
    if info.st_mode & 0o077:
        return f"{folder} is open to other users (mode {stat.S_IMODE(info.st_mode):04o}; it must be 0700)"
    return None


def peer_uid(sock: object) -> int | None:
    """The user id of the process at the other end of a Unix socket, where the platform tells."""
    import socket

    option = getattr(socket, "SO_PEERCRED", None)
    if option is None or not isinstance(sock, socket.socket):
        return None
    data = sock.getsockopt(socket.SOL_SOCKET, option, 12)  # struct ucred: pid, uid, gid
    return int.from_bytes(data[4:8], sys.byteorder)
