"""A small valid pipeline.

::

    numbers ──> total ──> report
"""

import logging

from headwater import ScheduleDefinition, asset, define_asset_job


@asset(group="demo", tags={"tier": "bronze"})
def numbers() -> list[int]:
    """Three numbers."""
    print("making numbers")
    return [1, 2, 3]


@asset(group="demo")
def total(numbers: list[int]) -> int:
    """Their sum."""
    print(f"summing {len(numbers)} numbers")
    return sum(numbers)


@asset(group="reports", tags={"tier": "gold"})
def report(context, total: int) -> str:
    """A sentence about the sum."""
    context.log.info("reporting %d", total)
    logging.getLogger("user.lib").warning("a warning from a library")
    return f"the total is {total}"


sums = define_asset_job("sums", selection="+total", description="numbers and their sum")
everything = define_asset_job("everything", selection="*", tags={"team": "ml"})
nightly = ScheduleDefinition(job=everything, cron_schedule="0 2 * * *", name="nightly", execution_timezone="Europe/Paris")
