"""The messages a ``headwater`` client and its warm server exchange on their Unix socket.

Each message is a tuple of plain values (str, int, list, dict), sent as a 4-byte big-endian
length and its :mod:`marshal` bytes. ``marshal`` is built in (nothing to import) and both
ends run the same interpreter (its path and version are part of the server's key); the
server only reads messages from processes of its own user.

Client to server::

    ("run", key, argv, cwd, environ, umask, sys_path)   with the client's fds 0, 1, 2 attached
    ("signal", signum)                                 pass a signal on to the command

Server to client::

    ("started", pid)          the command runs in process ``pid`` (its own process group)
    ("exit", code)            it ended: an exit code, or minus the signal that killed it
    ("refused", why)          not run (headwater changed on disk, the key differs, ...):
                              the client runs the command itself
"""

from __future__ import annotations

import marshal
import socket

TYPE_CHECKING = False
if TYPE_CHECKING:  # not imported at run time: the client imports this module on every call
    from collections.abc import Sequence
    from typing import Any

__all__ = ["Frames", "MAX_MESSAGE", "pack", "send"]

#: the largest message accepted (an environment is a few kilobytes; this is a sanity bound)
MAX_MESSAGE = 16 << 20


def pack(message: tuple[Any, ...]) -> bytes:
    """``message`` framed: its length, then its marshal bytes."""
    body = marshal.dumps(message)
    return len(body).to_bytes(4, "big") + body


def send(sock: socket.socket, message: tuple[Any, ...], fds: Sequence[int] = ()) -> None:
    """Send ``message`` whole, with ``fds`` passed along (``SCM_RIGHTS``) when given."""
    data = pack(message)
    sent = socket.send_fds(sock, [data], list(fds)) if fds else 0
    if sent < len(data):
        sock.sendall(data[sent:])


class Frames:
    """Cuts a byte stream into messages: :meth:`feed` bytes, get the messages completed."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[tuple[Any, ...]]:
        """The messages that ``data`` completes, in order.

        Raises:
            ValueError: a frame longer than :data:`MAX_MESSAGE`, or one that is not a tuple.
        """
        self._buffer += data
        messages = []
        while len(self._buffer) >= 4:
            size = int.from_bytes(self._buffer[:4], "big")
            if size > MAX_MESSAGE:
                raise ValueError(f"a message of {size} bytes")
            if len(self._buffer) < 4 + size:
                break
            message = marshal.loads(self._buffer[4 : 4 + size])
            self._buffer = self._buffer[4 + size :]
            if not isinstance(message, tuple) or not message:
                raise ValueError("a message that is not a tuple")
            messages.append(message)
        return messages
