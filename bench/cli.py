"""Whole-process time of the CLI on the examples, as a user sees it (process start to exit).

    python bench/cli.py            # best of 3 of each command, each in a fresh HEADWATER_HOME
    python bench/cli.py --quick    # only the two quick rows at the end (best of 10)
    python bench/cli.py --quick --compare main   # the quick rows of this tree and of REV's src,
                                                 # run in turn so both see the same load

Rows:

* ``headwater materialize -f examples/iris_pipeline.py`` (target: under 3 s on a 2-core
  machine; measured here for comparison: Dagster's ``dagster job execute`` ~8 s, Airflow 3's
  ``airflow dags test`` ~15 s, a Prefect 3 script ~19 s);
* ``headwater dags test iris_classic -f examples/airflow_iris_dag.py`` (target: under 3 s);
* the same ``materialize`` again in the same home, where every step is up to date.

Most of a run's time is importing scikit-learn, pandas and skops; the script prints
``import`` times of those alone, for reference.

Quick rows, the CLI's own cost (issue 11), in one home holding a materialized chain of
1,000 assets (:data:`CHAIN`, written to a temporary folder):

* ``headwater materialize -f chain.py --select '*'`` with nothing changed (target <= 0.5 s);
* ``headwater runs list`` (target <= 0.3 s).

Each is timed twice: ``warm``, through a warm CLI server (:mod:`headwater.cli.warm`, started
in a private folder and waited for before timing, stopped after), and ``cold``, with
``HEADWATER_CLI_SERVER=0`` (every call imports everything, as a first call does). The
targets are for the warm rows, the cold ones are printed for comparison.

Each prints the best wall time and the least CPU time (user + system) of the runs: on a
shared, loaded machine the wall time of a short process swings, its CPU time much less.
A warm command's CPU time is the client's plus that of the child the server forked for it
(read from the server's ``/proc/PID/stat``, as the CPU time of the children it reaped).
The commands run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` dropped), as an
installed package runs: a first, untimed run writes the ``__pycache__`` files.
"""

from __future__ import annotations

