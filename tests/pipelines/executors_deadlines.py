"""Steps that sleep past their timeouts, alone and side by side::

    slow_1 (timeout 0.5 s)   slow_2 (timeout 1 s)   slow_3 (timeout 1.5 s)

Each sleeps 60 s, so each must be stopped at its own deadline. Nothing else happens while
they run: no line printed, no other step finishing, nothing to wake a pool that waits.
"""

import time

from headwater import asset


@asset(timeout=0.5)
def slow_1() -> int:
    time.sleep(60)
    return 1


@asset(timeout=1)
def slow_2() -> int:
    time.sleep(60)
    return 2


@asset(timeout=1.5)
def slow_3() -> int:
    time.sleep(60)
    return 3
