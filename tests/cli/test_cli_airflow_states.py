"""``dags test`` and ``runs show`` of a DAG with a branch: skipped tasks, their reasons, a green run."""

from __future__ import annotations

import textwrap
from pathlib import Path

DAG_FILE = textwrap.dedent('''
    from headwater.airflow import DAG, BranchPythonOperator, EmptyOperator, PythonOperator

    def fail():
        raise RuntimeError("boom")

    with DAG("routes") as dag:
        pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "left")
        join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
        pick >> [EmptyOperator(task_id="left"), EmptyOperator(task_id="right")] >> join

    with DAG("broken") as broken:
        PythonOperator(task_id="work", python_callable=fail) >> EmptyOperator(task_id="after")
''')


def test_a_branch_run_succeeds_and_runs_show_gives_the_skip_reasons(cli, tmp_path: Path) -> None:
    path = tmp_path / "routes.py"
    path.write_text(DAG_FILE)
    ran = cli("dags", "test", "routes", "-f", str(path))
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    shown = cli("runs", "show", "latest").stdout
    assert "routes.right" in shown and "SKIPPED" in shown and "branch 'pick' chose 'left'" in shown


def test_a_failed_task_makes_its_downstream_upstream_failed_and_the_run_fail(cli, tmp_path: Path) -> None:
    path = tmp_path / "routes.py"
    path.write_text(DAG_FILE)
    assert cli("dags", "test", "broken", "-f", str(path)).exit_code == 1
    shown = cli("runs", "show", "latest").stdout
    assert "UPSTREAM_FAILED" in shown and "upstream 'broken.work' failed" in shown
