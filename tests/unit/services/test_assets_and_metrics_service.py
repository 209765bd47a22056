"""Asset states by the one rule, history, lineage, and metrics as series across runs."""

from __future__ import annotations

import pytest

from headwater.errors import ArtifactNotFound
from headwater.services.assets import AssetState, NextRun, asset_history, asset_lineage, asset_states, load_asset_value
from headwater.services.launch import RunOptions, run_selection
from headwater.services.metrics import MetricKey, list_metrics, metric_series


def test_states_follow_the_runs(any_instance, location) -> None:
    before = asset_states(any_instance, location)
    keys = [row.key for row in before.rows]
    assert keys.index("numbers") < keys.index("total") < keys.index("score")
    assert {row.key: row.status.state for row in before.rows if row.kind == "asset"} == {
        "numbers": AssetState.NEVER, "total": AssetState.NEVER, "score": AssetState.NEVER
    }
    total = next(row for row in before.rows if row.key == "total")
    assert (total.group, total.upstream, total.description) == ("model", ("numbers",), "The sum.")
    assert not before.has_checks

    run_selection(any_instance, location, "numbers,total,score")
    after = {row.key: row.status for row in asset_states(any_instance, location).rows}
    assert after["total"].state is AssetState.FRESH and after["total"].next_run is NextRun.SKIP
    # the DAG's tasks are listed too, never materialized
    assert after["nightly.extract"].state is AssetState.NEVER


def test_a_lost_value_is_stale_as_the_run_finds_it(any_instance, location) -> None:
    import os

    run_selection(any_instance, location, "numbers,total,score")
    stored = asset_history(any_instance, "total")[0]
    os.remove(stored.artifact_uri.removeprefix("file://"))
    status = {row.key: row.status for row in asset_states(any_instance, location).rows}["total"]
    assert status.state is AssetState.STALE and "missing" in status.reason
    rerun = run_selection(any_instance, location, "numbers,total,score")
    assert str(rerun.steps["total"].status) == "SUCCESS"


def test_history_value_and_lineage(any_instance, location) -> None:
    with pytest.raises(ArtifactNotFound, match="never been materialized"):
        asset_history(any_instance, "total")
    run_selection(any_instance, location, "numbers,total,score")
    run_selection(any_instance, location, "total", options=RunOptions(force=True))
    history = asset_history(any_instance, "total")
    assert len(history) == 2 and history[0].created_at >= history[1].created_at
    assert len(asset_history(any_instance, "total", limit=1)) == 1
    assert load_asset_value(any_instance, "total") == 6
    tree = asset_lineage(any_instance, "score")
    assert tree.asset_key == "score" and [n.asset_key for n in tree.inputs] == ["total"]
    assert [n.asset_key for n in tree.inputs[0].inputs] == ["numbers"]


def test_metric_series_across_runs(any_instance, location) -> None:
    assert list_metrics(any_instance) == []
    first = run_selection(any_instance, location, "numbers,total,score")
    second = run_selection(any_instance, location, "score", options=RunOptions(force=True))
    assert list_metrics(any_instance) == [MetricKey("accuracy", "score")]
    [series] = metric_series(any_instance, "accuracy")
    assert series.step_key == "score"
    assert [(p.run_id, p.value) for p in series.points] == [(first.run_id, 0.6), (second.run_id, 0.6)]
    stored = {m.run_id: m.data_version for m in asset_history(any_instance, "score")}
    assert [p.data_version for p in series.points] == [stored[first.run_id], stored[second.run_id]]
    assert metric_series(any_instance, "accuracy", step_key="other") == []
    assert metric_series(any_instance, "loss") == []
