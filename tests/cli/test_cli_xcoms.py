"""The Iris DAG example from the command line, with XComs read from stored runs.

``examples/airflow_iris_dag.py``::

    load_iris >> preprocess >> train >> evaluate      (train pushes the model and the test split)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "airflow_iris_dag.py"
BUG = '    raise RuntimeError("evaluate is broken")\n'


@pytest.fixture
def broken_dag(tmp_path: Path) -> Path:
    """A copy of the example whose ``evaluate`` raises before it pulls anything."""
    source = EXAMPLE.read_text()
    anchor = '    model = ti.xcom_pull(task_ids="train", key="model")\n'
    assert anchor in source
    path = tmp_path / "airflow_iris_dag.py"
    path.write_text(source.replace(anchor, BUG + anchor))
    return path


def _run_id(output: str) -> str:
    found = re.search(r"Run ([0-9a-f]{32}) ", output)
    assert found is not None, output
    return found.group(1)


@pytest.mark.slow
def test_reexecute_from_failure_after_fixing_evaluate_prints_the_accuracy(cli_process, broken_dag):
    """Two processes, as a user runs them: the second imports the fixed file."""
    failed = cli_process("dags", "test", "iris_classic", "-f", str(broken_dag))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "evaluate is broken" in failed.stdout
    broken_dag.write_text(broken_dag.read_text().replace(BUG, ""))  # the fix
    rerun = cli_process("runs", "reexecute", _run_id(failed.stdout), "--from-failure")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "[iris_classic.evaluate] accuracy: 1.0000" in rerun.stdout
    assert "1 succeeded" in rerun.stdout


def test_tasks_test_fails_clearly_before_any_run(cli):
    before = cli("tasks", "test", "iris_classic", "evaluate", "-f", str(EXAMPLE))
    assert before.exit_code == 2
    assert "upstream task 'train', which never ran successfully" in before.stderr
    assert "headwater dags test iris_classic" in before.stderr
    assert cli("runs", "list").output.startswith("No runs yet")
    typo = cli("tasks", "test", "iris_classic", "evaluat", "-f", str(EXAMPLE))
    assert typo.exit_code == 2 and "Did you mean 'evaluate'?" in typo.stderr


def test_after_a_full_run_one_task_reads_its_upstream_xcoms_from_the_store(cli):
    """tasks test, --select of one task, assets load --key and reexecute --from, after one dags test."""
    first = cli("dags", "test", "iris_classic", "-f", str(EXAMPLE), "-q")
    assert first.exit_code == 0, first.output

    tested = cli("tasks", "test", "iris_classic", "evaluate", "2024-03-01", "-f", str(EXAMPLE))
    assert tested.exit_code == 0, tested.output
    assert "[iris_classic.evaluate] accuracy: 1.0000" in tested.output and "1 succeeded" in tested.output

    one = cli("materialize", "-f", str(EXAMPLE), "--select", "iris_classic.evaluate")
    assert one.exit_code == 0, one.output
    assert "[iris_classic.evaluate] accuracy: 1.0000" in one.output

    model = cli("assets", "load", "iris_classic.train", "--key", "model")
    assert model.exit_code == 0, model.output
    assert "LogisticRegression" in model.output
    missing = cli("assets", "load", "iris_classic.train", "--key", "modle")
    assert missing.exit_code == 3
    assert "Did you mean 'model'?" in missing.stderr

    rerun = cli("runs", "reexecute", _run_id(first.output), "--from", "iris_classic.evaluate")
    assert rerun.exit_code == 0, rerun.output
    assert "accuracy: 1.0000" in rerun.output and "1 succeeded" in rerun.output
    unknown = cli("runs", "reexecute", _run_id(first.output), "--from", "iris_classic.evaluat")
    assert unknown.exit_code == 2
    assert "Did you mean 'iris_classic.evaluate'" in unknown.stderr
