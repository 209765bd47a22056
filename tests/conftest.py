"""Shared fixtures: every test gets its own HEADWATER_HOME, so no test sees another's runs."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PIPELINES = Path(__file__).parent / "pipelines"
POSTGRES_URL = os.environ.get(
    "HEADWATER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True, scope="session")
def cli_server_switch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Whether ``headwater`` commands the tests start use the warm CLI server.

    Not by default: a test's command runs in its own process and leaves no server behind.
    With ``HEADWATER_TEST_CLI_SERVER=1`` every such command goes through servers whose
    sockets live in a folder of this session, stopped when the session ends (the suite
    must pass both ways). ``tests/cli/test_cli_server.py`` uses servers of its own.
    """
    saved = {name: os.environ.get(name) for name in ("HEADWATER_CLI_SERVER", "HEADWATER_CLI_SERVER_DIR")}
    folder = None
    if os.environ.get("HEADWATER_TEST_CLI_SERVER") == "1":
        folder = tmp_path_factory.mktemp("cli-servers")
        os.environ["HEADWATER_CLI_SERVER"] = "1"
        os.environ["HEADWATER_CLI_SERVER_DIR"] = str(folder)
    else:
        os.environ["HEADWATER_CLI_SERVER"] = "0"
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    if folder is not None:
        from headwater.cli.warm.control import stop_servers

        stop_servers(str(folder))


@pytest.fixture(autouse=True)
def headwater_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "headwater-home"
    monkeypatch.setenv("HEADWATER_HOME", str(home))
    monkeypatch.delenv("HEADWATER_DATABASE_URL", raising=False)
    monkeypatch.delenv("HEADWATER_ARTIFACTS", raising=False)
    return home


@pytest.fixture(autouse=True)
def no_warm_workers_left() -> Iterator[None]:
    """Close the warm process pool and Dask cluster a test's runs left, so no test sees another's."""
    yield
    warm = sys.modules.get("headwater.execution.executors.warm")
    if warm is not None:
        warm.close_all()


@pytest.fixture
def instance(headwater_home: Path) -> Iterator[object]:
    """The stores under this test's HEADWATER_HOME."""
    from headwater.storage.instance import Instance

    opened = Instance.get()
    yield opened
    opened.close()


@pytest.fixture
def pipelines() -> Path:
    """The folder of small fixture pipeline modules."""
    return PIPELINES


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema (dropped after the test).

    When the server cannot be reached the test fails, it never skips.
    """
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
def any_instance(request: pytest.FixtureRequest, headwater_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """The stores under this test's HEADWATER_HOME, with the run store on SQLite, then on PostgreSQL."""
    from headwater.storage.instance import Instance

    if request.param == "postgres":
        monkeypatch.setenv("HEADWATER_DATABASE_URL", request.getfixturevalue("postgres_schema_url"))
    opened = Instance.get()
    yield opened
    opened.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A run store URL on each backend: a SQLite file in ``tmp_path``, then a fresh PostgreSQL
    schema (which fails, never skips, when the server cannot be reached)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store/headwater.db"
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[object]:
    """An open, empty run store on each backend."""
    from headwater.storage.sql.store import SqlStore

    opened = SqlStore(store_url)
    try:
        yield opened
    finally:
        opened.close()
