"""Opening a run store database: the engine, its SQLite settings, and the schema check.

Policy on open (:func:`open_engine`), in order of how often it happens:

1. ``alembic_version`` holds :data:`~headwater.storage.sql.schema.HEAD_REVISION`: nothing to
   do. This is the CLI's start-up path, so it is one small query and never imports Alembic.
2. The database has none of our tables: ``create_all`` and write the head revision into
   ``alembic_version`` directly (the same row ``alembic stamp head`` writes).
3. The revision is older than head (or the version table is empty, i.e. at base): run the
   Alembic upgrade programmatically, in-process.
4. The revision is one this Headwater does not know (a newer Headwater wrote it), or our
   tables exist without a version: :class:`~headwater.errors.StoreMigrationNeeded`.

SQLite connections get ``journal_mode=WAL`` (readers never block the writer),
``synchronous=NORMAL`` (safe with WAL, no fsync per commit), ``busy_timeout=5000`` and
``foreign_keys=ON``. ``sqlite://`` (in memory) shares one connection (``StaticPool``).
A SQLite file this process cannot write opens read-only (:mod:`.readonly`), at head or not
at all.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from headwater.errors import StorageError, StoreMigrationNeeded

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

__all__ = ["MIGRATIONS_DIR", "make_engine", "open_engine", "upgrade"]

#: The Alembic script directory shipped in the package.
MIGRATIONS_DIR = Path(__file__).with_name("migrations")

#: how long opening a SQLite store keeps trying while the database is locked (seconds)
OPEN_LOCKED_TIMEOUT = 60.0

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=5000",
    "PRAGMA foreign_keys=ON",
)


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; SQLite gets its pragmas and its folder created.

    Raises:
        StorageError: the URL cannot be parsed or names no installed driver.
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception as exc:  # ArgumentError; keep the message
        raise StorageError(f"invalid database URL {url!r}: {exc}") from exc
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file::memory:"):
            from sqlalchemy.pool import StaticPool

            kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        else:
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the run store's folder {folder}: {exc.strerror or exc}; "
                    "set HEADWATER_HOME to a folder you can write to"
                ) from exc
    try:
        engine = create_engine(parsed, **kwargs)
    except Exception as exc:  # missing DBAPI driver, bad options
        raise StorageError(f"cannot create a database engine for {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    return engine


def _read_revision(conn: Connection) -> tuple[bool, str | None]:
    """(version table exists, revision or None when the table is empty)."""
    if not conn.dialect.has_table(conn, "alembic_version"):
        return False, None
    from sqlalchemy import text

    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return True, (row[0] if row else None)


def _create_fresh(conn: Connection) -> None:
    from sqlalchemy import Column, MetaData, String, Table

    from headwater.storage.sql.schema import HEAD_REVISION, metadata

    metadata.create_all(conn, checkfirst=True)
    # The table Alembic itself would create; stamping it directly keeps Alembic out of
    # the start-up path.
    version = Table(
        "alembic_version",
        MetaData(),
        Column("version_num", String(32), primary_key=True),
    )
    version.create(conn, checkfirst=True)
    conn.execute(version.delete())
    conn.execute(version.insert(), [{"version_num": HEAD_REVISION}])


def open_engine(url: str, *, locked_timeout: float = OPEN_LOCKED_TIMEOUT) -> Engine:
    """Create the engine and bring the schema to head (see the module docstring).

    A SQLite database still locked after ``busy_timeout`` (many processes creating one new
    store at once, each waiting its turn) is tried again, with growing pauses, until
    ``locked_timeout`` seconds have passed.

    Raises:
        StoreMigrationNeeded: the database carries a revision this Headwater does not know.
        StorageError: the database cannot be reached.
    """
    deadline = time.monotonic() + locked_timeout
    pause = 0.05
    while True:
        try:
            return _open_engine_once(url)
        except StorageError as exc:
            if not _is_locked(exc.__cause__) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause * (0.5 + random.random()))
        pause = min(pause * 2, 1.0)


def _is_locked(error: BaseException | None) -> bool:
    from sqlalchemy.exc import OperationalError

    return isinstance(error, OperationalError) and "database is locked" in str(error)


def _open_engine_once(url: str) -> Engine:
    from sqlalchemy.exc import SQLAlchemyError

    from headwater.storage.sql.readonly import read_only_engine, sqlite_file, unwritable
    from headwater.storage.sql.schema import HEAD_REVISION

    path = sqlite_file(url)
    if path is not None and unwritable(path):
        return _open_read_only(read_only_engine(path), path)
    engine = make_engine(url)
    try:
        for attempt in (1, 2):
            with engine.connect() as conn:
                has_version, revision = _read_revision(conn)
                if revision == HEAD_REVISION:
                    conn.rollback()
                    return engine
                if has_version:
                    conn.rollback()
                    break
                if conn.dialect.name == "sqlite":
                    # SQLite runs DDL outside transactions unless told otherwise: take the
                    # write lock first so a concurrent opener waits (busy_timeout) and then
                    # finds the finished store, never a half-created one.
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    has_version, revision = _read_revision(conn)
                    if has_version:
                        conn.rollback()
                        if revision == HEAD_REVISION:
                            return engine
                        break
                if conn.dialect.has_table(conn, "runs"):
                    raise StoreMigrationNeeded(
                        f"the database at {engine.url!r} has Headwater tables but no "
                        "alembic_version; it was not created by Headwater's migrations. "
                        "Point HEADWATER_DATABASE_URL at a new database or stamp it with "
                        "alembic."
                    )
                try:
                    _create_fresh(conn)
                    conn.commit()
                    return engine
                except SQLAlchemyError:
                    # Another process created the store at the same moment (``headwater
                    # dev`` opens it from two processes): look again once.
                    conn.rollback()
                    if attempt == 2:
                        raise
        upgrade(engine, revision)
    except StorageError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StorageError(f"cannot open the run store at {engine.url!r}: {exc}") from exc
    return engine


def _open_read_only(engine: Engine, path: Path) -> Engine:
    """Check that a read-only store is at head: it cannot be created or upgraded here."""
    from sqlalchemy.exc import SQLAlchemyError

    from headwater.storage.sql.schema import HEAD_REVISION

    try:
        with engine.connect() as conn:
            _, revision = _read_revision(conn)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StorageError(f"cannot read the run store {path}: {exc}") from exc
    except StorageError:
        engine.dispose()
        raise
    if revision != HEAD_REVISION:
        engine.dispose()
        raise StoreMigrationNeeded(
            f"the run store {path} is read-only and its schema is at revision {revision!r}, not "
            f"{HEAD_REVISION!r}: open it once with write access to upgrade it"
        )
    return engine


def alembic_config(connection: Connection | None = None) -> Any:
    """An Alembic ``Config`` for the shipped migrations (no ini file needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str | None) -> None:
    """Upgrade the database from ``revision`` (``None``: base) to head with Alembic.

    Raises:
        StoreMigrationNeeded: ``revision`` is not in this Headwater's migration tree.
    """
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    if revision is not None:
        try:
            known = script.get_revision(revision) is not None
        except CommandError:
            known = False
        if not known:
            raise StoreMigrationNeeded(
                f"the run store at {engine.url!r} is at schema revision {revision!r}, which "
                f"this Headwater (head {script.get_current_head()!r}) does not know: it was "
                "written by a newer Headwater. Upgrade headwater, or point "
                "HEADWATER_DATABASE_URL at another database."
            )
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            # The driver runs DDL outside any transaction unless one is open: open it, so a
            # process killed between two statements of a migration leaves the store as it
            # was (and a concurrent opener waits, then finds it upgraded).
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
