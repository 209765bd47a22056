"""Schedules and sensors with ``target=``, as Dagster's current docs write them: a schedule over
an asset selection (it gets a job of its own) and a sensor over a job."""

import headwater as dg


@dg.asset(group_name="ingest")
def raw_clicks() -> list[dict]:
    return [{"page": "/", "ms": 120}, {"page": "/buy", "ms": 340}]


@dg.asset(group_name="ingest")
def slow_pages(raw_clicks: list[dict]) -> list[str]:
    return [row["page"] for row in raw_clicks if row["ms"] > 200]


@dg.asset
def weekly_digest(slow_pages: list[str]) -> str:
    return f"{len(slow_pages)} slow page(s)"


digest_job = dg.define_asset_job("digest_job", selection=[weekly_digest])

ingest_schedule = dg.ScheduleDefinition(
    name="ingest_schedule", cron_schedule="*/15 * * * *", target=dg.AssetSelection.groups("ingest"),
)


@dg.sensor(target=digest_job, minimum_interval_seconds=300)
def slow_pages_found(context: dg.SensorEvaluationContext):
    return dg.RunRequest(run_key=context.cursor or "first")


defs = dg.Definitions(
    assets=[raw_clicks, slow_pages, weekly_digest], schedules=[ingest_schedule], sensors=[slow_pages_found],
)

EXPECTED = {
    "job": "__anonymous_asset_job_ingest_schedule",
    "status": "SUCCESS",
    "steps": {"raw_clicks": "SUCCESS", "slow_pages": "SUCCESS"},
    "outputs": {"slow_pages": ["/buy"]},
    "schedules": ["ingest_schedule"],
    "sensors": ["slow_pages_found"],
}
