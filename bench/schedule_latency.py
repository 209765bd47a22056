"""From a tick's time to its run's first step starting, on a warm ``headwater scheduler``.

A DAG on ``schedule=timedelta(seconds=1)`` (``catchup=False``) is fired by a real
``headwater scheduler`` process (which also launches the runs, each in a fresh process
forked from its warm fork server). After a warm-up, the delay from each tick's scheduled
time to the start of its run's first step is read from the run store, over ``--ticks``
ticks, and the median and 95th percentile printed.

    python bench/schedule_latency.py              # 60 ticks
    python bench/schedule_latency.py --ticks 20
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import datetime
from pathlib import Path

DAG_FILE = """
from datetime import datetime, timedelta, timezone
from headwater.airflow import DAG, EmptyOperator

with DAG("latency", schedule=timedelta(seconds=1), start_date=datetime.fromtimestamp({start}, timezone.utc),
         catchup=False, is_paused_upon_creation=False) as dag:
    EmptyOperator(task_id="first")
"""
WARM_UP = 5


def delays(home: Path) -> list[float]:
    """Seconds from each scheduled tick to its run's first step start (runs that started)."""
    from headwater.storage.instance import Instance
    from headwater.storage.records import RunsFilter

    os.environ["HEADWATER_HOME"] = str(home)
    found = []
    with Instance.get() as instance:
        runs = instance.store.list_runs(limit=10**6, filters=RunsFilter(tags={"dagster/schedule_name": "latency_schedule"}))
        for run in runs:
            starts = [s.started_at for s in instance.store.get_steps(run.run_id) if s.started_at is not None]
            if starts:
                tick = datetime.fromisoformat(run.tags["dagster/scheduled_execution_time"]).timestamp()
                found.append((tick, min(starts) - tick))
    return [delay for _, delay in sorted(found)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        dag_file = Path(folder) / "latency.py"
        dag_file.write_text(textwrap.dedent(DAG_FILE.format(start=int(time.time()))))
        env = {**os.environ, "HEADWATER_HOME": str(home)}
        daemon = subprocess.Popen(
            [sys.executable, "-m", "headwater", "scheduler", "-f", str(dag_file)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            time.sleep(WARM_UP + args.ticks + 2)
        finally:
            os.killpg(daemon.pid, signal.SIGTERM)
            daemon.wait()
        measured = delays(home)[WARM_UP:][: args.ticks]
    if len(measured) < 2:
        print(f"only {len(measured)} runs started: nothing to measure")
        return
    p95 = statistics.quantiles(measured, n=20)[-1]
    print(f"tick to first step, {len(measured)} ticks: median {statistics.median(measured) * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms, max {max(measured) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
