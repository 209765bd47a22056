"""Asset check results in the run store, on SQLite and PostgreSQL alike (the ``store`` fixture)."""

from __future__ import annotations

from headwater.storage.base import CheckEvaluationIndex
from headwater.storage.records import CheckEvaluation
from headwater.storage.sql.store import SqlStore


def evaluation(run_id: str, asset: str, name: str, passed: bool, **kw: object) -> CheckEvaluation:
    return CheckEvaluation(
        run_id=run_id, step_key=f"{asset}:{name}", asset_key=asset, check_name=name, passed=passed,
        created_at=1.0, **{"severity": "ERROR", **kw},  # type: ignore[arg-type]
    )


def test_round_trip_per_run_and_asset(store: SqlStore) -> None:
    assert isinstance(store, CheckEvaluationIndex)
    first = evaluation("r1", "orders", "positive", True, metadata={"rows": 3}, description="all positive")
    second = evaluation("r1", "raw/users", "unique", False, blocking=True, severity="WARN")
    store.add_check_evaluations([first, second])
    assert store.get_check_evaluations(run_id="r1") == [first, second]
    assert store.get_check_evaluations(asset_key="raw/users") == [second]
    assert store.get_check_evaluations(run_id="other") == []


def test_latest_is_the_newest_result_of_each_check(store: SqlStore) -> None:
    store.add_check_evaluations([
        evaluation("r1", "orders", "positive", False),
        evaluation("r1", "orders", "not_empty", True),
        evaluation("r2", "orders", "positive", True),
        evaluation("r2", "users", "unique", False),
    ])
    latest = store.latest_check_evaluations(["orders", "missing"])
    assert [(e.check_name, e.run_id, e.passed) for e in latest["orders"]] == [
        ("not_empty", "r1", True), ("positive", "r2", True),
    ]
    assert set(latest) == {"orders"}
    assert store.latest_check_evaluations([]) == {}
