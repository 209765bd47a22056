"""How fast a backfill goes: runs per second, and a second backfill of the same range.

    python bench/backfill.py [--days 90] [--concurrent 4]

A daily-partitioned asset with a downstream (``tests/pipelines/partitioned_daily.py``,
steps that do next to nothing), backfilled over ``--days`` days in this process, at most
``--concurrent`` runs at once, in a fresh store: the first backfill runs every partition;
the second finds them all up to date and runs nothing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--concurrent", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["HEADWATER_HOME"] = home
        from headwater.definitions.loading import load_code_location
        from headwater.services.backfills import drive, start_job_backfill
        from headwater.storage.instance import Instance

        location = load_code_location(file=str(REPO / "tests" / "pipelines" / "partitioned_daily.py"))
        last = (date(2026, 1, 1) + timedelta(days=args.days - 1)).isoformat()
        with Instance.get() as instance:
            for label in ("first backfill", "same range again"):
                started = time.perf_counter()
                backfill = start_job_backfill(
                    instance, location, "daily_job", first="2026-01-01", last=last, max_concurrent=args.concurrent
                )
                progress = drive(instance, location, backfill.backfill_id)
                took = time.perf_counter() - started
                runs = progress.count("succeeded")
                print(
                    f"{label:18s} {args.days} partitions x 2 assets, {args.concurrent} at once: {took:6.2f} s, "
                    f"{runs} runs ({runs / took:6.1f} runs/s), {progress.count('skipped')} skipped as up to date"
                )


if __name__ == "__main__":
    main()
