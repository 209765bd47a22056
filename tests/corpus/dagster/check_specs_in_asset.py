"""check_specs: the asset reports its own checks by yielding AssetCheckResult after its Output."""

from headwater import AssetCheckResult, AssetCheckSpec, Output, asset


@asset(check_specs=[AssetCheckSpec(name="has_rows", asset="events"), AssetCheckSpec(name="ids_unique", asset="events")])
def events():
    rows = [{"id": 1}, {"id": 2}, {"id": 2}]
    yield Output(rows)
    yield AssetCheckResult(check_name="has_rows", passed=len(rows) > 0)
    ids = [row["id"] for row in rows]
    yield AssetCheckResult(check_name="ids_unique", passed=len(ids) == len(set(ids)), metadata={"ids": len(ids)})


@asset
def event_count(events) -> int:
    return len(events)


EXPECTED = {
    "status": "SUCCESS",
    "steps": {"events": "SUCCESS", "event_count": "SUCCESS"},
    "outputs": {"event_count": 3},
    "checks": {("events", "has_rows"): True, ("events", "ids_unique"): False},
}
