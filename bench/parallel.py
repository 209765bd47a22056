"""Parallel executors: wall time of independent steps, and the cost of handing a frame over.

Three measurements, each run with the real stores in a temporary ``HEADWATER_HOME``::

    sleep:    step_0 .. step_7, independent, each sleeping 0.5 s, on 4 workers
              (ideal: 2 waves of 0.5 s = 1.0 s)
    handoff:  produce ──> consume       a 5,000,000 x 3 float64 DataFrame (120 MB)

* ``sleep`` on the process pool (target <= 1.15 s) and on a ``LocalCluster`` of 4 worker
  processes (target <= 1.4 s). The time is the wall time of the whole ``execute`` call:
  planning, recording the run in SQLite, starting the worker processes (the process pool
  starts its workers per run; the first pool of a process also starts the fork server),
  importing what the steps need in the workers, running, and shutting the pool down. For
  Dask, starting the ``LocalCluster`` is excluded and printed on its own line, as a
  cluster is normally started once and shared by many runs.
* ``handoff`` on the process pool. What the target compares is the cost of the handoff
  itself: the producer's step writing the frame to the artifact store plus the consumer's
  step reading it back (each step's recorded duration less the time the user's own code
  took in it, which each step logs as a metric: building the frame, summing it), against
  writing it as Parquet and reading it back directly in one process (target: at most
  1.5x). The whole run's wall time (pool start-up, imports in the workers, building and
  summing included) is printed beside it, against the same work done directly. All are the
  best of 3 (the machine is shared and noisy). Peak memory is the highest sum of the
  resident set sizes of this process's children (workers, fork server) plus this process's
  own rise during the run, sampled every 5 ms with psutil; it is printed in absolute
  terms, and less the peak of the same run on a 10-row frame (the same processes and
  imports without the data): what the data costs (target: under 2.5x the frame's 120 MB).

    python bench/parallel.py                # all three
    python bench/parallel.py --only sleep   # or: handoff
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROWS, COLUMNS, SLEEP, STEPS, WORKERS, REPEAT = 5_000_000, 3, 0.5, 8, 4, 3
FRAME_BYTES = ROWS * COLUMNS * 8


def sleep_assets() -> list[Any]:
    from headwater import asset

    def make(index: int) -> Any:
        def sleeper() -> int:
            time.sleep(SLEEP)
            return index

        sleeper.__name__ = sleeper.__qualname__ = f"step_{index}"
        return asset(sleeper)

    return [make(i) for i in range(STEPS)]


def make_frame(rows: int = ROWS) -> Any:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    return pd.DataFrame({name: rng.standard_normal(rows) for name in ["a", "b", "c"]})


def total_of(frame: Any) -> float:
    return float(frame.sum().sum())


def handoff_assets(rows: int = ROWS) -> list[Any]:
    import pandas as pd

    from headwater import asset

    @asset(check_types=False)
    def produce(context) -> pd.DataFrame:
        started = time.perf_counter()
        frame = make_frame(rows)
        context.log_metric("user_s", time.perf_counter() - started)
        return frame

    @asset(check_types=False)
    def consume(context, produce: pd.DataFrame) -> float:
        started = time.perf_counter()
        total = total_of(produce)
        context.log_metric("user_s", time.perf_counter() - started)
        return total

    return [produce, consume]


def run(assets: list[Any], executor: str, **options: Any) -> tuple[float, Any, float]:
    """Run ``assets``; returns the wall time, the values, and the steps' time outside user code."""
    from headwater.definitions.loading import collect
    from headwater.execution.run import execute
    from headwater.storage.instance import Instance

    location = collect(assets, name="bench")
    with Instance.ephemeral() as instance:
        start = time.perf_counter()
        result = execute(location, instance=instance, executor=executor, **options)
        elapsed = time.perf_counter() - start
        assert result.success, result.failures
        values = {key: result.output_for(key) for key in result.steps}
        user = sum(m.value for m in instance.store.get_metrics(run_id=result.run_id, name="user_s"))
        in_steps = sum(record.duration or 0.0 for record in result.steps.values())
    return elapsed, values, in_steps - user


