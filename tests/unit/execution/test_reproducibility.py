"""Skipping unchanged work, lineage, loading past values, re-execution, timeouts, backoff.

The pipeline is written to a file that the tests edit, as a user would::

    source ──> doubled ──> summary
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

import headwater
from headwater import asset, materialize
from headwater.definitions.loading import load_code_location
from headwater.execution.observer import NullObserver
from headwater.execution.run import execute, reexecute
from headwater.planning.lineage import lineage_of
from headwater.storage.records import StepStatus

PIPELINE = '''
from headwater import asset

SOURCE = [1, 2, 3]

@asset
def source() -> list[int]:
    return list(SOURCE)

@asset
def doubled(source: list[int]) -> list[int]:
    return [2 * v for v in source]

@asset
def summary(doubled: list[int]) -> int:
    return sum(doubled)
'''


def run_file(path: Path, source: str, instance, **options):
    path.write_text(textwrap.dedent(source))
    location = load_code_location(path)
    return execute(location, "*", instance=instance, observer=NullObserver(), **options)


def statuses(result) -> dict[str, StepStatus]:
    return {key: record.status for key, record in result.steps.items()}


@pytest.fixture
def pipeline_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Each edit is a new file path, so the edited module is imported afresh.
    counter = iter(range(1000))

    def next_path() -> Path:
        return tmp_path / f"pipeline_{next(counter)}.py"

    monkeypatch.setattr("tests.unit.execution.test_reproducibility.next_path", next_path, raising=False)
    return tmp_path


def versions(tmp_path: Path, instance, source: str, **options):
    path = tmp_path / f"pipeline_{len(list(tmp_path.glob('pipeline_*.py')))}.py"
    return run_file(path, source, instance, **options)


RAN, FRESH = StepStatus.SUCCESS, StepStatus.UP_TO_DATE


def test_only_what_changed_reruns(tmp_path: Path, instance) -> None:
    first = versions(tmp_path, instance, PIPELINE)
    assert set(statuses(first).values()) == {RAN}

    unchanged = versions(tmp_path, instance, PIPELINE)
    # the source reruns each time; its data is the same, so its downstream is skipped
    assert statuses(unchanged) == {"source": RAN, "doubled": FRESH, "summary": FRESH}
    assert "code and inputs unchanged since run" in unchanged.steps["doubled"].reason
    assert unchanged.steps["source"].reason.startswith("a source: it runs on every materialization")
    assert unchanged.output_for("summary") == 12

    commented = PIPELINE.replace("return [2 * v", "# a comment\n\n    return [2 * v")
    assert statuses(versions(tmp_path, instance, commented)) == {"source": RAN, "doubled": FRESH, "summary": FRESH}

    edited = PIPELINE.replace("[2 * v for v in source]", "[3 * v for v in source]")
    result = versions(tmp_path, instance, edited)
    assert statuses(result) == {"source": RAN, "doubled": RAN, "summary": RAN}
    assert result.steps["doubled"].reason == "code changed: body"
    assert result.output_for("summary") == 18


def test_upstream_rerun_with_identical_data_does_not_rerun_downstream(tmp_path: Path, instance) -> None:
    versions(tmp_path, instance, PIPELINE)
    same_data = PIPELINE.replace("return list(SOURCE)", "return [v for v in SOURCE]")
    assert statuses(versions(tmp_path, instance, same_data)) == {"source": RAN, "doubled": FRESH, "summary": FRESH}
    new_data = PIPELINE.replace("SOURCE = [1, 2, 3]", "SOURCE = [1, 2, 4]").replace("list(SOURCE)", "SOURCE[:]")
    assert statuses(versions(tmp_path, instance, new_data)) == {"source": RAN, "doubled": RAN, "summary": RAN}


def test_force_reruns_everything(tmp_path: Path, instance) -> None:
    versions(tmp_path, instance, PIPELINE)
    assert set(statuses(versions(tmp_path, instance, PIPELINE, force=True)).values()) == {RAN}


def test_cache_off_and_non_deterministic_always_run(instance) -> None:
    @asset(cache=False)
    def external() -> int:
        return 1

    @asset(non_deterministic=True)
    def sampled() -> int:
        return 2

    @asset(cache=True)
    def stable() -> int:
        return 3

    materialize([external, sampled, stable], instance=instance, observer=NullObserver())
    again = materialize([external, sampled, stable], instance=instance, observer=NullObserver())
    assert statuses(again) == {"external": RAN, "sampled": RAN, "stable": FRESH}


def test_lineage_lists_the_consumed_versions_and_old_versions_load(tmp_path: Path, instance) -> None:
    first = versions(tmp_path, instance, PIPELINE)
    second = versions(tmp_path, instance, PIPELINE.replace("SOURCE = [1, 2, 3]", "SOURCE = [5]"))
    tree = lineage_of(instance.store, "summary")
    assert tree.materialization.run_id == second.run_id
    (doubled_node,) = tree.inputs
    (source_node,) = doubled_node.inputs
    assert source_node.materialization.run_id == second.run_id
    assert doubled_node.data_version == tree.materialization.input_versions["doubled"]
    assert headwater.load("summary", instance=instance) == 10

    old = [m for m in instance.store.get_materializations("summary") if m.run_id == first.run_id][0]
    assert headwater.load("summary", version=old.data_version[:8], instance=instance) == 12
    old_tree = lineage_of(instance.store, "summary", old.data_version)
    assert old_tree.inputs[0].inputs[0].materialization.run_id == first.run_id


def test_reexecute_from_failure_reruns_the_failed_step_and_downstream(tmp_path: Path, instance) -> None:
    broken = PIPELINE.replace("return sum(doubled)", "raise RuntimeError('bug')") + textwrap.dedent('''
        @asset
        def side(source: list[int]) -> int:
            return len(source)

        @asset
        def final(summary: int) -> int:
            return summary + 1
    ''')
    failed = versions(tmp_path, instance, broken)
    assert statuses(failed)["summary"] is StepStatus.FAILURE
    assert statuses(failed)["final"] is StepStatus.UPSTREAM_FAILED

    fixed_path = Path(failed_location_file(instance, failed.run_id))
    fixed_path.write_text(textwrap.dedent(broken.replace("raise RuntimeError('bug')", "return sum(doubled)")))
    import sys

    for name in [n for n in sys.modules if n.startswith("headwater_location_pipeline_")]:
        del sys.modules[name]
    result = reexecute(failed.run_id, instance=instance, observer=NullObserver())
    assert set(result.steps) == {"summary", "final"}
    assert result.success and result.output_for("final") == 13
    assert instance.store.get_run(result.run_id).tags["headwater/parent_run_id"] == failed.run_id


def failed_location_file(instance, run_id: str) -> str:
    return instance.store.get_run(run_id).tags["headwater/location_file"]


def test_timeout_stops_the_step_and_skips_downstream(instance) -> None:
    @asset(timeout=0.3)
    def sleepy() -> int:
        time.sleep(30)
        return 1

    @asset
    def after(sleepy: int) -> int:
        return sleepy

    started = time.monotonic()
    result = materialize([sleepy, after], instance=instance, raise_on_error=False, observer=NullObserver())
    assert time.monotonic() - started < 5
    assert result.steps["sleepy"].status is StepStatus.FAILURE
    assert "ran past its timeout of 0.3s" in result.steps["sleepy"].error
    assert result.steps["after"].status is StepStatus.UPSTREAM_FAILED
    assert not instance.store.get_materializations("sleepy")


def test_retries_back_off_exponentially(instance) -> None:
    attempts: list[float] = []

    @asset(retries=3, retry_delay=0.1, backoff=2.0)
    def flaky() -> int:
        attempts.append(time.monotonic())
        if len(attempts) < 4:
            raise RuntimeError("not yet")
        return len(attempts)

    result = materialize([flaky], instance=instance, observer=NullObserver())
    assert result.output_for("flaky") == 4
    gaps = [b - a for a, b in zip(attempts, attempts[1:], strict=False)]
    # 0.1, 0.2, 0.4 plus up to 10 % jitter each, and room for a loaded, shared machine
    for gap, expected in zip(gaps, [0.1, 0.2, 0.4], strict=True):
        assert expected <= gap < expected * 1.1 + 0.25


def test_asset_states_say_fresh_stale_failed_and_never(tmp_path: Path, instance) -> None:
    from headwater.planning.staleness import AssetState, asset_statuses

    versions(tmp_path, instance, PIPELINE)
    edited = PIPELINE.replace("[2 * v for v in source]", "[3 * v for v in source]") + textwrap.dedent('''
        @asset
        def extra(summary: int) -> int:
            return summary
    ''')
    path = tmp_path / "states.py"
    path.write_text(textwrap.dedent(edited))
    graph = load_code_location(path).graph
    latest = instance.store.latest_materializations(graph.nodes)
    states = asset_statuses(graph, latest, {"source": 0.0})
    assert states["source"].state is AssetState.FRESH  # a source: it reruns, but nothing is known to have changed
    assert (states["doubled"].state, states["doubled"].reason) == (AssetState.STALE, "code changed: body")
    assert (states["summary"].state, states["summary"].reason) == (AssetState.STALE, "upstream 'doubled' is stale")
    assert states["extra"].state is AssetState.NEVER
    failed = asset_statuses(graph, latest, {"source": time.time()})
    assert failed["source"].state is AssetState.FAILED


def test_a_step_whose_stored_value_is_gone_runs_again(instance) -> None:
    import os

    @asset
    def kept() -> int:
        return 5

    @asset
    def doubled_kept(kept: int) -> int:
        return kept * 2

    first = materialize([kept, doubled_kept], instance=instance, observer=NullObserver())
    os.unlink(instance.store.get_materializations("kept", run_id=first.run_id)[0].artifact_uri)
    again = materialize([kept, doubled_kept], instance=instance, observer=NullObserver())
    assert statuses(again) == {"kept": RAN, "doubled_kept": FRESH}
    assert again.output_for("doubled_kept") == 10
