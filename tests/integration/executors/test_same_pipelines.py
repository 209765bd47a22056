"""The same pipelines on every executor give the same results and the same records.

Pipelines (``tests/pipelines``): the diamond with a retried flaky step and a failing
branch (``executors_diamond``), the Iris example, and ``executors_pools`` for pool limits.
"""

from __future__ import annotations

import time

from collections.abc import Callable
from typing import Any

import pytest

from headwater import RunContext, asset, materialize
from headwater.definitions.loading import CodeLocation
from headwater.errors import PlanError
from headwater.execution.observer import NullObserver
from headwater.execution.run import RunResult, execute
from headwater.storage.instance import Instance
from headwater.storage.records import StepStatus

pytestmark = pytest.mark.timeout(180)

EXECUTORS = [
    "in_process",
    "thread",
    "process",
    pytest.param("dask", marks=[pytest.mark.dask, pytest.mark.slow]),
]


@pytest.fixture(params=EXECUTORS)
def executor(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    """An executor's name and its settings (the Dask one uses the session's LocalCluster)."""
    if request.param == "dask":
        return "dask", {"dask_address": request.getfixturevalue("local_cluster")}
    return request.param, {}


def run(location: CodeLocation, instance: Instance, executor: tuple[str, dict[str, Any]], **options: Any) -> RunResult:
    return execute(
        location, instance=instance, executor=executor[0], executor_config=executor[1], max_concurrency=2,
        **options,
    )


def summary(instance: Instance, result: RunResult, *, data_versions: bool = True) -> dict[str, Any]:
    """What a run recorded, without ids and times: steps, attempts, materializations, metrics, logs."""
    run_id = result.run_id
    return {
        "run": instance.store.get_run(run_id).status,
        "steps": {
            s.step_key: (s.status, s.attempts, s.error, s.reason) for s in instance.store.get_steps(run_id)
        },
        "attempts": sorted((a.step_key, a.attempt, a.status, a.error) for a in instance.store.get_attempts(run_id)),
        "materialized": sorted(
            (m.asset_key, m.serializer, m.data_version if data_versions else None, dict(m.input_versions) if data_versions else None)
            for m in instance.store.get_materializations(run_id=run_id)
        ),
        "metrics": sorted((m.step_key, m.name, m.value) for m in instance.store.get_metrics(run_id=run_id)),
        "logs": sorted({(line.step_key, line.stream, line.text) for line in instance.store.get_logs(run_id)}),
    }


def test_diamond_with_retry_and_failure(
    executor: tuple[str, dict[str, Any]], instance: Instance, pipeline: Callable[[str], CodeLocation]
) -> None:
    location = pipeline("executors_diamond")
    result = run(location, instance, executor)
    assert not result.success
    assert result.output_for("joined") == 2 * 10 + 10
    assert result.output_for("flaky") == 4
    steps = result.steps
    assert steps["flaky"].status is StepStatus.SUCCESS and steps["flaky"].attempts == 2
    assert steps["broken"].status is StepStatus.FAILURE and "ValueError: broken for good" in steps["broken"].error
    assert steps["after_broken"].status is StepStatus.UPSTREAM_FAILED
    with Instance.ephemeral() as reference:
        expected = summary(reference, run(location, reference, ("in_process", {})))
    assert summary(instance, result) == expected
    assert ("source", "stdout", "loading source") in expected["logs"]
    assert ("left", "log", "doubling 4 values") in expected["logs"]


def test_iris(
    executor: tuple[str, dict[str, Any]], instance: Instance, pipeline: Callable[[str], CodeLocation]
) -> None:
    location = pipeline("iris_pipeline")
    result = run(location, instance, executor)
    assert result.success
    assert result.output_for("model_accuracy") == pytest.approx(1.0)
    with Instance.ephemeral() as reference:
        expected = summary(reference, run(location, reference, ("in_process", {})), data_versions=False)
    assert summary(instance, result, data_versions=False) == expected
    assert {m[:2] for m in expected["metrics"]} == {("model_accuracy", "accuracy"), ("model_accuracy", "test_rows")}


@pytest.mark.parametrize("limit", [1, 2])
def test_pool_limits_hold(
    executor: tuple[str, dict[str, Any]], instance: Instance, pipeline: Callable[[str], CodeLocation], limit: int
) -> None:
    result = execute(
        pipeline("executors_pools"), instance=instance, executor=executor[0], executor_config=executor[1],
        max_concurrency=4, pool_limits={"gpu": limit},
    )
    assert result.success
    spans = [result.output_for(f"gpu_{x}") for x in "abcd"]
    assert max_overlap(spans) <= limit


def max_overlap(spans: list[tuple[float, float]]) -> int:
    """The most spans open at one instant."""
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    open_now = most = 0
    for _, change in edges:
        open_now += change
        most = max(most, open_now)
    return most


@asset(pool="p", retries=1)
def pooled_flaky(context: RunContext) -> int:
    if context.attempt == 1:
        raise RuntimeError("first attempt fails")
    return context.attempt


@asset(pool="p")
def pooled_other() -> int:
    return 7


def test_a_retry_waits_for_room_in_its_pool(executor: tuple[str, dict[str, Any]], instance: Instance) -> None:
    result = materialize(
        [pooled_flaky, pooled_other], instance=instance, executor=executor[0], executor_config=executor[1],
        pool_limits={"p": 1}, observer=NullObserver(),
    )
    assert result.output_for("pooled_flaky") == 2 and result.output_for("pooled_other") == 7


def test_pool_limits_must_be_positive(instance: Instance) -> None:
    with pytest.raises(PlanError, match="the limit of pool 'p' must be a whole number of at least 1, not 0"):
        materialize([pooled_other], instance=instance, pool_limits={"p": 0})
    assert instance.store.list_runs() == []


def test_timeouts_stop_the_step_on_every_executor(
    executor: tuple[str, dict[str, Any]], instance: Instance, pipeline: Callable[[str], CodeLocation]
) -> None:
    started = time.monotonic()
    result = run(pipeline("executors_timeout"), instance, executor)
    assert time.monotonic() - started < 30
    steps = result.steps
    assert steps["sleepy"].status is StepStatus.FAILURE
    assert steps["sleepy"].error == "step 'sleepy' ran past its timeout of 0.5s and was stopped"
    assert steps["after_sleepy"].status is StepStatus.UPSTREAM_FAILED
    assert result.output_for("quick") == 2
    assert ("quick", "stdout", "quick ran") in {(l.step_key, l.stream, l.text) for l in instance.store.get_logs(result.run_id)}
