"""A run whose process is killed outright is closed by its heartbeat, from any process.

The foreground ``headwater materialize`` of ``lifecycle_steps`` (``done_first -> talky ->
after``) is killed with SIGKILL, supervisor and all (as when a machine is lost), while
``talky`` works: nothing of it can write its end. With a heartbeat timeout of 2 s, the
check that the run coordinator makes on every loop closes the run within that timeout of
the kill, as failed, ended when last heard of, ``talky`` failed as a lost worker. A new run
then reruns ``talky`` and ``after`` and skips ``done_first``, which really is complete.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from headwater.errors import FailureKind
from headwater.scheduling.recovery import LOST, close_lost_runs
from headwater.storage.instance import Instance
from headwater.storage.records import RunStatus, StepStatus

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

PIPELINE = Path(__file__).parents[2] / "pipelines" / "lifecycle_steps.py"
TIMEOUT_S = 2.0
#: room for a loaded machine between the timeout running out and the check seeing it
MARGIN_S = 1.0


def materialize(pids: Path, step_seconds: float) -> subprocess.Popen[str]:
    # kill -9 of the process running the command: without the warm CLI server, where the
    # command is this process (through the server, a killed client interrupts its command as
    # Ctrl-C does: tests/cli/test_cli_server.py)
    return subprocess.Popen(
        [sys.executable, "-m", "headwater", "materialize", "-f", str(PIPELINE), "--executor", "process"],
        env={**os.environ, "HW_PID_DIR": str(pids), "HW_STEP_SECONDS": str(step_seconds),
             "HEADWATER_HEARTBEAT_TIMEOUT": str(TIMEOUT_S), "HEADWATER_CLI_SERVER": "0"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )


def test_a_killed_run_is_closed_within_its_timeout_and_the_next_run_resumes(tmp_path: Path, any_instance: Instance) -> None:
    store = any_instance.store
    cli = materialize(tmp_path, 60)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "talky-1.pid").exists():
            assert cli.poll() is None, cli.communicate()[0]
            assert time.monotonic() < deadline, "talky did not start"
            time.sleep(0.02)
        time.sleep(0.5)  # what ended before is written within 0.1 s (the recorder's bound)
    finally:
        os.killpg(cli.pid, signal.SIGKILL)
        killed = time.time()
        cli.wait()
    assert close_lost_runs(store) == []  # it beat well within the timeout of now
    (run,) = store.list_runs()
    assert run.status is RunStatus.STARTED
    while not close_lost_runs(store):
        assert time.time() - killed < TIMEOUT_S + MARGIN_S, "the lost run was not closed within its timeout"
        time.sleep(0.05)
    run = store.get_run(run.run_id)
    assert (run.status, run.error) == (RunStatus.FAILURE, LOST)
    assert run.ended_at is not None and killed - TIMEOUT_S / 4 - MARGIN_S <= run.ended_at <= killed
    steps = {s.step_key: s for s in store.get_steps(run.run_id)}
    assert steps["done_first"].status is StepStatus.SUCCESS
    assert (steps["talky"].status, steps["talky"].failure_kind, steps["talky"].error) == (
        StepStatus.FAILURE, FailureKind.WORKER_LOST, LOST
    )
    assert "after" not in steps

    again = materialize(tmp_path, 0)
    output, _ = again.communicate(timeout=120)
    assert again.returncode == 0, output
    latest = store.list_runs()[0]
    assert latest.run_id != run.run_id and latest.status is RunStatus.SUCCESS
    assert {s.step_key: s.status for s in store.get_steps(latest.run_id)} == {
        "done_first": StepStatus.UP_TO_DATE, "talky": StepStatus.SUCCESS, "after": StepStatus.SUCCESS,
    }
