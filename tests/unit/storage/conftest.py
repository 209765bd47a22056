"""Fixtures for the storage tests: one ``store`` per backend, on real databases.

``store`` is parametrized over SQLite (a file in ``tmp_path``) and PostgreSQL (a fresh schema
per test in the ``test`` database at 127.0.0.1:5432, dropped afterwards). The PostgreSQL case
is marked ``postgres``; when the server cannot be reached it fails, it never skips: a store
that was not tested on PostgreSQL must not look green.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from headwater.storage.sql.store import SqlStore

POSTGRES_URL = os.environ.get(
    "HEADWATER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/store/headwater.db"


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema (dropped after the test)."""
    from sqlalchemy import create_engine, text

    schema = f"hw_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 -- turn any connection problem into a loud failure
        admin.dispose()
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}", pytrace=False)
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """A database URL on each backend."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return request.getfixturevalue("postgres_schema_url")


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    """An open, empty run store on each backend."""
    from headwater.storage.sql.store import SqlStore

    opened = SqlStore(store_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def artifacts(tmp_path: object) -> object:
    """A local artifact store in a temporary folder."""
    from headwater.storage.artifacts import FsspecArtifactStore

    return FsspecArtifactStore(f"{tmp_path}/artifacts")
