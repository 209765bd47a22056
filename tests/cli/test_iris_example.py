"""The README's first command, end to end: the Iris example through the real CLI process."""

from __future__ import annotations

import re
import sys

import pytest

pytestmark = pytest.mark.slow

EXAMPLE = "examples/iris_pipeline.py"
STEPS = ("iris_raw", "iris_features", "trained_model", "model_accuracy")


def test_iris_example_prints_accuracy_and_is_recorded(cli_process, home):
    ran = cli_process("materialize", "-f", EXAMPLE)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "[model_accuracy] accuracy: 1.0000" in ran.stdout
    for step in STEPS:
        assert f"[{step}] " in ran.stdout
    assert "4 succeeded" in ran.stdout

    shown = cli_process("runs", "show", "latest")
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in out.splitlines() if line.startswith("│")]
    assert [(row[0], row[1]) for row in rows] == [(step, "SUCCESS") for step in STEPS], out
    # each step's printed output is stored with it
    assert "loaded 150 rows, 4 features" in out
    assert "scaled 4 feature columns" in out
    assert "trained on 120 rows" in out
    assert "accuracy: 1.0000" in out


def test_iris_metric_and_model_are_stored(cli_process, home):
    ran = cli_process("job", "run", "iris_ml_pipeline", "-f", EXAMPLE, "--quiet")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    run_id = re.search(r"headwater runs show (\S+)", ran.stdout).group(1)

    from headwater.storage.instance import Instance

    instance = Instance.get()
    try:
        metrics = {m.name: m.value for m in instance.store.get_metrics(run_id=run_id)}
        assert metrics["accuracy"] == 1.0
        assert instance.store.get_run(run_id).job_name == "iris_ml_pipeline"
        keys = {m.asset_key for m in instance.store.get_materializations(run_id=run_id)}
        assert keys == set(STEPS)
    finally:
        instance.close()


def test_iris_listings(cli_process):
    schedules = cli_process("schedules", "list", "-f", EXAMPLE)
    assert schedules.returncode == 0, schedules.stderr
    assert re.search(r"iris_daily .*iris_ml_pipeline .*@daily|iris_daily.*0 0 \* \* \*", schedules.stdout)
    assert "UTC" in schedules.stdout
    assets = cli_process("assets", "list", "-f", EXAMPLE)
    assert assets.returncode == 0, assets.stderr
    for step in STEPS:
        assert step in assets.stdout


def test_python_dash_m_headwater_is_the_cli():
    import subprocess

    done = subprocess.run([sys.executable, "-m", "headwater", "--version"], capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stdout.startswith("headwater ")


def test_iris_test_size_change_reruns_the_model_and_its_score_only(cli_process, home, tmp_path):
    """TEST_SIZE is read through the helper ``_split``: changing it must rerun what uses it."""
    from pathlib import Path

    example = tmp_path / "iris_pipeline.py"
    example.write_text(Path(EXAMPLE).read_text())
    assert cli_process("materialize", "-f", str(example), "--quiet").returncode == 0
    example.write_text(example.read_text().replace("TEST_SIZE = 0.2", "TEST_SIZE = 0.5"))

    listing = cli_process("assets", "list", "-f", str(example)).stdout
    assert re.search(r"trained_model .*stale \(code changed: constant TEST_SIZE\)", listing), listing
    assert re.search(r"model_accuracy .*stale \(code changed: constant TEST_SIZE\)", listing), listing
    assert re.search(r"iris_features .*fresh", listing), listing

    ran = cli_process("materialize", "-f", str(example))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "[model_accuracy] accuracy: 0.9867" in ran.stdout
    assert "✔ iris_raw success" in ran.stdout  # a source: read again, same data
    assert "= iris_features up to date" in ran.stdout
    assert "✔ trained_model success" in ran.stdout and "✔ model_accuracy success" in ran.stdout

    example.write_text(example.read_text().replace('y = features["target"]', 'y = features["target"].copy()'))
    edited = cli_process("materialize", "-f", str(example))
    assert "= iris_features up to date" in edited.stdout and "✔ trained_model success" in edited.stdout
    shown = cli_process("runs", "show", "latest").stdout
    assert "code changed: helper _split" in shown
    lineage = cli_process("lineage", "trained_model").stdout
    assert re.search(r"env python \d+\.\d+\.\d+, .*scikit-learn \d", lineage), lineage
