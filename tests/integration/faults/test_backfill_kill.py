"""A backfill killed with SIGKILL midway, then resumed: nothing lost, nothing that succeeded redone.

``partitioned_daily``: ``daily_events -> daily_totals``, daily; each partition sleeps
``PARTITION_SLEEP`` so that the kill lands while runs are going.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from headwater.scheduling.recovery import close_lost_runs
from headwater.storage.instance import Instance
from headwater.storage.records import BackfillStatus, RunStatus

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

PIPELINE = Path(__file__).parents[2] / "pipelines" / "partitioned_daily.py"


def _headwater(*args: str, **env: str) -> subprocess.Popen[str]:
    # kill -9 of the process running the command: without the warm CLI server, where the
    # command is this process (through the server, a killed client interrupts its command as
    # Ctrl-C does: tests/cli/test_cli_server.py)
    return subprocess.Popen(
        [sys.executable, "-m", "headwater", *args], env={**os.environ, "HEADWATER_CLI_SERVER": "0", **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def _succeeded(instance: Instance) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for backfill in instance.store.list_backfills():
        for run in instance.store.backfill_runs(backfill.backfill_id):
            if run.status is RunStatus.SUCCESS:
                found.setdefault(run.tags["dagster/partition"], []).append(run.run_id)
    return found


@pytest.mark.parametrize(
    ("store", "kill_after"), [("sqlite", 3), ("sqlite", 15), pytest.param("postgres", 15, marks=pytest.mark.postgres)]
)
def test_a_killed_backfill_resumes_and_finishes_only_the_rest(
    store: str, kill_after: int, headwater_home: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if store == "postgres":
        monkeypatch.setenv("HEADWATER_DATABASE_URL", request.getfixturevalue("postgres_schema_url"))
    driver = _headwater(
        "backfill", "daily_job", "--from", "2026-01-01", "--to", "2026-01-30", "-f", str(PIPELINE), "-c", "2",
        PARTITION_SLEEP="0.15", HEADWATER_HEARTBEAT_TIMEOUT="1",
    )
    deadline = time.monotonic() + 120
    with Instance.get() as instance:
        while len(_succeeded(instance)) < kill_after:
            assert driver.poll() is None, driver.communicate()
            assert time.monotonic() < deadline, "the backfill made no progress"
            time.sleep(0.02)
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
        before = _succeeded(instance)
        (backfill,) = instance.store.list_backfills()
        assert backfill.status is BackfillStatus.REQUESTED  # killed: nobody could record its end
        # the runs it left going are closed once their heartbeat times out (1 s), as the run
        # coordinator (or the resumed driver) does
        while [r for r in instance.store.list_runs(limit=500) if r.status is RunStatus.STARTED]:
            assert time.monotonic() < deadline + 10, "runs of the killed driver were never closed"
            close_lost_runs(instance.store)
            time.sleep(0.1)
    assert 0 < len(before) < 30

    resumed = subprocess.run(
        [sys.executable, "-m", "headwater", "backfills", "resume", backfill.backfill_id],
        capture_output=True, text=True, timeout=180,
    )
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout
    assert "COMPLETED_SUCCESS" in resumed.stdout

    with Instance.get() as instance:
        after = _succeeded(instance)
        # A key whose run was killed after both its assets were stored, but before the run
        # recorded its end, is complete: the resume skips it rather than running it again.
        (backfill,) = instance.store.list_backfills()
        assert not set(backfill.skipped) & set(after)
        assert sorted([*after, *backfill.skipped]) == [f"2026-01-{day:02d}" for day in range(1, 31)]
        for partition, runs in before.items():
            assert after[partition] == runs, f"partition {partition} succeeded before the kill and ran again"
        assert all(len(runs) == 1 for runs in after.values())
        stored = instance.store.latest_partition_materializations(["daily_events", "daily_totals"])
        assert len(stored["daily_events"]) == len(stored["daily_totals"]) == 30
        totals = Counter(
            m.partition for m in instance.store.get_materializations("daily_totals") if m.partition is not None
        )
        assert max(totals.values()) == 1, "a partition's downstream was computed twice"
        assert instance.store.get_backfill(backfill.backfill_id).status is BackfillStatus.COMPLETED_SUCCESS
        assert not [r for r in instance.store.list_runs(limit=500) if r.status is RunStatus.STARTED]


def test_ctrl_c_cancels_the_backfill_after_the_runs_going(headwater_home: Path) -> None:
    driver = _headwater(
        "backfill", "daily_job", "--from", "2026-01-01", "--to", "2026-01-30", "-f", str(PIPELINE), "-c", "2",
        PARTITION_SLEEP="0.3",
    )
    deadline = time.monotonic() + 120
    with Instance.get() as instance:
        while len(_succeeded(instance)) < 2:
            assert driver.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        driver.send_signal(signal.SIGINT)
        out, err = driver.communicate(timeout=60)
        assert driver.returncode == 1, out + err
        assert "CANCELED" in out
        (backfill,) = instance.store.list_backfills()
        assert backfill.status is BackfillStatus.CANCELED
        runs = instance.store.backfill_runs(backfill.backfill_id)
        assert len(runs) < 30 and all(run.status.finished for run in runs)
