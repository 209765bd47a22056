"""Steps whose worker process dies under them (SIGKILL from the step itself).

::

    steady                      (sleeps, on another worker, and must still succeed)
    killed_once                 (kills its worker on attempt 1; retries=1, so it succeeds)
    killed_always ──> after     (kills its worker every time: the run fails, after is skipped)

In-process executors would kill the test runner: run these on ``process`` or ``dask`` only.
"""

from __future__ import annotations

import os
import signal
import time

from headwater import RunContext, asset


@asset
def steady() -> str:
    time.sleep(0.3)
    return "steady"


@asset(retries=1)
def killed_once(context: RunContext) -> int:
    print(f"attempt {context.attempt} in pid {os.getpid()}")
    if context.attempt == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return context.attempt


@asset
def killed_always() -> int:
    print("about to die")
    os.kill(os.getpid(), signal.SIGKILL)
    return 0


@asset
def after(killed_always: int) -> int:
    return killed_always
