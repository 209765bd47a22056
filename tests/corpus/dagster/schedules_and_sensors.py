"""A job with a @schedule, a @sensor and an @asset_sensor beside its assets."""

import headwater as dg


@dg.asset
def raw_events() -> list[str]:
    return ["signup", "login", "login"]


@dg.asset
def event_counts(raw_events: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for event in raw_events:
        counts[event] = counts.get(event, 0) + 1
    return counts


events_job = dg.define_asset_job("events_job", selection=dg.AssetSelection.all())


@dg.schedule(cron_schedule="0 * * * *", job=events_job, default_status=dg.DefaultScheduleStatus.RUNNING)
def hourly_events(context: dg.ScheduleEvaluationContext):
    return dg.RunRequest(run_key=context.scheduled_execution_time.isoformat())


@dg.sensor(job=events_job, minimum_interval_seconds=120)
def events_inbox(context: dg.SensorEvaluationContext):
    return dg.SkipReason("the inbox is empty")


@dg.asset_sensor(asset_key=dg.AssetKey("event_counts"), job=events_job)
def counts_changed(context: dg.SensorEvaluationContext, asset_event: dg.AssetEvent):
    return dg.RunRequest(run_key=asset_event.run_id)


defs = dg.Definitions(
    assets=[raw_events, event_counts], jobs=[events_job], schedules=[hourly_events], sensors=[events_inbox, counts_changed]
)

EXPECTED = {
    "job": "events_job",
    "status": "SUCCESS",
    "steps": {"raw_events": "SUCCESS", "event_counts": "SUCCESS"},
    "outputs": {"event_counts": {"signup": 1, "login": 2}},
    "schedules": ["hourly_events"],
    "sensors": ["counts_changed", "events_inbox"],
}
