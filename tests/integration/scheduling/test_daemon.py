"""``headwater daemon`` runs queued runs: each once, in a fresh process, with the code on disk."""

from __future__ import annotations

import shutil
import time
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


AHEAD_PIPELINE = '''
import os
import time

from headwater import RunContext, asset
from helper import BONUS

IMPORTED_AT = time.time()
VALUE = 1 + BONUS


@asset
def mark(context: RunContext) -> int:
    with open(os.environ["HW_MARKS"], "a") as marks:
        marks.write(f"{context.run_id} {IMPORTED_AT!r} {VALUE}\\n")
    return VALUE
'''


@pytest.mark.slow
def test_code_loaded_ahead_runs_only_while_it_is_unchanged(
    instance: object, daemons: Daemons, marks: Path, tmp_path: Path
) -> None:
    """Runs keep coming from one location: the process forked ahead imports it while it waits,
    and runs it; an edit of the location's file, or of a module it imports, is what runs next."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "helper.py").write_text("BONUS = 0\n")
    location = project / "pipeline.py"
    location.write_text(AHEAD_PIPELINE)
    store = instance.store  # type: ignore[attr-defined]
    daemons.start()

    def run(edit: tuple[Path, str] | None = None) -> str:
        time.sleep(1.0)  # the process forked ahead has settled and loaded the location
        if edit is not None:  # edited after it was loaded ahead, before the run is submitted
            edit[0].write_text(edit[1])
        run_id = headwater.submit(location, force=True, instance=instance)  # type: ignore[arg-type]
        daemons.wait_until(lambda: finished(instance, [run_id]), 30, "the run")
        assert store.get_run(run_id).status is RunStatus.SUCCESS, store.get_run(run_id).error
        return run_id

    ids = [run(), run(), run()]
    ids.append(run((location, AHEAD_PIPELINE.replace("VALUE = 1 + BONUS", "VALUE = 20 + BONUS"))))
    ids.append(run((project / "helper.py", "BONUS = 300\n")))
    rows = [line.split() for line in marks.read_text().splitlines()]
    assert [row[0] for row in rows] == ids
    assert [int(row[2]) for row in rows] == [1, 1, 1, 20, 320]
    # imported before it was submitted: the third run ran the code loaded ahead (two runs of the
    # location came before it); the edited code was imported when its run came, in a clean process
    imported_before_submitted = [float(row[1]) < store.get_run(row[0]).created_at for row in rows]
    assert imported_before_submitted == [False, False, True, False, False]
