"""Guarding the run store: database failures as clear errors, and a SQLite file that vanished.

Every query of :class:`~headwater.storage.sql.store.SqlStore` runs inside
:func:`store_errors`, which turns the database's own failures (a full disk, a read-only
file, a server gone) into :class:`~headwater.errors.StorageError` saying what failed and
what to do, never a raw SQLAlchemy traceback. Integrity errors pass through untouched: the
store catches them on purpose (a schedule tick already recorded).

A SQLite store also remembers which file it opened (device and inode, :class:`DatabaseFile`)
and checks it before every write. A process that keeps a connection open to a file that was
deleted or replaced goes on writing into the old inode without an error, and all it records
is lost; the check makes that a loud :class:`~headwater.errors.StorageError` instead (a
``stat`` call, about a microsecond, per write transaction).

Example::

    guard = DatabaseFile.of(engine)        # None for PostgreSQL or an in-memory SQLite
    with store_errors(url, writing=True):
        guard.check()
        ...
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from headwater.errors import StorageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["DatabaseFile", "describe_failure", "store_errors"]


@dataclass(frozen=True, slots=True)
class DatabaseFile:
    """The SQLite file a store opened, by path and identity (device, inode)."""

    path: str
    device: int
    inode: int

    @classmethod
    def of(cls, engine: Engine) -> DatabaseFile | None:
        """The file behind ``engine``; None for a server database or an in-memory SQLite."""
        database = engine.url.database or ""
        if engine.dialect.name != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
            return None
        path = os.path.abspath(os.path.expanduser(database))
        stat = os.stat(path)
        return cls(path, stat.st_dev, stat.st_ino)

    def check(self) -> None:
        """Raise unless the path still names the file that was opened.

        Raises:
            StorageError: the file was deleted, or another file took its place.
        """
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise StorageError(
                f"the run store's database file {self.path} was deleted while this process was using it: "
                "what it records now would be lost, so it stops here (the run's history went with the file)"
            ) from None
        if (stat.st_dev, stat.st_ino) != (self.device, self.inode):
            raise StorageError(
                f"the run store's database file {self.path} was replaced by another file while this process "
                "was using it: what it records now would go to the old file and be lost, so it stops here"
            )


def describe_failure(exc: BaseException, url: str, *, writing: bool) -> str:
    """A one-line account of a database failure, with what to do about the common ones."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    text = lines[0] if lines else type(original).__name__
    lowered = text.lower()
    if "full" in lowered or "no space" in lowered:
        hint = "; free space on its disk, or point HEADWATER_DATABASE_URL at another database"
    elif "readonly" in lowered or "read-only" in lowered or "read only" in lowered:
        hint = "; the database file or its folder is read-only"
    elif "locked" in lowered:
        hint = "; another process held it too long: try again"
    else:
        hint = ""
    action = "write to" if writing else "read from"
    return f"could not {action} the run store at {url}: {text}{hint}"


@contextmanager
def store_errors(url: str, *, writing: bool) -> Iterator[None]:
    """Turn the database's failures inside the block into :class:`StorageError`.

    Raises:
        StorageError: the database failed (integrity errors are re-raised as they are).
    """
    from sqlalchemy.exc import IntegrityError, SQLAlchemyError

    try:
        yield
    except IntegrityError:
        raise
    except SQLAlchemyError as exc:
        raise StorageError(describe_failure(exc, url, writing=writing)) from exc
