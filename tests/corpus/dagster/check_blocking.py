"""A blocking asset check: when it fails, the assets downstream of the checked one do not run."""

import headwater as dg


@dg.asset
def customers() -> list[dict]:
    return [{"id": 1}, {"id": None}]


@dg.asset
def customer_report(customers: list[dict]) -> str:
    return f"{len(customers)} customers"


@dg.asset_check(asset=customers, blocking=True)
def customer_ids_not_null(customers: list[dict]) -> dg.AssetCheckResult:
    nulls = [c for c in customers if c["id"] is None]
    return dg.AssetCheckResult(passed=not nulls, metadata={"null_ids": len(nulls)})


EXPECTED = {
    "status": "FAILURE",
    "steps": {"customers": "SUCCESS", "customers:customer_ids_not_null": "FAILURE", "customer_report": "SKIPPED"},
    "checks": {("customers", "customer_ids_not_null"): False},
    "errors": {"customers:customer_ids_not_null": "blocking asset check customers:customer_ids_not_null failed"},
}
