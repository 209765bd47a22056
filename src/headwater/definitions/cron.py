"""Cron strings and time zones: validated when a schedule is defined, evaluated for ticks.

Presets ``@hourly``, ``@daily``, ``@midnight``, ``@weekly``, ``@monthly``, ``@yearly`` and
``@annually`` are expanded to their five-field form. Fire times are computed by croniter
in the schedule's own time zone (``zoneinfo``), so ``0 2 * * *`` in ``Europe/Berlin`` fires
at 02:00 Berlin time on both sides of a daylight-saving change (on the spring-forward
day, when 02:00 does not exist, it fires once, at the end of the gap; on the fall-back day
it fires once, at the first 02:00). :func:`fire_times` says how, and
:mod:`~headwater.definitions.wallclock` maps wall times to instants.

A fixed interval of elapsed time (an Airflow ``schedule=timedelta(hours=6)``, which Airflow
counts as a duration, not on the wall clock) is written ``@every 5400s from 2024-01-01T00:00:00+00:00``: it fires at the anchor and at
every whole multiple of the interval after it (the anchor is the Unix epoch when omitted):
elapsed time, whatever the clocks do. Airflow's ``@once`` is written ``@once at <ISO date-time>``
(the DAG's ``start_date``): it fires at that instant and never again.

Validation
----------
A string that is accepted can be evaluated: :func:`normalize_cron` refuses, with
:class:`~headwater.errors.InvalidCronError` naming the string and what is wrong,

* anything croniter cannot parse (its own message is kept), and croniter's extensions
  whose fire times are not a pure function of the string: ``H`` (hashed), ``R`` (random)
  and ``W`` (nearest weekday, which croniter cannot step past);
* a string that never fires (``0 0 31 2 *``). The day fields of a cron string repeat with
  the Gregorian calendar, whose leap years and weekdays cycle every 400 years, so the
  check asks croniter for fire times from a reference date, searching 400 years: a string
  that matches nothing there matches nothing ever, while ``0 0 29 2 *`` (leap days) and
  ``0 0 * 2 1#5`` (a fifth Monday in February, 40 years apart around 2100) pass;
* an ``@every`` interval longer than a century, or with an anchor out of range.

Evaluation searches the same 400 years, and anything croniter or ``datetime`` still
raises (a tick past the year 9999) comes out as ``InvalidCronError``, never as a crash.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from headwater.definitions.wallclock import earliest, instants, latest, offset_margin, wall_time
from headwater.errors import InvalidCronError

if TYPE_CHECKING:
    from croniter import croniter as Croniter

__all__ = [
    "PRESETS",
    "every",
    "fire_times",
    "is_once",
    "next_fire_time",
    "normalize_cron",
    "once",
    "once_time",
    "previous_fire_time",
    "timezone",
]

PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}

#: one whole cycle of the Gregorian calendar (leap years and weekdays)
SEARCH_YEARS = 400
#: the longest ``@every`` interval: a century
LONGEST_INTERVAL = timedelta(days=36525)
_REFERENCE = datetime(2000, 1, 1)  # a leap year's first day
_TICKS_CHECKED = 3
_FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
#: croniter syntax whose fire times are not a function of the string alone, or that
#: croniter cannot step through (``1W`` returns the same date for ever)
_UNSUPPORTED = (
    (re.compile(r"(?:^|,)[hH](?:$|[(/,])"), "'H' (hashed values)"),
    (re.compile(r"(?:^|,)[rR](?:$|[(/,])"), "'R' (random values)"),
)


def normalize_cron(expression: str, *, where: str = "") -> str:
    """The five-field (or ``@every``) form of ``expression``, once it is known to fire.

    Args:
        expression: five cron fields, a preset (``@daily``) or ``@every <seconds>s [from <ISO date-time>]``.
        where: what the string belongs to, for the message (``schedule 'nightly'``).

    Returns:
        The normalized string that :func:`next_fire_time` evaluates.

    Raises:
        InvalidCronError: naming the expression, ``where`` it is used and what is wrong.
    """
    place = f" in {where}" if where else ""
    if not isinstance(expression, str) or not expression.strip():
        raise InvalidCronError(f"empty or non-string cron expression{place}: {expression!r}")
    text = " ".join(expression.split())
    if text.lower().startswith("@once"):
        return once(_parse_once(text, place), where=where)
    if text.lower().startswith("@every"):
        interval, anchor = _parse_every(text, place)
        return every(interval, anchor, where=where)
    text = PRESETS.get(text.lower(), text)
    fields = text.split(" ")
    if len(fields) != len(_FIELDS):
        raise InvalidCronError(
            f"invalid cron expression {expression!r}{place}: expected 5 fields "
            f"(minute hour day-of-month month day-of-week) or a preset "
            f"({', '.join(sorted(PRESETS))}), got {len(fields)}"
        )
    _refuse_unsupported(fields, expression, place)
    _check_fires(text, expression, place)
    return text


def _refuse_unsupported(fields: list[str], expression: str, place: str) -> None:
    for field_name, field in zip(_FIELDS, fields, strict=True):
        for pattern, what in _UNSUPPORTED:
            if pattern.search(field):
                raise InvalidCronError(
                    f"invalid cron expression {expression!r}{place}: {what} in the {field_name} field "
                    "is not supported; write the values out"
                )
    if "w" in fields[2].lower():  # day-of-month has no names, so any W is croniter's nearest weekday
        raise InvalidCronError(
            f"invalid cron expression {expression!r}{place}: 'W' (nearest weekday) in the day-of-month "
            "field is not supported"
        )


def _check_fires(text: str, expression: str, place: str) -> None:
    """Parse ``text`` with croniter and step through its first fire times after a reference date."""
    from croniter import CroniterBadDateError

    try:
        ticks = _croniter(text, _REFERENCE)
        previous = _REFERENCE
        for _ in range(_TICKS_CHECKED):
            tick = ticks.get_next(datetime)
            if tick <= previous:
                raise InvalidCronError(
                    f"invalid cron expression {expression!r}{place}: its fire times do not advance "
                    f"({previous.isoformat()} then {tick.isoformat()})"
                )
            previous = tick
    except CroniterBadDateError as exc:
        day_fields = " ".join(text.split(" ")[2:])
        raise InvalidCronError(
            f"cron expression {expression!r}{place} never fires: no date matches its day-of-month, "
            f"month and day-of-week fields ({day_fields!r}) in {SEARCH_YEARS} years, a whole cycle "
            "of the calendar"
        ) from exc
    except InvalidCronError:
        raise
    # croniter raises ValueError, TypeError, KeyError, IndexError or OverflowError for
    # different malformed fields; whatever it raises, the string is what is wrong.
    except Exception as exc:
        raise InvalidCronError(f"invalid cron expression {expression!r}{place}: {exc}") from exc


def _croniter(text: str, start: datetime) -> Croniter:
    from croniter import croniter

    return croniter(text, start, max_years_between_matches=SEARCH_YEARS)


def timezone(name: str | None, *, where: str = "") -> ZoneInfo:
    """The ``ZoneInfo`` called ``name`` (UTC when None).

    Raises:
        InvalidCronError: no IANA time zone has that name (the closest names are suggested).
    """
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:
        place = f" in {where}" if where else ""
        raise InvalidCronError(
            f"unknown time zone {name!r}{place}; use an IANA name such as 'Europe/Berlin'.{_close_zones(name)}"
        ) from exc


def _close_zones(name: object) -> str:
    from zoneinfo import available_timezones

    from headwater.definitions.graph import close_matches

    return close_matches(name, sorted(available_timezones())) if isinstance(name, str) else ""


_EVERY = re.compile(r"^@every (?P<seconds>[0-9]+)s(?: from (?P<anchor>\S+))?$", re.IGNORECASE)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def every(interval: timedelta, anchor: datetime | None = None, *, where: str = "") -> str:
    """The ``@every`` expression for a fixed ``interval`` counted from ``anchor``.

    Raises:
        InvalidCronError: the interval is not a whole, positive number of seconds, or is
            longer than a century; the anchor is out of range.
    """
    place = f" in {where}" if where else ""
    seconds = int(interval.total_seconds())
    if seconds <= 0 or seconds != interval.total_seconds():
        raise InvalidCronError(f"an interval schedule{place} needs a whole, positive number of seconds, not {interval}")
    if interval > LONGEST_INTERVAL:
        raise InvalidCronError(
            f"an interval schedule{place} of {seconds}s is longer than a century "
            f"({int(LONGEST_INTERVAL.total_seconds())}s), the longest interval allowed"
        )
    if anchor is None or anchor == _EPOCH:
        return f"@every {seconds}s"
    try:
        return f"@every {seconds}s from {_utc(anchor).isoformat()}"
    except OverflowError as exc:
        raise InvalidCronError(f"an interval schedule{place} starts at {anchor}, out of range in UTC") from exc


_ONCE = re.compile(r"^@once at (?P<at>\S+)$", re.IGNORECASE)


def once(at: datetime, *, where: str = "") -> str:
    """The expression of a schedule that fires once, at ``at`` (Airflow's ``@once``).

    Raises:
        InvalidCronError: ``at`` is out of range in UTC.
    """
    try:
        return f"@once at {_utc(at).isoformat()}"
    except OverflowError as exc:
        place = f" in {where}" if where else ""
        raise InvalidCronError(f"a @once schedule{place} runs at {at}, out of range in UTC") from exc


def is_once(expression: str) -> bool:
    """Whether ``expression`` fires only once (``@once at ...``)."""
    return expression.startswith("@once")


def once_time(expression: str) -> datetime:
    """The one fire time of a ``@once at ...`` expression, in UTC.

    Raises:
        InvalidCronError: ``expression`` is no ``@once at <ISO date-time>``.
    """
    return _parse_once(expression)


def _parse_once(text: str, place: str = "") -> datetime:
    match = _ONCE.match(text)
    if match is None:
        raise InvalidCronError(
            f"invalid schedule {text!r}{place}: '@once' fires once, at a time: write '@once at <ISO date-time>' "
            "(an Airflow DAG's schedule='@once' runs at its start_date)"
        )
    try:
        return _utc(datetime.fromisoformat(match["at"]))
    except (ValueError, OverflowError) as exc:
        raise InvalidCronError(
            f"invalid schedule {text!r}{place}: bad time: {exc}; write '@once at <ISO date-time>'"
        ) from exc


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _parse_every(text: str, place: str = "") -> tuple[timedelta, datetime]:
    usage = "write '@every <seconds>s' or '@every <seconds>s from <ISO date-time>'"
    match = _EVERY.match(text)
    if match is None:
        raise InvalidCronError(f"invalid interval schedule {text!r}{place}: {usage}")
    digits = match["seconds"].lstrip("0")
    longest = int(LONGEST_INTERVAL.total_seconds())
    if not digits or len(digits) > len(str(longest)) or int(digits) > longest:
        raise InvalidCronError(
            f"invalid interval schedule {text!r}{place}: the interval must be between 1s and {longest}s (a century)"
        )
    anchor = _EPOCH
    if match["anchor"]:
        try:
            anchor = _utc(datetime.fromisoformat(match["anchor"]))
        except (ValueError, OverflowError) as exc:
            raise InvalidCronError(f"invalid interval schedule {text!r}{place}: bad anchor: {exc}; {usage}") from exc
    return timedelta(seconds=int(digits)), anchor


def _follows_elapsed_hours(expression: str) -> bool:
    """Whether ``expression`` fires in every hour of the day (its hour field covers 0-23)."""
    from croniter import croniter

    hours = croniter.expand(expression)[0][1]
    return hours == ["*"] or sorted(hours) == list(range(24))


def fire_times(expression: str, tz: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Every fire time strictly after ``after``, in order, as aware datetimes in ``tz``.

    Daylight saving, as Dagster documents it for its schedules:

    * a wall time the clock skips fires once, at the end of the gap (``30 2 * * *`` in
      Europe/Berlin fires at 03:00 CEST on the spring-forward day); several skipped times
      that fall in one gap fire once;
    * a wall time the clock repeats fires once, at its first occurrence;
    * except that a schedule firing in every hour of the day (its hour field is ``*``)
      follows elapsed time: it fires in both occurrences of the repeated hour and not in
      the skipped one, so an hourly schedule fires once an hour all year.

    ``@every`` intervals count elapsed seconds and know no daylight saving. ``@once at T``
    yields T if it is after ``after``, and then ends.

    Raises:
        InvalidCronError: the schedule has no fire time before the end of the calendar
            (raised when the iteration reaches it).
    """
    if is_once(expression):
        at = _parse_once(expression)
        if at > after:
            yield at.astimezone(tz)
        return
    try:
        yield from (_every_times if expression.startswith("@every") else _cron_times)(expression, tz, after)
    except OverflowError as exc:  # a wall time or instant past the ends of the calendar
        raise InvalidCronError(f"cron expression {expression!r} has no fire time after {after.isoformat()}") from exc


def _cron_times(expression: str, tz: ZoneInfo, after: datetime) -> Iterator[datetime]:
    hourly = _follows_elapsed_hours(expression)
    margin = offset_margin(tz, after)
    start = wall_time(after, tz) - margin - timedelta(minutes=1)
    ticks = _croniter(expression, start)
    pending: list[datetime] = []
    last: datetime | None = None
    while True:
        naive = _step(ticks, expression, after, forward=True)
        # instants of later wall times are never before ``floor``, so what is pending up to
        # it is in its final order
        floor = earliest(naive, tz)
        for candidate in instants(naive, tz) if hourly else [floor]:
            heapq.heappush(pending, candidate)
        while pending and pending[0] <= floor:
            moment = heapq.heappop(pending)
            if moment > after and moment != last:
                last = moment
                yield moment.astimezone(tz)


def _every_times(expression: str, tz: ZoneInfo, after: datetime) -> Iterator[datetime]:
    interval, anchor = _parse_every(expression)
    steps = (after - anchor) // interval + 1
    while True:
        yield (anchor + steps * interval).astimezone(tz)
        steps += 1


def _step(ticks: Croniter, expression: str, moment: datetime, *, forward: bool) -> datetime:
    """The next (or previous) wall time of ``ticks``; the calendar's ends as InvalidCronError."""
    try:
        return ticks.get_next(datetime) if forward else ticks.get_prev(datetime)
    # Past the ends of the calendar (a tick after 9999-12-31) datetime overflows and
    # croniter finds nothing: the schedule has no such tick, which is not a crash.
    except (ValueError, OverflowError) as exc:
        direction = "after" if forward else "before"
        raise InvalidCronError(
            f"cron expression {expression!r} has no fire time {direction} {moment.isoformat()}: {exc}"
        ) from exc


def next_fire_time(expression: str, tz: ZoneInfo, after: datetime) -> datetime:
    """The first fire time strictly after ``after``, as an aware datetime in ``tz``.

    Raises:
        InvalidCronError: there is none before the end of the calendar (or, for ``@once``, at all).
    """
    for moment in fire_times(expression, tz, after):
        return moment
    raise InvalidCronError(f"{expression!r} fires only once: it has no fire time after {after.isoformat()}")


def previous_fire_time(expression: str, tz: ZoneInfo, before: datetime) -> datetime:
    """The last fire time strictly before ``before``, as an aware datetime in ``tz``.

    Raises:
        InvalidCronError: there is none after the start of the calendar.
    """
    if is_once(expression):
        at = _parse_once(expression)
        if at < before:
            return at.astimezone(tz)
        raise InvalidCronError(f"{expression!r} fires only once: it has no fire time before {before.isoformat()}")
    try:
        if expression.startswith("@every"):
            return _every_previous(expression, before).astimezone(tz)
        return _cron_previous(expression, tz, before)
    except OverflowError as exc:
        raise InvalidCronError(f"cron expression {expression!r} has no fire time before {before.isoformat()}") from exc


def _every_previous(expression: str, before: datetime) -> datetime:
    interval, anchor = _parse_every(expression)
    steps, rest = divmod(before - anchor, interval)
    return anchor + (steps if rest else steps - 1) * interval


def _cron_previous(expression: str, tz: ZoneInfo, before: datetime) -> datetime:
    """Step back over wall times to one whose instants are all before ``before``, then forward."""
    hourly = _follows_elapsed_hours(expression)
    margin = offset_margin(tz, before)
    ticks = _croniter(expression, wall_time(before, tz) + margin + timedelta(minutes=1))
    while True:
        naive = _step(ticks, expression, before, forward=False)
        found = instants(naive, tz) if hourly else [earliest(naive, tz)]
        # ``latest`` grows with the wall time: once one is before ``before``, all earlier are
        if found and latest(naive, tz) < before:
            break
    previous = found[0]
    for moment in fire_times(expression, tz, found[0] - timedelta(microseconds=1)):
        if moment >= before:
            return previous
        previous = moment
    raise AssertionError("unreachable: fire_times is endless")  # pragma: no cover
