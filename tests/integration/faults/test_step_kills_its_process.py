"""A step that kills its own process on the in-process or thread executor is named.

``faults_dies_in_step``: ``made`` and ``also_made`` succeed, then ``dies`` segfaults (or calls
``os._exit(3)``) 0.3 s later. The CLI must say which step killed the process and how, exit 1,
record the run and that step as failed, and keep what the earlier steps materialized.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from headwater.storage.instance import Instance
from headwater.storage.records import RunStatus, StepStatus

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

PIPELINE = Path(__file__).parents[2] / "pipelines" / "faults_dies_in_step.py"


@pytest.mark.parametrize(
    ("executor", "death", "how"),
    [
        ("in_process", "segfault", "exit code -11 (killed by SIGSEGV: a crash in native code)"),
        ("in_process", "exit", "exit code 3"),
        ("thread", "segfault", "exit code -11 (killed by SIGSEGV: a crash in native code)"),
    ],
)
def test_the_step_that_killed_the_process_is_named(executor: str, death: str, how: str, headwater_home: Path) -> None:
    cli = subprocess.run(
        [sys.executable, "-m", "headwater", "materialize", "-f", str(PIPELINE), "--executor", executor],
        env={**os.environ, "HW_DEATH": death}, capture_output=True, text=True, timeout=120,
    )
    message = f"the process died while running step 'dies': {how}"
    assert cli.returncode == 1, cli.stderr
    assert f"error: {message}" in cli.stderr
    with Instance.get() as instance:
        (run,) = instance.store.list_runs()
        assert run.status is RunStatus.FAILURE and run.error == message
        steps = {s.step_key: s for s in instance.store.get_steps(run.run_id)}
        assert steps["dies"].status is StepStatus.FAILURE and steps["dies"].error == message
        assert steps["made"].status is StepStatus.SUCCESS and steps["also_made"].status is StepStatus.SUCCESS
        kept = {m.asset_key for m in instance.store.get_materializations(run_id=run.run_id)}
        assert kept == {"made", "also_made"}
        # and what they stored is whole: the values load back
        values = {
            m.asset_key: instance.artifacts.get(m.artifact_uri, m.serializer, size_bytes=m.size_bytes)
            for m in instance.store.get_materializations(run_id=run.run_id)
        }
        assert values == {"made": 41, "also_made": "kept"}


def test_sigterm_to_the_cli_reaches_the_run_and_names_the_step(tmp_path: Path, headwater_home: Path) -> None:
    """The supervisor passes SIGTERM on; the run it ends is closed, naming the step it stopped."""
    import signal
    import time

    pids = tmp_path / "pids"
    pids.mkdir()
    long_steps = PIPELINE.parent / "faults_long_steps.py"
    cli = subprocess.Popen(
        [sys.executable, "-m", "headwater", "materialize", "-f", str(long_steps), "--select", "long_a"],
        env={**os.environ, "HW_PID_DIR": str(pids), "HW_STEP_SECONDS": "60"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 90
    while not (pids / "long_a-1.pid").exists():
        assert cli.poll() is None and time.monotonic() < deadline, cli.stderr.read() if cli.stderr else ""
        time.sleep(0.05)
    cli.send_signal(signal.SIGTERM)
    _, stderr = cli.communicate(timeout=60)
    assert cli.returncode == -signal.SIGTERM
    message = "the process died while running step 'long_a': exit code -15 (killed by SIGTERM)"
    assert f"error: {message}" in stderr
    with Instance.get() as instance:
        (run,) = instance.store.list_runs()
        assert run.status is RunStatus.FAILURE and run.error == message
