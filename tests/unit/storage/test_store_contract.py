"""The run store contract, run on SQLite and PostgreSQL alike (the ``store`` fixture)."""

from __future__ import annotations

import pytest

from headwater.errors import RunNotFound
from headwater.storage.base import EventLog, MaterializationIndex, MetricStore, RunStore
from headwater.storage.base import NamedValueStore, ScheduleStateStore, XComStore
from headwater.storage.records import (
    Event,
    EventKind,
    LogLine,
    Materialization,
    Metric,
    Run,
    RunStatus,
    ScheduleTick,
    StepAttempt,
    StepRecord,
    StepStatus,
    XCom,
)
from headwater.storage.sql.store import SqlStore


def make_run(run_id: str, created_at: float, **kw: object) -> Run:
    return Run(run_id=run_id, status=RunStatus.QUEUED, selection="*", created_at=created_at, **kw)  # type: ignore[arg-type]


def make_mat(key: str, run_id: str, version: str, **kw: object) -> Materialization:
    return Materialization(
        asset_key=key,
        run_id=run_id,
        artifact_uri=f"/a/{key}/{version}.json",
        serializer="json",
        size_bytes=7,
        data_version=version,
        created_at=1.0,
        **kw,  # type: ignore[arg-type]
    )


def test_implements_every_protocol(store: SqlStore) -> None:
    for protocol in (
        RunStore, EventLog, MaterializationIndex, MetricStore, ScheduleStateStore, NamedValueStore, XComStore
    ):
        assert isinstance(store, protocol)


def test_run_round_trip(store: SqlStore) -> None:
    run = make_run(
        "r1", 10.0, job_name="train", tags={"team": "ml", "b": "2"}, pid=42, hostname="box"
    )
    store.add_run(run)
    assert store.get_run("r1") == run


def test_update_run(store: SqlStore) -> None:
    store.add_run(make_run("r1", 1.0))
    store.update_run("r1", status=RunStatus.STARTED, started_at=2.0)
    store.update_run("r1", status=RunStatus.FAILURE, ended_at=5.0, error="boom")
    run = store.get_run("r1")
    assert (run.status, run.started_at, run.ended_at, run.error) == (
        RunStatus.FAILURE,
        2.0,
        5.0,
        "boom",
    )
    assert run.duration == 3.0


def test_missing_run_raises(store: SqlStore) -> None:
    with pytest.raises(RunNotFound, match="nope"):
        store.get_run("nope")
    with pytest.raises(RunNotFound):
        store.update_run("nope", status=RunStatus.SUCCESS)


def test_list_runs_newest_first_with_cursor_pages(store: SqlStore) -> None:
    # r2 and r3 share a timestamp: insertion order breaks the tie (r3 is newer).
    for run_id, created in [("r0", 0.0), ("r1", 1.0), ("r2", 2.0), ("r3", 2.0), ("r4", 4.0)]:
        store.add_run(make_run(run_id, created))
    assert store.latest_run() is not None
    assert store.latest_run().run_id == "r4"  # type: ignore[union-attr]
    first = store.list_runs(limit=2)
    assert [r.run_id for r in first] == ["r4", "r3"]
    second = store.list_runs(limit=2, before=first[-1].run_id)
    assert [r.run_id for r in second] == ["r2", "r1"]
    third = store.list_runs(limit=2, before=second[-1].run_id)
    assert [r.run_id for r in third] == ["r0"]
    with pytest.raises(RunNotFound):
        store.list_runs(before="nope")


def test_list_runs_by_status(store: SqlStore) -> None:
    store.add_run(make_run("a", 1.0))
    store.add_run(make_run("b", 2.0))
    store.update_run("a", status=RunStatus.SUCCESS)
    assert [r.run_id for r in store.list_runs(status=RunStatus.SUCCESS)] == ["a"]
    assert [r.run_id for r in store.list_runs(status=RunStatus.QUEUED)] == ["b"]


def test_empty_store(store: SqlStore) -> None:
    assert store.latest_run() is None
    assert store.list_runs() == []
    assert store.latest_materializations(["x"]) == {}
    assert store.latest_materializations([]) == {}
    assert store.get_schedule_states() == {}


def test_upsert_steps(store: SqlStore) -> None:
    store.upsert_steps(
        [
            StepRecord("r1", "b", StepStatus.PENDING),
            StepRecord("r1", "a", StepStatus.RUNNING, attempts=1, started_at=1.0),
            StepRecord("r2", "a", StepStatus.PENDING),
        ]
    )
    done = StepRecord(
        "r1", "b", StepStatus.FAILURE, attempts=2, started_at=2.0, ended_at=3.0,
        error="ValueError: x", traceback="Traceback...", reason=None,
    )  # fmt: skip
    store.upsert_steps([done, StepRecord("r1", "c", StepStatus.UP_TO_DATE, reason="up to date")])
    steps = store.get_steps("r1")
    assert [s.step_key for s in steps] == ["a", "b", "c"]
    assert steps[1] == done
    assert steps[2].reason == "up to date"
    assert len(store.get_steps("r2")) == 1
    store.upsert_steps([])


