"""The recorder writes what it buffers within its time bound, with nothing else happening."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from headwater.execution.observer import NullObserver
from headwater.execution.recorder import RunRecorder
from headwater.storage.records import Materialization, Run, RunStatus, StepAttempt, StepRecord, StepStatus
from headwater.storage.sql.store import SqlStore


def test_a_finished_step_is_on_record_within_the_time_bound(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/headwater.db"
    with SqlStore(url) as store, SqlStore(url) as reader:
        recorder = RunRecorder(store, "r1", NullObserver(), flush_within=0.1)
        now = time.time()
        recorder.start(Run("r1", RunStatus.STARTED, "*", None, now, now), ["made", "next"])
        recorder.step_started("made", 1)
        recorder.step_finished(
            StepRecord("r1", "made", StepStatus.SUCCESS, 1, now, now),
            attempt=StepAttempt("r1", "made", 1, StepStatus.SUCCESS, now, now),
            materialization=Materialization("made", "r1", "file:///x", "json", 2, "v1", now, code_version="c1"),
        )
        ended = time.monotonic()
        recorder.step_started("next", 1)  # then the run's thread is busy in a long step
        while not reader.get_materializations(run_id="r1"):
            assert time.monotonic() - ended < 2.0, "the finished step was never written"
            time.sleep(0.01)
        # generous on a loaded machine; the bound itself is 0.1 s
        assert time.monotonic() - ended < 1.0
        # the step still running is on record as RUNNING, which its final record replaces
        assert {s.step_key: s.status for s in reader.get_steps("r1")} == {
            "made": StepStatus.SUCCESS, "next": StepStatus.RUNNING,
        }
        recorder.finish(RunStatus.SUCCESS)
        assert reader.get_run("r1").status is RunStatus.SUCCESS


def test_a_write_error_of_the_flusher_reaches_the_run_loop(tmp_path: Path) -> None:
    class Broken(SqlStore):
        def add_events(self, events: object) -> None:
            raise OSError("disk full")

    with Broken(f"sqlite:///{tmp_path}/headwater.db") as store:
        recorder = RunRecorder(store, "r1", NullObserver(), flush_within=0.01)
        now = time.time()
        recorder.start(Run("r1", RunStatus.STARTED, "*", None, now, now), ["a"])
        time.sleep(0.3)
        with pytest.raises(OSError, match="disk full"):
            recorder.step_started("a", 1)
