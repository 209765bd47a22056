"""Asset checks: ``@asset_check``, ``check_specs=``, blocking, and where results are kept.

    orders ──> revenue ──> report
      ├── orders:positive        (@asset_check, blocking when asked)
      └── orders:not_empty       (@asset_check, never blocks)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from headwater import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    Definitions,
    MaterializeResult,
    Output,
    asset,
    asset_check,
    define_asset_job,
    materialize,
)
from headwater.definitions.loading import collect
from headwater.errors import DefinitionError
from headwater.execution.observer import NullObserver
from headwater.definitions.selection import resolve_selection
from headwater.storage.records import RunStatus, StepStatus

DATA = {"orders": [3, 4]}


@asset
def orders() -> list[int]:
    return list(DATA["orders"])


@asset
def revenue(orders: list[int]) -> int:
    return sum(orders)


@asset
def report(revenue: int) -> str:
    return f"revenue {revenue}"


def positive_check(blocking: bool):  # noqa: ANN201 -- returns the decorated check
    @asset_check(asset=orders, name="positive", blocking=blocking, description="no negative amounts")
    def positive(values: list[int]) -> AssetCheckResult:
        bad = [v for v in values if v < 0]
        return AssetCheckResult(passed=not bad, metadata={"negative": len(bad)})

    return positive


@asset_check(asset="orders")
def not_empty(orders: list[int]) -> AssetCheckResult:
    return AssetCheckResult(passed=bool(orders), severity=AssetCheckSeverity.WARN)


@pytest.fixture(autouse=True)
def good_data() -> Iterator[None]:
    DATA["orders"] = [3, 4]
    yield
    DATA["orders"] = [3, 4]


def run(instance, *assets):  # noqa: ANN001, ANN201
    return materialize(list(assets), instance=instance, raise_on_error=False, observer=NullObserver())


def test_checks_run_after_their_asset_and_results_are_stored(instance) -> None:
    result = run(instance, orders, revenue, report, positive_check(False), not_empty)
    assert result.status is RunStatus.SUCCESS
    assert result.steps["orders:positive"].status is StepStatus.SUCCESS
    stored = {(e.asset_key, e.check_name): e for e in instance.store.get_check_evaluations(run_id=result.run_id)}
    assert set(stored) == {("orders", "positive"), ("orders", "not_empty")}
    assert stored["orders", "positive"].passed and stored["orders", "positive"].metadata == {"negative": 0}
    assert stored["orders", "not_empty"].severity == "WARN"
    assert instance.store.get_materializations(asset_key="orders:positive") == []


def test_a_failed_non_blocking_check_is_recorded_and_the_run_goes_on(instance) -> None:
    DATA["orders"] = [3, -4]
    result = run(instance, orders, revenue, report, positive_check(False))
    assert result.status is RunStatus.SUCCESS
    assert result.output_for("report") == "revenue -1"
    [evaluation] = instance.store.get_check_evaluations(run_id=result.run_id)
    assert not evaluation.passed and evaluation.metadata == {"negative": 1} and not evaluation.blocking


def test_a_failed_blocking_check_stops_downstream_and_fails_the_run(instance) -> None:
    DATA["orders"] = [3, -4]
    result = run(instance, orders, revenue, report, positive_check(True), not_empty)
    assert result.status is RunStatus.FAILURE
    steps = result.steps
    assert steps["orders"].status is StepStatus.SUCCESS
    assert steps["orders:positive"].status is StepStatus.FAILURE
    assert "blocking asset check orders:positive failed" in steps["orders:positive"].error
    assert steps["orders:not_empty"].status is StepStatus.SUCCESS  # a sibling check still runs
    assert steps["revenue"].status is StepStatus.SKIPPED and steps["report"].status is StepStatus.SKIPPED
    [evaluation] = [e for e in instance.store.get_check_evaluations(run_id=result.run_id) if e.check_name == "positive"]
    assert evaluation.blocking and not evaluation.passed


def test_a_passing_blocking_check_lets_downstream_run(instance) -> None:
    result = run(instance, orders, revenue, report, positive_check(True))
    assert result.status is RunStatus.SUCCESS and result.output_for("report") == "revenue 7"


def test_a_warn_severity_failure_does_not_block(instance) -> None:
    @asset_check(asset=orders, blocking=True)
    def soft(orders: list[int]) -> AssetCheckResult:
        return AssetCheckResult(passed=False, severity=AssetCheckSeverity.WARN)

    result = run(instance, orders, revenue, soft)
    assert result.status is RunStatus.SUCCESS and result.steps["revenue"].status is StepStatus.SUCCESS


def test_a_check_that_raises_fails_like_any_step(instance) -> None:
    @asset_check(asset=orders, blocking=True)
    def broken(orders: list[int]) -> AssetCheckResult:
        raise RuntimeError("cannot check")

    result = run(instance, orders, revenue, broken)
    assert result.steps["orders:broken"].status is StepStatus.FAILURE
    assert "RuntimeError: cannot check" in result.steps["orders:broken"].error
    assert result.steps["revenue"].status is StepStatus.UPSTREAM_FAILED


def test_selecting_an_asset_selects_its_checks() -> None:
    graph = collect([orders, revenue, positive_check(True), not_empty]).graph
    assert set(resolve_selection(graph, "orders")) == {"orders", "orders:positive", "orders:not_empty"}
    assert set(resolve_selection(graph, "revenue")) == {"revenue"}
    assert dict(graph.nodes["revenue"].inputs) == {"orders": "orders"}
    assert "orders:positive" in graph.nodes["revenue"].deps  # blocking: revenue waits for it
    assert "orders:not_empty" not in graph.nodes["revenue"].deps


def test_check_specs_on_the_asset_itself(instance) -> None:
    @asset(check_specs=[AssetCheckSpec("no_nulls", asset="scores", blocking=True), AssetCheckSpec("small", asset="scores")])
    def scores() -> Iterator[object]:
        values = [1, None] if DATA["orders"] == [0] else [1, 2]
        yield Output(values)
        yield AssetCheckResult(check_name="no_nulls", passed=None not in values)
        yield AssetCheckResult(check_name="small", passed=len(values) < 10, metadata={"n": len(values)})

    @asset
    def mean(scores: list[int]) -> float:
        return sum(scores) / len(scores)

    ok = run(instance, scores, mean)
    assert ok.status is RunStatus.SUCCESS and ok.output_for("mean") == 1.5
    assert {e.check_name for e in instance.store.get_check_evaluations(run_id=ok.run_id)} == {"no_nulls", "small"}

    DATA["orders"] = [0]
    blocked = run(instance, scores, mean)
    assert blocked.status is RunStatus.FAILURE
    assert "blocking asset check scores:no_nulls failed" in blocked.steps["scores"].error
    assert blocked.steps["mean"].status is StepStatus.SKIPPED
    assert blocked.steps["mean"].reason == "upstream 'scores' failed a blocking asset check"
    assert len(instance.store.get_materializations(asset_key="scores")) == 1  # the blocked value is not recorded


def test_materialize_result_carries_check_results(instance) -> None:
    @asset(check_specs=[AssetCheckSpec("fresh", asset="table")])
    def table() -> MaterializeResult:
        return MaterializeResult(metadata={"rows": 2}, check_results=[AssetCheckResult(passed=True)])

    result = run(instance, table)
    assert result.status is RunStatus.SUCCESS
    [evaluation] = instance.store.get_check_evaluations(run_id=result.run_id)
    assert (evaluation.asset_key, evaluation.check_name, evaluation.passed) == ("table", "fresh", True)


@pytest.mark.parametrize(
    ("results", "message"),
    [
        ([], "declares check(s) ['fresh'] but gave no result"),
        ([AssetCheckResult(check_name="other", passed=True)], "check 'other', which it does not declare"),
        ([AssetCheckResult(passed=True), AssetCheckResult(passed=True)], "two results for check 'fresh'"),
    ],
)
def test_check_results_must_match_the_specs(instance, results: list[AssetCheckResult], message: str) -> None:
    @asset(check_specs=[AssetCheckSpec("fresh", asset="table")])
    def table() -> Iterator[object]:
        yield Output(1)
        yield from results

    result = run(instance, table)
    assert result.steps["table"].status is StepStatus.FAILURE and message in result.steps["table"].error


def test_a_check_must_return_a_check_result(instance) -> None:
    @asset_check(asset=orders)
    def sloppy(orders: list[int]) -> bool:
        return True

    result = run(instance, orders, sloppy)
    assert "an asset check returns one AssetCheckResult" in result.steps["orders:sloppy"].error


def test_definitions_take_asset_checks_and_jobs_run_them(instance) -> None:
    job = define_asset_job("orders_job", selection=[orders])
    location = collect([Definitions(assets=[orders], asset_checks=[not_empty], jobs=[job])])
    assert set(location.graph.nodes) == {"orders", "orders:not_empty"}
    assert set(resolve_selection(location.graph, job.selection)) == {"orders", "orders:not_empty"}


def test_definition_errors() -> None:
    with pytest.raises(DefinitionError, match="needs asset="):
        asset_check(lambda: None)
    with pytest.raises(DefinitionError, match="only one may receive the asset's value"):
        asset_check(asset="orders", name="two_values")(lambda a, b: None)
    with pytest.raises(DefinitionError, match="check_specs takes AssetCheckSpec"):
        asset(name="checked", check_specs=[AssetCheckSpec("c", asset="elsewhere")])(lambda: 1)
