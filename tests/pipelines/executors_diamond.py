"""A diamond with a retried flaky step and a failing branch, run on every executor.

::

    source ──> left ───> joined
       │  └──> right ──┘
       ├──> flaky                 (fails on its first attempt, retries=1)
       └──> broken ──> after_broken   (always raises: after_broken is skipped)
"""

from __future__ import annotations

import logging

from headwater import Output, RunContext, asset

log = logging.getLogger(__name__)


@asset
def source() -> list[int]:
    print("loading source")
    return [1, 2, 3, 4]


@asset
def left(source: list[int]) -> list[int]:
    log.warning("doubling %d values", len(source))
    return [2 * v for v in source]


@asset
def right(context: RunContext, source: list[int]) -> int:
    context.log.info("summing")
    return sum(source)


@asset
def joined(context: RunContext, left: list[int], right: int) -> Output[int]:
    total = sum(left) + right
    context.log_metric("total", total)
    return Output(total, metadata={"parts": 2})


@asset(retries=1)
def flaky(context: RunContext, source: list[int]) -> int:
    if context.attempt == 1:
        raise RuntimeError("flaky on its first attempt")
    return len(source)


@asset
def broken(source: list[int]) -> int:
    raise ValueError("broken for good")


@asset
def after_broken(broken: int) -> int:
    return broken
