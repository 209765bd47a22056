"""The queue under load and under SIGKILL: every run once, none lost, the limits never exceeded.

Each run's one step appends a line to a marks file, so how often a run really executed is
counted from the file, not from the store that is being tested.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from headwater.storage.instance import Instance
from headwater.storage.records import Run, RunStatus

if TYPE_CHECKING:
    from conftest import Daemons

_SUBMITTER = """
import sys
import headwater
for n in range(int(sys.argv[2])):
    team = "ml" if n % 4 == 0 else "web"
    headwater.submit(sys.argv[1], force=True, tags={"team": team, "submitter": sys.argv[3]})
"""


def submit_from_processes(location: Path, processes: int, each: int) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-c", _SUBMITTER, str(location), str(each), str(n)], stderr=subprocess.PIPE)
        for n in range(processes)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err.decode()


def most_at_once(runs: list[Run]) -> int:
    """The largest number of runs whose [start, end] intervals overlap at one moment."""
    edges = sorted([(r.started_at, 1) for r in runs] + [(r.ended_at, -1) for r in runs])  # type: ignore[list-item]
    peak = current = 0
    for _, step in edges:  # at a tie, an end (-1) sorts before a start (+1)
        current += step
        peak = max(peak, current)
    return peak


def all_runs() -> list[Run]:
    with Instance.get() as instance:
        return instance.store.list_runs(limit=10_000)


def wait_all_finished(daemons: Daemons, count: int, timeout: float) -> list[Run]:
    def done() -> bool:
        runs = all_runs()
        return len(runs) == count and all(r.status.finished for r in runs)

    daemons.wait_until(done, timeout, f"{count} runs to finish")
    return all_runs()


@pytest.mark.slow
def test_eight_submitters_two_coordinators_every_run_once_within_the_limits(
    backend: str, daemons: Daemons, marks: Path, pipelines: Path
) -> None:
    limits = ["--max-concurrent-runs", "3", "--tag-limit", "team:ml=1"]
    daemons.start(*limits)
    daemons.start(*limits)
    submit_from_processes(pipelines / "queue_marks.py", processes=8, each=25)
    runs = wait_all_finished(daemons, 200, timeout=400)
    assert Counter(r.status for r in runs) == {RunStatus.SUCCESS: 200}, {r.error for r in runs if r.error}
    executions = Counter(row[0] for row in daemons.read_marks(marks))
    assert executions == Counter({r.run_id: 1 for r in runs})
    assert most_at_once(runs) <= 3
    assert most_at_once([r for r in runs if r.tags["team"] == "ml"]) <= 1
    assert len({r.claimed_by for r in runs}) == 2  # both coordinators took part


@pytest.mark.slow
def test_a_coordinator_killed_at_any_moment_loses_no_run_and_runs_none_twice(
    backend: str, daemons: Daemons, marks: Path, pipelines: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HW_STEP_SECONDS", "0.05")
    options = ["--max-concurrent-runs", "2", "--heartbeat-timeout", "1", "--poll-interval", "0.005"]
    daemons.start(*options)
    victim = daemons.start(*options)
    submit_from_processes(pipelines / "queue_marks.py", processes=2, each=20)
    rng = random.Random(11)
    for _ in range(4):
        time.sleep(rng.uniform(0.05, 0.6))
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        victim = daemons.start(*options, wait=False)
    runs = wait_all_finished(daemons, 40, timeout=300)
    assert Counter(r.status for r in runs) == {RunStatus.SUCCESS: 40}, [r.error for r in runs if r.error]
    executions = Counter(row[0] for row in daemons.read_marks(marks))
    assert executions == Counter({r.run_id: 1 for r in runs})
    assert most_at_once(runs) <= 2
