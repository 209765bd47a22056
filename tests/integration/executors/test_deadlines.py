"""Timeouts hold on every executor, every time, whatever else the pool is doing.

``executors_deadlines``: three steps that sleep 60 s, with timeouts of 0.5, 1 and 1.5 s.
A run of them must end, each step failed with its own timeout, soon after the longest
deadline: never hang because nothing else happened to wake the executor up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from headwater.definitions.loading import CodeLocation
from headwater.execution.run import execute
from headwater.storage.instance import Instance
from headwater.storage.records import RunStatus, StepStatus

pytestmark = pytest.mark.timeout(300)

#: how late past its deadline a run of these steps may end (a loaded, shared machine)
MARGIN_S = 5.0


def _run_once(location: CodeLocation, instance: Instance, executor: str, config: dict[str, Any]) -> float:
    started = time.monotonic()
    result = execute(location, instance=instance, executor=executor, executor_config=config, max_concurrency=3)
    elapsed = time.monotonic() - started
    assert result.status is RunStatus.FAILURE
    for key, limit in (("slow_1", "0.5"), ("slow_2", "1"), ("slow_3", "1.5")):
        step = result.steps[key]
        assert step.status is StepStatus.FAILURE
        assert step.error == f"step {key!r} ran past its timeout of {limit}s and was stopped"
    return elapsed


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["process", "thread", "in_process"])
def test_deadlines_hold_run_after_run(
    executor: str, instance: Instance, pipeline: Callable[[str], CodeLocation]
) -> None:
    location = pipeline("executors_deadlines")
    # in_process runs the three one after another: 0.5 + 1 + 1.5 s; the pools run them at once
    longest = 3.0 if executor == "in_process" else 1.5
    runs = 10 if executor == "process" else 2
    times = [_run_once(location, instance, executor, {}) for _ in range(runs)]
    assert max(times) < longest + MARGIN_S, times


def test_a_lone_step_past_its_deadline_is_stopped(instance: Instance, pipeline: Callable[[str], CodeLocation]) -> None:
    """One step on an idle process pool: the deadline alone must end it."""
    started = time.monotonic()
    result = execute(pipeline("executors_deadlines"), "slow_1", instance=instance, executor="process", max_concurrency=2)
    assert time.monotonic() - started < 0.5 + MARGIN_S
    assert result.steps["slow_1"].error == "step 'slow_1' ran past its timeout of 0.5s and was stopped"


@pytest.mark.dask
@pytest.mark.slow
def test_deadlines_hold_on_dask(instance: Instance, pipeline: Callable[[str], CodeLocation], local_cluster: str) -> None:
    location = pipeline("executors_deadlines")
    times = [_run_once(location, instance, "dask", {"dask_address": local_cluster}) for _ in range(3)]
    assert max(times) < 1.5 + MARGIN_S, times
