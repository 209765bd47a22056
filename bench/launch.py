"""Launching queued runs with a warm ``headwater daemon``: latency and throughput.

    python bench/launch.py                       # SQLite in a temporary HEADWATER_HOME
    python bench/launch.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Rows:

* submit-to-first-step latency: ``headwater.submit(...)`` of a one-step run, to the moment its
  step starts (its ``STEP_START`` event), with a daemon already running; median and p90 of
  20 (target: median <= 50 ms on SQLite). The daemon keeps a warm fork server with Headwater
  and the store imported; each run is a fresh process that loads the code location from disk;
* runs per second through the queue: ``--runs`` (100) one-step runs of an empty step
  submitted at once, from the first submit to the last run's end, under
  ``--max-concurrent-runs`` (4).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PIPELINE = '''
from headwater import asset


@asset
def empty() -> int:
    return 1
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="the run store (default: SQLite in a temporary home)")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--max-concurrent-runs", type=int, default=4)
    parser.add_argument("--poll-interval", type=float, default=0.02, help="the daemon's (seconds)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="headwater-bench-launch-") as folder:
        os.environ["HEADWATER_HOME"] = str(Path(folder) / "home")
        if args.database_url:
            os.environ["HEADWATER_DATABASE_URL"] = args.database_url
        location = Path(folder) / "pipeline.py"
        location.write_text(PIPELINE)

        import headwater
        from headwater.storage.instance import Instance

        with Instance.get() as instance:
            daemon = subprocess.Popen(
                [sys.executable, "-m", "headwater", "daemon", "--max-concurrent-runs", str(args.max_concurrent_runs), "--poll-interval", str(args.poll_interval)],
                stderr=subprocess.DEVNULL,
            )
            try:
                _wait(lambda: bool(instance.store.list_daemons()), 30)
                store = instance.store
                for _ in range(3):  # warm up: the fork server has imported everything
                    _run_once(headwater, instance, location)
                latencies = [_run_once(headwater, instance, location) for _ in range(args.samples)]
                latencies.sort()
                print(
                    f"submit-to-first-step latency, warm daemon ({store.dialect}): median "
                    f"{statistics.median(latencies) * 1000:.1f} ms, p90 "
                    f"{latencies[int(len(latencies) * 0.9) - 1] * 1000:.1f} ms, min {latencies[0] * 1000:.1f} ms "
                    f"(n={len(latencies)}; target: median <= 50 ms on SQLite)"
                )
                began = time.time()
                ids = [headwater.submit(location, force=True, instance=instance) for _ in range(args.runs)]
                _wait(lambda: all(store.get_run(run_id).status.finished for run_id in ids[-5:]), 600)
                _wait(lambda: all(store.get_run(run_id).status.finished for run_id in ids), 600)
                ended = max(store.get_run(run_id).ended_at or 0.0 for run_id in ids)
                failed = [run_id for run_id in ids if store.get_run(run_id).status.value != "SUCCESS"]
                print(
                    f"throughput: {args.runs} one-step runs in {ended - began:.2f} s = "
                    f"{args.runs / (ended - began):.1f} runs/s (max {args.max_concurrent_runs} at once"
                    f"{'; FAILED: ' + str(len(failed)) if failed else ''})"
                )
            finally:
                daemon.terminate()
                daemon.wait(timeout=30)


def _run_once(headwater: object, instance: object, location: Path) -> float:
    """Submit one run; seconds from the submit call to its step's start (then wait for its end)."""
    store = instance.store  # type: ignore[attr-defined]
    began = time.time()
    run_id = headwater.submit(location, force=True, instance=instance)  # type: ignore[attr-defined]
    started: list[float] = []

    def step_started() -> bool:
        started.extend(e.timestamp for e in store.get_events(run_id) if e.kind.value == "STEP_START")
        return bool(started)

    _wait(step_started, 60, pause=0.001)
    _wait(lambda: store.get_run(run_id).status.finished, 60)
    return started[0] - began


def _wait(condition: object, timeout: float, pause: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout} s")
        time.sleep(pause)


if __name__ == "__main__":
    main()
