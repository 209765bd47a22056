"""A blocking check of a @multi_asset fails: the step fails and nothing downstream runs."""

from headwater import AssetCheckResult, AssetCheckSpec, AssetOut, Output, asset, multi_asset


@multi_asset(
    outs={"raw_events": AssetOut(), "sessions": AssetOut()},
    check_specs=[AssetCheckSpec("events_arrived", asset="raw_events", blocking=True)],
)
def ingest():
    events: list[str] = []
    yield Output(events, output_name="raw_events")
    yield Output(len(events), output_name="sessions")
    yield AssetCheckResult(check_name="events_arrived", passed=bool(events), metadata={"count": len(events)})


@asset
def daily_report(sessions: int) -> str:
    return f"{sessions} sessions"


EXPECTED = {
    "status": "FAILURE",
    "steps": {"ingest": "FAILURE", "raw_events": "SKIPPED", "sessions": "SKIPPED", "daily_report": "SKIPPED"},
    "checks": {("raw_events", "events_arrived"): False},
    "errors": {"ingest": "blocking asset check raw_events:events_arrived failed"},
    "materialized": [],
}
