"""Closing the records of runs whose process died.

A run's record names the process driving it (pid and host). When that process is killed
outright (SIGKILL, a power cut) nothing can write the run's end, so the record would claim
it is still going forever. ``reap_dead_runs`` finds such runs on this host and marks them
failed with the reason. It runs when a new run starts and when runs are listed.

The end time recorded is when the run was last heard of (its last recorded event, else its
start), not when the reaper noticed: a run killed at 9:00 and found at 17:00
ended at 9:00.
"""

from __future__ import annotations

import os
import socket
from typing import Protocol

from headwater.storage.base import EventLog, RunStore
from headwater.storage.processes import process_alive
from headwater.storage.records import Run, RunStatus

__all__ = ["reap_dead_runs"]


class _RunsAndEvents(RunStore, EventLog, Protocol):
    """A store holding runs and their events (a ``SqlStore`` is one)."""


def reap_dead_runs(store: _RunsAndEvents) -> list[str]:
    """Mark failed the started runs of this host whose process is gone; returns their ids."""
    host = socket.gethostname()
    reaped = []
    for run in store.list_runs(limit=100, status=RunStatus.STARTED):
        if run.hostname != host or run.pid is None or run.pid == os.getpid() or process_alive(run.pid):
            continue
        # Listed as started, then found dead: it may have recorded its end in between. Its
        # process is gone, so what the store says now is final.
        if store.get_run(run.run_id).status is not RunStatus.STARTED:
            continue
        error = f"the process running it (pid {run.pid}) died before the run ended"
        store.update_run(run.run_id, status=RunStatus.FAILURE, ended_at=last_heard_of(store, run), error=error)
        reaped.append(run.run_id)
    return reaped


def last_heard_of(store: _RunsAndEvents, run: Run) -> float:
    """When ``run`` last left a trace: its newest recorded event, else its start."""
    times = [event.timestamp for event in store.get_events(run.run_id)]
    return max([run.started_at or run.created_at, *times])
