"""Fuzzed selection strings, cron strings and names: bad input is a Headwater error, never a crash.

Each test draws a bounded number of examples (a few seconds in all, in CI too). The only
exceptions allowed out are :class:`~headwater.errors.HeadwaterError` subclasses; anything
else (``OverflowError``, ``CroniterBadDateError``, ``ValueError``, ``TypeError``) fails.
What is accepted must then work: an accepted cron string has a next tick from any date
in five centuries, and an accepted name is selectable by itself.

The selection graph::

    raw ──> clean ──> features ──> model          (group "ml": features, model;
                          └──────> report          tag tier=gold: model)
"""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from headwater import AssetKey, ScheduleDefinition, asset, define_asset_job
from headwater.airflow import DAG, PythonOperator
from headwater.definitions.cron import previous_fire_time
from headwater.definitions.loading import collect
from headwater.definitions.selection import resolve_selection
from headwater.errors import HeadwaterError, InvalidNameError
from selection_graph import ASSETS, GRAPH, model  # the shared five-asset graph

#: bounded, so that the whole file runs in a few seconds; hypothesis keeps any failing
#: example in its local database and replays it first next time
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])




def one() -> int:
    return 1


# -- selection strings ------------------------------------------------------------------

_selection_tokens = st.sampled_from([
    "raw", "clean", "features", "model", "report", "modle", "ml", "tier", "gold",
    "*", "+", "++", ",", " ", "group:", "tag:", "key:", "=", ":", "/", ".", "..", "\x00", "\n", "é", "",
])
selection_strings = st.one_of(
    st.lists(_selection_tokens, max_size=8).map("".join),
    st.text(max_size=20),
)


@FUZZ
@given(selection_strings)
@example("tag:")
@example("group:")
@example("key:")
@example("+*model*+")
@example(",,,")
def test_a_selection_string_resolves_or_is_a_selection_error(text: str) -> None:
    try:
        chosen = resolve_selection(GRAPH, text)
    except HeadwaterError:
        return
    assert set(chosen) <= set(GRAPH.nodes)
    assert list(chosen) == [key for key in GRAPH.order if key in chosen]


@FUZZ
@given(st.lists(st.one_of(selection_strings, st.integers(), st.none(), st.just(model)), max_size=4))
def test_a_selection_list_resolves_or_is_a_selection_error(items: list[object]) -> None:
    try:
        resolve_selection(GRAPH, items)
    except HeadwaterError:
        return


# -- cron strings -----------------------------------------------------------------------

_numbers = st.one_of(st.integers(0, 70), st.integers(-5, 10**25)).map(str)
_atoms = st.one_of(
    st.just("*"), st.just("?"), st.just("L"), _numbers,
    st.builds("{}-{}".format, _numbers, _numbers),
    st.builds("{}/{}".format, st.sampled_from(["*", "0", "1-31", "5"]), _numbers),
    st.builds("{}#{}".format, _numbers, _numbers),
    st.sampled_from(["jan", "feb", "dec", "mon", "sun", "thu", "L0", "5L", "1W", "LW", "H", "H/5", "R", "R(1-5)"]),
    st.text(max_size=4),
)
_field = st.lists(_atoms, min_size=1, max_size=3).map(",".join)
_field_strings = st.integers(4, 7).flatmap(lambda n: st.lists(_field, min_size=n, max_size=n)).map(" ".join)
_day_strings = st.builds(  # day-of-month x month: where "never fires" lives
    "0 0 {} {} {}".format,
    st.sampled_from(["29", "30", "31", "28-31", "30,31", "L", "1-31/30"]),
    st.sampled_from(["2", "4", "2,4", "*/2", "feb", "*", "2-4"]),
    st.sampled_from(["*", "?", "1", "1#5", "L0", "mon-fri"]),
)
_every = st.builds(
    "@every {}s{}".format,
    st.one_of(st.integers(-1, 10**5), st.integers(0, 10**30)),
    st.one_of(st.just(""), st.datetimes().map(lambda d: f" from {d.isoformat()}"), st.text(max_size=10).map(" from {}".format)),
)
cron_strings = st.one_of(
    _field_strings,
    _day_strings,
    _every,
    st.sampled_from(["@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually", "@fortnightly", "@"]),
    st.text(max_size=20),
)
time_zones = st.one_of(
    st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Kathmandu"]),
    st.text(max_size=12),
)
#: five centuries around now: every accepted schedule has a tick after and before each
reference_dates = st.datetimes(min_value=datetime(1800, 1, 1), max_value=datetime(2300, 1, 1), timezones=st.just(UTC))


@FUZZ
@given(cron_strings, time_zones, reference_dates)
@example("0 0 31 2 *", "UTC", datetime(2026, 1, 1, tzinfo=UTC))
@example("@every 99999999999999999999s", "UTC", datetime(2026, 1, 1, tzinfo=UTC))
@example("0 0 29 2 *", "Europe/Berlin", datetime(2097, 3, 1, tzinfo=UTC))
@example("0 0 * 2 1#5", "UTC", datetime(2073, 1, 1, tzinfo=UTC))
@example("30 2 * 3 0#5", "Europe/Berlin", datetime(2025, 1, 1, tzinfo=UTC))
def test_an_accepted_cron_string_always_has_a_next_and_previous_tick(cron: str, tz: str, after: datetime) -> None:
    try:
        schedule = ScheduleDefinition(name="s", job_name="j", cron_schedule=cron, execution_timezone=tz)
    except HeadwaterError:
        return
    tick = schedule.next_tick(after)  # what `headwater schedules list` shows
    assert tick > after
    assert tick.tzinfo == ZoneInfo(schedule.execution_timezone)
    before = previous_fire_time(schedule.cron_schedule, ZoneInfo(schedule.execution_timezone), after)
    assert before < after


@FUZZ
@given(st.one_of(cron_strings, st.timedeltas()), st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))))
def test_an_airflow_schedule_is_a_dag_or_a_headwater_error(schedule: str | timedelta, start: datetime | None) -> None:
    try:
        with DAG("fuzzed", schedule=schedule, start_date=start) as dag:
            PythonOperator(task_id="t", python_callable=one)
    except HeadwaterError:
        return
    for compiled in dag.__headwater_definitions__().schedules:
        now = datetime(2026, 11, 25, tzinfo=UTC)
        assert compiled.next_tick(now) > now


# -- names ------------------------------------------------------------------------------

names = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + "_-./", min_size=0, max_size=12),
    st.text(max_size=12),
    st.sampled_from(["../../x", "a,b", "tag:k=v", "a\x00b", " ", "+a", "*", "..", "x" * 251]),
)


@FUZZ
@given(names)
def test_a_name_is_accepted_everywhere_it_is_valid_or_refused_with_a_headwater_error(name: str) -> None:
    definitions = [
        lambda: asset(name=name)(one),
        lambda: asset(group=name)(one),
        lambda: asset(key_prefix=name)(one),
        lambda: asset(key=AssetKey(name.split("/")))(one),
        lambda: define_asset_job(name),
        lambda: DAG(name),
        lambda: PythonOperator(task_id=name, python_callable=one, dag=DAG("d")),
    ]
    for define in definitions:
        try:
            define()
        except HeadwaterError:
            continue
    try:
        stored = asset(name=name)(one)
    except InvalidNameError:
        return
    assert resolve_selection(collect([stored]).graph, name) == (name,)
