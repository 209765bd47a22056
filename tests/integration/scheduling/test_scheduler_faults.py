"""The scheduler killed with SIGKILL at 10 random moments during 60 one-second ticks, restarted
each time: every tick fired exactly once, counted from the run store (``bench/scheduler_faults.py``
is the driver; it runs at 1,000 ticks and 50 kills on its own)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "scheduler_faults.py"


@pytest.mark.slow
def test_sigkill_at_ten_random_moments_loses_no_tick_and_fires_none_twice(tmp_path) -> None:
    spec = importlib.util.spec_from_file_location("scheduler_faults", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # its dataclass looks its module up
    spec.loader.exec_module(bench)
    counts = bench.run_with_kills(tmp_path, ticks=60, kills=10, seed=12)
    assert (counts.expected, counts.runs, counts.duplicates, counts.missing) == (60, 60, 0, 0)
