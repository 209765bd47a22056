"""Selection strings over this graph::

    raw ──> clean ──> features ──> model
                          └──────> report      (group "ml": features, model; tag tier=gold: model)
"""

from __future__ import annotations

import pytest

from headwater import asset
from headwater.definitions.loading import collect
from headwater.errors import SelectionError
from headwater.planning.selection import resolve_selection


@asset
def raw() -> int:
    return 1


@asset
def clean(raw: int) -> int:
    return raw


@asset(group="ml")
def features(clean: int) -> int:
    return clean


@asset(group="ml", tags={"tier": "gold"})
def model(features: int) -> int:
    return features


@asset
def report(features: int) -> int:
    return features


GRAPH = collect([raw, clean, features, model, report]).graph


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ("*", {"raw", "clean", "features", "model", "report"}),
        ("model", {"model"}),
        ("key:model", {"model"}),
        ("+model", {"features", "model"}),
        ("++model", {"clean", "features", "model"}),
        ("*model", {"raw", "clean", "features", "model"}),
        ("clean+", {"clean", "features"}),
        ("clean++", {"clean", "features", "model", "report"}),
        ("clean*", {"clean", "features", "model", "report"}),
        ("group:ml", {"features", "model"}),
        ("tag:tier=gold", {"model"}),
        ("tag:tier", {"model"}),
        ("raw, report", {"raw", "report"}),
        ("+clean,model+", {"raw", "clean", "model"}),
    ],
)
def test_selection_terms(selection: str, expected: set[str]) -> None:
    chosen = resolve_selection(GRAPH, selection)
    assert set(chosen) == expected
    assert list(chosen) == [key for key in GRAPH.order if key in expected]


def test_selection_by_asset_objects() -> None:
    assert resolve_selection(GRAPH, [model, "raw"]) == ("raw", "model")


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ("modle", "no asset or task named 'modle'. Did you mean 'model'?"),
        ("group:mll", "no asset is in group 'mll'. Did you mean 'ml'?"),
        ("tag:tier=silver", "no asset has tag 'tier=silver'"),
        ("+", "cannot read selection term '+'"),
        ("", "empty selection"),
    ],
)
def test_bad_selection_says_why(selection: str, message: str) -> None:
    with pytest.raises(SelectionError) as caught:
        resolve_selection(GRAPH, selection)
    assert message in str(caught.value)
