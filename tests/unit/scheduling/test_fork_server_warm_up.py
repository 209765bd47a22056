"""The fork server's warm-up: the real store's engine is warmed, and the real store is never written."""

from __future__ import annotations

from typing import Any

import pytest

from headwater.errors import RunNotFound
from headwater.scheduling.warm import warm_store
from headwater.settings import Settings
from headwater.storage.records import Run, RunsFilter, RunStatus
from headwater.storage.sql.store import SqlStore


def _written(store: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from headwater.storage.sql.schema import metadata

    with store.engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
            if table.name not in ("alembic_version",)
        }


def test_warming_compiles_a_runs_statements_on_the_real_engine_and_writes_nothing_to_the_real_store(
    store_url: str, tmp_path: Any
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=store_url, artifacts_url=str(tmp_path / "artifacts"), reason="test")
    with SqlStore(store_url) as fresh:
        before = _written(fresh)
    warmed = warm_store(settings)
    try:
        assert _written(warmed) == before  # the throw-away runs went elsewhere
        assert warmed.list_runs() == [] and warmed.get_ticks() == []
        # on SQLite, the engine the runs' processes inherit has a run's statements compiled:
        # running them compiles nothing (a PostgreSQL store has no scratch copy to warm it on)
        if warmed.dialect == "sqlite":
            _compiles_nothing_new(warmed)
        # and it writes to the real store again
        warmed.add_run(Run(run_id="r1", status=RunStatus.STARTED, selection="*", job_name=None, created_at=1.0))
        with SqlStore(store_url) as other:
            assert [run.run_id for run in other.list_runs()] == ["r1"]
    finally:
        warmed.close()


def _compiles_nothing_new(store: Any) -> None:
    compiled = len(store.engine._compiled_cache)
    with pytest.raises(RunNotFound):
        store.get_run("nope")
    store.latest_materializations(["model"])
    store.list_runs(limit=500, filters=RunsFilter(statuses=(RunStatus.SUCCESS,), job_name="etl"))
    assert len(store.engine._compiled_cache) == compiled
