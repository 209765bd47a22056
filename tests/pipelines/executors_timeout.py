"""A step past its timeout, beside one well within it::

    source ──> sleepy (timeout 0.5 s, sleeps 60 s) ──> after_sleepy
      └──────> quick (timeout 30 s)
"""

import time

from headwater import asset


@asset
def source() -> int:
    return 1


@asset(timeout=0.5)
def sleepy(source: int) -> int:
    time.sleep(60)
    return source


@asset
def after_sleepy(sleepy: int) -> int:
    return sleepy


@asset(timeout=30)
def quick(source: int) -> int:
    print("quick ran")
    return source + 1
