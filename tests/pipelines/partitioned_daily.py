"""A daily-partitioned asset with a downstream, and their job (backfill fixtures).

::

    daily_events (daily) ──> daily_totals (daily)

``PARTITION_SLEEP`` (seconds) slows each partition, so a test can kill a backfill midway;
``FAIL_PARTITION`` makes that partition's ``daily_totals`` fail.
"""

import os
import time

from headwater import DailyPartitionsDefinition, Definitions, asset, define_asset_job

DAILY = DailyPartitionsDefinition(start_date="2026-01-01")


@asset(partitions_def=DAILY)
def daily_events(context) -> list[int]:
    time.sleep(float(os.environ.get("PARTITION_SLEEP", "0")))
    day = int(context.partition_key[-2:])
    return list(range(day))


@asset(partitions_def=DAILY)
def daily_totals(context, daily_events: list[int]) -> int:
    if context.partition_key == os.environ.get("FAIL_PARTITION"):
        raise ValueError(f"no totals for {context.partition_key}")
    return sum(daily_events)


daily_job = define_asset_job("daily_job", selection=[daily_events, daily_totals], partitions_def=DAILY)

defs = Definitions(assets=[daily_events, daily_totals], jobs=[daily_job])
