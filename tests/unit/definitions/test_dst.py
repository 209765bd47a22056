"""Fire times across daylight-saving changes: no duplicate and no missing tick.

The oracle is brute force, independent of the code under test: it reads the wall clock of
every UTC minute around a zone's change and says which minutes must fire

* for a schedule with fixed hours: each matching wall time once, at the first minute whose
  wall clock reads it or later (the first occurrence of a repeated time; the end of the
  gap for a skipped one);
* for a schedule firing every hour (hour field ``*``): every minute whose wall clock matches.

:func:`fire_times`, :func:`next_fire_time` and :func:`previous_fire_time` must agree with it
exactly, over zones with daylight saving (whole hours, half hours, changes at midnight, a
skipped day) and cron strings with hour lists, ranges and steps.
"""

from __future__ import annotations

import bisect
from datetime import UTC, datetime, timedelta
from itertools import islice, takewhile
from zoneinfo import ZoneInfo

from croniter import croniter
from hypothesis import given, settings
from hypothesis import strategies as st

from headwater.definitions.cron import fire_times, next_fire_time, normalize_cron, previous_fire_time

ZONES = [
    "Europe/Berlin", "Europe/London", "America/New_York", "America/Santiago", "Australia/Sydney",
    "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham", "America/Havana", "America/St_Johns",
    "Asia/Tehran", "Africa/Cairo", "Pacific/Apia",
]
MINUTE = timedelta(minutes=1)