import argparse
import os
import resource
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
    env = {**os.environ, "HEADWATER_HOME": home, "HEADWATER_CLI_SERVER": "0"}  # cold: a first call
    started = time.perf_counter()
    done = subprocess.run([*headwater_bin(), *args], cwd=REPO, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"`headwater {' '.join(args)}` failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


CHAIN = '''"""A chain of 1,000 assets: step_0 -> step_1 -> ... -> step_999."""

from headwater import AssetIn, asset


@asset(name="step_0", cache=True)
def first() -> int:
    return 0


def _make(i: int) -> object:
    def step(prev: int) -> int:
        return prev + 1

    return asset(name=f"step_{i}", ins={"prev": AssetIn(f"step_{i - 1}")})(step)


for _i in range(1, 1000):
    globals()[f"step_{_i}"] = _make(_i)
'''
QUICK_TARGETS = {"materialize chain of 1000, nothing changed": 0.5, "runs list": 0.3}


class WarmServer:
    """A warm CLI server in a private folder of its own, for the warm rows."""

    def __init__(self, folder: str) -> None:
        self.folder = str(Path(folder, "servers"))
        os.mkdir(self.folder, 0o700)

    def env(self) -> dict[str, str]:
        return {"HEADWATER_CLI_SERVER": "1", "HEADWATER_CLI_SERVER_DIR": self.folder}

    def pid(self) -> int | None:
        """The server's pid, once it listens."""
        from headwater.cli.warm.control import running_servers

        pids = running_servers(self.folder)
        if len(pids) > 1:  # the commands' environment differs from the first one's (PYTHON* variables)
            raise SystemExit(f"the commands went to {len(pids)} CLI servers, not one")
        return pids[0] if pids and list(Path(self.folder).glob("*.sock")) else None

    def start(self, home: str, cwd: str) -> int:
        """Start the server (a first command does, then runs itself); its pid once it listens."""
        subprocess.run([*headwater_bin(), "info"], cwd=cwd, env=command_env(home, None, self), capture_output=True, check=True)
        return self.wait_ready()

    def wait_ready(self, limit: float = 120.0) -> int:
        deadline = time.monotonic() + limit
        while (pid := self.pid()) is None:
            if time.monotonic() > deadline:
                raise SystemExit(f"no CLI server started in {self.folder} within {limit} s")
            time.sleep(0.05)
        return pid

    def children_cpu(self) -> float:
        """CPU seconds of the commands the server forked and reaped so far."""
        pid = self.pid()
        if pid is None:
            raise SystemExit("the CLI server is gone")
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime, cstime

    def stop(self) -> None:
        from headwater.cli.warm.control import stop_servers

        stop_servers(self.folder)


def command_env(home: str, src: str | None, server: WarmServer | None) -> dict[str, str]:
    """The environment of a timed command (bytecode caching on, as an installed package runs)."""
    env = {**os.environ, "HEADWATER_HOME": home, "HEADWATER_CLI_SERVER": "0"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if src is not None:
        env["PYTHONPATH"] = src
    if server is not None:
        env.update(server.env())
    return env


def timed_with_cpu(
    args: list[str], home: str, cwd: str, src: str | None = None, server: WarmServer | None = None
) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child processes) of one ``headwater ARGS``.

    ``src``: run the ``headwater`` package found there instead of the installed one.
    ``server``: run through this warm server (its command's CPU time counted too); else
    with the server off.
    """
    env = command_env(home, src, server)
    served_before = server.children_cpu() if server is not None else 0.0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([*headwater_bin(), *args], cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"`headwater {' '.join(args)}` failed:\n{done.stdout}\n{done.stderr}")
    served = server.children_cpu() - served_before if server is not None else 0.0
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime) + served


def quick_rows(repeat: int, compare: str | None = None) -> bool:
    """Print the quick rows, warm and cold (and REV's, with ``compare``); True when the warm
    rows of this tree meet both targets."""
    print(f"Headwater CLI, whole process, quick commands (best of {repeat}; CPU = least user + system)\n")
    met = True
    with tempfile.TemporaryDirectory(prefix="headwater-bench-") as folder:
        Path(folder, "chain.py").write_text(CHAIN)
        home = str(Path(folder, "home"))
        trees: dict[str, str | None] = {"this tree": None}
        if compare is not None:
            trees[compare] = _extract_src(compare, folder)
        commands = {
            "materialize chain of 1000, nothing changed": ["materialize", "-f", "chain.py", "--select", "*"],
            "runs list": ["runs", "list"],
        }
        for src in trees.values():  # materialize it all, and write the bytecode caches
            timed_with_cpu(commands["materialize chain of 1000, nothing changed"], home, folder, src)
            timed_with_cpu(commands["runs list"], home, folder, src)
        server = WarmServer(folder)
        try:
            server.start(home, folder)
            for label, command in commands.items():
                runs: dict[str, tuple[str | None, WarmServer | None]] = {"warm": (None, server), "cold": (None, None)}
                runs.update({name: (src, None) for name, src in trees.items() if src is not None})
                times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
                for _ in range(repeat):
                    for name, (src, warm) in runs.items():  # in turn, so that all see the same load
                        times[name].append(timed_with_cpu(command, home, folder, src, warm))
                target = QUICK_TARGETS[label]
                shown = "headwater " + " ".join(repr(a) if a == "*" else a for a in command)
                for name in runs:
                    best = (min(wall for wall, _ in times[name]), min(cpu for _, cpu in times[name]))
                    verdict = "met" if best[0] <= target else "NOT met"
                    if name == "warm":
                        met = met and best[0] <= target
                    where = {"warm": "warm server", "cold": "HEADWATER_CLI_SERVER=0"}.get(name, f"{name}, cold")
                    print(f"  {shown:<52} {best[0]:6.3f} s  (CPU {best[1]:5.3f} s)  target <= {target} s: {verdict}  [{where}]")
        finally:
            server.stop()
    return met


def _extract_src(rev: str, folder: str) -> str:
    """Write ``src/`` as it is at git revision ``rev`` under ``folder``; the path of that ``src``."""
    target = Path(folder, "compare")
    target.mkdir()
    archive = subprocess.run(["git", "archive", rev, "src"], cwd=REPO, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return str(target / "src")


def import_seconds(module: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per command, best kept (default: 3)")
    parser.add_argument("--quick", action="store_true", help="only the quick rows (chain re-run, runs list)")
    parser.add_argument("--compare", metavar="REV", help="also time the quick rows of git revision REV's src/")
    args = parser.parse_args()
    if args.quick:
        quick_rows(max(args.repeat, 10), args.compare)
        return 0
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
    print(f"\ntarget: each example under {TARGET_S:.0f} s — worst {worst:.2f} s: {verdict}\n")
    quick_rows(max(args.repeat, 10), args.compare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
