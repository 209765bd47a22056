"""Alembic environment for Headwater's run store: one tree for SQLite and PostgreSQL.

The store passes its open connection in ``config.attributes["connection"]``; run from the
command line, ``sqlalchemy.url`` in the config (or ``HEADWATER_DATABASE_URL``) is used.
SQLite ALTERs go through batch mode (``render_as_batch``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from alembic import context

from headwater.storage.sql.schema import metadata

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the store's connection, or one made from the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from headwater.storage.sql.engine import make_engine

    url = config.get_main_option("sqlalchemy.url") or os.environ.get("HEADWATER_DATABASE_URL")
    if not url:
        raise RuntimeError("set sqlalchemy.url or HEADWATER_DATABASE_URL")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    """Emit SQL to stdout for the configured URL."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
