"""A run whose process was killed outright is not left looking alive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from headwater.execution.reaper import reap_dead_runs
from headwater.storage.records import RunStatus


def start_run(pipeline: Path, home: Path) -> subprocess.Popen[str]:
    """Run every asset of ``pipeline`` in a child process with ``home`` as its HEADWATER_HOME."""
    code = (
        "from headwater.definitions.loading import load_code_location\n"
        "from headwater.execution.run import execute\n"
        "from headwater.storage.instance import Instance\n"
        f"execute(load_code_location({str(pipeline)!r}), instance=Instance.get())\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "HEADWATER_HOME": str(home)},
                            stdout=subprocess.PIPE, text=True)


def test_killed_run_is_marked_failed(tmp_path: Path, instance, headwater_home: Path) -> None:
    pipeline = tmp_path / "hangs.py"
    pipeline.write_text(textwrap.dedent('''
        import time
        from headwater import asset

        @asset
        def hangs() -> int:
            print("started", flush=True)
            time.sleep(60)
            return 1
    '''))
    child = start_run(pipeline, headwater_home)
    try:
        for _ in range(200):
            runs = instance.store.list_runs()
            if runs and runs[0].status is RunStatus.STARTED:
                break
            import time

            time.sleep(0.05)
        assert runs and runs[0].status is RunStatus.STARTED
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert reap_dead_runs(instance.store) == [runs[0].run_id]
    run = instance.store.get_run(runs[0].run_id)
    assert run.status is RunStatus.FAILURE
    assert f"pid {child.pid}" in run.error and "died" in run.error
    assert reap_dead_runs(instance.store) == []


@pytest.mark.slow
def test_a_dead_run_ends_when_it_was_last_heard_of(tmp_path: Path, instance, headwater_home: Path) -> None:
    """The end time is the killed run's last event, not the (much later) moment it was noticed."""
    import time

    pipeline = tmp_path / "sleeps.py"
    pipeline.write_text(textwrap.dedent('''
        import time
        from headwater import asset

        @asset
        def quick() -> int:
            time.sleep(0.7)  # past the recorder's flush interval: its end is written at once
            return 1

        @asset
        def hangs(quick: int) -> int:
            print("started", flush=True)
            time.sleep(60)
            return quick
    '''))
    child = start_run(pipeline, headwater_home)
    try:
        deadline = time.monotonic() + 60
        events: list = []
        while time.monotonic() < deadline:
            runs = instance.store.list_runs()
            events = instance.store.get_events(runs[0].run_id) if runs else []
            if any(e.step_key == "quick" and e.kind == "STEP_SUCCESS" for e in events):
                break
            time.sleep(0.05)
        assert any(e.step_key == "quick" and e.kind == "STEP_SUCCESS" for e in events), events
        time.sleep(0.3)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    died = max(e.timestamp for e in instance.store.get_events(runs[0].run_id))
    time.sleep(1.5)  # noticed well after it died
    assert reap_dead_runs(instance.store) == [runs[0].run_id]
    run = instance.store.get_run(runs[0].run_id)
    assert run.ended_at == died
    assert run.ended_at < time.time() - 1.0
