"""Warming the launcher's fork server, so that each run's process starts with nothing left to load.

A run's process is forked from the fork server (:mod:`headwater.scheduling.launcher`), so
whatever the server has imported and compiled, every run has for free. Two things cost a
run tens of milliseconds each before its first step when they are left to it:

* **imports**: a code location imports one of the public doors (``headwater`` or
  ``headwater.airflow``), which pulls in the definitions. :func:`preload` imports the
  engine, the store and both doors with every public name, never any user code.
* **the store's engine**: SQLAlchemy compiles each statement once per engine and keeps it in
  that engine's cache, so a statement compiled on another engine is compiled again.
  :func:`warm_store` opens the real store's engine and runs throw-away queued runs through
  it (an asset's and an Airflow DAG's, by the path a claimed run takes), with every
  connection the engine makes meanwhile pointed at a scratch SQLite database. The real
  store is never written; its engine keeps the compiled statements, and the redirection is
  removed (and checked gone) before any run's process is forked.

A store that is not a SQLite file (PostgreSQL) cannot be pointed at a scratch copy: its
engine is warmed by reading each table, and the throw-away runs go to a temporary store of
their own (they warm what is shared by every engine: the column types, the runs' code).
"""

from __future__ import annotations

import importlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from headwater.settings import Settings
    from headwater.storage.sql.store import SqlStore

__all__ = ["preload", "warm_store"]

#: the engine and the store: what every run's process uses
_ENGINE = (
    "headwater.execution.run",
    "headwater.execution.executors",
    "headwater.definitions.loading",
    "headwater.planning.plan",
    "headwater.storage.instance",
    "headwater.storage.sql.store",
    "headwater.scheduling.launch",
    "headwater.airflow",
)

WARM_DAG_ID = "headwater_warm_up"


def preload() -> None:
    """Import what a run's process needs: the engine, the store, and both dialects' public names."""
    import headwater

    for name in _ENGINE:
        importlib.import_module(name)
    for name in headwater.__all__:
        getattr(headwater, name)  # the assets dialect's names load lazily: load them now


def warm_store(settings: Settings) -> SqlStore:
    """The run store of ``settings``, its engine warmed (see the module docstring), with no connection open."""
    from sqlalchemy import select

    from headwater.storage.sql.schema import metadata
    from headwater.storage.sql.store import SqlStore

    store = SqlStore(settings.database_url)
    real_file = _sqlite_file(store.engine)
    if real_file is None:
        from headwater.storage.instance import Instance

        with Instance.ephemeral() as scratch:
            _throw_away_runs(scratch)
        with store.engine.connect() as conn:
            for table in metadata.sorted_tables:
                conn.execute(select(table).limit(0))
    else:
        with tempfile.TemporaryDirectory(prefix="headwater-warm-") as folder:
            with _connections_to(store.engine, Path(folder) / "scratch.db"):
                metadata.create_all(store.engine)
                _throw_away_runs(_scratch_instance(store, Path(folder)))
        _check_connects_to(store.engine, real_file)
    store.engine.dispose()  # no connection crosses a fork
    return store


def _sqlite_file(engine: Engine) -> str | None:
    """The database file of a SQLite engine (None for other databases and in-memory SQLite)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return os.path.realpath(database)


@contextmanager
def _connections_to(engine: Engine, scratch: Path) -> Iterator[None]:
    """Within: every new connection of ``engine`` opens ``scratch`` (SQLAlchemy's ``do_connect`` hook)."""
    from sqlalchemy import event

    def connect(dialect: Any, record: Any, cargs: list[Any], cparams: dict[str, Any]) -> Any:
        return dialect.connect(str(scratch), *cargs[1:], **cparams)

    engine.dispose()
    event.listen(engine, "do_connect", connect)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", connect)
        engine.dispose()  # the scratch connections go


def _check_connects_to(engine: Engine, real_file: str) -> None:
    """Raise unless ``engine`` connects to ``real_file`` again (never run on the scratch copy)."""
    with engine.connect() as conn:
        files = {os.path.realpath(row[2]) for row in conn.exec_driver_sql("PRAGMA database_list") if row[2]}
    if real_file not in files:
        raise RuntimeError(f"the run store's engine still opens {files}, not {real_file}")


def _scratch_instance(store: SqlStore, folder: Path) -> Any:
    from headwater.settings import Settings
    from headwater.storage.artifacts import FsspecArtifactStore
    from headwater.storage.instance import Instance

    settings = Settings.from_env(folder / "home")
    return Instance(settings, store, FsspecArtifactStore(settings.artifacts_url))


def _throw_away_runs(instance: Any) -> None:
    """Queue, claim and run an asset's run and two of an Airflow DAG's, as the daemon does."""
    from datetime import UTC, datetime

    from headwater.airflow import DAG, PythonOperator
    from headwater.definitions.asset import asset
    from headwater.definitions.loading import collect
    from headwater.scheduling.launch import run_claimed
    from headwater.scheduling.queue import submit

    def warm() -> int:
        return 1

    def task() -> None:
        return None

    with DAG(WARM_DAG_ID, schedule="@daily", start_date=datetime(2026, 1, 1, tzinfo=UTC), catchup=False) as dag:
        PythonOperator(task_id="warm", python_callable=task)
    location = collect([asset(warm), dag], name="headwater warm-up")
    claimer = "headwater-warm-up"
    for n, job in enumerate((None, WARM_DAG_ID, WARM_DAG_ID)):
        tags = {"dagster/schedule_name": f"{WARM_DAG_ID}_schedule", "logical_date": f"2026-01-0{n + 1}T00:00:00+00:00"}
        run_id = submit(job=job, tags=tags, run_key=f"warm:{n}", instance=instance)
        instance.store.claim_runs(claimer, lambda flying, queued: [run.run_id for run in queued])
        run_claimed(instance, run_id, claimer, load=lambda launch: location)
