"""``schedules start|stop|ticks``, ``dags pause|unpause`` and ``headwater scheduler``: the state is
stored, the scheduler fires what is running, and the ticks it fired are listed."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

DAG_FILE = """
from datetime import datetime, timedelta, timezone
from headwater.airflow import DAG, PythonOperator

with DAG("etl", schedule=timedelta(seconds=1), start_date=datetime.fromtimestamp({start}, timezone.utc),
         catchup=True, max_active_runs=100) as dag:
    PythonOperator(task_id="extract", python_callable=lambda: 1)
"""


def write_dag(tmp_path: Path, start: int) -> str:
    path = tmp_path / "etl.py"
    path.write_text(textwrap.dedent(DAG_FILE.format(start=start)))
    return str(path)


def test_pause_unpause_start_stop_are_stored_and_unknown_names_are_refused(cli, tmp_path) -> None:
    dag_file = write_dag(tmp_path, 1_700_000_000)
    listed = cli("schedules", "list", "-f", dag_file)
    assert "STOPPED" in listed.stdout  # a new DAG starts paused
    assert cli("dags", "unpause", "etl", "-f", dag_file).stdout.strip() == "Dag: etl, paused: False"
    assert "RUNNING" in cli("schedules", "list", "-f", dag_file).stdout
    assert "is STOPPED" in cli("schedules", "stop", "etl_schedule", "-f", dag_file).stdout
    assert "STOPPED" in cli("schedules", "list", "-f", dag_file).stdout
    assert "is RUNNING" in cli("schedules", "start", "etl_schedule", "-f", dag_file).stdout
    unknown = cli("dags", "pause", "elt", "-f", dag_file)
    assert unknown.exit_code == 2 and "no DAG 'elt'" in unknown.stderr and "etl" in unknown.stderr
    missing = cli("schedules", "start", "nightly", "-f", dag_file)
    assert missing.exit_code == 2 and "no schedule 'nightly'" in missing.stderr
    assert "No ticks recorded" in cli("schedules", "ticks").stdout


def test_the_scheduler_fires_an_unpaused_dag_and_its_runs_run(cli, cli_process, tmp_path, home) -> None:
    start = int(time.time()) + 1
    dag_file = write_dag(tmp_path, start)
    import os
    import signal
    import subprocess
    import sys

    cli("dags", "unpause", "etl", "-f", dag_file)
    env = {**os.environ, "HEADWATER_HOME": str(home)}
    daemon = subprocess.Popen([sys.executable, "-m", "headwater", "scheduler", "-f", dag_file], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            ticks = cli("schedules", "ticks", "etl_schedule").stdout
            runs = cli("runs", "list").stdout  # a loaded machine starts the runs seconds after their ticks
            if ticks.count("SUCCESS") >= 3 and "SUCCESS" in runs:
                break
            time.sleep(0.5)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=30)
    assert ticks.count("SUCCESS") >= 3, err
    assert "SUCCESS" in runs and "etl" in runs, err
