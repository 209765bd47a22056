"""The runs questions: filters, cursor pages, short ids, one run whole, logs from a cursor.

Run on SQLite and PostgreSQL (the ``any_instance`` fixture).
"""

from __future__ import annotations

import pytest

from headwater.errors import RunNotFound
from headwater.services.launch import RunOptions, run_job, run_selection
from headwater.services.logs import run_events, run_logs
from headwater.services.runs import RunQuery, find_run, list_runs, parse_status, run_detail
from headwater.storage.records import EventKind, Run, RunStatus, StepStatus


def test_list_filter_and_page(any_instance, location) -> None:
    first = run_selection(any_instance, location, "*", options=RunOptions(tags={"team": "ml"}))
    second = run_job(any_instance, location, "model_job")
    dag = run_job(any_instance, location, "nightly")
    assert first.success and second.success and dag.success

    everything = list_runs(any_instance)
    assert [r.run_id for r in everything.runs] == [dag.run_id, second.run_id, first.run_id]
    assert everything.next_cursor is None
    assert [r.run_id for r in list_runs(any_instance, RunQuery(job_name="model_job")).runs] == [second.run_id]
    assert [r.run_id for r in list_runs(any_instance, RunQuery(dag_id="nightly")).runs] == [dag.run_id]
    assert [r.run_id for r in list_runs(any_instance, RunQuery(tags={"team": "ml"})).runs] == [first.run_id]
    assert list_runs(any_instance, RunQuery(statuses=(RunStatus.FAILURE,))).runs == ()
    created = any_instance.store.get_run(second.run_id).created_at
    newer = list_runs(any_instance, RunQuery(created_after=created))
    assert [r.run_id for r in newer.runs] == [dag.run_id, second.run_id]

    page = list_runs(any_instance, limit=2)
    assert [r.run_id for r in page.runs] == [dag.run_id, second.run_id]
    assert page.next_cursor == second.run_id
    rest = list_runs(any_instance, limit=2, cursor=page.next_cursor)
    assert [r.run_id for r in rest.runs] == [first.run_id] and rest.next_cursor is None


def test_find_run_by_latest_id_and_prefix(any_instance) -> None:
    store = any_instance.store
    with pytest.raises(RunNotFound, match="no runs yet"):
        find_run(any_instance, "latest")
    for run_id, created in (("abc111", 1.0), ("abc222", 2.0), ("xyz", 3.0)):
        store.add_run(Run(run_id, RunStatus.SUCCESS, "*", created_at=created))
    assert find_run(any_instance, "latest").run_id == "xyz"
    assert find_run(any_instance, "abc111").run_id == "abc111"
    assert find_run(any_instance, "abc2").run_id == "abc222"
    with pytest.raises(RunNotFound, match="ambiguous"):
        find_run(any_instance, "abc")
    with pytest.raises(RunNotFound, match="no run with id 'q'"):
        find_run(any_instance, "q")


def test_run_detail_and_logs_from_a_cursor(any_instance, location) -> None:
    result = run_selection(any_instance, location, "numbers,total,score")
    detail = run_detail(any_instance, result.run_id[:10])
    assert detail.run.run_id == result.run_id
    assert {s.step_key: s.status for s in detail.steps} == {
        "numbers": StepStatus.SUCCESS, "total": StepStatus.SUCCESS, "score": StepStatus.SUCCESS
    }
    assert {a.step_key for a in detail.attempts} == {"numbers", "total", "score"}
    assert {m.asset_key for m in detail.materializations} == {"numbers", "total", "score"}

    logs = run_logs(any_instance, result.run_id)
    texts = [entry.line.text for entry in logs.entries]
    assert "scoring" in texts and "score printed" in texts
    assert logs.cursor == logs.entries[-1].id
    assert run_logs(any_instance, result.run_id, after_id=logs.cursor).entries == ()
    assert run_logs(any_instance, result.run_id, after_id=logs.cursor).cursor == logs.cursor
    only_score = run_logs(any_instance, result.run_id, step_key="score")
    assert {entry.line.step_key for entry in only_score.entries} == {"score"}

    events = run_events(any_instance, result.run_id)
    kinds = [entry.event.kind for entry in events.entries]
    assert kinds[0] is EventKind.RUN_START and kinds[-1] is EventKind.RUN_SUCCESS
    middle = events.entries[2].id
    after = run_events(any_instance, result.run_id, after_id=middle)
    assert [e.id for e in after.entries] == [e.id for e in events.entries[3:]]
    assert [e.id for e in run_events(any_instance, result.run_id, limit=2).entries] == [
        e.id for e in events.entries[:2]
    ]


def test_parse_status() -> None:
    assert parse_status("failure") is RunStatus.FAILURE
    with pytest.raises(ValueError, match="choose one of QUEUED"):
        parse_status("done")
