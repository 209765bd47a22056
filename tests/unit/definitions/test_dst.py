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
