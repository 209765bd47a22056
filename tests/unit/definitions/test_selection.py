"""Selection strings over this graph::

    raw ──> clean ──> features ──> model
                          └──────> report      (group "ml": features, model; tag tier=gold: model)
"""

from __future__ import annotations

import pytest

from headwater import AssetSelection, asset, define_asset_job
from headwater.definitions.loading import collect
from headwater.errors import SelectionError
from headwater.definitions.selection import resolve_selection
from selection_graph import ASSETS, GRAPH, model  # the shared five-asset graph




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
        ("tag:tier=silver", "no asset has tag 'tier=silver'. Did you mean 'tier=gold'?"),
        ("+", "cannot read selection term '+'"),
        ("", "empty selection"),
    ],
)
def test_bad_selection_says_why(selection: str, message: str) -> None:
    with pytest.raises(SelectionError) as caught:
        resolve_selection(GRAPH, selection)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("as_string", "as_object", "message"),
    [
        ("modle", AssetSelection.keys("modle"), "no asset or task named 'modle'. Did you mean 'model'?"),
        ("group:mll", AssetSelection.groups("mll"), "no asset is in group 'mll'. Did you mean 'ml'?"),
        ("tag:tier=gld", AssetSelection.tag("tier", "gld"), "no asset has tag 'tier=gld'. Did you mean 'tier=gold'?"),
        ("tag:teir", AssetSelection.tag_string("teir"), "no asset has tag 'teir'. Did you mean 'tier'?"),
    ],
)
def test_an_unmatched_term_is_the_same_error_in_every_form(as_string, as_object, message) -> None:
    """One engine: a string, an AssetSelection and a combination of them all refuse a term naming nothing."""
    for selection in (as_string, as_object, AssetSelection.all() - as_object, AssetSelection.keys("raw") | as_object):
        with pytest.raises(SelectionError) as caught:
            resolve_selection(GRAPH, selection)
        assert message in str(caught.value)


def test_a_job_whose_selection_names_nothing_is_refused_when_its_location_loads() -> None:
    job = define_asset_job("gold_job", selection=AssetSelection.tag("tier", "bronze"))
    with pytest.raises(SelectionError, match="job 'gold_job': no asset has tag 'tier=bronze'"):
        collect([*ASSETS, job])
    typo = define_asset_job("typo_job", selection="group:mll")
    with pytest.raises(SelectionError, match="job 'typo_job': selection 'group:mll'.*Did you mean 'ml'"):
        collect([*ASSETS, typo])


def test_string_terms_read_into_asset_selections() -> None:
    chosen = AssetSelection.from_string("+clean, model+")
    assert str(chosen) == "+clean,model+"
    assert chosen.resolve(GRAPH) == {"raw", "clean", "model"}
    with pytest.raises(SelectionError, match="cannot read selection term"):
        AssetSelection.from_string("a+b")
