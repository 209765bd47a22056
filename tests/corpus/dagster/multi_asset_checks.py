"""@multi_asset(check_specs=...): one function materializes two tables and checks them, as in
Dagster's asset checks guide (a check per asset, results yielded after the materializations)."""

from headwater import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetSpec, MaterializeResult, asset, multi_asset


@multi_asset(
    specs=[AssetSpec("customers"), AssetSpec("orders")],
    check_specs=[
        AssetCheckSpec("customers_have_ids", asset="customers"),
        AssetCheckSpec("orders_not_negative", asset="orders"),
    ],
)
def load_tables():
    customers = [{"id": 1}, {"id": 2}]
    orders = [10, -3, 7]
    yield MaterializeResult(asset_key="customers", value=customers)
    yield MaterializeResult(asset_key="orders", value=orders)
    yield AssetCheckResult(
        asset_key="customers", check_name="customers_have_ids", passed=all("id" in row for row in customers)
    )
    yield AssetCheckResult(
        asset_key="orders", check_name="orders_not_negative", passed=min(orders) >= 0,
        severity=AssetCheckSeverity.WARN, metadata={"negative": sum(1 for o in orders if o < 0)},
    )


@asset
def order_total(orders: list[int]) -> int:
    return sum(orders)


EXPECTED = {
    "status": "SUCCESS",
    "steps": {"load_tables": "SUCCESS", "customers": "SUCCESS", "orders": "SUCCESS", "order_total": "SUCCESS"},
    "outputs": {"order_total": 14},
    "checks": {("customers", "customers_have_ids"): True, ("orders", "orders_not_negative"): False},
    "materialized": ["load_tables", "customers", "orders", "order_total"],
}