def test_last_failures(store: SqlStore) -> None:
    store.upsert_steps(
        [
            StepRecord("r1", "a", StepStatus.FAILURE, 1, 1.0, 2.0, error="x"),
            StepRecord("r2", "a", StepStatus.FAILURE, 1, 5.0, 6.0, error="y"),
            StepRecord("r3", "a", StepStatus.SUCCESS, 1, 7.0, 8.0),
            StepRecord("r1", "b", StepStatus.SUCCESS, 1, 1.0, 2.0),
        ]
    )
    assert store.last_failures(["a", "b", "zzz"]) == {"a": 6.0}
    assert store.last_failures([]) == {}


def test_attempts(store: SqlStore) -> None:
    first = StepAttempt("r1", "train", 1, StepStatus.RUNNING, started_at=1.0)
    store.add_attempts([first, StepAttempt("r1", "load", 1, StepStatus.SUCCESS, 0.5, 0.7)])
    failed = StepAttempt("r1", "train", 1, StepStatus.FAILURE, 1.0, 2.0, "boom", "tb")
    second = StepAttempt("r1", "train", 2, StepStatus.SUCCESS, 3.0, 4.0)
    store.add_attempts([failed, second])
    assert store.get_attempts("r1", "train") == [failed, second]
    assert [a.step_key for a in store.get_attempts("r1")] == ["load", "train", "train"]


def test_events_keep_their_order(store: SqlStore) -> None:
    events = [
        Event("r1", EventKind.RUN_START, 1.0),
        Event("r1", EventKind.STEP_START, 1.0, step_key="a"),
        Event("r1", EventKind.STEP_SUCCESS, 1.0, step_key="a", message="ok"),
    ]
    store.add_events(events[:2])
    store.add_events([Event("r2", EventKind.RUN_START, 0.5)])
    store.add_events(events[2:])
    assert store.get_events("r1") == events
    assert store.get_events("missing") == []


def test_logs_per_step(store: SqlStore) -> None:
    lines = [
        LogLine("r1", "a", "stdout", 1.0, "hello"),
        LogLine("r1", "b", "log", 1.1, "loss=0.3", level="INFO"),
        LogLine("r1", "a", "stderr", 1.2, "warn\nmultiline ✓"),
    ]
    store.add_logs(lines)
    assert store.get_logs("r1") == lines
    assert store.get_logs("r1", "a") == [lines[0], lines[2]]
    assert store.get_logs("r1", "zzz") == []


def test_materializations_newest_first(store: SqlStore) -> None:
    m1 = make_mat("features", "r1", "v1", code_version="c1", input_versions={"raw": "x"})
    m2 = make_mat("model", "r1", "v2", metadata={"auc": 0.9, "rows": 10, "n": None})
    m3 = make_mat("features", "r2", "v3", partition="2024-01-01")
    store.add_materializations([m1, m2])
    store.add_materializations([m3])
    assert store.get_materializations("features") == [m3, m1]
    assert store.get_materializations(run_id="r1") == [m2, m1]
    assert store.get_materializations() == [m3, m2, m1]
    assert store.get_materializations("features", limit=1) == [m3]
    assert store.get_materializations("features", run_id="r1") == [m1]


def test_latest_materializations(store: SqlStore) -> None:
    store.add_materializations([make_mat("a", "r1", "a1"), make_mat("b", "r1", "b1")])
    store.add_materializations([make_mat("a", "r2", "a2")])
    latest = store.latest_materializations(["a", "b", "never"])
    assert {k: m.data_version for k, m in latest.items()} == {"a": "a2", "b": "b1"}
    assert set(store.latest_materializations(iter(["b"]))) == {"b"}


def test_records_read_together_own_their_maps(store: SqlStore) -> None:
    """Rows with equal JSON text (the same environment on every asset) are decoded once, but
    each record gets maps of its own: changing one record's map changes no other's."""
    environment = {"python": "3.11.7", "numpy": "2.1.0"}
    metadata = {"rows": 3, "schema": {"a": "int"}}
    store.add_materializations(
        [make_mat(key, "r1", key, environment=environment, metadata=metadata) for key in ("a", "b", "c")]
    )
    latest = store.latest_materializations(["a", "b", "c"])
    assert all(m.environment == environment and m.metadata == metadata for m in latest.values())
    latest["a"].environment["python"] = "changed"
    latest["b"].metadata["schema"]["a"] = "changed"
    assert latest["c"].environment == environment and latest["c"].metadata == metadata
    assert latest["b"].environment == environment and latest["a"].metadata == metadata


