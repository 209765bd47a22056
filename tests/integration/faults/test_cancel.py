"""Canceling a running run, from outside (``runs cancel``) or with Ctrl-C.

``lifecycle_steps``: ``done_first -> talky -> after``; ``talky`` prints a line, writes its
pid file, then works for 60 s. The run runs in a foreground ``headwater materialize``; the
test cancels it once ``talky`` is working and checks that the process running ``talky`` is
gone within 2 s, the run ends CANCELED, ``talky`` is recorded CANCELED with the line it
printed, ``done_first`` keeps its success and ``after`` never starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from headwater.services.cancel import cancel_run
from headwater.storage.instance import Instance
from headwater.storage.processes import process_alive
from headwater.storage.records import EventKind, Run, RunStatus, StepStatus

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

PIPELINE = Path(__file__).parents[2] / "pipelines" / "lifecycle_steps.py"
#: the bound the issue sets on a stopped step's process
GONE_WITHIN_S = 2.0


def start_run(pids: Path, executor: str) -> subprocess.Popen[str]:
    """A foreground ``headwater materialize`` of the pipeline, in a session of its own (as a
    terminal runs it: Ctrl-C reaches its whole process group)."""
    return subprocess.Popen(
        [sys.executable, "-m", "headwater", "materialize", "-f", str(PIPELINE), "--executor", executor],
        env={**os.environ, "HW_PID_DIR": str(pids), "HW_STEP_SECONDS": "60"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )


def working_pid(pids: Path, cli: subprocess.Popen[str]) -> int:
    """The pid of the process running ``talky``, once it works."""
    marker = pids / "talky-1.pid"
    deadline = time.monotonic() + 120
    while not marker.exists():
        if cli.poll() is not None:
            raise AssertionError(f"the run ended (exit {cli.returncode}) before talky started:\n{cli.communicate()[0]}")
        assert time.monotonic() < deadline, "talky did not start within 120 s"
        time.sleep(0.02)
    time.sleep(0.05)  # the pid is written
    return int(marker.read_text())


def seconds_until_gone(pid: int, limit: float = 30.0) -> float:
    started = time.monotonic()
    while process_alive(pid) and time.monotonic() - started < limit:
        time.sleep(0.01)
    return time.monotonic() - started


def assert_canceled_with_output(instance: Instance, reason: str) -> Run:
    (run,) = instance.store.list_runs()
    assert run.status is RunStatus.CANCELED and run.error == reason
    steps = {s.step_key: s for s in instance.store.get_steps(run.run_id)}
    assert steps["done_first"].status is StepStatus.SUCCESS
    talky = steps["talky"]
    assert talky.status is StepStatus.CANCELED and talky.reason == f"interrupted: {reason}"
    assert "after" not in steps  # never started
    (attempt,) = instance.store.get_attempts(run.run_id, "talky")
    assert attempt.status is StepStatus.CANCELED
    assert [line.text for line in instance.store.get_logs(run.run_id, "talky")] == ["talky is working"]
    kinds = [e.kind for e in instance.store.get_events(run.run_id)]
    assert EventKind.RUN_CANCELING in kinds or reason.startswith("interrupted")
    assert kinds[-1] is EventKind.RUN_CANCELED and EventKind.STEP_CANCELED in kinds
    return run


@pytest.mark.parametrize(
    ("executor", "backend"),
    [
        ("process", "sqlite"),
        pytest.param("process", "postgres", marks=pytest.mark.postgres),
        pytest.param("dask", "sqlite", marks=pytest.mark.dask),
        ("in_process", "sqlite"),
    ],
)
def test_runs_cancel_stops_the_step_and_keeps_its_output(
    executor: str, backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend == "postgres":
        monkeypatch.setenv("HEADWATER_DATABASE_URL", request.getfixturevalue("postgres_schema_url"))
    with Instance.get() as instance:
        cancel_and_check(executor, tmp_path, instance)


def cancel_and_check(executor: str, tmp_path: Path, instance: Instance) -> None:
    cli = start_run(tmp_path, executor)
    try:
        worker = working_pid(tmp_path, cli)
        run = cancel_run(instance, "latest")
        assert run.status is RunStatus.CANCELING
        # In-process, the step runs in the run's own process, which is interrupted, records
        # the cancel and ends: well before the step's 60 s, if not within the 2 s a worker has.
        assert seconds_until_gone(worker) < (GONE_WITHIN_S if executor != "in_process" else 10.0)
        output, _ = cli.communicate(timeout=60)
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)
            cli.wait()
    assert cli.returncode == 1, output
    assert "Canceled: canceled on request (headwater runs cancel); stopped talky" in output
    assert_canceled_with_output(instance, "canceled on request (headwater runs cancel)")


@pytest.mark.parametrize("executor", ["process", "in_process"])
def test_ctrl_c_cancels_the_run_and_says_so(executor: str, tmp_path: Path, instance: Instance) -> None:
    cli = start_run(tmp_path, executor)
    try:
        worker = working_pid(tmp_path, cli)
        os.killpg(cli.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        assert seconds_until_gone(worker) < GONE_WITHIN_S
        output, _ = cli.communicate(timeout=60)
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)
            cli.wait()
    assert cli.returncode == 130, output
    assert "Canceled: interrupted (Ctrl-C); stopped talky" in output
    assert "Traceback" not in output
    assert_canceled_with_output(instance, "interrupted (Ctrl-C)")


def test_the_cli_command_waits_for_the_run_to_end(tmp_path: Path, instance: Instance) -> None:
    cli = start_run(tmp_path, "process")
    try:
        working_pid(tmp_path, cli)
        canceled = subprocess.run(
            [sys.executable, "-m", "headwater", "runs", "cancel", "latest"], capture_output=True, text=True, timeout=60,
        )
        cli.communicate(timeout=60)
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)
            cli.wait()
    assert canceled.returncode == 0, canceled.stderr
    (run,) = instance.store.list_runs()
    assert canceled.stdout.strip() == f"Run {run.run_id}: CANCELED"
    again = subprocess.run(
        [sys.executable, "-m", "headwater", "runs", "cancel", run.run_id[:8]], capture_output=True, text=True, timeout=60,
    )
    assert again.returncode == 2
    assert f"run {run.run_id} already ended (CANCELED): there is nothing to cancel" in again.stderr

