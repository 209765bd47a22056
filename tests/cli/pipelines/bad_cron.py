"""A schedule whose cron string has a minute of 61."""

from headwater import ScheduleDefinition, asset, define_asset_job


@asset
def thing() -> int:
    return 1


job = define_asset_job("job", selection="*")
broken = ScheduleDefinition(job=job, cron_schedule="61 * * * *", name="broken")
