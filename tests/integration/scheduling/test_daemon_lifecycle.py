"""Runs the daemon launched, killed outright or canceled: the daemon closes or stops them.

``lifecycle_steps``: ``done_first -> talky -> after``; ``talky`` prints a line, writes its
pid file, then works for the seconds in ``$HW_PID_DIR/seconds`` (60 here, then 0).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import headwater
from headwater.errors import FailureKind
from headwater.scheduling.recovery import LOST
from headwater.services.cancel import cancel_run
from headwater.storage.instance import Instance
from headwater.storage.processes import process_alive
from headwater.storage.records import RunStatus, StepStatus

if TYPE_CHECKING:
    from conftest import Daemons

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

PIPELINE = Path(__file__).parents[2] / "pipelines" / "lifecycle_steps.py"
TIMEOUT_S = 2.0
#: room for a loaded machine: the coordinator looks every 0.5 s
MARGIN_S = 1.5


@pytest.fixture
def pids(tmp_path: Path, daemons: Daemons) -> Path:
    folder = tmp_path / "pids"
    folder.mkdir()
    (folder / "seconds").write_text("60")
    daemons.env.update(HW_PID_DIR=str(folder), HEADWATER_HEARTBEAT_TIMEOUT=str(TIMEOUT_S))
    return folder


def started_talky(daemons: Daemons, pids: Path) -> int:
    marker = pids / "talky-1.pid"
    daemons.wait_until(marker.exists, 60, "talky to start")
    time.sleep(0.3)  # what ended before is on record within 0.1 s
    return int(marker.read_text())


def steps_of(instance: Instance, run_id: str) -> dict[str, object]:
    return {s.step_key: s for s in instance.store.get_steps(run_id)}


def test_a_run_killed_with_sigkill_is_closed_by_the_daemon_and_the_next_run_resumes(
    instance: Instance, daemons: Daemons, pids: Path
) -> None:
    daemons.start()
    run_id = headwater.submit(PIPELINE, instance=instance)
    os.kill(started_talky(daemons, pids), signal.SIGKILL)
    killed = time.monotonic()
    daemons.wait_until(lambda: instance.store.get_run(run_id).status.finished, TIMEOUT_S + MARGIN_S, "the lost run closed")
    assert time.monotonic() - killed < TIMEOUT_S + MARGIN_S
    run = instance.store.get_run(run_id)
    assert (run.status, run.error) == (RunStatus.FAILURE, LOST)
    talky = steps_of(instance, run_id)["talky"]
    assert (talky.status, talky.failure_kind) == (StepStatus.FAILURE, FailureKind.WORKER_LOST)  # type: ignore[attr-defined]

    (pids / "seconds").write_text("0")
    again = headwater.submit(PIPELINE, instance=instance)
    daemons.wait_until(lambda: instance.store.get_run(again).status.finished, 60, "the next run")
    assert instance.store.get_run(again).status is RunStatus.SUCCESS
    assert {k: s.status for k, s in steps_of(instance, again).items()} == {  # type: ignore[attr-defined]
        "done_first": StepStatus.UP_TO_DATE, "talky": StepStatus.SUCCESS, "after": StepStatus.SUCCESS,
    }


def test_a_launched_run_is_canceled(instance: Instance, daemons: Daemons, pids: Path) -> None:
    daemons.start()
    run_id = headwater.submit(PIPELINE, instance=instance)
    started_talky(daemons, pids)
    process = instance.store.get_run(run_id).pid
    assert cancel_run(instance, run_id).status is RunStatus.CANCELING
    daemons.wait_until(lambda: instance.store.get_run(run_id).status.finished, 10, "the run to stop")
    run = instance.store.get_run(run_id)
    assert run.status is RunStatus.CANCELED
    talky = steps_of(instance, run_id)["talky"]
    assert talky.status is StepStatus.CANCELED  # type: ignore[attr-defined]
    assert [line.text for line in instance.store.get_logs(run_id, "talky")] == ["talky is working"]
    assert process is not None
    daemons.wait_until(lambda: not process_alive(process), 5, "the run's process to end")
