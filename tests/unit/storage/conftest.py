"""Fixtures for the storage tests: one ``store`` per backend, on real databases.

``store`` is parametrized over SQLite (a file in ``tmp_path``) and PostgreSQL (a fresh schema
per test from the root conftest's ``postgres_schema_url``). The PostgreSQL case is marked
``postgres``; when the server cannot be reached it fails, it never skips: a store that was
not tested on PostgreSQL must not look green.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from headwater.storage.sql.store import SqlStore

def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/store/headwater.db"


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
