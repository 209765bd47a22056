"""An asset check that fails without blocking: recorded, and the run goes on."""

import headwater as dg


@dg.asset
def orders() -> list[dict]:
    return [{"id": 1, "amount": 10}, {"id": 2, "amount": None}]


@dg.asset
def order_count(orders: list[dict]) -> int:
    return len(orders)


@dg.asset_check(asset=orders, description="every order has an amount")
def orders_have_amounts(orders: list[dict]) -> dg.AssetCheckResult:
    missing = sum(1 for order in orders if order["amount"] is None)
    return dg.AssetCheckResult(passed=missing == 0, metadata={"missing": missing})


defs = dg.Definitions(assets=[orders, order_count], asset_checks=[orders_have_amounts])

EXPECTED = {
    "status": "SUCCESS",
    "steps": {"orders": "SUCCESS", "order_count": "SUCCESS", "orders:orders_have_amounts": "SUCCESS"},
    "outputs": {"order_count": 2},
    "checks": {("orders", "orders_have_amounts"): False},
}
