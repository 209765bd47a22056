"""The run store over SQLAlchemy Core: one schema, one Alembic tree, SQLite and PostgreSQL.

Importing this package imports nothing heavy; ``SqlStore`` is loaded on first access so that
``from headwater.storage.sql import SqlStore`` costs SQLAlchemy only when it is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from headwater.storage.sql.store import SqlStore as SqlStore

__all__ = ["SqlStore"]


def __getattr__(name: str) -> Any:
    if name == "SqlStore":
        from headwater.storage.sql.store import SqlStore

        return SqlStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
