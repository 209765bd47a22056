"""Airflow data intervals: a run is for the interval that ended at its tick; its logical
date is the interval's start; the interval reaches the tasks through the run's tags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from headwater.airflow import DAG, PythonOperator
from headwater.definitions.airflow.intervals import (
    DataInterval,
    interval_ending,
    interval_from_tags,
    interval_starting,
    interval_tags,
    intervals_between,
)

UTC_ZONE = ZoneInfo("UTC")


def day(n: int, hour: int = 0) -> datetime:
    return datetime(2026, 1, n, hour, tzinfo=UTC)


def test_a_daily_tick_runs_the_day_before_it() -> None:
    interval = interval_ending("0 0 * * *", UTC_ZONE, day(2))
    assert (interval.start, interval.end, interval.logical_date) == (day(1), day(2), day(1))
    assert interval_starting("0 0 * * *", UTC_ZONE, day(1)) == interval


def test_a_backfill_range_includes_both_ends_oldest_first() -> None:
    found = intervals_between("0 0 * * *", UTC_ZONE, day(1), day(3))
    assert found == [DataInterval(day(1), day(2)), DataInterval(day(2), day(3)), DataInterval(day(3), day(4))]
    # a start between fire times begins at the next one, as Airflow aligns it
    assert [i.logical_date for i in intervals_between("0 0 * * *", UTC_ZONE, day(1, 6), day(3))] == [day(2), day(3)]
    assert intervals_between("0 0 * * *", UTC_ZONE, day(3, 1), day(3, 2)) == []


def test_an_interval_across_a_daylight_saving_change_is_23_hours_of_elapsed_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    interval = interval_starting("0 0 * * *", berlin, datetime(2026, 3, 29, tzinfo=berlin))
    assert interval.end.astimezone(UTC) - interval.start.astimezone(UTC) == timedelta(hours=23)


def test_tags_carry_the_interval_to_the_tasks(run_dag) -> None:
    interval = interval_ending("0 0 * * *", UTC_ZONE, day(11))
    assert interval_from_tags(interval_tags(interval)) == interval
    assert interval_from_tags({"logical_date": day(1).isoformat()}) is None
    seen = {}

    def show(ds, ds_nodash, ts, logical_date, data_interval_start, data_interval_end):
        seen.update(ds=ds, ds_nodash=ds_nodash, ts=ts, logical=logical_date,
                    interval=(data_interval_start, data_interval_end))

    with DAG("daily", schedule="@daily", start_date=day(1)) as d:
        PythonOperator(task_id="show", python_callable=show)
    result = run_dag([d], "daily", tags=interval_tags(interval))
    assert result.success, result.failures
    assert seen == {
        "ds": "2026-01-10", "ds_nodash": "20260110", "ts": "2026-01-10T00:00:00+00:00", "logical": day(10),
        "interval": (day(10), day(11)),
    }


def test_at_once_has_one_empty_interval_at_its_start_date() -> None:
    once = "@once at 2026-01-03T12:00:00+00:00"
    start = day(3, 12)
    assert interval_ending(once, UTC_ZONE, start) == DataInterval(start, start)
    assert interval_starting(once, UTC_ZONE, start) == DataInterval(start, start)
    assert intervals_between(once, UTC_ZONE, day(1), day(9)) == [DataInterval(start, start)]
    assert intervals_between(once, UTC_ZONE, day(4), day(9)) == []
