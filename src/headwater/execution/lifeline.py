"""Processes that die with the process they work for.

A worker process (the process pool's, the child that runs a step with a timeout, the run
under the CLI's supervisor) is of no use once the process waiting for its result is gone:
the result has nowhere to go, and a step that goes on writing artifacts for a dead run
only wastes memory and disk. So every such process calls :func:`die_with` first thing,
naming the process it works for (its *owner*). Two guards, because neither alone is enough:

* Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``. The kernel kills the process the moment its
  parent exits, however the parent died (``kill -9`` included), in the middle of whatever
  it was doing: an artifact write is cut short before its rename, so nothing is stored.
* Every platform: a daemon thread that checks, every ``poll`` seconds, whether the parent
  changed (the children of a dead process are handed to init or a subreaper) or the owner
  is gone, and then ends the process with ``os._exit``. A worker started by a fork server
  has the server as parent; the server exits when the owner does, which the thread sees.

The same thread enforces a deadline set with :func:`set_deadline`, a backstop for the
timeout that the owner enforces by killing the process.

Example::

    owner = os.getpid()
    if os.fork() == 0:
        die_with(owner)
        ...  # work for ``owner``; never outlives it
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from headwater.storage.processes import process_alive

__all__ = [
    "EXIT_DEADLINE",
    "EXIT_ORPHANED",
    "describe_exit",
    "die_with",
    "set_deadline",
    "set_parent_death_signal",
]

#: the exit code of a process that ended itself because its owner was gone
EXIT_ORPHANED = 70
#: the exit code of a process that ended itself past the deadline of its step
EXIT_DEADLINE = 124

_PR_SET_PDEATHSIG = 1
_deadline: float | None = None


def set_parent_death_signal(signum: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``signum`` to this process when its parent exits (Linux only).

    The signal follows the thread that forked this process: fork from a thread that lives
    as long as the child (the main thread, or one waiting for the child).

    Returns:
        Whether the kernel accepted it (False on other platforms).
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with(owner: int, *, watch: bool | None = None, poll: float = 0.2) -> None:
    """End this process when ``owner`` (the process it works for) ends.

    Args:
        owner: the pid of the process this one works for: its parent, or the process that
            asked a fork server to start it.
        watch: start the watching thread (needed for :func:`set_deadline`). By default only
            where the kernel's signal is not enough: on other platforms, or when the
            owner is not the parent.
        poll: how often the watching thread looks, in seconds.
    """
    signalled = set_parent_death_signal()
    parent = os.getppid()
    # The owner may have died before the death signal was asked for: then no signal comes.
    if parent != owner and not process_alive(owner):
        os._exit(EXIT_ORPHANED)
    if watch is None:
        watch = not signalled or parent != owner
    if watch:
        thread = threading.Thread(target=_watch, args=(owner, parent, poll), name="headwater-lifeline", daemon=True)
        thread.start()


def set_deadline(deadline: float | None) -> None:
    """End this process at ``deadline`` (``time.monotonic()``), or never when None.

    Only a process that called :func:`die_with` watches its deadline.
    """
    global _deadline
    _deadline = deadline


def _watch(owner: int, parent: int, poll: float) -> None:
    while True:
        time.sleep(poll)
        if os.getppid() != parent or not process_alive(owner):
            os._exit(EXIT_ORPHANED)
        deadline = _deadline
        if deadline is not None and time.monotonic() >= deadline:
            os._exit(EXIT_DEADLINE)


def describe_exit(exitcode: int | None) -> str:
    """``killed by SIGKILL`` for a negative exit code, ``exited with code 3`` otherwise."""
    if exitcode is None:
        return "exit status unknown"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = {
            "SIGKILL": ": out of memory, or killed from outside",
            "SIGSEGV": ": a crash in native code",
            "SIGBUS": ": a crash in native code",
            "SIGABRT": ": aborted by native code",
        }.get(name, "")
        return f"killed by {name}{hint}"
    return f"exited with code {exitcode}"
