"""Canceling a run: what ``headwater runs cancel`` and the web UI's cancel button call.

A QUEUED run is canceled at once (it never starts). A STARTED run is moved to CANCELING:
its process hears of it within a quarter second (its heartbeat thread reads the status,
see :mod:`headwater.execution.heartbeat`), stops submitting steps, stops the steps running
(their worker processes killed, an in-process step interrupted), records each of them
CANCELED with what it printed so far, and ends the run CANCELED. A run that already ended
cannot be canceled.

Example::

    run = cancel_run(instance, "3f2a")           # CANCELING (or CANCELED, if it was queued)
    run = wait_until_ended(instance, run.run_id, timeout=10.0)
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from headwater.errors import RunStateError
from headwater.storage.records import Event, EventKind, Run, RunStatus

if TYPE_CHECKING:
    from headwater.storage.instance import Instance

__all__ = ["cancel_run", "wait_until_ended"]

#: the error recorded on a run canceled before it started
CANCELED_WHILE_QUEUED = "canceled while queued"


def cancel_run(instance: Instance, run_id: str) -> Run:
    """Ask the run ``run_id`` names to stop; the run as it stands after the request.

    Args:
        instance: the stores.
        run_id: a run id, a unique prefix of one, or ``latest``.

    Returns:
        The run: CANCELED (it was queued), or CANCELING (its process is stopping it).

    Raises:
        RunNotFound: no such run.
        RunStateError: the run already ended.
        StoreReadOnly: the store cannot be written here.
    """
    from headwater.scheduling.recovery import close_lost_runs
    from headwater.services.runs import find_run

    store = instance.store
    store.ensure_writable()
    close_lost_runs(store)  # a run whose process is gone ends as lost, not as canceling forever
    run = find_run(instance, run_id)
    while True:  # the run may move on between the read and the write: then read it again
        now = time.time()
        if run.status is RunStatus.CANCELING:
            return run
        if run.status is RunStatus.QUEUED:
            if store.update_run(
                run.run_id, status=RunStatus.CANCELED, ended_at=now, error=CANCELED_WHILE_QUEUED,
                only_from=(RunStatus.QUEUED,),
            ):
                store.add_events([Event(run.run_id, EventKind.RUN_CANCELED, now, message=CANCELED_WHILE_QUEUED)])
                return store.get_run(run.run_id)
        elif run.status is RunStatus.STARTED:
            if store.update_run(run.run_id, status=RunStatus.CANCELING, only_from=(RunStatus.STARTED,)):
                store.add_events([Event(run.run_id, EventKind.RUN_CANCELING, now, message="cancel requested")])
                return store.get_run(run.run_id)
        else:
            raise RunStateError(f"run {run.run_id} already ended ({run.status.value}): there is nothing to cancel")
        run = store.get_run(run.run_id)


def wait_until_ended(instance: Instance, run_id: str, *, timeout: float, poll: float = 0.1) -> Run:
    """The run ``run_id`` once it has ended, or as it stands after ``timeout`` seconds.

    Raises:
        RunNotFound: no run has that id.
    """
    deadline = time.monotonic() + timeout
    while True:
        run = instance.store.get_run(run_id)
        if run.status.finished or time.monotonic() >= deadline:
            return run
        time.sleep(poll)
