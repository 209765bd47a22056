"""Finding and stopping warm CLI servers (for ``headwater info``, scripts and tests).

A server holds an exclusive ``flock`` on its place's ``.lock`` file for as long as it
takes commands, and has written its pid there: a lock file nobody holds is a server gone.
"""

from __future__ import annotations

import fcntl
import glob
import os
import signal
import time

from headwater.cli.warm.place import Place

__all__ = ["running_server", "running_servers", "stop_servers"]


def running_server(place: Place) -> int | None:
    """The pid of the server taking commands for ``place``, or None when there is none."""
    return _holder(place.lock)


def running_servers(folder: str) -> list[int]:
    """The pids of the servers taking commands whose files are in ``folder``."""
    return [pid for lock in sorted(glob.glob(os.path.join(folder, "*.lock"))) if (pid := _holder(lock)) is not None]


def stop_servers(folder: str, *, timeout: float = 10.0) -> list[int]:
    """Stop every server whose files are in ``folder``; the pids of those that were running.

    Each gets ``SIGTERM`` (it exits once its running commands end); one still running
    after ``timeout`` seconds is killed.
    """
    pids = running_servers(folder)
    for pid in pids:
        _kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for pid in pids:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _alive(pid):
            _kill(pid, signal.SIGKILL)
    return pids


def _holder(lock: str) -> int | None:
    """The pid written in ``lock`` when a process holds it, else None."""
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 64).decode(errors="replace").strip()
            return int(text) if text.isdigit() else None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    from headwater.storage.processes import process_alive

    return process_alive(pid)


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
