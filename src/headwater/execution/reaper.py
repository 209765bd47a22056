"""Closing the records of runs whose process died.

A run's record names the process driving it (pid and host). When that process is killed
outright (SIGKILL, a power cut) nothing can write the run's end, so the record would claim
it is still going forever. ``reap_dead_runs`` finds such runs on this host and marks them
failed with the reason. It runs when a new run starts and
when runs are listed.
"""

from __future__ import annotations

import os
import socket
import time

from headwater.storage.base import RunStore
from headwater.storage.records import RunStatus

__all__ = ["reap_dead_runs"]


def reap_dead_runs(store: RunStore) -> list[str]:
    """Mark failed the started runs of this host whose process is gone; returns their ids."""
    host = socket.gethostname()
    reaped = []
    for run in store.list_runs(limit=100, status=RunStatus.STARTED):
        if run.hostname != host or run.pid is None or run.pid == os.getpid() or _alive(run.pid):
            continue
        error = f"the process running it (pid {run.pid}) died before the run ended"
        store.update_run(run.run_id, status=RunStatus.FAILURE, ended_at=time.time(), error=error)
        reaped.append(run.run_id)
    return reaped


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
