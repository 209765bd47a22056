"""Four independent steps in the pool ``gpu`` and two in no pool; each notes when it ran.

Each returns ``(start, end)`` wall-clock times so a test can check how many overlapped.
"""

from __future__ import annotations

import time

from headwater import asset


def _span(seconds: float = 0.2) -> tuple[float, float]:
    start = time.time()
    time.sleep(seconds)
    return start, time.time()


@asset(pool="gpu")
def gpu_a() -> tuple[float, float]:
    return _span()


@asset(pool="gpu")
def gpu_b() -> tuple[float, float]:
    return _span()


@asset(pool="gpu")
def gpu_c() -> tuple[float, float]:
    return _span()


@asset(pool="gpu")
def gpu_d() -> tuple[float, float]:
    return _span()


@asset
def cpu_a() -> tuple[float, float]:
    return _span()


@asset
def cpu_b() -> tuple[float, float]:
    return _span()
