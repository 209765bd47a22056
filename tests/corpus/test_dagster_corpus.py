"""The Dagster corpus: pipeline files written the way Dagster's tutorials write them.

Each file under ``dagster/`` defines its assets (with only the imports changed to
``headwater``) and an ``EXPECTED`` dict of what a run must give; every file runs on the
in-process and the process executors, which must agree. ``EXPECTED`` keys:

``status`` the run's status; ``steps`` every step's final status; ``outputs`` values of
steps; ``metadata`` what a materialization recorded; ``checks`` (asset, check) -> passed;
``errors`` step -> a part of its error; ``attempts`` step -> how many attempts it took; ``reasons`` step -> why it was skipped;
``materialized`` the exact list of keys that got a materialization; ``logs`` (step, line)
pairs that must be captured; ``job`` run this job (with its config) instead of every
asset; ``schedules``/``sensors`` the names the file defines; ``run_config`` the run's config; ``env`` environment variables the run sees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from headwater.definitions.loading import load_code_location, load_module
from headwater.execution.run import execute
from headwater.storage.instance import Instance

CORPUS = sorted((Path(__file__).parent / "dagster").glob("*.py"))

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize("executor", ["in_process", "process"])
@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_file(path: Path, executor: str, instance: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    location = load_code_location(file=path)
    expected: dict[str, Any] = load_module(file=path).EXPECTED
    selection = location.job(expected["job"]).selection if "job" in expected else "*"
    for name, value in expected.get("env", {}).items():
        monkeypatch.setenv(name, value)
    run_config = expected.get("run_config")
    if "job" in expected and location.job(expected["job"]).config is not None:
        run_config = location.job(expected["job"]).config
    result = execute(location, selection, instance=instance, executor=executor, max_concurrency=2, run_config=run_config)
    steps = {key: record.status.value for key, record in result.steps.items()}
    assert (result.status.value, steps) == (expected["status"], expected["steps"])
    for key, value in expected.get("outputs", {}).items():
        assert result.output_for(key) == value, key
    for key, metadata in expected.get("metadata", {}).items():
        [materialization] = instance.store.get_materializations(key, run_id=result.run_id)
        assert materialization.metadata == metadata
    evaluations = instance.store.get_check_evaluations(run_id=result.run_id)
    assert {(e.asset_key, e.check_name): e.passed for e in evaluations} == expected.get("checks", {})
    for key, fragment in expected.get("errors", {}).items():
        assert fragment in (result.steps[key].error or ""), (key, result.steps[key].error)
    for key, attempts in expected.get("attempts", {}).items():
        assert result.steps[key].attempts == attempts, key
    for key, reason in expected.get("reasons", {}).items():
        assert result.steps[key].reason == reason
    if "materialized" in expected:
        stored = instance.store.get_materializations(run_id=result.run_id)
        assert sorted(m.asset_key for m in stored) == sorted(expected["materialized"])
    if "schedules" in expected:
        assert sorted(location.schedules) == expected["schedules"]
    if "sensors" in expected:
        assert sorted(location.sensors) == expected["sensors"]
    if "logs" in expected:
        lines = {(line.step_key, line.text) for line in instance.store.get_logs(result.run_id)}
        assert expected["logs"] <= lines


def test_the_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 15
