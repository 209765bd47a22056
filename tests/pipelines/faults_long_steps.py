"""Long steps that say where they run, for tests that kill the run under them::

    long_a                  (writes its pid, then works for HW_STEP_SECONDS)
    restarted               (attempt 1 kills its own worker; attempt 2, on the worker
                             started in its place, writes its pid and works as long)
    bounded                 (like long_a, with a timeout: in-process, it runs in a forked child)

Each step writes ``$HW_PID_DIR/<step>-<attempt>.pid`` when it starts. The steps return
small values, so an artifact of theirs on disk means a step finished.
"""

import os
import signal
import time
from pathlib import Path

from headwater import RunContext, asset


def _started(context: RunContext) -> None:
    Path(os.environ["HW_PID_DIR"], f"{context.asset_key}-{context.attempt}.pid").write_text(str(os.getpid()))


@asset
def long_a(context: RunContext) -> int:
    _started(context)
    time.sleep(float(os.environ.get("HW_STEP_SECONDS", "8")))
    return 1


@asset(retries=1)
def restarted(context: RunContext) -> int:
    if context.attempt == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    _started(context)
    time.sleep(float(os.environ.get("HW_STEP_SECONDS", "8")))
    return 2


@asset(timeout=120)
def bounded(context: RunContext) -> int:
    _started(context)
    time.sleep(float(os.environ.get("HW_STEP_SECONDS", "8")))
    return 3
