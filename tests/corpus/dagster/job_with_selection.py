"""A job over an AssetSelection, with groups: only the selected assets run."""

import headwater as dg


@dg.asset(group_name="ingest")
def raw_sales() -> list[int]:
    return [5, 7]


@dg.asset(group_name="analytics")
def sales_total(raw_sales: list[int]) -> int:
    return sum(raw_sales)


@dg.asset(group_name="ml")
def sales_model(sales_total: int) -> str:
    return f"model({sales_total})"


analytics_job = dg.define_asset_job("analytics_job", selection=dg.AssetSelection.groups("analytics").upstream())
defs = dg.Definitions(assets=[raw_sales, sales_total, sales_model], jobs=[analytics_job])

EXPECTED = {
    "job": "analytics_job",
    "status": "SUCCESS",
    "steps": {"raw_sales": "SUCCESS", "sales_total": "SUCCESS"},
    "outputs": {"sales_total": 12},
}
