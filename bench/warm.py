"""What do warm executors save? Two ``materialize()`` calls in one process, cold and warm.

The graph is eight independent steps of 0.5 s each, run on four workers, so the work
itself takes 1.0 s::

    sleep_0   sleep_1   ...   sleep_7        (each time.sleep(0.5))

For the ``process`` and ``dask`` executors it times two calls in a row, each in a fresh
temporary store:

* cold: ``executor_config={"warm": False}``: each call starts its workers (a process pool,
  a ``LocalCluster``) and stops them at its end, as every call did before warm executors;
* warm: the default: the first call starts the workers, the second reuses them.

    python bench/warm.py                  # both executors
    python bench/warm.py --executor dask  # one

Target: a warm second call within 0.3 s of the work itself (1.0 s).
"""

from __future__ import annotations

import argparse
import time
import warnings

WORKERS = 4
STEPS = 8
STEP_S = 0.5
TARGET_WARM_OVERHEAD_S = 0.3


def _assets() -> list[object]:
    from headwater import asset

    assets = []
    for i in range(STEPS):

        def sleep() -> int:  # one function per asset: a function is one asset
            time.sleep(STEP_S)
            return 0

        assets.append(asset(name=f"sleep_{i}")(sleep))
    return assets


def _call(executor: str, warm: bool) -> float:
    from headwater import materialize
    from headwater.execution.observer import NullObserver

    started = time.perf_counter()
    result = materialize(
        _assets(), executor=executor, max_concurrency=WORKERS, observer=NullObserver(),
        executor_config={"warm": warm},
    )
    elapsed = time.perf_counter() - started
    assert result.success, result
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--executor", choices=["process", "dask"], nargs="+", default=["process", "dask"])
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="Port .* is already in use")  # Dask's dashboard, elsewhere
    from headwater.execution.executors import warm

    work = STEPS * STEP_S / WORKERS
    print(f"{STEPS} steps x {STEP_S} s on {WORKERS} workers: {work:.1f} s of work per call\n")
    print(f"{'executor':10} {'mode':6} {'call 1 s':>9} {'call 2 s':>9} {'call 2 overhead s':>18}")
    print("-" * 56)
    worst = 0.0
    for executor in args.executor:
        for mode in ("cold", "warm"):
            times = [_call(executor, mode == "warm") for _ in range(2)]
            print(f"{executor:10} {mode:6} {times[0]:9.2f} {times[1]:9.2f} {times[1] - work:18.2f}")
            if mode == "warm":
                worst = max(worst, times[1] - work)
            warm.close_all()
    verdict = "met" if worst <= TARGET_WARM_OVERHEAD_S else "NOT met"
    print(f"\ntarget: a warm second call within {TARGET_WARM_OVERHEAD_S} s of the work: worst {worst:.2f} s — {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
