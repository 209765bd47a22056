"""Steps queued on the one Dask worker (one thread) of a step that kills it.

::

    a_kills_retried     waits until b_queued and c_queued sit on its worker (or one of them,
                        if Dask holds the other back at the scheduler), then SIGKILLs it;
                        retries=1 (its retry kills the fresh worker at once)
    a_kills_once        the same, waiting for b_queued only; retries=0
    b_queued            prints one line and returns 2: must run once, as attempt 1
    c_queued            the same, returns 3

The ``a_`` steps come first in the plan, so they are sent to the worker first and run
first; the queued steps wait behind them, never started, when the worker dies.
Run these on a Dask cluster only: in-process they would kill the test runner.
"""

from __future__ import annotations

import os
import signal
import time

from headwater import RunContext, asset


def _kill_this_worker_when_queued(context: RunContext, waiting_for: int) -> None:
    """SIGKILL this worker process, on attempt 1 once ``waiting_for`` queued steps sit on it."""
    if context.attempt == 1:
        import distributed

        worker = distributed.get_worker()
        begun = time.monotonic()
        while time.monotonic() < begun + 30:
            queued = sum("queued" in str(t.key) and t.state == "ready" for t in list(worker.state.tasks.values()))
            # Dask may hold some back at the scheduler (its "root-ish" queuing): one will do
            if queued >= waiting_for or (queued and time.monotonic() > begun + 1):
                break
            time.sleep(0.01)
    else:  # let the worker report the steps it finished first: they would be lost with it
        time.sleep(0.5)
    print(f"killing worker {os.getpid()} on attempt {context.attempt}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


@asset(retries=1)
def a_kills_retried(context: RunContext) -> int:
    _kill_this_worker_when_queued(context, 2)
    return 0


@asset
def a_kills_once(context: RunContext) -> int:
    _kill_this_worker_when_queued(context, 1)
    return 0


@asset
def b_queued() -> int:
    print("b_queued ran", flush=True)
    return 2


@asset
def c_queued() -> int:
    print("c_queued ran", flush=True)
    return 3
