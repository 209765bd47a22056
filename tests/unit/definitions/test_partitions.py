"""Partitions definitions: which keys exist, their windows, and what is refused (Dagster's API)."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import pytest

from headwater import (
    DailyPartitionsDefinition,
    HourlyPartitionsDefinition,
    MonthlyPartitionsDefinition,
    PartitionKeyRange,
    StaticPartitionsDefinition,
    TimeWindowPartitionsDefinition,
    WeeklyPartitionsDefinition,
    asset,
    build_schedule_context,
    build_schedule_from_partitioned_job,
    define_asset_job,
)
from headwater.definitions.graph import Graph
from headwater.definitions.node import node_of
from headwater.definitions.partitions import keys_between
from headwater.errors import DefinitionError, PartitionKeyError
from headwater.testing import build_asset_context

NOW = datetime(2026, 1, 4, 10, 0, tzinfo=UTC)


def test_daily_keys_are_complete_days_and_end_offset_adds_the_current_one() -> None:
    daily = DailyPartitionsDefinition(start_date="2026-01-01")
    assert daily.get_partition_keys(NOW) == ["2026-01-01", "2026-01-02", "2026-01-03"]
    current = DailyPartitionsDefinition(start_date="2026-01-01", end_offset=1)
    assert current.get_partition_keys(NOW)[-1] == "2026-01-04"
    assert daily.time_window_for_partition_key("2026-01-02") == (
        datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC)
    )


def test_end_date_is_exclusive_and_caps_the_keys_for_good() -> None:
    daily = DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-01-03")
    assert daily.get_partition_keys(datetime(2027, 1, 1, tzinfo=UTC)) == ["2026-01-01", "2026-01-02"]


def test_hourly_windows_follow_the_local_clock_across_a_dst_change() -> None:
    hourly = HourlyPartitionsDefinition(start_date="2026-03-29-00:00", timezone="Europe/Berlin")
    keys = hourly.get_partition_keys(datetime(2026, 3, 29, 4, tzinfo=UTC))
    assert keys == ["2026-03-29-00:00", "2026-03-29-01:00", "2026-03-29-03:00", "2026-03-29-04:00", "2026-03-29-05:00"]
    window = hourly.time_window_for_partition_key("2026-03-29-01:00")
    assert window.end - window.start == timedelta(hours=1) or window.end.hour == 3


def test_daily_windows_in_a_zone_last_23_hours_on_the_spring_day() -> None:
    daily = DailyPartitionsDefinition(start_date="2026-03-28", timezone="Europe/Berlin")
    start, end = daily.time_window_for_partition_key("2026-03-29")
    assert (end.astimezone(UTC) - start.astimezone(UTC)) == timedelta(hours=23)


def test_a_day_whose_midnight_does_not_exist_is_a_partition_from_its_first_moment() -> None:
    # Chile moves its clocks from 00:00 to 01:00 on the first Sunday of September
    days = DailyPartitionsDefinition(start_date="2024-09-08", timezone="America/Santiago")
    now = datetime(2024, 9, 12, 6, tzinfo=UTC)  # 03:00 there
    keys = days.get_partition_keys(now)
    assert keys == ["2024-09-08", "2024-09-09", "2024-09-10", "2024-09-11"]
    window = days.time_window_for_partition_key("2024-09-08")
    assert (window.start.hour, window.end - window.start) == (1, timedelta(hours=23))
    assert [days.time_window_for_partition_key(key).start.strftime("%Y-%m-%d") for key in keys] == keys
    days.check_partition_key("2024-09-08", current_time=now)


def test_weekly_and_monthly_start_on_their_offsets() -> None:
    assert WeeklyPartitionsDefinition(start_date="2025-12-01").get_partition_keys(NOW) == [
        "2025-12-07", "2025-12-14", "2025-12-21", "2025-12-28"
    ]
    monthly = MonthlyPartitionsDefinition(start_date="2025-10-01", day_offset=1)
    assert monthly.get_partition_keys(NOW) == ["2025-10-01", "2025-11-01", "2025-12-01"]


def test_many_hourly_keys_are_cheap_and_survive_pickling() -> None:
    hourly = HourlyPartitionsDefinition(start_date="2020-01-01-00:00")
    keys = hourly.get_partition_keys(NOW)
    assert len(keys) == len(set(keys)) == (NOW.replace(hour=10) - datetime(2020, 1, 1, tzinfo=UTC)) // timedelta(hours=1)
    again = pickle.loads(pickle.dumps(hourly))
    assert again == hourly and again.get_partition_keys(NOW) == keys


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("2025-12-31", "before the first partition '2026-01-01'"),
        ("2026-01-04", "its window is not complete yet"),
        ("2026-1-2", "not a time in the format '%Y-%m-%d'"),
        ("tomorrow", "not a time in the format"),
    ],
)
def test_a_key_outside_the_definition_says_why(key: str, why: str) -> None:
    daily = DailyPartitionsDefinition(start_date="2026-01-01")
    assert not daily.has_partition_key(key, current_time=NOW)
    with pytest.raises(PartitionKeyError, match=why):
        daily.check_partition_key(key, current_time=NOW)


def test_static_partitions_and_their_errors() -> None:
    regions = StaticPartitionsDefinition(["eu", "us", "ap"])
    assert regions.get_partition_keys() == ["eu", "us", "ap"]
    assert regions.get_partition_keys_in_range(PartitionKeyRange("us", "ap")) == ["us", "ap"]
    with pytest.raises(PartitionKeyError, match="Did you mean 'us'"):
        regions.check_partition_key("uss")
    with pytest.raises(DefinitionError, match="duplicate partition keys 'eu'"):
        StaticPartitionsDefinition(["eu", "eu"])
    with pytest.raises(DefinitionError, match="comma"):
        StaticPartitionsDefinition(["a,b"])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: DailyPartitionsDefinition(start_date="01/02/2026"), "neither in the format"),
        (lambda: DailyPartitionsDefinition(start_date="2026-01-01", timezone="Mars/Base"), "unknown time zone"),
        (lambda: DailyPartitionsDefinition(start_date="2026-01-01", hour_offset=24), "hour_offset"),
        (lambda: DailyPartitionsDefinition(start_date="2026-01-05", end_date="2026-01-01"), "not after start"),
        (lambda: TimeWindowPartitionsDefinition(start="2026-01-01", fmt="%Y-%m-%d"), "cron_schedule"),
    ],
)
def test_invalid_definitions_are_refused_when_made(make, message: str) -> None:  # noqa: ANN001
    with pytest.raises(DefinitionError, match=message):
        make()


def test_a_range_takes_every_window_between_two_dates_and_refuses_an_empty_one() -> None:
    daily = DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-06-01")
    assert len(keys_between(daily, "2026-01-01", "2026-03-31")) == 90
    with pytest.raises(PartitionKeyError, match="runs backwards"):
        keys_between(daily, "2026-02-01", "2026-01-01")
    hourly = HourlyPartitionsDefinition(start_date="2026-01-01-00:00")
    assert len(keys_between(hourly, "2026-01-01", "2026-01-02")) == 48
    assert keys_between(hourly, "2026-01-01-05:00", "2026-01-01-07:00") == [
        "2026-01-01-05:00", "2026-01-01-06:00", "2026-01-01-07:00"
    ]
    with pytest.raises(PartitionKeyError, match="holds no partition"):
        keys_between(daily, "2030-01-01", "2030-02-01")


def test_a_partitioned_asset_may_not_read_a_differently_partitioned_one() -> None:
    @asset(partitions_def=DailyPartitionsDefinition(start_date="2026-01-01"))
    def days() -> int:
        return 1

    @asset(partitions_def=StaticPartitionsDefinition(["a"]))
    def letters(days: int) -> int:
        return days

    with pytest.raises(DefinitionError, match="'letters' .* depends on 'days'"):
        Graph.build([node_of(days), node_of(letters)])


def test_partitions_def_must_be_a_definition() -> None:
    with pytest.raises(DefinitionError, match="takes a PartitionsDefinition"):
        asset(partitions_def="daily")(lambda: 1)


def test_the_context_of_a_partition() -> None:
    daily = DailyPartitionsDefinition(start_date="2026-01-01")
    context = build_asset_context(partition_key="2026-01-02", partitions_def=daily)
    assert context.has_partition_key and context.partition_key == "2026-01-02"
    assert context.partition_time_window.start == datetime(2026, 1, 2, tzinfo=UTC)
    assert context.partition_key_range == PartitionKeyRange("2026-01-02", "2026-01-02")
    plain = build_asset_context()
    assert not plain.has_partition_key
    with pytest.raises(ValueError, match="computes no partition"):
        plain.partition_key  # noqa: B018


def test_a_schedule_from_a_daily_job_runs_the_day_just_ended() -> None:
    daily = DailyPartitionsDefinition(start_date="2026-01-01", timezone="Europe/Paris")

    @asset(partitions_def=daily)
    def events() -> int:
        return 1

    job = define_asset_job("ingest", selection=[events])
    schedule = build_schedule_from_partitioned_job(job, hour_of_day=1)
    assert schedule.cron_schedule == "0 1 * * *" and schedule.execution_timezone == "Europe/Paris"
    tick = datetime(2026, 1, 5, 1, 0, tzinfo=daily.start.tzinfo)
    request = schedule(build_schedule_context(tick))
    assert request.partition_key == "2026-01-04"
    assert dict(request.tags) == {"dagster/partition": "2026-01-04"}


def test_a_schedule_from_a_static_job_runs_every_partition_and_needs_a_cron() -> None:
    regions = StaticPartitionsDefinition(["eu", "us"])
    job = define_asset_job("by_region", selection="*", partitions_def=regions)
    with pytest.raises(DefinitionError, match="needs cron_schedule"):
        build_schedule_from_partitioned_job(job)
    schedule = build_schedule_from_partitioned_job(job, cron_schedule="@daily")
    assert [r.partition_key for r in schedule(build_schedule_context())] == ["eu", "us"]
    with pytest.raises(DefinitionError, match="not partitioned"):
        build_schedule_from_partitioned_job(define_asset_job("plain"))