class PeakMemory:
    """Samples, in a thread, the summed RSS of this process's children plus this process's
    own rise since the block began (what it held before is not the run's doing)."""

    def __init__(self, interval: float = 0.005) -> None:
        import psutil

        self._me = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self._mine = self._me.memory_info().rss
        self.peak = 0
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _total(self) -> int:
        total = max(0, self._me.memory_info().rss - self._mine)
        for process in self._me.children(recursive=True):
            try:
                total += process.memory_info().rss
            except Exception:  # noqa: BLE001 -- a worker that just exited
                pass
        return total

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._total())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def bench_sleep() -> None:
    assets = sleep_assets()
    for attempt in ("first pool of this process", "second pool"):
        elapsed, _, _ = run(assets, "process", max_concurrency=WORKERS)
        print(f"sleep   process pool ({attempt}): {STEPS} x {SLEEP}s on {WORKERS} workers: {elapsed:.3f} s"
              f"  (target <= 1.15 s)")

    import dask
    import distributed

    start = time.perf_counter()
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
        )
    print(f"sleep   LocalCluster start ({WORKERS} worker processes, excluded below): {time.perf_counter() - start:.3f} s")
    try:
        for attempt in ("first run on fresh workers", "second run"):
            elapsed, _, _ = run(assets, "dask", executor_config={"dask_address": cluster.scheduler_address})
            print(f"sleep   dask LocalCluster ({attempt}): {STEPS} x {SLEEP}s on {WORKERS} workers: {elapsed:.3f} s"
                  f"  (target <= 1.4 s)")
    finally:
        cluster.close()


def bench_handoff() -> None:
    import pandas as pd

    # The same two steps on a 10-row frame: the processes, imports and pool, without the data.
    with PeakMemory() as empty:
        run(handoff_assets(rows=10), "process", max_concurrency=2)
    walls, handoffs = [], []
    for _ in range(REPEAT):
        with PeakMemory() as memory:
            wall, values, handoff = run(handoff_assets(), "process", max_concurrency=2)
        walls.append(wall)
        handoffs.append(handoff)

    direct_walls, direct_handoffs = [], []
    for _ in range(REPEAT):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "frame.parquet"
            start = time.perf_counter()
            frame = make_frame()
            written = time.perf_counter()
            frame.to_parquet(path)
            del frame
            read = time.perf_counter()
            back = pd.read_parquet(path)
            summed = time.perf_counter()
            total = total_of(back)
            end = time.perf_counter()
            direct_walls.append(end - start)
            direct_handoffs.append((read - written) + (summed - read))

    assert abs(values["consume"] - total) < 1e-6 * abs(total) + 1e-6
    handoff, direct_handoff = min(handoffs), min(direct_handoffs)
    print(f"handoff direct: write the frame as Parquet and read it back: {direct_handoff:.3f} s (best of {REPEAT})")
    print(
        f"handoff process pool: the producer storing it plus the consumer loading it: {handoff:.3f} s "
        f"(best of {REPEAT}; all: {', '.join(f'{t:.2f}' for t in handoffs)}) = {handoff / direct_handoff:.2f}x direct"
        f"  (target <= 1.5x)"
    )
    wall, direct_wall = min(walls), min(direct_walls)
    print(
        f"handoff whole run (pool start-up and worker imports included): {wall:.3f} s, against {direct_wall:.3f} s "
        f"for building, writing, reading and summing directly = {wall / direct_wall:.2f}x"
    )
    mb = 1024 * 1024
    data = memory.peak - empty.peak
    print(
        f"handoff peak RSS (2 workers + fork server + this process's rise): {memory.peak / mb:.0f} MiB; the same run "
        f"on a 10-row frame peaks at {empty.peak / mb:.0f} MiB, so the data costs {data / mb:.0f} MiB = "
        f"{data / FRAME_BYTES:.2f}x the {FRAME_BYTES / mb:.0f} MiB frame  (target < 2.5x)"
    )


BENCHES: dict[str, Callable[[], None]] = {"sleep": bench_sleep, "handoff": bench_handoff}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=sorted(BENCHES))
    parser.add_argument("--quiet-header", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only is None:
        # Each measurement in a fresh interpreter: a LocalCluster leaves threads behind,
        # which would change how the next process pool starts its workers.
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
        for name in BENCHES:
            subprocess.run([sys.executable, __file__, "--only", name, "--quiet-header"], check=True)
        return
    home = tempfile.mkdtemp(prefix="headwater-bench-")
    os.environ["HEADWATER_HOME"] = home
    if not args.quiet_header:
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    BENCHES[args.only]()


if __name__ == "__main__":
    main()
