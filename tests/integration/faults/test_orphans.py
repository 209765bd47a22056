"""``kill -9`` of the CLI alone leaves no worker process behind, and nothing is stored after it.

``faults_long_steps`` runs two long steps on the process pool: ``long_a`` on a worker forked
from the run's process, ``restarted`` (after killing its first worker) on one started from the
fork server. The CLI is killed while both work; every process it had started must be gone
within a few seconds, and neither step may store a value or be recorded as materialized.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from headwater.storage.instance import Instance
from headwater.storage.records import RunStatus

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

PIPELINE = Path(__file__).parents[2] / "pipelines" / "faults_long_steps.py"
STEP_SECONDS = 8.0
#: how soon the workers must be gone after the kill (they are gone in well under a second)
GONE_WITHIN_S = 5.0


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    living = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                living.append(process)
        except psutil.NoSuchProcess:
            pass
    return living


def _wait_for(paths: list[Path], cli: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        if cli.poll() is not None:
            raise AssertionError(f"the run ended (exit {cli.returncode}) before its steps started: {cli.stdout.read()!r}")
        if time.monotonic() > deadline:
            raise AssertionError(f"steps did not start within {timeout}s")
        time.sleep(0.05)


def test_killing_the_cli_kills_its_workers_and_stores_nothing(tmp_path: Path, headwater_home: Path) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    # a heartbeat timeout well under the wait below, so that `runs list` finds the run lost
    # kill -9 of the process running the command: without the warm CLI server, where the
    # command is this process (through the server, a killed client interrupts its command as
    # Ctrl-C does: tests/cli/test_cli_server.py)
    env = {**os.environ, "HW_PID_DIR": str(pids), "HW_STEP_SECONDS": str(STEP_SECONDS), "HEADWATER_HEARTBEAT_TIMEOUT": "2",
           "HEADWATER_CLI_SERVER": "0"}
    cli = subprocess.Popen(
        [sys.executable, "-m", "headwater", "materialize", "-f", str(PIPELINE), "--executor", "process",
         "--max-concurrency", "2", "--quiet"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        _wait_for([pids / "long_a-1.pid", pids / "restarted-2.pid"], cli)
        family = psutil.Process(cli.pid).children(recursive=True)
        step_pids = {int((pids / name).read_text()) for name in ("long_a-1.pid", "restarted-2.pid")}
        # the fork server and its worker are in the family too (the server is the CLI's child)
        assert step_pids <= {p.pid for p in family}
    finally:
        cli.send_signal(signal.SIGKILL)
        cli.wait()
    killed_at = time.monotonic()
    gone_by = killed_at + GONE_WITHIN_S
    while _alive(family) and time.monotonic() < gone_by:
        time.sleep(0.05)
    left = [(p.pid, p.name()) for p in _alive(family)]
    assert left == [], f"processes of the killed run still alive {GONE_WITHIN_S}s later: {left}"

    # Past the moment the steps would have finished: nothing of theirs is stored.
    time.sleep(max(0.0, killed_at + STEP_SECONDS + 2 - time.monotonic()))
    artifacts = headwater_home / "artifacts"
    stored = [p for p in artifacts.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")] if artifacts.exists() else []
    assert stored == []
    listed = subprocess.run([sys.executable, "-m", "headwater", "runs", "list"], env=env, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    with Instance.get() as instance:
        assert instance.store.get_materializations() == []
        runs = instance.store.list_runs()
        assert len(runs) == 1 and runs[0].status is RunStatus.FAILURE  # the next command closed it, lost


def test_killing_the_cli_kills_the_child_running_a_step_with_a_timeout(tmp_path: Path, headwater_home: Path) -> None:
    """In-process, a step with ``timeout=`` runs in a forked child of the run: it must die too."""
    pids = tmp_path / "pids"
    pids.mkdir()
    env = {**os.environ, "HW_PID_DIR": str(pids), "HW_STEP_SECONDS": str(STEP_SECONDS), "HEADWATER_CLI_SERVER": "0"}  # as above
    cli = subprocess.Popen(
        [sys.executable, "-m", "headwater", "materialize", "-f", str(PIPELINE), "--select", "bounded", "--quiet"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        _wait_for([pids / "bounded-1.pid"], cli)
        family = psutil.Process(cli.pid).children(recursive=True)
        assert int((pids / "bounded-1.pid").read_text()) in {p.pid for p in family}
    finally:
        cli.send_signal(signal.SIGKILL)
        cli.wait()
    gone_by = time.monotonic() + GONE_WITHIN_S
    while _alive(family) and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert [(p.pid, p.name()) for p in _alive(family)] == []
