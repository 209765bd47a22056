"""Cron strings and time zones: validated when a schedule is defined, evaluated for ticks.

Presets ``@hourly``, ``@daily``, ``@midnight``, ``@weekly``, ``@monthly``, ``@yearly`` and
``@annually`` are expanded to their five-field form. Fire times are computed by croniter
in the schedule's own time zone (``zoneinfo``), so ``0 2 * * *`` in ``Europe/Berlin`` fires
at 02:00 Berlin time on both sides of a daylight-saving change (on the spring-forward
day, when 02:00 does not exist, it fires once, at the end of the gap).

A fixed interval that no cron string can say (an Airflow ``schedule=timedelta(minutes=90)``)
is written ``@every 5400s from 2024-01-01T00:00:00+00:00``: it fires at the anchor and at
every whole multiple of the interval after it (the anchor is the Unix epoch when omitted).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from headwater.errors import InvalidCronError

__all__ = ["PRESETS", "every", "next_fire_time", "normalize_cron", "previous_fire_time", "timezone"]

PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


def normalize_cron(expression: str, *, where: str = "") -> str:
    """The five-field form of ``expression``.

    Raises:
        InvalidCronError: naming the expression, ``where`` it is used and what is wrong.
    """
    from croniter import croniter

    place = f" in {where}" if where else ""
    if not isinstance(expression, str) or not expression.strip():
        raise InvalidCronError(f"empty or non-string cron expression{place}: {expression!r}")
    text = " ".join(expression.split())
    if text.lower().startswith("@every"):
        interval, anchor = _parse_every(text, place)
        return every(interval, anchor)
    text = PRESETS.get(text.lower(), text)
    fields = text.split(" ")
    if len(fields) != 5:
        raise InvalidCronError(
            f"invalid cron expression {expression!r}{place}: expected 5 fields "
            f"(minute hour day-of-month month day-of-week) or a preset "
            f"({', '.join(sorted(PRESETS))}), got {len(fields)}"
        )
    try:
        croniter(text)
    except (ValueError, KeyError) as exc:
        raise InvalidCronError(f"invalid cron expression {expression!r}{place}: {exc}") from exc
    return text


def timezone(name: str | None, *, where: str = "") -> ZoneInfo:
    """The ``ZoneInfo`` called ``name`` (UTC when None)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        place = f" in {where}" if where else ""
        raise InvalidCronError(f"unknown time zone {name!r}{place}; use an IANA name such as 'Europe/Berlin'") from exc


_EVERY = re.compile(r"^@every (?P<seconds>\d+)s(?: from (?P<anchor>\S+))?$", re.IGNORECASE)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def every(interval: timedelta, anchor: datetime | None = None) -> str:
    """The ``@every`` expression for a fixed ``interval`` counted from ``anchor``."""
    seconds = int(interval.total_seconds())
    if seconds <= 0 or seconds != interval.total_seconds():
        raise InvalidCronError(f"an interval schedule needs a whole, positive number of seconds, not {interval}")
    if anchor is None or anchor == _EPOCH:
        return f"@every {seconds}s"
    aware = anchor if anchor.tzinfo is not None else anchor.replace(tzinfo=UTC)
    return f"@every {seconds}s from {aware.astimezone(UTC).isoformat()}"


def _parse_every(text: str, place: str = "") -> tuple[timedelta, datetime]:
    match = _EVERY.match(text)
    anchor = _EPOCH
    if match is not None and match["anchor"]:
        try:
            anchor = datetime.fromisoformat(match["anchor"])
        except ValueError:
            match = None
    if match is None or int(match["seconds"]) <= 0:
        raise InvalidCronError(
            f"invalid interval schedule {text!r}{place}: write '@every <seconds>s' or "
            "'@every <seconds>s from <ISO date-time>'"
        )
    return timedelta(seconds=int(match["seconds"])), anchor if anchor.tzinfo else anchor.replace(tzinfo=UTC)


def _every_tick(expression: str, after: datetime, *, forward: bool) -> datetime:
    interval, anchor = _parse_every(expression)
    steps, rest = divmod(after - anchor, interval)
    if forward:
        steps += 1
    elif not rest:
        steps -= 1
    return anchor + steps * interval


def next_fire_time(expression: str, tz: ZoneInfo, after: datetime) -> datetime:
    """The first fire time strictly after ``after``, as an aware datetime in ``tz``."""
    if expression.startswith("@every"):
        return _every_tick(expression, after, forward=True).astimezone(tz)
    from croniter import croniter

    return croniter(expression, after.astimezone(tz)).get_next(datetime)


def previous_fire_time(expression: str, tz: ZoneInfo, before: datetime) -> datetime:
    """The last fire time strictly before ``before``, as an aware datetime in ``tz``."""
    if expression.startswith("@every"):
        return _every_tick(expression, before, forward=False).astimezone(tz)
    from croniter import croniter

    return croniter(expression, before.astimezone(tz)).get_prev(datetime)
