"""A small pipeline for the web tests: a DataFrame source, a metric, a job and a schedule.

::

    orders ──> revenue
"""

from __future__ import annotations

import pandas as pd

from headwater import Output, RunContext, ScheduleDefinition, asset, define_asset_job


@asset(group="shop")
def orders() -> pd.DataFrame:
    """Three orders."""
    print("reading orders")
    return pd.DataFrame({"order_id": [1, 2, 3], "amount": [9.5, 20.0, 3.25], "city": ["Oslo", "Lima", "Pune"]})


@asset(group="shop")
def revenue(context: RunContext, orders: pd.DataFrame) -> Output[float]:
    """The sum of the orders' amounts."""
    total = float(orders["amount"].sum())
    context.log_metric("revenue", total)
    context.log.info("summed %d orders", len(orders))
    return Output(total, metadata={"orders": len(orders)})


shop_job = define_asset_job("shop_job", selection="*", description="Every shop asset.")
shop_nightly = ScheduleDefinition(job=shop_job, cron_schedule="0 2 * * *", name="shop_nightly")
