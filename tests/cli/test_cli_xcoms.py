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


@pytest.mark.slow
def test_after_a_full_run_one_task_reads_its_upstream_xcoms_from_the_store(cli_process):
    """tasks test, --select of one task, assets load --key and reexecute --from, after one dags test.

    In processes of their own, as a user runs them (and so scikit-learn is never imported
    into the test process)."""
    first = cli_process("dags", "test", "iris_classic", "-f", str(EXAMPLE), "-q")
    assert first.returncode == 0, first.stdout + first.stderr

    tested = cli_process("tasks", "test", "iris_classic", "evaluate", "2024-03-01", "-f", str(EXAMPLE))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "[iris_classic.evaluate] accuracy: 1.0000" in tested.stdout and "1 succeeded" in tested.stdout

    one = cli_process("materialize", "-f", str(EXAMPLE), "--select", "iris_classic.evaluate")
    assert one.returncode == 0, one.stdout + one.stderr
    assert "[iris_classic.evaluate] accuracy: 1.0000" in one.stdout

    model = cli_process("assets", "load", "iris_classic.train", "--key", "model")
    assert model.returncode == 0, model.stdout + model.stderr
    assert "LogisticRegression" in model.stdout
    missing = cli_process("assets", "load", "iris_classic.train", "--key", "modle")
    assert missing.returncode == 3
    assert "Did you mean 'model'?" in missing.stderr

    rerun = cli_process("runs", "reexecute", _run_id(first.stdout), "--from", "iris_classic.evaluate")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "accuracy: 1.0000" in rerun.stdout and "1 succeeded" in rerun.stdout
    unknown = cli_process("runs", "reexecute", _run_id(first.stdout), "--from", "iris_classic.evaluat")
    assert unknown.returncode == 2
    assert "Did you mean 'iris_classic.evaluate'" in unknown.stderr
