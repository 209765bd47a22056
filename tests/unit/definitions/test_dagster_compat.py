"""Dagster code runs after changing only its imports: AssetSelection, load_assets_from_modules,
the @asset options Dagster users write, and clear refusals of what is not implemented.

    raw ──> clean ──> model (group ml, tier=gold)
              └─────> report
"""

from __future__ import annotations

import types

import pytest

from headwater import AssetSelection, Definitions, asset, define_asset_job, load_assets_from_modules, materialize
from headwater.definitions.loading import collect
from headwater.definitions.node import node_of
from headwater.errors import DefinitionError, SelectionError
from headwater.execution.observer import NullObserver
from headwater.definitions.selection import resolve_selection, selection_text


@asset
def raw() -> int:
    return 1


@asset
def clean(raw: int) -> int:
    return raw + 1


@asset(group_name="ml", tags={"tier": "gold"})
def model(clean: int) -> int:
    return clean * 10


@asset
def report(clean: int) -> str:
    return str(clean)


GRAPH = collect([raw, clean, model, report]).graph


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (AssetSelection.all(), {"raw", "clean", "model", "report"}),
        (AssetSelection.groups("ml"), {"model"}),
        (AssetSelection.assets(report, "raw"), {"report", "raw"}),
        (AssetSelection.keys("model").upstream(), {"raw", "clean", "model"}),
        (AssetSelection.keys("model").upstream(depth=1, include_self=False), {"clean"}),
        (AssetSelection.keys("clean").downstream(), {"clean", "model", "report"}),
        (AssetSelection.tag("tier", "gold") | AssetSelection.keys("raw"), {"model", "raw"}),
        (AssetSelection.all() - AssetSelection.groups("ml"), {"raw", "clean", "report"}),
        (AssetSelection.keys("clean").downstream() & AssetSelection.groups("default"), {"clean", "report"}),
    ],
)
def test_asset_selection(selection: AssetSelection, expected: set[str]) -> None:
    assert set(resolve_selection(GRAPH, selection)) == expected


def test_asset_selection_errors_name_the_closest() -> None:
    with pytest.raises(SelectionError, match="no asset or task named 'modle'. Did you mean 'model'"):
        resolve_selection(GRAPH, AssetSelection.keys("modle"))
    with pytest.raises(SelectionError, match="no asset is in group 'lm'"):
        resolve_selection(GRAPH, AssetSelection.groups("lm"))


def test_job_with_asset_selection_runs(instance) -> None:
    job = define_asset_job("ml_job", selection=AssetSelection.groups("ml").upstream())
    assert selection_text(job.selection) == "upstream(group:ml)"
    result = materialize([raw, clean, model, report], selection=job.selection, instance=instance, observer=NullObserver())
    assert set(result.steps) == {"raw", "clean", "model"} and result.output_for("model") == 20


def test_dagster_options_are_understood() -> None:
    @asset(compute_kind="pandas", op_tags={"team": "ml"}, io_manager_key="io_manager", group_name="g")
    def frame() -> int:
        return 1

    node = node_of(frame)
    assert node.options.kinds == ("pandas",)
    assert dict(node.options.tags) == {"team": "ml"}
    assert node.options.group == "g"


@pytest.mark.parametrize("option", ["backfill_policy", "required_resource_keys", "config_schema", "io_manager_key"])
def test_unimplemented_dagster_options_are_refused(option: str) -> None:
    with pytest.raises(TypeError, match=f"@asset: argument '{option}' is not supported"):
        asset(**{option: object()})


def test_definitions_refuses_what_it_lacks() -> None:
    with pytest.raises(DefinitionError, match="'loggers' is not supported"):
        Definitions(assets=[raw], loggers={"console": object()})


def test_load_assets_from_modules_with_group_and_prefix() -> None:
    module = types.ModuleType("fake_assets")
    module.raw, module.clean, module.unrelated = raw, clean, 42
    plain = load_assets_from_modules([module])
    assert {node.key for node in plain} == {"raw", "clean"}
    prefixed = load_assets_from_modules([module], group_name="etl", key_prefix="warehouse")
    by_key = {node.key: node for node in prefixed}
    assert set(by_key) == {"warehouse/raw", "warehouse/clean"}
    assert dict(by_key["warehouse/clean"].inputs) == {"raw": "warehouse/raw"}
    assert {node.options.group for node in prefixed} == {"etl"}
    result = materialize(prefixed, observer=NullObserver())
    assert result.output_for("warehouse/clean") == 2
