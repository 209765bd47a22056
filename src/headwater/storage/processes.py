"""Is a process still alive? What the stores ask to tell abandoned work from work in progress.

A run record and a temporary artifact file both name the process writing them; when that
process ran on this host and is gone, nothing will finish the work.
"""

from __future__ import annotations

import os

__all__ = ["process_alive"]


def process_alive(pid: int) -> bool:
    """True when a process with ``pid`` exists on this host (it may belong to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
