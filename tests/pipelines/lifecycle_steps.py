"""Steps for the tests that cancel a run, interrupt it, or kill its process::

    done_first -> talky -> after

``done_first`` returns at once (a source whose version never changes: once it is stored,
it is up to date). ``talky`` prints a line, then writes
``$HW_PID_DIR/talky-<attempt>.pid`` when that is set (so once the file exists, the line was
printed), then
works for the seconds in ``$HW_PID_DIR/seconds`` when that file exists (a test changes it
between the runs a daemon launches), else ``HW_STEP_SECONDS`` (60 by default). ``after``
adds one to it.
"""

import os
import time
from pathlib import Path

from headwater import RunContext, asset


@asset(source_version=lambda: "fixed")
def done_first() -> int:
    return 1


@asset
def talky(context: RunContext, done_first: int) -> int:
    print("talky is working", flush=True)
    folder = os.environ.get("HW_PID_DIR")  # unset on workers started apart (a Dask cluster's)
    if folder is not None:
        Path(folder, f"talky-{context.attempt}.pid").write_text(str(os.getpid()))
    seconds = Path(folder or "/nonexistent", "seconds")
    time.sleep(float(seconds.read_text() if seconds.exists() else os.environ.get("HW_STEP_SECONDS", "60")))
    return done_first + 1


@asset
def after(talky: int) -> int:
    return talky + 1
