"""``headwater dags test`` / ``dags list``, and the Iris DAG example end to end in a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = "examples/airflow_iris_dag.py"
PIPELINES = REPO / "tests" / "pipelines"
ARGS = ("dags", "test", "iris_classic", "-f", EXAMPLE)


def _headwater(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEADWATER_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "headwater", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=120
    )


@pytest.mark.slow
def test_iris_dag_example_runs_end_to_end(headwater_home):
    """The whole-process time is measured by ``bench/cli.py``, not here."""
    ran = _headwater(headwater_home, *ARGS)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "[iris_classic.evaluate] accuracy: 1.0000" in ran.stdout
    assert "4 succeeded" in ran.stdout

    from headwater.storage.instance import Instance

    instance = Instance.get()
    try:
        run = instance.store.latest_run()
        assert run is not None and run.job_name == "iris_classic"
        assert "logical_date" in run.tags and run.tags["dag_id"] == "iris_classic"
    finally:
        instance.close()


def test_dags_test_and_list_in_process(headwater_home, monkeypatch):
    from typer.testing import CliRunner

    from headwater.cli.commands.dags import app

    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    fixture = str(PIPELINES / "airflow_taskflow.py")
    ran = runner.invoke(app, ["test", "mapped_flow", "2024-01-02", "-f", fixture, "--quiet"])
    assert ran.exit_code == 0, ran.output
    listed = runner.invoke(app, ["list", "-f", str(PIPELINES / "airflow_classic.py")])
    assert listed.exit_code == 0, listed.output
    assert "classic" in listed.output and "0 6 * * *" in listed.output
    unknown = runner.invoke(app, ["test", "mapped_flw", "-f", fixture])
    assert unknown.exit_code == 2
    bad_date = runner.invoke(app, ["test", "mapped_flow", "yesterday", "-f", fixture])
    assert bad_date.exit_code == 2
