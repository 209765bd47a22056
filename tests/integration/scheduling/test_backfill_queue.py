"""A backfill whose runs go through the run queue: a real ``headwater daemon`` runs them.

``partitioned_daily``: ``daily_events -> daily_totals``, daily.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from headwater.storage.instance import Instance
from headwater.storage.records import BackfillStatus, RunStatus

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

PIPELINE = Path(__file__).parents[2] / "pipelines" / "partitioned_daily.py"


def test_a_backfill_through_the_queue_runs_on_the_daemon_at_most_n_at_once(daemons, headwater_home: Path) -> None:  # noqa: ANN001
    daemons.start()
    result = subprocess.run(
        [sys.executable, "-m", "headwater", "backfill", "daily_job", "--from", "2026-01-01", "--to", "2026-01-08",
         "-f", str(PIPELINE), "-c", "2", "--queue"],
        capture_output=True, text=True, timeout=180, env={**os.environ, **daemons.env, "PARTITION_SLEEP": "0.2"},
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "COMPLETED_SUCCESS: 8 keys: 8 succeeded" in result.stdout
    with Instance.get() as instance:
        (backfill,) = instance.store.list_backfills()
        assert backfill.status is BackfillStatus.COMPLETED_SUCCESS
        runs = instance.store.backfill_runs(backfill.backfill_id)
        assert len(runs) == 8 and all(run.status is RunStatus.SUCCESS for run in runs)
        assert all(run.claimed_by and run.run_key and run.run_key.startswith("backfill/") for run in runs)
        spans = sorted((run.started_at or 0.0, run.ended_at or 0.0) for run in runs)
        most = max(sum(1 for s, e in spans if s <= start < e) for start, _ in spans)
        assert most <= 2
        stored = instance.store.latest_partition_materializations(["daily_totals"])
        assert len(stored["daily_totals"]) == 8


def test_a_killed_queued_backfill_resumes_without_queuing_a_run_twice(daemons, headwater_home: Path) -> None:  # noqa: ANN001
    daemons.start()
    env = {**os.environ, **daemons.env, "PARTITION_SLEEP": "0.3"}
    driver = subprocess.Popen(
        [sys.executable, "-m", "headwater", "backfill", "daily_job", "--from", "2026-01-01", "--to", "2026-01-10",
         "-f", str(PIPELINE), "-c", "3", "--queue"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    with Instance.get() as instance:
        daemons.wait_until(
            lambda: sum(r.status is RunStatus.SUCCESS for r in instance.store.list_runs(limit=100)) >= 3, 60, "3 runs"
        )
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
        (backfill,) = instance.store.list_backfills()
        in_flight = [r for r in instance.store.backfill_runs(backfill.backfill_id) if not r.status.finished]
    resumed = subprocess.run(
        [sys.executable, "-m", "headwater", "backfills", "resume", backfill.backfill_id, "--queue"],
        capture_output=True, text=True, timeout=180, env=env,
    )
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout
    with Instance.get() as instance:
        runs = instance.store.backfill_runs(backfill.backfill_id)
        partitions = [r.tags["dagster/partition"] for r in runs]
        assert sorted(partitions) == sorted(set(partitions)) and len(partitions) == 10, partitions
        assert all(r.status is RunStatus.SUCCESS for r in runs)
        assert {r.run_id for r in in_flight} <= {r.run_id for r in runs}  # waited for, not queued again
