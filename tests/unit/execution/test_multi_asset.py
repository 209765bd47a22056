"""@multi_asset with AssetOut and AssetSpec: outputs, optional outputs, subsetting.

    raw ──> split (op) ──> train ──> model
                       └─> test
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from headwater import (
    AssetCheckSpec,
    AssetExecutionContext,
    AssetOut,
    AssetSpec,
    MaterializeResult,
    Output,
    asset,
    materialize,
    multi_asset,
)
from headwater.definitions.loading import collect
from headwater.definitions.selection import resolve_selection
from headwater.errors import DefinitionError, NotSupportedError, SelectionError
from headwater.execution.observer import NullObserver
from headwater.storage.records import RunStatus, StepStatus


@asset
def raw() -> list[int]:
    return list(range(10))


@multi_asset(outs={"train": AssetOut(group_name="ml"), "test": AssetOut(key_prefix="holdout")})
def split(raw: list[int]) -> tuple[list[int], list[int]]:
    return raw[:8], raw[8:]


@asset
def model(train: list[int]) -> float:
    return sum(train) / len(train)


def run(instance, *assets, **kw):  # noqa: ANN001, ANN002, ANN003, ANN201
    return materialize(list(assets), instance=instance, raise_on_error=False, observer=NullObserver(), **kw)


def test_a_tuple_return_fills_the_outs_in_order(instance) -> None:
    result = run(instance, raw, split, model)
    assert result.status is RunStatus.SUCCESS
    assert result.output_for("train") == list(range(8)) and result.output_for("holdout/test") == [8, 9]
    assert result.output_for("model") == 3.5
    location = collect([raw, split, model])
    assert location.graph.nodes["train"].options.group == "ml"
    assert {m.asset_key for m in instance.store.get_materializations(run_id=result.run_id)} >= {"train", "holdout/test"}


def test_yielded_outputs_with_metadata_and_an_optional_one(instance) -> None:
    @multi_asset(outs={"kept": AssetOut(), "maybe": AssetOut(is_required=False)})
    def cleaned(raw: list[int]) -> Iterator[Output[list[int]]]:
        yield Output([v for v in raw if v % 2], output_name="kept", metadata={"rows": 5})

    @asset
    def after_maybe(maybe: list[int]) -> int:
        return len(maybe)

    result = run(instance, raw, cleaned, after_maybe)
    assert result.status is RunStatus.SUCCESS
    assert result.output_for("kept") == [1, 3, 5, 7, 9]
    [stored] = instance.store.get_materializations("kept", run_id=result.run_id)
    assert stored.metadata == {"rows": 5}
    assert result.steps["maybe"].reason == "produced no output (output_required=False)"
    assert result.steps["after_maybe"].status is StepStatus.SKIPPED


def test_specs_with_materialize_results(instance) -> None:
    @multi_asset(specs=[AssetSpec("users", deps=["raw"]), AssetSpec(["reports", "daily"], description="daily")])
    def build_tables():
        yield MaterializeResult(asset_key="users", value=["ada"], metadata={"n": 1})
        yield MaterializeResult(asset_key="reports/daily", value="ok")

    result = run(instance, raw, build_tables)
    assert result.output_for("users") == ["ada"] and result.output_for("reports/daily") == "ok"
    assert collect([raw, build_tables]).graph.nodes["build_tables"].deps == ("raw",)


def too_short(raw: list[int]) -> tuple[list[int]]:
    return ([1],)


def only_train(raw: list[int]) -> Iterator[Output[int]]:
    yield Output(1, output_name="train")


def unknown_name(raw: list[int]) -> Iterator[Output[int]]:
    yield Output(1, output_name="nope")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (too_short, "returned tuple; return a tuple of 2 values"),
        (only_train, "did not produce ['holdout/test']"),
        (unknown_name, "Output(output_name='nope')"),
    ],
)
def test_what_a_multi_asset_must_produce(instance, body, message: str) -> None:  # noqa: ANN001
    broken = multi_asset(name="split", outs={"train": AssetOut(), "test": AssetOut(key_prefix="holdout")})(body)
    result = run(instance, raw, broken)
    assert result.steps["split"].status is StepStatus.FAILURE and message in result.steps["split"].error


def test_a_multi_asset_that_cannot_subset_is_selected_whole() -> None:
    graph = collect([raw, split, model]).graph
    assert set(resolve_selection(graph, "train,holdout/test")) == {"split", "train", "holdout/test"}
    assert set(resolve_selection(graph, "split")) == {"split", "train", "holdout/test"}
    with pytest.raises(SelectionError, match="multi-asset 'split' cannot compute a subset"):
        resolve_selection(graph, "model+,+train")


def test_can_subset_computes_only_the_selected(instance) -> None:
    seen: list[frozenset[str]] = []

    @multi_asset(outs={"a": AssetOut(), "b": AssetOut()}, can_subset=True)
    def pair(context: AssetExecutionContext):
        seen.append(context.selected_output_names)
        for name in sorted(context.selected_output_names):
            yield Output(name.upper(), output_name=name)

    first = run(instance, pair, selection="a")
    assert set(first.steps) == {"pair", "a"} and first.output_for("a") == "A"
    second = run(instance, pair, selection="b")
    assert second.steps["pair"].status is StepStatus.SUCCESS and second.output_for("b") == "B"
    assert seen == [frozenset({"a"}), frozenset({"b"})]


def test_definition_errors() -> None:
    with pytest.raises(DefinitionError, match="takes outs= or specs="):
        multi_asset()(lambda: None)
    with pytest.raises(DefinitionError, match="needs a context parameter"):
        multi_asset(outs={"a": AssetOut()}, can_subset=True)(lambda: None)
    with pytest.raises(NotSupportedError, match="'internal_asset_deps'"):
        multi_asset(outs={"a": AssetOut()}, internal_asset_deps={"a": set()})
    with pytest.raises(NotSupportedError, match="'dagster_type'"):
        AssetOut(dagster_type=int)


def test_check_specs_must_name_its_own_assets_and_results_must_match_them(instance) -> None:
    with pytest.raises(DefinitionError, match=r"check 'rows' is on 'elsewhere', which is not one of its assets \['a', 'b'\]"):
        multi_asset(outs={"a": AssetOut(), "b": AssetOut()}, check_specs=[AssetCheckSpec("rows", asset="elsewhere")])(lambda: None)
    with pytest.raises(DefinitionError, match="two check_specs share a name"):
        multi_asset(outs={"a": AssetOut(), "b": AssetOut()},
                    check_specs=[AssetCheckSpec("rows", asset="a"), AssetCheckSpec("rows", asset="b")])(lambda: None)

    @multi_asset(outs={"a": AssetOut(), "b": AssetOut()}, check_specs=[AssetCheckSpec("rows", asset="a")])
    def forgets_its_check():
        yield Output(1, output_name="a")
        yield Output(2, output_name="b")

    result = run(instance, forgets_its_check)
    assert "declares check(s) ['rows'] but gave no result for them" in result.steps["forgets_its_check"].error
