"""The daemon's loop: a SIGTERM stops it cleanly, giving back claimed runs that had not started."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import headwater
from headwater.scheduling.coordinator import RunCoordinator
from headwater.scheduling.daemon import Daemon
from headwater.scheduling.limits import RunLimits
from headwater.storage.records import DaemonRecord, RunStatus

PIPELINE = "from headwater import asset\n\n@asset\ndef a() -> int:\n    return 1\n"


class HoldingLauncher:
    """A launcher whose runs never start: they stay claimed, as when a daemon stops mid-launch."""

    def __init__(self) -> None:
        self.launched: list[str] = []

    def launch(self, run_id: str, claimed_by: str) -> None:
        self.launched.append(run_id)


def test_sigterm_stops_the_loop_and_gives_back_unstarted_claims(any_instance: Any, tmp_path: Any) -> None:
    location = tmp_path / "pipeline.py"
    location.write_text(PIPELINE)
    store = any_instance.store
    ids = [headwater.submit(location, instance=any_instance) for _ in range(3)]
    launcher = HoldingLauncher()
    coordinator = RunCoordinator(store, launcher, "d1", limits=RunLimits(max_concurrent_runs=2))
    daemon = Daemon(store, [coordinator], daemon_id="d1", heartbeat_interval=0.05)
    seen: dict[str, object] = {}

    def stop_when_claimed() -> None:
        deadline = time.monotonic() + 20
        while len(launcher.launched) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        seen["claimed"] = sorted(r.claimed_by or "" for r in store.list_runs())
        seen["daemons"] = [d.daemon_id for d in store.list_daemons()]
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=stop_when_claimed, daemon=True).start()
    daemon.run()
    assert launcher.launched == ids[:2]  # oldest first, two at most
    assert seen == {"claimed": ["", "d1", "d1"], "daemons": ["d1"]}
    runs = store.list_runs()
    assert {r.status for r in runs} == {RunStatus.QUEUED}
    assert all(r.claimed_by is None for r in runs)
    assert store.list_daemons() == []


def test_a_coordinator_gives_back_the_claims_of_a_silent_daemon(any_instance: Any, tmp_path: Any) -> None:
    location = tmp_path / "pipeline.py"
    location.write_text(PIPELINE)
    store = any_instance.store
    run_id = headwater.submit(location, instance=any_instance)
    now = time.time()
    store.register_daemon(DaemonRecord("dead", "daemon", "h", 1, now - 100, now - 100))
    store.claim_runs("dead", lambda flying, candidates: [c.run_id for c in candidates])
    launcher = HoldingLauncher()
    coordinator = RunCoordinator(store, launcher, "alive", dead_after=20)
    store.register_daemon(DaemonRecord("alive", "daemon", "h", 2, now, now))
    coordinator.tick(now)
    assert launcher.launched == [run_id]
    assert store.get_run(run_id).claimed_by == "alive"
    assert [d.daemon_id for d in store.list_daemons()] == ["alive"]
