"""Records to rows and back: every field that holds an enum is stored as its text.

The store converts the enum fields it knows (``_ENUM_FIELDS``) by position, without looking
at every value of every row: this checks it knows them all, for every stored record class.
"""

from __future__ import annotations

import dataclasses
import enum
import typing

import pytest

from headwater.storage import records
from headwater.storage.sql.store import _ENUM_FIELDS, SqlStore, _to_row

STORED = [
    records.Run, records.StepRecord, records.StepAttempt, records.Event, records.LogLine, records.Materialization,
    records.Metric, records.XCom, records.CheckEvaluation, records.ScheduleTick, records.NamedValue, records.Backfill,
    records.DaemonRecord,
]


def enum_fields(cls: type) -> set[str]:
    hints = typing.get_type_hints(cls)
    found = set()
    for field in dataclasses.fields(cls):
        hint = hints[field.name]
        if any(isinstance(t, type) and issubclass(t, enum.Enum) for t in (*typing.get_args(hint), hint)):
            found.add(field.name)
    return found


@pytest.mark.parametrize("cls", STORED, ids=lambda cls: cls.__name__)
def test_the_store_knows_every_enum_field(cls: type) -> None:
    assert set(_ENUM_FIELDS.get(cls, {})) == enum_fields(cls)


def test_a_row_holds_enums_as_their_text_and_maps_as_json() -> None:
    record = records.StepRecord("r", "a", records.StepStatus.FAILURE, 1, 1.0, 2.0, failure_kind=records.FailureKind.USER)
    row = _to_row(record)
    assert row["status"] == "FAILURE" and type(row["status"]) is str
    assert row["failure_kind"] == records.FailureKind.USER.value and type(row["failure_kind"]) is str
    run = records.Run("r", records.RunStatus.QUEUED, "*", created_at=1.0, tags={"b": "2", "a": "1"})
    assert _to_row(run)["tags"] == '{"a": "1", "b": "2"}' and _to_row(run)["status"] == "QUEUED"


def test_many_rows_are_written_as_one_statement_would_write_them(store: SqlStore) -> None:
    """The driver-level write of many rows (``sql/many.py``) stores what SQLAlchemy would:
    an int in a float column as a float, upserts replacing by key, appends in order."""
    store.add_run(records.Run("r", records.RunStatus.STARTED, "*", created_at=1))
    running = [records.StepRecord("r", f"s{i}", records.StepStatus.RUNNING, 1, i) for i in range(300)]
    store.upsert_steps(running)
    done = [records.StepRecord("r", f"s{i}", records.StepStatus.SUCCESS, 1, i, i + 1) for i in range(0, 300, 2)]
    store.upsert_steps(done)
    steps = {step.step_key: step for step in store.get_steps("r")}
    assert len(steps) == 300
    assert steps["s4"] == records.StepRecord("r", "s4", records.StepStatus.SUCCESS, 1, 4.0, 5.0)
    assert steps["s5"].status is records.StepStatus.RUNNING and steps["s5"].ended_at is None
    assert all(type(step.started_at) is float for step in steps.values())
    store.add_events([records.Event("r", records.EventKind.STEP_START, i, f"s{i}", "") for i in range(300)])
    assert [event.step_key for event in store.get_events("r")] == [f"s{i}" for i in range(300)]
    assert store.get_run("r").created_at == 1.0 and type(store.get_run("r").created_at) is float
