"""Fixtures for the scheduling tests: the daily-partitioned code location of the backfill tests.

::

    daily_events (daily) ──> daily_totals (daily)      job: daily_job
"""

from __future__ import annotations

from pathlib import Path

import pytest

from headwater.definitions.loading import CodeLocation, load_code_location

PIPELINE = Path(__file__).parents[2] / "pipelines" / "partitioned_daily.py"


@pytest.fixture
def location() -> CodeLocation:
    """``tests/pipelines/partitioned_daily.py``, loaded."""
    return load_code_location(file=str(PIPELINE))
