"""The scheduler killed with SIGKILL at random moments: are ticks fired exactly once?

A real ``headwater scheduler`` process (real clock) fires an Airflow DAG on
``schedule=timedelta(seconds=1)`` with ``catchup=True`` (so what is missed while it is down
runs when it is back). It is killed with SIGKILL (its whole process group) at ``--kills``
random moments during ``--ticks`` ticks and restarted each time; then the run store is
read: every interval must have exactly one run.

    python bench/scheduler_faults.py                    # 1,000 ticks, 50 kills (about 17 minutes)
    python bench/scheduler_faults.py --ticks 60 --kills 10

It prints the counts (ticks expected, runs, duplicates, missing). Runs are queued and not
launched (``--max-concurrent-runs 0``): what is measured is the scheduler's firing.
``tests/integration/scheduling/test_scheduler_faults.py`` runs it at 60 ticks and 10 kills.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

DAG_FILE = """
from datetime import datetime, timedelta, timezone
from headwater.airflow import DAG, EmptyOperator

with DAG("every_second", schedule=timedelta(seconds=1), start_date=datetime.fromtimestamp({start}, timezone.utc),
         catchup=True, max_active_runs=1_000_000, is_paused_upon_creation=False) as dag:
    EmptyOperator(task_id="nothing")
"""


@dataclass(frozen=True)
class Counts:
    """What the run store holds after the faults."""

    expected: int
    #: runs of the expected intervals (the scheduler goes on firing while the counts are read)
    runs: int
    duplicates: int
    missing: int
    kills: int


def _spawn(dag_file: Path, home: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HEADWATER_HOME": str(home)}
    command = [sys.executable, "-m", "headwater", "scheduler", "-f", str(dag_file), "--max-concurrent-runs", "0"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _kill(process: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass
    process.wait()


def _interval_starts(home: Path) -> list[str]:
    from headwater.storage.instance import Instance
    from headwater.storage.records import RunsFilter

    os.environ["HEADWATER_HOME"] = str(home)
    with Instance.get() as instance:
        runs = instance.store.list_runs(limit=10**7, filters=RunsFilter(tags={"dagster/schedule_name": "every_second_schedule"}))
    return [run.tags["data_interval_start"] for run in runs]


def run_with_kills(workdir: Path, *, ticks: int, kills: int, seed: int = 0) -> Counts:
    """Fire ``ticks`` one-second ticks through a scheduler killed ``kills`` times; the counts."""
    rng = random.Random(seed)
    home = workdir / "home"
    start = int(time.time()) + 3
    dag_file = workdir / "every_second.py"
    dag_file.write_text(textwrap.dedent(DAG_FILE.format(start=start)))
    end = start + ticks  # the last tick: the interval [end - 1, end)
    kill_times = sorted(rng.uniform(start, end) for _ in range(kills))
    process = _spawn(dag_file, home)
    try:
        for moment in kill_times:
            time.sleep(max(0.0, moment - time.time()))
            _kill(process, signal.SIGKILL)
            process = _spawn(dag_file, home)
        deadline = end + 120
        last = datetime.fromtimestamp(end - 1, UTC).isoformat()
        while time.time() < deadline and last not in _interval_starts(home):
            time.sleep(0.5)
    finally:
        _kill(process, signal.SIGTERM)
    seen = Counter(_interval_starts(home))
    expected = {datetime.fromtimestamp(start, UTC) + timedelta(seconds=k) for k in range(ticks)}
    wanted = {moment.isoformat() for moment in expected}
    duplicates = sum(count - 1 for count in seen.values() if count > 1)
    return Counts(len(wanted), sum(seen[w] for w in wanted), duplicates, len(wanted - set(seen)), kills)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        counts = run_with_kills(Path(folder), ticks=args.ticks, kills=args.kills, seed=args.seed)
        took = time.perf_counter() - began
    print(f"ticks expected {counts.expected}, runs {counts.runs}, duplicates {counts.duplicates}, "
          f"missing {counts.missing}, SIGKILLs {counts.kills}, {took:.0f} s")


if __name__ == "__main__":
    main()