def make_xcom(run_id: str, task: str, key: str, map_index: int = -1) -> XCom:
    return XCom(run_id, task, key, map_index, f"/a/{task}/xcom/{key}/{map_index}.pkl", "cloudpickle", 9, f"v{map_index}", 2.0)


def test_xcoms_by_run_and_task(store: SqlStore) -> None:
    store.add_xcoms([make_xcom("r1", "d.train", "model"), make_xcom("r1", "d.train", "split")])
    store.add_xcoms([make_xcom("r1", "d.fan", "k", 1), make_xcom("r1", "d.fan", "k", 0), make_xcom("r2", "d.train", "model")])
    found = store.get_xcoms([("r1", "d.train"), ("r1", "d.fan"), ("r1", "d.train")])
    assert [(x.task_key, x.key, x.map_index) for x in found] == [
        ("d.fan", "k", 0), ("d.fan", "k", 1), ("d.train", "model", -1), ("d.train", "split", -1)
    ]
    assert found[0] == make_xcom("r1", "d.fan", "k", 0)
    assert [x.run_id for x in store.get_xcoms([("r2", "d.train")])] == ["r2"]
    assert store.get_xcoms([("r3", "d.train")]) == [] and store.get_xcoms([]) == []


def test_an_xcom_is_recorded_once(store: SqlStore) -> None:
    from sqlalchemy.exc import IntegrityError

    store.add_xcoms([make_xcom("r1", "d.train", "model")])
    with pytest.raises(IntegrityError):
        store.add_xcoms([make_xcom("r1", "d.train", "model")])
    assert len(store.get_xcoms([("r1", "d.train")])) == 1


def test_metrics(store: SqlStore) -> None:
    metrics = [
        Metric("r1", "train", "loss", 0.5, 1.0),
        Metric("r1", "train", "loss", 0.25, 2.0),
        Metric("r1", "eval", "auc", 0.9, 3.0),
        Metric("r2", "train", "loss", 0.2, 4.0),
    ]
    store.add_metrics(metrics)
    assert store.get_metrics(run_id="r1") == metrics[:3]
    assert store.get_metrics(name="loss") == [metrics[0], metrics[1], metrics[3]]
    assert store.get_metrics(run_id="r1", step_key="eval") == [metrics[2]]
    assert store.get_metrics() == metrics


def test_schedule_state(store: SqlStore) -> None:
    store.set_schedule_state("nightly", "RUNNING")
    store.set_schedule_state("hourly", "STOPPED")
    store.set_schedule_state("nightly", "STOPPED")
    assert store.get_schedule_states() == {"hourly": "STOPPED", "nightly": "STOPPED"}


def test_ticks_are_idempotent_by_run_key(store: SqlStore) -> None:
    tick = ScheduleTick("nightly", "nightly:100", 100.0, "STARTED")
    assert store.add_tick(tick) is True
    assert store.add_tick(tick) is False  # a restarted daemon does not fire twice
    store.add_tick(ScheduleTick("nightly", "nightly:200", 200.0, "STARTED"))
    store.add_tick(ScheduleTick("hourly", "hourly:150", 150.0, "SKIPPED"))
    store.update_tick("nightly:100", status="SUCCESS", run_id="r9")
    ticks = store.get_ticks("nightly")
    assert [t.run_key for t in ticks] == ["nightly:200", "nightly:100"]
    assert ticks[1] == ScheduleTick("nightly", "nightly:100", 100.0, "SUCCESS", run_id="r9")
    assert len(store.get_ticks(limit=2)) == 2


def test_batched_writes_are_one_call(store: SqlStore) -> None:
    events = [Event("big", EventKind.STEP_START, float(i), step_key=f"s{i}") for i in range(500)]
    store.add_events(events)
    assert store.get_events("big") == events


def test_reopen_sees_the_same_data(store_url: str) -> None:
    with SqlStore(store_url) as first:
        first.add_run(make_run("r1", 1.0))
    with SqlStore(store_url) as second:
        assert second.get_run("r1").run_id == "r1"


def test_named_values_are_kept_per_kind_replaced_and_deleted(store: SqlStore) -> None:
    store.set_named_value("variable", "region", "eu", "where data lives")
    store.set_named_value("connection", "region", "postgres://h/db")
    store.set_named_value("variable", "region", "us")  # replaces, keeps one row
    store.set_named_value("variable", "a_first", "1")
    assert store.get_named_value("variable", "region") == "us"
    assert store.get_named_value("connection", "region") == "postgres://h/db"
    assert store.get_named_value("variable", "missing") is None
    assert [(v.name, v.value, v.description) for v in store.list_named_values("variable")] == [
        ("a_first", "1", None), ("region", "us", None)
    ]
    assert store.delete_named_value("variable", "region") is True
    assert store.delete_named_value("variable", "region") is False
    assert store.get_named_value("connection", "region") == "postgres://h/db"
