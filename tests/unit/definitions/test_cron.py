"""Cron strings are validated where they are defined: what is accepted fires, and fires
without crashing, whatever the reference date; what never fires or cannot be evaluated is
an ``InvalidCronError`` naming the string and what is wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from headwater import ScheduleDefinition
from headwater.airflow import DAG
from headwater.errors import InvalidCronError


def schedule(cron: str, tz: str | None = None) -> ScheduleDefinition:
    return ScheduleDefinition(name="s", job_name="j", cron_schedule=cron, execution_timezone=tz)


@pytest.mark.parametrize("cron", ["0 0 31 2 *", "0 0 30 2 *", "0 0 30-31 2 *", "0 0 31 4 *", "15 3 31 2,4,6,9,11 *"])
def test_a_cron_that_never_fires_is_refused(cron: str) -> None:
    with pytest.raises(InvalidCronError) as caught:
        schedule(cron)
    message = str(caught.value)
    assert repr(cron) in message
    assert "never fires" in message
    assert "schedule 's'" in message


@pytest.mark.parametrize(
    ("cron", "after", "expected"),
    [
        ("0 0 29 2 *", datetime(2026, 3, 1, tzinfo=UTC), datetime(2028, 2, 29, tzinfo=UTC)),
        ("0 0 29 2 *", datetime(2097, 3, 1, tzinfo=UTC), datetime(2104, 2, 29, tzinfo=UTC)),  # 2100 is no leap year
        ("0 0 * 2 1#5", datetime(2073, 1, 1, tzinfo=UTC), datetime(2112, 2, 29, tzinfo=UTC)),  # 5th Monday in Feb
        ("0 0 31 */2 *", datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)),
    ],
)
def test_rare_but_possible_dates_are_accepted_and_found(cron: str, after: datetime, expected: datetime) -> None:
    assert schedule(cron).next_tick(after) == expected


@pytest.mark.parametrize(
    ("cron", "fragment"),
    [
        ("@every 99999999999999999999s", "between 1s and"),
        ("@every 315360000000s", "between 1s and"),
        ("@every " + "9" * 5000 + "s", "between 1s and"),
        ("@every 60s from 0001-01-01T00:00:00+05:00", "bad anchor"),
        ("@every 60s from yesterday", "bad anchor"),
        ("R R * * *", "'R' (random values)"),
        ("H * * * *", "'H' (hashed values)"),
        ("0 0 1W * *", "'W' (nearest weekday)"),
        ("*/0 * * * *", "step '0'"),
        ("0 0 * * " + "9" * 50, "invalid cron expression"),
        ("0 0\x00 * * *", "invalid cron expression"),
    ],
)
def test_every_parse_error_and_overflow_is_an_invalid_cron_error(cron: str, fragment: str) -> None:
    with pytest.raises(InvalidCronError) as caught:
        schedule(cron)
    assert fragment in str(caught.value)
    assert "schedule 's'" in str(caught.value)


def test_a_random_cron_would_fire_at_different_times_for_each_reader() -> None:
    """Why 'R' is refused: croniter draws new random values each time it reads the string."""
    from croniter import croniter

    start = datetime(2024, 1, 1)
    ticks = {croniter("R R * * *", start).get_next(datetime) for _ in range(20)}
    assert len(ticks) > 1


@pytest.mark.parametrize("tz", ["America", "a" * 300, "Europe/Berlin\x00", "../etc", 5])
def test_a_time_zone_that_is_no_zone_is_an_invalid_cron_error(tz: object) -> None:
    with pytest.raises(InvalidCronError, match="unknown time zone"):
        schedule("@daily", tz)  # type: ignore[arg-type]


def test_next_tick_past_the_end_of_the_calendar_is_an_error_not_a_crash() -> None:
    yearly = schedule("0 0 1 1 *")
    with pytest.raises(InvalidCronError, match="no fire time after"):
        yearly.next_tick(datetime(9999, 6, 1, tzinfo=UTC))
    interval = schedule("@every 3155760000s")
    with pytest.raises(InvalidCronError, match="no fire time after"):
        interval.next_tick(datetime(9990, 1, 1, tzinfo=UTC))


def test_an_airflow_schedule_is_validated_the_same_way() -> None:
    with pytest.raises(InvalidCronError, match="never fires") as caught:
        DAG("feb", schedule="0 0 30 2 *")
    assert "DAG 'feb'" in str(caught.value)
    with pytest.raises(InvalidCronError, match="longer than a century") as caught:
        DAG("slow", schedule=timedelta(days=999_999))
    assert "DAG 'slow'" in str(caught.value)
    with pytest.raises(InvalidCronError, match="whole, positive number of seconds") as caught:
        DAG("backwards", schedule=timedelta(minutes=-5))
    assert "DAG 'backwards'" in str(caught.value)


def test_once_fires_at_its_time_and_never_again() -> None:
    from zoneinfo import ZoneInfo

    from headwater.definitions.cron import fire_times, next_fire_time, previous_fire_time

    at = datetime(2026, 1, 3, 12, tzinfo=UTC)
    once = schedule("@once at 2026-01-03T13:00:00+01:00")
    assert once.cron_schedule == "@once at 2026-01-03T12:00:00+00:00"
    berlin = ZoneInfo("Europe/Berlin")
    assert list(fire_times(once.cron_schedule, berlin, datetime(2000, 1, 1, tzinfo=UTC))) == [at]
    assert list(fire_times(once.cron_schedule, berlin, at)) == []
    assert once.next_tick(at - timedelta(seconds=1)) == at and once.next_tick(at) is None
    assert previous_fire_time(once.cron_schedule, berlin, at + timedelta(days=9)) == at
    with pytest.raises(InvalidCronError, match="fires only once"):
        next_fire_time(once.cron_schedule, berlin, at)
    with pytest.raises(InvalidCronError, match="fires only once"):
        previous_fire_time(once.cron_schedule, berlin, at)


@pytest.mark.parametrize("cron", ["@once", "@once at tomorrow", "@once 2026-01-01"])
def test_once_without_a_time_is_refused_with_how_to_write_it(cron: str) -> None:
    with pytest.raises(InvalidCronError, match=r"schedule 's'.*@once") as caught:
        schedule(cron)
    assert repr(cron) in str(caught.value)
