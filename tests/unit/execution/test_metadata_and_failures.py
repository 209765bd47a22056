"""MetadataValue kinds as stored, and the Failure / RetryRequested signals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from headwater import (
    AssetCheckResult,
    Failure,
    MetadataValue,
    Output,
    RetryPolicy,
    RetryRequested,
    TableColumn,
    TableRecord,
    TableSchema,
    asset,
    asset_check,
    materialize,
)
from headwater.execution.observer import NullObserver
from headwater.storage.records import StepStatus

ATTEMPTS: dict[str, int] = {}


def run(instance, *assets):  # noqa: ANN001, ANN002, ANN201
    return materialize(list(assets), instance=instance, raise_on_error=False, observer=NullObserver())


def test_every_metadata_kind_is_stored_as_json(instance) -> None:
    schema = TableSchema(columns=[TableColumn("id", "int"), TableColumn("name", description="who")])

    @asset
    def described() -> Output[int]:
        return Output(1, metadata={
            "text": MetadataValue.text("hello"),
            "md": MetadataValue.md("# Title"),
            "json": MetadataValue.json({"a": [1, 2]}),
            "url": MetadataValue.url("https://example.com"),
            "path": MetadataValue.path(Path("/data/x.csv")),
            "int": MetadataValue.int(7),
            "float": MetadataValue.float(0.5),
            "bool": MetadataValue.bool(True),
            "when": MetadataValue.timestamp(dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
            "none": MetadataValue.null(),
            "other": MetadataValue.asset("raw/users"),
            "table": MetadataValue.table([TableRecord({"id": 1, "name": "ada"}), TableRecord(id=2, name="bob")], schema),
            "schema": MetadataValue.table_schema(schema),
            "plain": 3,
        })

    result = run(instance, described)
    [stored] = instance.store.get_materializations("described", run_id=result.run_id)
    assert stored.metadata == {
        "text": "hello", "md": {"type": "md", "value": "# Title"}, "json": {"type": "json", "value": {"a": [1, 2]}},
        "url": {"type": "url", "value": "https://example.com"}, "path": {"type": "path", "value": "/data/x.csv"},
        "int": 7, "float": 0.5, "bool": True, "when": {"type": "timestamp", "value": 1704067200.0}, "none": None,
        "other": {"type": "asset", "value": "raw/users"},
        "table": {"type": "table", "value": {
            "records": [{"id": 1, "name": "ada"}, {"id": 2, "name": "bob"}],
            "schema": {"columns": [{"name": "id", "type": "int", "description": None},
                                   {"name": "name", "type": "string", "description": "who"}]},
        }},
        "schema": {"type": "table_schema", "value": {"columns": [
            {"name": "id", "type": "int", "description": None}, {"name": "name", "type": "string", "description": "who"},
        ]}},
        "plain": 3,
    }
    metrics = {m.name: m.value for m in instance.store.get_metrics(run_id=result.run_id)}
    assert metrics == {"int": 7.0, "float": 0.5, "plain": 3.0}


def test_check_result_metadata_values_are_stored_as_json(instance) -> None:
    @asset
    def rows() -> int:
        return 3

    @asset_check(asset=rows)
    def enough(rows: int) -> AssetCheckResult:
        return AssetCheckResult(passed=True, metadata={"report": MetadataValue.url("https://r")})

    result = run(instance, rows, enough)
    [evaluation] = instance.store.get_check_evaluations(run_id=result.run_id)
    assert evaluation.metadata == {"report": {"type": "url", "value": "https://r"}}


def test_failure_gives_its_description_and_metadata_and_may_forbid_retries(instance) -> None:
    ATTEMPTS.clear()

    @asset(retry_policy=RetryPolicy(max_retries=3))
    def token() -> str:
        ATTEMPTS["token"] = ATTEMPTS.get("token", 0) + 1
        raise Failure("the token expired", metadata={"status": MetadataValue.int(401)}, allow_retries=False)

    result = run(instance, token)
    record = result.steps["token"]
    assert record.status is StepStatus.FAILURE and record.attempts == 1 and ATTEMPTS["token"] == 1
    assert record.error == "Failure: the token expired (status=401)"


def test_failure_is_retried_by_the_policy_by_default(instance) -> None:
    ATTEMPTS.clear()

    @asset(retry_policy=RetryPolicy(max_retries=2))
    def flaky() -> str:
        ATTEMPTS["flaky"] = ATTEMPTS.get("flaky", 0) + 1
        if ATTEMPTS["flaky"] < 3:
            raise Failure("not yet")
        return "ok"

    result = run(instance, flaky)
    assert result.steps["flaky"].status is StepStatus.SUCCESS and result.steps["flaky"].attempts == 3


@pytest.mark.parametrize(("failures", "status", "attempts"), [(2, StepStatus.SUCCESS, 3), (9, StepStatus.FAILURE, 4)])
def test_retry_requested_overrides_the_policy(instance, failures: int, status: StepStatus, attempts: int) -> None:
    ATTEMPTS.clear()

    @asset  # no retry policy: only the request retries it
    def polled() -> str:
        ATTEMPTS["polled"] = ATTEMPTS.get("polled", 0) + 1
        if ATTEMPTS["polled"] <= failures:
            raise RetryRequested(max_retries=3, seconds_to_wait=0.01)
        return "ready"

    result = run(instance, polled)
    assert result.steps["polled"].status is status and result.steps["polled"].attempts == attempts
    assert "RetryRequested" in (instance.store.get_attempts(result.run_id, "polled")[0].error or "")
