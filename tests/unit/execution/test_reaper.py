"""A run whose process was killed outright is not left looking alive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from headwater.execution.reaper import reap_dead_runs
from headwater.storage.records import RunStatus


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
    code = f"from headwater.definitions.loading import load_code_location\n" \
           f"from headwater.execution.run import execute\n" \
           f"from headwater.storage.instance import Instance\n" \
           f"execute(load_code_location({str(pipeline)!r}), instance=Instance.get())\n"
    child = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "HEADWATER_HOME": str(headwater_home)},
                             stdout=subprocess.PIPE, text=True)
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
