"""Jobs and schedules as Dagster defines them, validated when they are defined."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from headwater import DefaultScheduleStatus, Definitions, ScheduleDefinition, define_asset_job
from headwater.errors import DefinitionError, InvalidCronError


def test_schedule_defaults_follow_dagster() -> None:
    job = define_asset_job("nightly", selection="*")
    schedule = ScheduleDefinition(job=job, cron_schedule="@daily")
    assert schedule.name == "nightly_schedule"
    assert schedule.job_name == "nightly"
    assert schedule.execution_timezone == "UTC"
    assert schedule.default_status is DefaultScheduleStatus.STOPPED
    assert schedule.cron_schedule == "0 0 * * *"


def test_next_tick_is_in_the_schedules_zone() -> None:
    schedule = ScheduleDefinition(
        name="berlin", job_name="j", cron_schedule="0 2 * * *", execution_timezone="Europe/Berlin"
    )
    tick = schedule.next_tick(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    assert (tick.hour, tick.day, str(tick.tzinfo)) == (2, 11, "Europe/Berlin")
    assert tick.astimezone(UTC).hour == 1


@pytest.mark.parametrize(
    ("cron", "fragment"),
    [("* * *", "expected 5 fields"), ("61 * * * *", "61 * * * *"), ("", "empty"), ("@fortnightly", "got 1")],
)
def test_bad_cron_says_what_is_wrong(cron: str, fragment: str) -> None:
    with pytest.raises(InvalidCronError) as caught:
        ScheduleDefinition(name="s", job_name="j", cron_schedule=cron)
    assert fragment in str(caught.value)
    assert "schedule 's'" in str(caught.value)


def test_unknown_time_zone_and_executor() -> None:
    with pytest.raises(InvalidCronError, match="unknown time zone 'Mars/Base'"):
        ScheduleDefinition(job_name="j", cron_schedule="@daily", execution_timezone="Mars/Base")
    with pytest.raises(DefinitionError, match="unknown executor 'gpu'"):
        define_asset_job("j", executor="gpu")


def test_definitions_collects_jobs_named_by_schedules() -> None:
    job = define_asset_job("j")
    defs = Definitions(schedules=[ScheduleDefinition(job=job, cron_schedule="@hourly")])
    assert defs.jobs == (job,)
