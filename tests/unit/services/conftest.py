"""Fixtures for the query layer: the mixed pipeline, loaded, and stores on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

PIPELINE = Path(__file__).parents[2] / "pipelines" / "services_mixed.py"


@pytest.fixture
def location() -> object:
    """The mixed-dialect code location (assets, a job, a schedule, a DAG)."""
    from headwater.services.location import load_location

    return load_location(str(PIPELINE))
