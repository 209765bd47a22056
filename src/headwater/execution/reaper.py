"""Closing the records of runs whose process died.

A run's record names the process driving it (pid and host). When that process is killed
outright (SIGKILL, a power cut) nothing can write the run's end, so the record would claim
it is still going forever. ``reap_dead_runs`` finds such runs on this host and marks them
failed with the reason, and their unfinished steps too. It runs when a new run starts and
when runs are listed.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Protocol

from headwater.storage.records import Run, RunStatus, StepRecord, StepStatus

__all__ = ["reap_dead_runs"]


class _Store(Protocol):
    def list_runs(self, *, limit: int = 50, before: str | None = None, status: RunStatus | None = None) -> list[Run]: ...
    def get_steps(self, run_id: str) -> list[StepRecord]: ...
    def upsert_steps(self, steps: list[StepRecord]) -> None: ...
    def update_run(self, run_id: str, *, status: RunStatus, started_at: float | None = None,
                   ended_at: float | None = None, error: str | None = None) -> None: ...


def reap_dead_runs(store: _Store) -> list[str]:
    """Mark failed the started runs of this host whose process is gone; returns their ids."""
    host = socket.gethostname()
    reaped = []
    for run in store.list_runs(limit=100, status=RunStatus.STARTED):
        if run.hostname != host or run.pid is None or run.pid == os.getpid() or _alive(run.pid):
            continue
        now = time.time()
        error = f"the process running it (pid {run.pid}) died before the run ended"
        unfinished = [
            StepRecord(step.run_id, step.step_key, StepStatus.FAILURE, step.attempts, step.started_at, now, error=error)
            for step in store.get_steps(run.run_id)
            if step.status in (StepStatus.PENDING, StepStatus.RUNNING)
        ]
        if unfinished:
            store.upsert_steps(unfinished)
        store.update_run(run.run_id, status=RunStatus.FAILURE, ended_at=now, error=error)
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
