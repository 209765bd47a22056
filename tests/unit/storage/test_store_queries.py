"""The store's reads for the query layer: run filters, id prefixes, cursors, metric names.

Run on SQLite and PostgreSQL alike (the ``store`` fixture).
"""

from __future__ import annotations

from headwater.storage.records import (
    Event,
    EventKind,
    LogLine,
    Metric,
    Run,
    RunsFilter,
    RunStatus,
)
from headwater.storage.sql.store import SqlStore


def add_runs(store: SqlStore) -> None:
    rows = [
        ("a1", 1.0, RunStatus.SUCCESS, "train", {"dag_id": "train", "team": "ml"}),
        ("a2", 2.0, RunStatus.FAILURE, "train", {"dag_id": "train"}),
        ("b1", 3.0, RunStatus.SUCCESS, None, {"team": "ml", "odd": 'x", "team": "ml'}),
        ("b2", 4.0, RunStatus.QUEUED, "report", {"team": "data"}),
        ("c%_", 5.0, RunStatus.STARTED, None, {}),
    ]
    for run_id, created, status, job, tags in rows:
        store.add_run(Run(run_id, status, "*", job_name=job, created_at=created, tags=tags))


def ids(runs: list[Run]) -> list[str]:
    return [run.run_id for run in runs]


def test_filter_by_statuses_job_and_time(store: SqlStore) -> None:
    add_runs(store)
    both = RunsFilter(statuses=(RunStatus.SUCCESS, RunStatus.FAILURE))
    assert ids(store.list_runs(filters=both)) == ["b1", "a2", "a1"]
    assert ids(store.list_runs(filters=RunsFilter(job_name="train"))) == ["a2", "a1"]
    window = RunsFilter(created_after=2.0, created_before=4.0)
    assert ids(store.list_runs(filters=window)) == ["b1", "a2"]
    assert ids(store.list_runs(filters=RunsFilter())) == ["c%_", "b2", "b1", "a2", "a1"]


def test_filter_by_tags_matches_the_exact_value(store: SqlStore) -> None:
    add_runs(store)
    assert ids(store.list_runs(filters=RunsFilter(tags={"team": "ml"}))) == ["b1", "a1"]
    assert ids(store.list_runs(filters=RunsFilter(tags={"team": "ml", "dag_id": "train"}))) == ["a1"]
    assert ids(store.list_runs(filters=RunsFilter(tags={"team": "m"}))) == []
    assert ids(store.list_runs(filters=RunsFilter(tags={"nope": "ml"}))) == []
    # a value that spells another tag inside it is not that tag
    assert ids(store.list_runs(filters=RunsFilter(tags={"odd": 'x", "team": "ml'}))) == ["b1"]


def test_filters_page_with_the_cursor(store: SqlStore) -> None:
    add_runs(store)
    wanted = RunsFilter(statuses=(RunStatus.SUCCESS, RunStatus.FAILURE, RunStatus.QUEUED))
    first = store.list_runs(limit=2, filters=wanted)
    assert ids(first) == ["b2", "b1"]
    assert ids(store.list_runs(limit=2, before="b1", filters=wanted)) == ["a2", "a1"]


def test_runs_with_prefix_escapes_wildcards(store: SqlStore) -> None:
    add_runs(store)
    assert ids(store.runs_with_prefix("a")) == ["a2", "a1"]
    assert ids(store.runs_with_prefix("a", limit=5)) == ["a2", "a1"]
    assert ids(store.runs_with_prefix("b1")) == ["b1"]
    assert ids(store.runs_with_prefix("c%")) == ["c%_"]
    assert ids(store.runs_with_prefix("_")) == []
    assert ids(store.runs_with_prefix("%")) == []
    assert ids(store.runs_with_prefix("z")) == []


def test_events_and_logs_from_a_cursor(store: SqlStore) -> None:
    store.add_events([Event("r1", EventKind.RUN_START, 1.0), Event("r2", EventKind.RUN_START, 1.0)])
    store.add_events([Event("r1", EventKind.STEP_START, 2.0, step_key="a")])
    read = store.read_events("r1")
    assert [event.kind for _, event in read] == [EventKind.RUN_START, EventKind.STEP_START]
    first_id, last_id = read[0][0], read[-1][0]
    assert first_id < last_id
    assert store.read_events("r1", after_id=last_id) == []
    assert store.read_events("r1", after_id=first_id) == [read[1]]
    assert store.read_events("r1", limit=1) == [read[0]]
    store.add_events([Event("r1", EventKind.RUN_SUCCESS, 3.0)])
    assert [e.kind for _, e in store.read_events("r1", after_id=last_id)] == [EventKind.RUN_SUCCESS]

    store.add_logs([LogLine("r1", "a", "stdout", 1.0, "one"), LogLine("r1", "b", "stdout", 1.0, "two")])
    lines = store.read_logs("r1")
    assert [line.text for _, line in lines] == ["one", "two"]
    assert store.read_logs("r1", after_id=lines[0][0]) == [lines[1]]
    assert store.read_logs("r1", step_key="a") == [lines[0]]
    assert store.read_logs("r1", after_id=lines[1][0]) == []
    store.add_logs([LogLine("r1", "a", "stderr", 2.0, "three")])
    assert [line.text for _, line in store.read_logs("r1", after_id=lines[1][0], step_key="a")] == ["three"]


def test_metric_names(store: SqlStore) -> None:
    assert store.metric_names() == []
    store.add_metrics([
        Metric("r1", "train", "loss", 0.5, 1.0),
        Metric("r1", "evaluate", "accuracy", 0.9, 1.0),
        Metric("r2", "evaluate", "accuracy", 0.95, 2.0),
    ])
    assert store.metric_names() == [("accuracy", "evaluate"), ("loss", "train")]
