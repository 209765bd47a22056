"""A schedule on the 31st of February: it parses, but it can never fire."""

from headwater import ScheduleDefinition, asset, define_asset_job


@asset
def thing() -> int:
    return 1


job = define_asset_job("job", selection="*")
leap = ScheduleDefinition(job=job, cron_schedule="0 0 29 2 *", name="leap")
impossible = ScheduleDefinition(job=job, cron_schedule="0 0 31 2 *", name="impossible")
