"""Opening a SQLite run store that this process may read but not write.

A store on a read-only mount, or in a folder that belongs to another user, can still be
listed: ``runs list``, ``runs show``, ``assets list``, ``lineage`` read it; a run refuses
to start, naming the store (:class:`~headwater.errors.StoreReadOnly`).

The store is in WAL mode, and SQLite's WAL needs a shared-memory file (``-shm``) next to
the database, which a reader in a read-only folder cannot create. So, per connection:

1. ``mode=ro``: works whenever the ``-wal`` and ``-shm`` files exist (a writer has the
   store open, or died with it open), and reads what is in the WAL too.
2. Failing that, and only when there is no ``-wal`` file (or an empty one), the last writer
   closed cleanly and checkpointed everything into the database file: ``immutable=1``
   reads it with no locking and no WAL at all. With a non-empty WAL that cannot be read,
   ``immutable`` would silently miss the latest runs, so that is an error instead.

Every connection also sets ``query_only``, so a write is refused by SQLite itself.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from headwater.errors import StorageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["is_read_only", "read_only_engine", "sqlite_file", "unwritable"]


def sqlite_file(url: str) -> Path | None:
    """The database file of a ``sqlite:///path`` URL; None for memory and other dialects."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 -- make_engine reports a bad URL with its reason
        return None
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


def unwritable(path: Path) -> bool:
    """Whether the database at ``path`` exists or could, but this process cannot write it.

    ``os.access`` answers for this process's user and for read-only mounts alike (root may
    write anywhere but on a read-only mount).
    """
    folder = path.parent
    if not folder.is_dir():
        return False  # to be created: make_engine reports a parent that cannot hold it
    if not os.access(folder, os.W_OK | os.X_OK):
        return True
    return path.exists() and not os.access(path, os.W_OK)


def read_only_engine(path: Path) -> Engine:
    """An engine that reads the SQLite database at ``path`` without writing anything.

    Raises:
        StorageError: there is no database at ``path`` (and none can be created there).
    """
    from sqlalchemy import create_engine

    if not path.is_file():
        raise StorageError(
            f"no run store at {path}, and its folder is read-only, so none can be created: "
            "set HEADWATER_HOME to a folder you can write to"
        )
    uri = f"file:{quote(str(path))}"

    def connect() -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1")  # opening is lazy: open now
        except sqlite3.OperationalError as exc:
            wal = path.with_name(path.name + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise StorageError(
                    f"cannot read the run store {path}: its write-ahead log {wal} holds recent "
                    f"changes, and this user cannot open it read-only ({exc})"
                ) from exc
            conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only=ON")
        return conn

    # The URL only names the store (for messages and ``is_read_only``); ``creator`` connects.
    return create_engine(f"sqlite:///{uri}?mode=ro&uri=true", creator=connect)


def is_read_only(engine: Engine) -> bool:
    """Whether ``engine`` was made by :func:`read_only_engine`."""
    return engine.dialect.name == "sqlite" and engine.url.query.get("mode") == "ro"
