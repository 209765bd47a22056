"""One step that leaves a mark per execution, for tests that count how often queued runs ran::

    mark        (appends "<run id> <start> <end>" to $HW_MARKS after working $HW_STEP_SECONDS)

``force=True`` runs it every time; the value it returns is ``$HW_VALUE`` (a number), so a
test can tell which version of the code ran.
"""

import os
import time

from headwater import RunContext, asset

VALUE = 1


@asset
def mark(context: RunContext) -> int:
    start = time.time()
    time.sleep(float(os.environ.get("HW_STEP_SECONDS", "0")))
    with open(os.environ["HW_MARKS"], "a") as marks:
        marks.write(f"{context.run_id} {start!r} {time.time()!r} {VALUE}\n")
    return VALUE
