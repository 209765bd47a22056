"""``headwater daemon`` runs queued runs: each once, in a fresh process, with the code on disk."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import headwater
from headwater.storage.records import RunStatus

if TYPE_CHECKING:
    from conftest import Daemons



def finished(instance: object, run_ids: list[str]) -> bool:
    store = instance.store  # type: ignore[attr-defined]
    return all(store.get_run(run_id).status.finished for run_id in run_ids)


def test_a_queued_run_waits_for_a_daemon_then_runs(
    instance: object, daemons: Daemons, marks: Path, pipelines: Path
) -> None:
    run_id = headwater.submit(pipelines / "queue_marks.py", tags={"team": "ml"}, instance=instance)  # type: ignore[arg-type]
    store = instance.store  # type: ignore[attr-defined]
    assert store.get_run(run_id).status is RunStatus.QUEUED
    daemons.start()
    daemons.wait_until(lambda: finished(instance, [run_id]), 30, "the queued run to finish")
    run = store.get_run(run_id)
    assert run.status is RunStatus.SUCCESS, run.error
    assert run.tags["team"] == "ml"
    assert run.created_at < run.started_at <= run.ended_at  # type: ignore[operator]
    assert [row[0] for row in daemons.read_marks(marks)] == [run_id]
    kinds = [e.kind.value for e in store.get_events(run_id)]
    assert kinds[:2] == ["RUN_ENQUEUED", "RUN_START"] and kinds[-1] == "RUN_SUCCESS"


@pytest.mark.slow
def test_edited_code_is_what_the_next_run_runs(
    instance: object, daemons: Daemons, marks: Path, pipelines: Path, tmp_path: Path
) -> None:
    location = tmp_path / "project" / "pipeline.py"
    location.parent.mkdir()
    shutil.copy(pipelines / "queue_marks.py", location)
    daemons.start()
    first = headwater.submit(location, force=True, instance=instance)  # type: ignore[arg-type]
    daemons.wait_until(lambda: finished(instance, [first]), 30, "the first run")
    location.write_text(location.read_text().replace("VALUE = 1", "VALUE = 20"))
    second = headwater.submit(location, force=True, instance=instance)  # type: ignore[arg-type]
    daemons.wait_until(lambda: finished(instance, [second]), 30, "the second run")
    assert [(row[0], row[3]) for row in daemons.read_marks(marks)] == [(first, 1), (second, 20)]


@pytest.mark.slow
def test_a_run_whose_code_no_longer_loads_fails_clearly(
    instance: object, daemons: Daemons, marks: Path, tmp_path: Path
) -> None:
    location = tmp_path / "pipeline.py"
    location.write_text("from headwater import asset\n\n@asset\ndef a() -> int:\n    return 1\n")
    run_id = headwater.submit(location, selection="a", instance=instance)  # type: ignore[arg-type]
    location.write_text("def broken(:\n")
    daemons.start()
    daemons.wait_until(lambda: finished(instance, [run_id]), 30, "the run to fail")
    run = instance.store.get_run(run_id)  # type: ignore[attr-defined]
    assert run.status is RunStatus.FAILURE
    assert "syntax error" in (run.error or "") and str(location) in (run.error or "")
