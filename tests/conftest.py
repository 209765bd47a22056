"""Shared fixtures: every test gets its own HEADWATER_HOME, so no test sees another's runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

PIPELINES = Path(__file__).parent / "pipelines"


@pytest.fixture(autouse=True)
def headwater_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "headwater-home"
    monkeypatch.setenv("HEADWATER_HOME", str(home))
    monkeypatch.delenv("HEADWATER_DATABASE_URL", raising=False)
    monkeypatch.delenv("HEADWATER_ARTIFACTS", raising=False)
    return home


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
