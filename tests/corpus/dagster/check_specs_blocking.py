"""A blocking check spec that fails inside the asset: the asset's downstream does not run."""

from headwater import AssetCheckResult, AssetCheckSpec, MaterializeResult, asset


@asset(check_specs=[AssetCheckSpec("fresh", asset="snapshot", blocking=True)])
def snapshot() -> MaterializeResult:
    age_hours = 30
    return MaterializeResult(
        metadata={"age_hours": age_hours},
        check_results=[AssetCheckResult(passed=age_hours < 24, metadata={"age_hours": age_hours})],
    )


@asset(deps=[snapshot])
def dashboard() -> str:
    return "refreshed"


EXPECTED = {
    "status": "FAILURE",
    "steps": {"snapshot": "FAILURE", "dashboard": "SKIPPED"},
    "checks": {("snapshot", "fresh"): False},
    "errors": {"snapshot": "blocking asset check snapshot:fresh failed"},
    "materialized": [],
}
