"""``headwater backfill ... --detach``: the command returns at once with the backfill's id and
a real ``headwater daemon`` drives it; killed with SIGKILL half-way and restarted, the daemon
finishes it with each partition run exactly once.

``partitioned_daily``: ``daily_events -> daily_totals``, daily.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from headwater.storage.instance import Instance
from headwater.storage.records import BackfillStatus, RunStatus

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

PIPELINE = Path(__file__).parents[2] / "pipelines" / "partitioned_daily.py"


def test_a_detached_backfill_survives_a_sigkilled_daemon_and_runs_each_partition_once(
    backend: str, daemons, headwater_home: Path  # noqa: ANN001
) -> None:
    # the daemon runs without the warm CLI server, so that SIGKILL kills the daemon itself
    env = {**os.environ, **daemons.env, "PARTITION_SLEEP": "0.3", "HEADWATER_CLI_SERVER": "0"}
    daemons.env = env
    daemon = daemons.start("--heartbeat-timeout", "2")
    began = time.monotonic()
    made = subprocess.run(
        [sys.executable, "-m", "headwater", "backfill", "daily_job", "--from", "2026-01-01", "--to", "2026-01-10",
         "-f", str(PIPELINE), "-c", "2", "--detach"],
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert made.returncode == 0, made.stderr + made.stdout
    backfill_id = made.stdout.strip()
    assert "headwater daemon drives it" in made.stderr and time.monotonic() - began < 30
    with Instance.get() as instance:
        def succeeded() -> int:
            return sum(r.status is RunStatus.SUCCESS for r in instance.store.backfill_runs(backfill_id))

        daemons.wait_until(lambda: succeeded() >= 4, 120, "4 partitions")
        daemon.kill()  # SIGKILL, half-way
        daemon.wait()
        assert succeeded() < 10
        shown = subprocess.run([sys.executable, "-m", "headwater", "backfills", "show", backfill_id],
                               capture_output=True, text=True, timeout=60, env=env)
        assert "REQUESTED" in shown.stdout and "driven by headwater daemon" in shown.stdout, shown.stdout
        daemons.start("--heartbeat-timeout", "2")
        daemons.wait_until(
            lambda: instance.store.get_backfill(backfill_id).status.finished, 150, "the backfill to finish"
        )
        assert instance.store.get_backfill(backfill_id).status is BackfillStatus.COMPLETED_SUCCESS
        runs = instance.store.backfill_runs(backfill_id)
        partitions = [r.tags["dagster/partition"] for r in runs]
        assert sorted(partitions) == [f"2026-01-{d:02d}" for d in range(1, 11)], partitions  # each exactly once
        assert all(r.status is RunStatus.SUCCESS for r in runs)
        spans = sorted((run.started_at or 0.0, run.ended_at or 0.0) for run in runs)
        assert max(sum(1 for s, e in spans if s <= start < e) for start, _ in spans) <= 2
        stored = instance.store.latest_partition_materializations(["daily_totals"])
        assert len(stored["daily_totals"]) == 10
