"""In-process runs through ``materialize``, with the real stores.

    raw ──> doubled ──> total
      └───> broken ──> after_broken          (broken raises)
"""

from __future__ import annotations

import logging

import pytest

from headwater import AssetIn, Output, RunFailedError, asset, materialize
from headwater.execution.observer import NullObserver
from headwater.storage.records import RunStatus, StepStatus
from headwater.tracebacks import user_frames

log = logging.getLogger(__name__)


@asset
def raw() -> list[int]:
    print("loading raw")
    return [1, 2, 3]


@asset
def doubled(context, raw: list[int]) -> list[int]:
    context.log.info("doubling %d values", len(raw))
    log.warning("a warning through logging")
    return [2 * v for v in raw]


@asset
def total(context, doubled: list[int]) -> Output[int]:
    context.log_metric("sum", sum(doubled))
    return Output(sum(doubled), metadata={"count": len(doubled), "note": "text is not a metric"})


@asset
def broken(raw: list[int]) -> int:
    raise ValueError("no good")


@asset
def after_broken(broken: int) -> int:
    return broken


def test_values_flow_and_result_answers(instance) -> None:
    result = materialize([raw, doubled, total], instance=instance)
    assert result.success and result.status is RunStatus.SUCCESS
    assert result.output_for("total") == 12
    assert result.output_for(doubled) == [2, 4, 6]
    assert result.asset_value("raw") == [1, 2, 3]
    run = instance.store.get_run(result.run_id)
    assert run.status is RunStatus.SUCCESS and run.selection == "*"
    assert run.started_at is not None and run.ended_at >= run.started_at


def test_output_logs_and_metrics_are_stored_per_step(instance, capsys) -> None:
    result = materialize([raw, doubled, total], instance=instance)
    lines = {(line.step_key, line.stream, line.text) for line in instance.store.get_logs(result.run_id)}
    assert ("raw", "stdout", "loading raw") in lines
    assert ("doubled", "log", "doubling 3 values") in lines
    assert ("doubled", "log", "a warning through logging") in lines
    metrics = {(m.step_key, m.name): m.value for m in instance.store.get_metrics(run_id=result.run_id)}
    assert metrics == {("total", "sum"): 12.0, ("total", "count"): 3.0}
    echoed = capsys.readouterr().out
    assert "[raw] loading raw" in echoed and "[doubled] doubling 3 values" in echoed


def test_failure_skips_downstream_only_and_records_no_materialization(instance) -> None:
    result = materialize([raw, doubled, broken, after_broken], instance=instance, raise_on_error=False)
    assert not result.success
    steps = result.steps
    assert steps["broken"].status is StepStatus.FAILURE
    assert "ValueError: no good" in steps["broken"].error
    assert 'raise ValueError("no good")' in steps["broken"].traceback
    assert "headwater/execution/step.py" in steps["broken"].traceback  # stored whole
    assert "headwater/execution" not in user_frames(steps["broken"].traceback)  # shown without ours
    assert steps["after_broken"].status is StepStatus.UPSTREAM_FAILED
    assert steps["after_broken"].reason == "upstream 'broken' failed"
    assert steps["doubled"].status is StepStatus.SUCCESS
    materialized = {m.asset_key for m in instance.store.get_materializations(run_id=result.run_id)}
    assert materialized == {"raw", "doubled"}
    stored = {s.step_key: s for s in instance.store.get_steps(result.run_id)}
    assert stored["broken"].traceback and stored["after_broken"].status is StepStatus.UPSTREAM_FAILED
    assert instance.store.get_run(result.run_id).status is RunStatus.FAILURE
    with pytest.raises(KeyError, match="'broken' has no value"):
        result.output_for("broken")


def test_raise_on_error_names_the_step() -> None:
    with pytest.raises(RunFailedError, match="step 'broken': ValueError: no good") as caught:
        materialize([raw, broken])
    assert caught.value.result.steps["broken"].status is StepStatus.FAILURE


def test_retries_rerun_a_flaky_step(instance) -> None:
    calls = []

    @asset(retries=2)
    def flaky() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError(f"flake {len(calls)}")
        return len(calls)

    result = materialize([flaky], instance=instance, observer=NullObserver())
    assert result.output_for("flaky") == 3
    assert result.steps["flaky"].attempts == 3
    attempts = instance.store.get_attempts(result.run_id, "flaky")
    assert [a.status for a in attempts] == [StepStatus.FAILURE, StepStatus.FAILURE, StepStatus.SUCCESS]
    assert attempts[0].error == "RuntimeError: flake 1"


def test_wrong_types_fail_the_step_naming_asset_parameter_and_types() -> None:
    @asset
    def numbers() -> list[int]:
        return [1]

    @asset
    def text(numbers: str) -> str:
        return numbers

    @asset
    def lies() -> dict[str, int]:
        return [1]  # type: ignore[return-value]

    result = materialize([numbers, text, lies], raise_on_error=False, observer=NullObserver())
    assert result.steps["text"].error == (
        "asset 'text': parameter 'numbers' expects str, but its upstream 'numbers' gave list"
    )
    assert result.steps["lies"].error == "asset 'lies': return value expected dict[str, int], got list"


def test_selection_runs_a_subset_reading_upstream_from_the_store(instance) -> None:
    first = materialize([raw, doubled, total], instance=instance)
    second = materialize([raw, doubled, total], selection="total", instance=instance, force=True)
    assert set(second.steps) == {"total"}
    assert second.output_for("total") == 12
    assert first.run_id != second.run_id


def test_wide_fan_in_through_ins() -> None:
    def make_leaf(i: int):
        @asset(name=f"leaf_{i}")
        def leaf(raw: list[int]) -> int:
            return sum(raw) + i

        return leaf

    leaves = [make_leaf(i) for i in range(5)]

    @asset(ins={f"leaf_{i}": AssetIn(f"leaf_{i}") for i in range(5)})
    def sink(**parts: int) -> int:
        return sum(parts.values())

    result = materialize([raw, *leaves, sink], observer=NullObserver())
    assert result.output_for("sink") == 5 * 6 + 10


def test_dagster_retry_policy_and_materialize_result(instance) -> None:
    from headwater import Backoff, Jitter, MaterializeResult, RetryPolicy

    policy = RetryPolicy(max_retries=3, delay=0.2, backoff=Backoff.EXPONENTIAL, jitter=Jitter.FULL)
    assert [policy.delay_before(n) for n in (1, 2, 3)] == pytest.approx([0.2, 0.6, 1.4])
    assert 0 <= policy.delay_before(3, random=lambda: 0.5) == pytest.approx(0.7)
    assert RetryPolicy(delay=1, backoff=Backoff.LINEAR).delay_before(3) == 3
    assert RetryPolicy(delay=1, jitter=Jitter.PLUS_MINUS).delay_before(1, random=lambda: 0.0) == 0

    @asset
    def reported() -> MaterializeResult:
        return MaterializeResult(metadata={"rows": 7})

    result = materialize([reported], instance=instance, observer=NullObserver())
    assert result.output_for("reported") is None
    assert [(m.name, m.value) for m in instance.store.get_metrics(run_id=result.run_id)] == [("rows", 7.0)]


def test_the_executor_names_jobs_accept_are_the_ones_that_exist() -> None:
    from headwater.definitions.jobs import EXECUTORS as NAMED
    from headwater.execution.executors import EXECUTORS as BUILT

    assert tuple(BUILT) == NAMED
