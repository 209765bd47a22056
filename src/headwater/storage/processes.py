"""Is a process still alive? What the stores ask to tell abandoned work from work in progress.

A run record and a temporary artifact file both name the process writing them; when that
process ran on this host and is gone, nothing will finish the work.
"""

from __future__ import annotations

import os

__all__ = ["process_alive"]


def process_alive(pid: int) -> bool:
    """True when a process with ``pid`` runs on this host (it may belong to another user).

    A zombie (a process that ended but was not yet waited for) is not alive: a run killed
    with its parent is re-parented to init, which may take its time to reap it.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether ``pid`` is a zombie; False where ``/proc`` cannot tell."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # "pid (command) state ...": the command may hold spaces and parentheses
            return stat.read().rpartition(b")")[2].split()[0] == b"Z"
    except (OSError, IndexError):
        return False
