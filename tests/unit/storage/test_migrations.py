"""Opening a store: fresh create, the fast path, upgrades, unknown revisions, SQLite settings."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from headwater.errors import StorageError, StoreMigrationNeeded
from headwater.storage.sql.engine import alembic_config
from headwater.storage.sql.schema import HEAD_REVISION, metadata
from headwater.storage.sql.store import SqlStore


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/store/headwater.db"


def _revision(store: SqlStore) -> list[str]:
    with store.engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]


def test_head_revision_constant_matches_alembic() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [HEAD_REVISION]


def test_fresh_store_is_stamped_at_head(store: SqlStore) -> None:
    assert _revision(store) == [HEAD_REVISION]


def test_migrations_build_exactly_the_declared_schema(store: SqlStore) -> None:
    """Downgrade to base, upgrade with Alembic, and diff against ``schema.metadata``."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    with store.engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_store_at_base_is_upgraded_on_open(store_url: str) -> None:
    from alembic import command

    with SqlStore(store_url) as store:
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        with store.engine.connect() as conn:
            assert not conn.dialect.has_table(conn, "runs")
    with SqlStore(store_url) as store:
        assert _revision(store) == [HEAD_REVISION]
        assert store.list_runs() == []


def test_unknown_revision_raises_store_migration_needed(store_url: str) -> None:
    with SqlStore(store_url) as store:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff9999'")
    with pytest.raises(StoreMigrationNeeded, match="ffff9999"):
        SqlStore(store_url)


def test_tables_without_version_raise(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    with SqlStore(url) as store:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE alembic_version")
    with pytest.raises(StoreMigrationNeeded, match="alembic_version"):
        SqlStore(url)


def test_sqlite_settings(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)  # the parent folder does not exist yet
    with SqlStore(url) as store:
        with store.engine.connect() as conn:
            pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 1  # NORMAL
            assert pragma("busy_timeout") == 5000
            assert pragma("foreign_keys") == 1
    raw = sqlite3.connect(tmp_path / "store" / "headwater.db")
    assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # persisted in the file
    raw.close()


def test_in_memory_sqlite_shares_one_database() -> None:
    from headwater.storage.records import Run, RunStatus

    with SqlStore("sqlite://") as store:
        store.add_run(Run("r1", RunStatus.QUEUED, "*"))
        assert store.get_run("r1").run_id == "r1"


def test_unreachable_database_is_a_storage_error() -> None:
    with pytest.raises(StorageError, match="cannot open"):
        SqlStore("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_bad_url_is_a_storage_error() -> None:
    with pytest.raises(StorageError, match="invalid database URL"):
        SqlStore("not a url")


def test_opening_an_existing_store_skips_alembic(tmp_path: Path) -> None:
    """The CLI start-up path: opening a store at head never imports Alembic."""
    url = sqlite_url(tmp_path)
    SqlStore(url).close()
    code = f"""
import sys
from headwater.storage.sql.store import SqlStore
store = SqlStore({url!r})
store.close()
assert "alembic" not in sys.modules, "opening at head must not import alembic"
"""
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)


KILL_IN_MIGRATION = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine

def kill_after(conn, cursor, statement, *args):
    if "ADD COLUMN code_components" in statement:
        os.kill(os.getpid(), signal.SIGKILL)  # between the migration's statements

event.listen(Engine, "after_cursor_execute", kill_after)
from headwater.storage.sql.store import SqlStore
SqlStore(sys.argv[1])
"""


def test_a_migration_killed_halfway_leaves_a_store_that_opens(tmp_path: Path) -> None:
    """SIGKILL between two statements of an upgrade: the next open upgrades cleanly, no row lost."""
    from alembic import command

    from headwater.storage.records import Materialization

    url = sqlite_url(tmp_path)
    with SqlStore(url) as store:
        store.add_materializations([Materialization("a", "r1", "/x/a.json", "json", 2, "v1", 1.0, code_version="c")])
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0002")
    killed = subprocess.run([sys.executable, "-c", KILL_IN_MIGRATION, url], capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr
    with SqlStore(url) as store:
        assert _revision(store) == [HEAD_REVISION]
        (kept,) = store.get_materializations("a")
        assert (kept.data_version, kept.code_components, kept.environment, kept.source_version) == ("v1", {}, {}, None)
