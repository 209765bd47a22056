"""Whole-process time of the CLI on the examples, as a user sees it (process start to exit).

    python bench/cli.py            # best of 3 of each command, each in a fresh HEADWATER_HOME

Rows:

* ``headwater materialize -f examples/iris_pipeline.py`` (target: under 3 s on a 2-core
  machine; measured here for comparison: Dagster's ``dagster job execute`` ~8 s, Airflow 3's
  ``airflow dags test`` ~15 s, a Prefect 3 script ~19 s);
* ``headwater dags test iris_classic -f examples/airflow_iris_dag.py`` (target: under 3 s);
* the same ``materialize`` again in the same home, where every step is up to date.

Most of a run's time is importing scikit-learn, pandas and skops; the script prints
``import`` times of those alone, for reference.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 3.0
COMMANDS = {
    "materialize iris_pipeline": ["materialize", "-f", "examples/iris_pipeline.py", "--quiet"],
    "dags test iris_classic": ["dags", "test", "iris_classic", "-f", "examples/airflow_iris_dag.py", "--quiet"],
}


def headwater_bin() -> list[str]:
    """The installed ``headwater`` script next to this interpreter, as a user runs it."""
    script = Path(sys.executable).with_name("headwater")
    return [str(script)] if script.exists() else [sys.executable, "-m", "headwater"]


def timed(args: list[str], home: str) -> float:
    env = {**os.environ, "HEADWATER_HOME": home}
    started = time.perf_counter()
    done = subprocess.run([*headwater_bin(), *args], cwd=REPO, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"`headwater {' '.join(args)}` failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def import_seconds(module: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per command, best kept (default: 3)")
    args = parser.parse_args()
    print(f"Headwater CLI, whole process (best of {args.repeat}, fresh HEADWATER_HOME each)\n")
    worst = 0.0
    for label, command in COMMANDS.items():
        times = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="headwater-bench-") as home:
                times.append(timed(command, home))
        best = min(times)
        worst = max(worst, best)
        print(f"  headwater {label:<28} {best:6.2f} s   (all: {', '.join(f'{t:.2f}' for t in times)})")
    with tempfile.TemporaryDirectory(prefix="headwater-bench-") as home:
        timed(COMMANDS["materialize iris_pipeline"], home)
        rerun = min(timed(COMMANDS["materialize iris_pipeline"], home) for _ in range(args.repeat))
    print(f"  headwater materialize, all up to date     {rerun:6.2f} s")
    print("\nfor reference, `python -c 'import X'` alone:")
    for module in ("sklearn.linear_model", "pandas", "skops.io", "sqlalchemy", "headwater"):
        print(f"  {module:<22} {import_seconds(module):6.2f} s")
    verdict = "met" if worst < TARGET_S else "NOT met"
    print(f"\ntarget: each example under {TARGET_S:.0f} s — worst {worst:.2f} s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