def wall(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def changes(tz: ZoneInfo, year: int) -> list[datetime]:
    """The UTC hours of ``year`` at which ``tz``'s offset changes."""
    found = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(tz).utcoffset()
    while moment.year == year:
        moment += timedelta(hours=1)
        now = moment.astimezone(tz).utcoffset()
        if now != offset:
            found.append(moment)
            offset = now
    return found


def matcher(cron: str):
    (minutes, hours, days, months, weekdays), _ = croniter.expand(cron)

    def allowed(values, everything):
        return set(everything) if values == ["*"] else {int(v) for v in values}

    mins, hrs = allowed(minutes, range(60)), allowed(hours, range(24))
    dows = {d % 7 for d in allowed(weekdays, range(7))}
    return lambda w: w.minute in mins and w.hour in hrs and (w.isoweekday() % 7) in dows, hrs == set(range(24))


def oracle(cron: str, tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The instants in ``(start, end]`` that must fire, by brute force over minutes."""
    matches, hourly = matcher(cron)
    margin = timedelta(days=2 if tz.key == "Pacific/Apia" else 1)
    scan = [start - margin + i * MINUTE for i in range(int((end - start + 2 * margin) / MINUTE))]
    walls = [wall(u, tz) for u in scan]
    if hourly:
        expected = {u for u, w in zip(scan, walls, strict=True) if matches(w)}
    else:
        highest, running = [], datetime.min
        for w in walls:
            running = max(running, w)
            highest.append(running)
        expected = set()
        local, last = min(walls), max(walls)
        while local <= last:
            if matches(local):
                index = bisect.bisect_left(highest, local)
                if index < len(scan):
                    expected.add(scan[index])
            local += MINUTE
    return sorted(u for u in expected if start < u <= end)


hour_fields = st.one_of(
    st.lists(st.integers(0, 23), min_size=1, max_size=4, unique=True).map(lambda hs: ",".join(map(str, sorted(hs)))),
    st.tuples(st.integers(0, 22), st.integers(1, 6)).map(lambda t: f"{t[0]}-{min(23, t[0] + t[1])}"),
    st.tuples(st.integers(0, 3), st.integers(2, 6)).map(lambda t: f"{t[0]}-23/{t[1]}"),
    st.just("*"),
)
minute_fields = st.one_of(
    st.lists(st.sampled_from([0, 1, 15, 29, 30, 31, 45, 59]), min_size=1, max_size=3, unique=True).map(
        lambda ms: ",".join(map(str, sorted(ms)))
    ),
    st.sampled_from(["*/20", "10-20/5"]),
)
weekday_fields = st.sampled_from(["*", "*", "*", "0", "1-5", "0,6"])


@st.composite
def around_a_change(draw):
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    year = 2011 if tz.key == "Pacific/Apia" else draw(st.integers(2012, 2030))
    found = changes(tz, year)
    if tz.key == "Pacific/Apia":
        found = [c for c in found if c.month == 12]  # the day Samoa skipped
    if not found:  # the zone keeps one offset that year (Tehran from 2023)
        found = [datetime(year, 6, 1, tzinfo=UTC)]
    change = draw(st.sampled_from(found))
    start = change - timedelta(hours=draw(st.integers(0, 30)), minutes=draw(st.integers(0, 59)))
    return tz, start


@settings(max_examples=40, deadline=None)
@given(minute=minute_fields, hour=hour_fields, weekday=weekday_fields, case=around_a_change())
def test_fire_times_match_the_brute_force_oracle(minute: str, hour: str, weekday: str, case) -> None:
    tz, start = case
    cron = normalize_cron(f"{minute} {hour} * * {weekday}")
    end = start + timedelta(hours=54)
    expected = oracle(cron, tz, start, end)
    got = [t.astimezone(UTC) for t in takewhile(lambda t: t <= end, fire_times(cron, tz, start))]
    assert got == expected, (cron, tz.key, start)
    assert len(set(got)) == len(got)
    # (compared in UTC: an aware time in a repeated hour never equals one of another zone)
    for tick in expected[:3]:
        assert next_fire_time(cron, tz, tick - timedelta(seconds=1)).astimezone(UTC) == tick
        assert previous_fire_time(cron, tz, tick + timedelta(seconds=1)).astimezone(UTC) == tick
    step = max(1, len(expected) // 8)  # a sample of neighbours: each lookup scans its own window
    for earlier, later in list(zip(expected, expected[1:], strict=False))[::step]:
        assert next_fire_time(cron, tz, earlier).astimezone(UTC) == later
        assert previous_fire_time(cron, tz, later).astimezone(UTC) == earlier


def test_a_daily_0230_job_in_berlin_runs_once_every_day_of_the_year() -> None:
    tz = ZoneInfo("Europe/Berlin")
    ticks = list(takewhile(lambda t: t.year == 2026, fire_times("30 2 * * *", tz, datetime(2025, 12, 31, 12, tzinfo=tz))))
    days = [t.date() for t in ticks]
    assert len(days) == len(set(days)) == 365
    assert datetime(2026, 3, 29, 3, 0, tzinfo=tz) in ticks  # 02:30 is skipped: the gap's end
    autumn = [t for t in ticks if t.date() == datetime(2026, 10, 25).date()]
    assert [t.astimezone(UTC).hour for t in autumn] == [0]  # the first 02:30 (CEST), once


def test_an_hourly_job_fires_once_an_hour_through_both_changes() -> None:
    tz = ZoneInfo("America/New_York")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ticks = [t.astimezone(UTC) for t in islice(fire_times("0 * * * *", tz, start), 24 * 365)]
    gaps = {b - a for a, b in zip(ticks, ticks[1:], strict=False)}
    assert gaps == {timedelta(hours=1)}


def test_a_day_the_zone_skipped_fires_at_the_end_of_the_gap() -> None:
    apia = ZoneInfo("Pacific/Apia")  # Samoa went from 2011-12-29 to 2011-12-31
    ticks = list(islice(fire_times("0 10 * * *", apia, datetime(2011, 12, 29, tzinfo=UTC)), 3))
    assert [wall(t, apia) for t in ticks] == [
        datetime(2011, 12, 29, 10), datetime(2011, 12, 31, 0), datetime(2011, 12, 31, 10),
    ]


def test_a_change_at_midnight_moves_a_midnight_job_to_one_in_the_morning() -> None:
    havana = ZoneInfo("America/Havana")  # 2026-03-08 00:00 -> 01:00
    ticks = list(islice(fire_times("@daily", havana, datetime(2026, 3, 7, 12, tzinfo=UTC)), 2))
    assert [wall(t, havana) for t in ticks] == [datetime(2026, 3, 8, 1), datetime(2026, 3, 9, 0)]


# -- timedelta schedules: elapsed time, not the wall clock ---------------------------------


@st.composite
def a_timedelta_across_a_change(draw):
    """A zone, an interval and a start_date (aware, in the zone) a few intervals before one of its changes."""
    tz = ZoneInfo(draw(st.sampled_from([z for z in ZONES if z != "Pacific/Apia"])))
    year = draw(st.integers(2012, 2030))
    found = changes(tz, year) or [datetime(year, 6, 1, tzinfo=UTC)]
    change = draw(st.sampled_from(found))
    seconds = draw(st.one_of(st.sampled_from([1800, 3600, 6 * 3600, 86400, 7 * 86400]), st.integers(60, 3 * 86400)))
    delta = timedelta(seconds=seconds)
    lead = draw(st.integers(1, 4))
    start = (change - lead * delta + timedelta(seconds=draw(st.integers(0, seconds - 1)))).astimezone(tz)
    return tz, delta, start.replace(microsecond=0), change


@settings(max_examples=80, deadline=None)
@given(case=a_timedelta_across_a_change(), catchup=st.booleans())
def test_a_timedelta_schedule_ticks_every_interval_of_elapsed_time_across_a_change(case, catchup: bool) -> None:
    """Airflow's DeltaDataIntervalTimetable: next = previous + delta in absolute time. Across a
    daylight-saving change every gap is exactly delta (no duplicate, no missing tick), the
    data intervals are delta long, and the scheduler's catch-up fires exactly those ticks."""
    from headwater.airflow import DAG, EmptyOperator
    from headwater.definitions.airflow.intervals import intervals_between
    from headwater.definitions.cron import timezone
    from headwater.scheduling.ticks import plan_ticks

    tz, delta, start, change = case
    with DAG("d", schedule=delta, start_date=start, catchup=catchup) as dag:
        EmptyOperator(task_id="t")
    (schedule,) = dag.__headwater_definitions__().schedules
    zone = timezone(schedule.execution_timezone)
    assert zone.key == tz.key
    until = change + 2 * delta
    after = start.astimezone(UTC) - timedelta(seconds=1)  # (not start - 1s: that is wall-clock arithmetic)
    ticks = [t.astimezone(UTC) for t in takewhile(lambda t: t <= until, fire_times(schedule.cron_schedule, zone, after))]
    # (in UTC: an aware time in a repeated hour, fold=1, never equals one of another zone)
    assert ticks[0] == start.astimezone(UTC) and ticks[-1] > change
    assert {b - a for a, b in zip(ticks, ticks[1:])} == {delta}, (tz.key, delta, start)
    for earlier, later in zip(ticks, ticks[1:]):
        assert next_fire_time(schedule.cron_schedule, zone, earlier).astimezone(UTC) == later
        assert previous_fire_time(schedule.cron_schedule, zone, later).astimezone(UTC) == earlier
    intervals = intervals_between(schedule.cron_schedule, zone, start, ticks[-2])
    assert [i.logical_date.astimezone(UTC) for i in intervals] == ticks[:-1]
    assert {i.end.astimezone(UTC) - i.start.astimezone(UTC) for i in intervals} == {delta}
    plan = plan_ticks(schedule, cursor=None, since=start, now=ticks[-1])
    if catchup:
        assert plan.fire == ticks[1:]
    else:
        assert plan.fire == ticks[-1:]


def test_a_daily_timedelta_runs_at_the_same_utc_time_summer_and_winter() -> None:
    """Airflow's time-zone docs: start_date midnight US/Eastern, timedelta(days=1): 05:00 UTC
    every day regardless of daylight saving; a "0 0 * * *" cron follows the wall clock."""
    from headwater.airflow import DAG, EmptyOperator

    eastern = ZoneInfo("America/New_York")
    with DAG("delta", schedule=timedelta(days=1), start_date=datetime(2020, 1, 1, tzinfo=eastern)) as delta_dag:
        EmptyOperator(task_id="t")
    with DAG("cron", schedule="0 0 * * *", start_date=datetime(2020, 1, 1, tzinfo=eastern)) as cron_dag:
        EmptyOperator(task_id="t")
    (by_delta,) = delta_dag.__headwater_definitions__().schedules
    (by_cron,) = cron_dag.__headwater_definitions__().schedules
    july = datetime(2020, 7, 1, tzinfo=UTC)
    assert by_delta.next_tick(july).astimezone(UTC) == datetime(2020, 7, 1, 5, tzinfo=UTC)
    assert by_cron.next_tick(july).astimezone(UTC) == datetime(2020, 7, 1, 4, tzinfo=UTC)


def test_a_start_date_just_after_a_gap_is_the_first_interval() -> None:
    """Lord Howe skips 02:00-02:30: a start_date of 02:30 is 15:30 UTC, and one microsecond
    before it on the wall clock (02:29:59.999999, in the gap) would be read as 15:59:59 UTC
    and lose the first interval; the scheduler counts back in UTC."""
    from headwater.airflow import DAG, EmptyOperator
    from headwater.scheduling.ticks import plan_ticks

    start = datetime(2012, 10, 6, 15, 30, tzinfo=UTC).astimezone(ZoneInfo("Australia/Lord_Howe"))
    with DAG("d", schedule=timedelta(hours=1), start_date=start, catchup=True) as dag:
        EmptyOperator(task_id="t")
    (schedule,) = dag.__headwater_definitions__().schedules
    plan = plan_ticks(schedule, cursor=None, since=start, now=datetime(2012, 10, 6, 18, 30, tzinfo=UTC))
    assert plan.fire == [datetime(2012, 10, 6, h, 30, tzinfo=UTC) for h in (16, 17, 18)]
