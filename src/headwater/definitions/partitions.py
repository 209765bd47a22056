"""Partitions: an asset computed piece by piece, one partition key at a time (Dagster's API).

A partitions definition is the set of keys an asset is split by. Two kinds:

* **static**: a fixed list of names, ``StaticPartitionsDefinition(["eu", "us"])``;
* **time windows**: one key per window of a cron schedule in a time zone, named by the
  window's start formatted with ``fmt``. ``DailyPartitionsDefinition(start_date="2026-01-01")``
  has the keys ``2026-01-01``, ``2026-01-02``, ... each covering midnight to midnight UTC.

Which windows exist
-------------------
The first window starts at the first tick of the schedule at or after ``start``. The last
is the last *complete* window at the current time (``current_time``, now by default): a
daily partition for today appears once today is over. ``end_offset=1`` adds the window in
progress (and ``-1`` drops the last complete one). ``end`` (exclusive) caps the set for
good: no window ending after it ever exists. So at 2026-01-04 10:00 UTC::

    DailyPartitionsDefinition(start_date="2026-01-01").get_partition_keys()
    # ['2026-01-01', '2026-01-02', '2026-01-03']
    DailyPartitionsDefinition(start_date="2026-01-01", end_offset=1).get_partition_keys()
    # ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04']

Windows are computed by croniter in the definition's time zone, so a daily window in
``Europe/Berlin`` is 23 or 25 hours long across a daylight-saving change, as the local day is.

Validation
----------
A definition is checked when it is made (start date in its format, time zone, offsets,
duplicate static keys): :class:`~headwater.errors.DefinitionError`. A key is checked when a
run or backfill names it: :meth:`PartitionsDefinition.check_partition_key` raises
:class:`~headwater.errors.PartitionKeyError` saying why (not in the format, not a window
start, before the first partition, after the last one).
"""

from __future__ import annotations

import abc
import bisect
import itertools
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from headwater.definitions.cron import normalize_cron, timezone as zone_named
from headwater.errors import DefinitionError, PartitionKeyError

if TYPE_CHECKING:
    from croniter import croniter as Croniter

__all__ = [
    "BACKFILL_TAG",
    "PARTITION_TAG",
    "DailyPartitionsDefinition",
    "HourlyPartitionsDefinition",
    "MonthlyPartitionsDefinition",
    "PartitionKeyRange",
    "PartitionsDefinition",
    "StaticPartitionsDefinition",
    "TimeWindow",
    "TimeWindowPartitionsDefinition",
    "WeeklyPartitionsDefinition",
    "check_partitions_def",
    "keys_between",
]

#: the run tag naming the partition a run computes (Dagster's name)
PARTITION_TAG = "dagster/partition"
#: the run tag naming the backfill a run belongs to (Dagster's name)
BACKFILL_TAG = "dagster/backfill"

#: the characters a static partition key may not hold: keys are given comma-separated on the CLI
_FORBIDDEN_IN_KEYS = (",", "\n", "\r")


class TimeWindow(NamedTuple):
    """A partition's window: ``start`` included, ``end`` excluded (aware datetimes)."""

    start: datetime
    end: datetime


class PartitionKeyRange(NamedTuple):
    """The partition keys from ``start`` to ``end``, both included (Dagster's)."""

    start: str
    end: str


class PartitionsDefinition(abc.ABC):
    """The set of partition keys an asset (or a job) is split by."""

    @abc.abstractmethod
    def get_partition_keys(
        self, current_time: datetime | None = None, dynamic_partitions_store: Any = None
    ) -> Sequence[str]:
        """Every partition key that exists at ``current_time`` (now by default), in order."""

    @abc.abstractmethod
    def describe(self) -> str:
        """The definition in words, for messages: ``daily from 2026-01-01 (UTC)``."""

    @abc.abstractmethod
    def _why_not(self, partition_key: str, current_time: datetime | None) -> str | None:
        """Why ``partition_key`` is not a key of this definition, or None when it is."""

    def has_partition_key(
        self, partition_key: str, current_time: datetime | None = None, dynamic_partitions_store: Any = None
    ) -> bool:
        """Whether ``partition_key`` is one of the keys at ``current_time``."""
        return isinstance(partition_key, str) and self._why_not(partition_key, current_time) is None

    def check_partition_key(self, partition_key: object, *, where: str = "", current_time: datetime | None = None) -> str:
        """``partition_key``, once it is known to be a key of this definition.

        Raises:
            PartitionKeyError: naming the key, ``where`` it is used and why it is not one.
        """
        place = f" of {where}" if where else ""
        if not isinstance(partition_key, str) or not partition_key:
            raise PartitionKeyError(f"a partition key is a non-empty string, not {partition_key!r}")
        why = self._why_not(partition_key, current_time)
        if why is not None:
            raise PartitionKeyError(f"{partition_key!r} is not a partition{place} ({self.describe()}): {why}")
        return partition_key

    def get_partition_keys_in_range(
        self, partition_key_range: PartitionKeyRange, dynamic_partitions_store: Any = None
    ) -> Sequence[str]:
        """The keys from ``partition_key_range.start`` to ``.end``, both included, in order.

        Raises:
            PartitionKeyError: an end is not a key, or the range runs backwards.
        """
        keys = list(self.get_partition_keys())
        start, end = partition_key_range
        for key in (start, end):
            self.check_partition_key(key)
        first, last = keys.index(start), keys.index(end)
        if first > last:
            raise PartitionKeyError(f"the partition range {start!r} to {end!r} runs backwards ({self.describe()})")
        return keys[first : last + 1]

    def get_num_partitions(self, current_time: datetime | None = None, dynamic_partitions_store: Any = None) -> int:
        """How many partitions exist at ``current_time``."""
        return len(self.get_partition_keys(current_time))

    def get_first_partition_key(self, current_time: datetime | None = None) -> str | None:
        """The first key, or None when there is none yet."""
        keys = self.get_partition_keys(current_time)
        return keys[0] if keys else None

    def get_last_partition_key(self, current_time: datetime | None = None) -> str | None:
        """The last key, or None when there is none yet."""
        keys = self.get_partition_keys(current_time)
        return keys[-1] if keys else None

    def __str__(self) -> str:
        return self.describe()


class StaticPartitionsDefinition(PartitionsDefinition):
    """A fixed list of partition keys (Dagster's), in the order given.

    Raises:
        DefinitionError: a key is empty, not a string, repeated, or holds a comma or newline.
    """

    def __init__(self, partition_keys: Sequence[str]) -> None:
        keys = list(partition_keys) if not isinstance(partition_keys, str) else [partition_keys]
        for key in keys:
            if not isinstance(key, str) or not key:
                raise DefinitionError(f"StaticPartitionsDefinition: a partition key is a non-empty string, not {key!r}")
            if any(c in key for c in _FORBIDDEN_IN_KEYS):
                raise DefinitionError(f"StaticPartitionsDefinition: partition key {key!r} holds a comma or line break")
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise DefinitionError(f"StaticPartitionsDefinition: duplicate partition keys {', '.join(map(repr, repeated))}")
        self._keys = tuple(keys)

    def get_partition_keys(
        self, current_time: datetime | None = None, dynamic_partitions_store: Any = None
    ) -> Sequence[str]:
        return list(self._keys)

    def describe(self) -> str:
        shown = ", ".join(self._keys[:5]) + (", ..." if len(self._keys) > 5 else "")
        return f"static: {shown}" if self._keys else "static, no keys"

    def _why_not(self, partition_key: str, current_time: datetime | None) -> str | None:
        if partition_key in self._keys:
            return None
        from headwater.definitions.graph import close_matches

        return "not one of its keys." + close_matches(partition_key, self._keys)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StaticPartitionsDefinition) and other._keys == self._keys

    def __hash__(self) -> int:
        return hash(self._keys)

    def __repr__(self) -> str:
        return f"StaticPartitionsDefinition({list(self._keys)!r})"


class TimeWindowPartitionsDefinition(PartitionsDefinition):
    """One partition per window of a cron schedule in a time zone (Dagster's).

    Args:
        start: the first window starts at the first tick at or after it (a datetime, or a
            string in ``fmt`` or ISO form).
        fmt: how a window's start is written as its key (``strftime``).
        end: no window ends after it (exclusive); open-ended when None.
        timezone: an IANA time zone the schedule and the keys are read in; UTC by default.
        end_offset: windows to add after the last complete one (1: the one in progress).
        cron_schedule: when windows start, as a cron string.

    Raises:
        DefinitionError: the cron string, time zone, start or end is not valid.
    """

    def __init__(
        self,
        start: datetime | str,
        fmt: str,
        end: datetime | str | None = None,
        schedule_type: object | None = None,
        timezone: str | None = None,
        end_offset: int = 0,
        minute_offset: int | None = None,
        hour_offset: int | None = None,
        day_offset: int | None = None,
        cron_schedule: str | None = None,
        exclusions: object | None = None,
    ) -> None:
        from headwater.definitions.unsupported import refuse_unsupported

        refuse_unsupported("TimeWindowPartitionsDefinition", schedule_type=schedule_type, exclusions=exclusions)
        name = type(self).__name__
        if cron_schedule is None:
            raise DefinitionError(f"{name}: give cron_schedule= (when each window starts)")
        if minute_offset or hour_offset or day_offset:
            raise DefinitionError(f"{name}: give the offsets in cron_schedule, or use a Daily/Hourly/... definition")
        if isinstance(end_offset, bool) or not isinstance(end_offset, int):
            raise DefinitionError(f"{name}: end_offset must be a whole number, not {end_offset!r}")
        self._cron = normalize_cron(cron_schedule, where=name)
        if self._cron.startswith(("@every", "@once")):
            raise DefinitionError(f"{name}: windows follow a cron string, not an interval ({cron_schedule!r})")
        self._timezone_name = timezone or "UTC"
        self._tz: ZoneInfo = zone_named(self._timezone_name, where=name)
        self._fmt = _check_fmt(fmt, name)
        self._end_offset = end_offset
        self._start = self._moment(start, "start")
        self._end = self._moment(end, "end") if end is not None else None
        self._first = self._tick_at_or_after(self._start)
        self._windows: list[TimeWindow] = []
        if self._end is not None and self._end <= self._start:
            raise DefinitionError(f"{name}: end {self._end.isoformat()} is not after start {self._start.isoformat()}")

    # -- what it is ------------------------------------------------------------------------

    @property
    def start(self) -> datetime:
        """When the first window may start (aware, in the definition's time zone)."""
        return self._start

    @property
    def end(self) -> datetime | None:
        """No window ends after this (exclusive); None when open-ended."""
        return self._end

    @property
    def fmt(self) -> str:
        return self._fmt

    @property
    def timezone(self) -> str:
        return self._timezone_name

    @property
    def end_offset(self) -> int:
        return self._end_offset

    @property
    def cron_schedule(self) -> str:
        """When windows start (and when a schedule built from it fires)."""
        return self._cron

    def describe(self) -> str:
        first = self._first.strftime(self._fmt)
        until = f" until {self._end.strftime(self._fmt)}" if self._end is not None else ""
        offset = f", end_offset={self._end_offset}" if self._end_offset else ""
        return f"{self._kind()} from {first}{until} ({self._timezone_name}{offset})"

    def _kind(self) -> str:
        return f"windows of {self._cron!r}"

    def __getstate__(self) -> dict[str, Any]:
        # the windows computed so far are a cache: a step sent to a worker leaves them behind
        return {**self.__dict__, "_windows": []}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _identity(self) -> tuple[object, ...]:
        return (self._cron, self._timezone_name, self._fmt, self._start, self._end, self._end_offset)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TimeWindowPartitionsDefinition) and other._identity() == self._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"

    # -- keys and windows ------------------------------------------------------------------

    def time_window_for_partition_key(self, partition_key: str) -> TimeWindow:
        """The window a key names.

        Raises:
            PartitionKeyError: the key is not a window start of this definition.
        """
        start = self._window_start(partition_key)
        if start is None:
            self.check_partition_key(partition_key)  # raises, saying why
            raise AssertionError("unreachable")
        return TimeWindow(start, self._next_tick(start))

    def get_partition_keys(
        self, current_time: datetime | None = None, dynamic_partitions_store: Any = None
    ) -> Sequence[str]:
        return [window.start.strftime(self._fmt) for window in self.windows(current_time)]

    def windows(self, current_time: datetime | None = None, *, since: datetime | None = None) -> Iterator[TimeWindow]:
        """Every window that exists at ``current_time`` (now by default), oldest first; with
        ``since``, only those starting at or after it."""
        last_end = self._last_end(current_time)
        if last_end is None:
            return
        known = self._known_until(last_end)
        first = 0 if since is None else bisect.bisect_left(known, since, key=lambda w: w.start)
        for window in itertools.islice(known, first, None):
            if window.end > last_end:
                return
            yield window

    def _known_until(self, last_end: datetime) -> list[TimeWindow]:
        """The windows from the first up to (at least) ``last_end``, computed once and kept:
        listings and plans ask for the same windows many times."""
        known = self._windows
        start = known[-1].end if known else self._first
        if start >= last_end:
            return known
        more: list[TimeWindow] = []
        step = self._fixed_step()
        if step is not None:  # UTC days and hours: plain arithmetic, 30 times faster than croniter
            while start < last_end:
                more.append(TimeWindow(start, start + step))
                start += step
        else:
            ticks = self._ticks_from(start)
            while start < last_end:
                end = ticks.get_next(datetime)
                more.append(TimeWindow(start, end))
                start = end
        # a new list, swapped in whole: threads planning at once see one list or the other
        self._windows = known = known + more
        return known

    def _fixed_step(self) -> timedelta | None:
        """The length of every window, when it is fixed: hourly or daily windows in UTC."""
        if self._tz.utcoffset(self._first) != timedelta(0) or self._timezone_name not in ("UTC", "Etc/UTC"):
            return None
        minute, hour, *days = self._cron.split(" ")
        if days != ["*", "*", "*"] or not minute.isdigit():
            return None
        if hour == "*":
            return timedelta(hours=1)
        return timedelta(days=1) if hour.isdigit() else None

    def _last_end(self, current_time: datetime | None) -> datetime | None:
        """Where the last window ends at ``current_time``, or None when there is none."""
        now = (current_time or datetime.now(UTC)).astimezone(self._tz)
        if self._end is not None and self._end < now:
            now = self._end
        # the end of the last complete window is the last tick at or before ``now``
        last_end = self._previous_tick(_shifted(now, _TINY))
        offset = self._end_offset
        while offset > 0:
            last_end = self._next_tick(last_end)
            offset -= 1
        while offset < 0 and last_end > self._first:
            last_end = self._previous_tick(last_end)
            offset += 1
        if self._end is not None:
            while last_end > self._end:
                last_end = self._previous_tick(last_end)
        return last_end if last_end > self._first else None

    def _why_not(self, partition_key: str, current_time: datetime | None) -> str | None:
        if self._parse(partition_key) is None:
            return f"not a time in the format {self._fmt!r} (e.g. {self._first.strftime(self._fmt)!r})"
        start = self._window_start(partition_key)
        if start is None:
            return f"no window starts then (windows start on {self._cron!r})"
        if start < self._first:
            return f"before the first partition {self._first.strftime(self._fmt)!r}"
        last_end = self._last_end(current_time)
        if last_end is None or start >= last_end:
            if self._end is not None and start >= self._end:
                return f"the partitions end before {self._end.strftime(self._fmt)!r}"
            last = self._previous_tick(last_end).strftime(self._fmt) if last_end is not None else None
            newest = f"the last one is {last!r}" if last is not None else "there is none yet"
            return f"its window is not complete yet ({newest}; end_offset=1 adds the window in progress)"
        return None

    def _parse(self, text: str) -> datetime | None:
        try:
            naive = datetime.strptime(text, self._fmt)
        except ValueError:
            return None
        if naive.strftime(self._fmt) != text:  # "2026-1-5" parses but is not how keys are written
            return None
        return naive.replace(tzinfo=self._tz)

    def _window_start(self, partition_key: str) -> datetime | None:
        """The start of the window ``partition_key`` names, or None when no window starts then.

        The key's time may not exist on the wall clock (a day starting in a DST gap, as
        midnight in America/Santiago each September): that window starts at the first moment
        that exists, and its key is still that day's.
        """
        moment = self._parse(partition_key)
        if moment is None:
            return None
        start = self._tick_at_or_after(moment)
        return start if start.strftime(self._fmt) == partition_key else None

    def _tick_at_or_after(self, moment: datetime) -> datetime:
        return self._next_tick(_shifted(moment, -_TINY))

    def _moment(self, value: datetime | str, what: str) -> datetime:
        name = type(self).__name__
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, str):
            parsed = None
            for parse in (lambda t: datetime.strptime(t, self._fmt), datetime.fromisoformat):
                try:
                    parsed = parse(value)
                    break
                except ValueError:
                    continue
            if parsed is None:
                raise DefinitionError(
                    f"{name}: {what} {value!r} is neither in the format {self._fmt!r} nor an ISO date"
                )
            moment = parsed
        else:
            raise DefinitionError(f"{name}: {what} is a datetime or a string, not {value!r}")
        return moment.replace(tzinfo=self._tz) if moment.tzinfo is None else moment.astimezone(self._tz)

    def _ticks_from(self, moment: datetime) -> Croniter:
        from croniter import croniter

        return croniter(self._cron, moment)

    def _next_tick(self, after: datetime) -> datetime:
        tick: datetime = self._ticks_from(after).get_next(datetime)
        return tick

    def _previous_tick(self, before: datetime) -> datetime:
        tick: datetime = self._ticks_from(before).get_prev(datetime)
        return tick


#: the smallest step in time, to turn "after" into "at or after"
_TINY = timedelta(microseconds=1)


def _shifted(moment: datetime, by: timedelta) -> datetime:
    """``moment`` moved by ``by`` of elapsed time, in its own zone (aware arithmetic in one
    zone is wall-clock arithmetic, which lands in a DST gap or the wrong side of a fold)."""
    return (moment.astimezone(UTC) + by).astimezone(moment.tzinfo)


def _check_fmt(fmt: str, name: str) -> str:
    if not isinstance(fmt, str) or "%" not in fmt:
        raise DefinitionError(f"{name}: fmt must be a strftime format such as '%Y-%m-%d', not {fmt!r}")
    if any(c in fmt for c in _FORBIDDEN_IN_KEYS):
        raise DefinitionError(f"{name}: fmt {fmt!r} would make keys holding a comma or line break")
    return fmt


def _offset(value: int, low: int, high: int, what: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DefinitionError(f"{name}: {what} must be a whole number from {low} to {high}, not {value!r}")
    return value


class DailyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per day, keyed ``2026-01-31`` (Dagster's).

    Args:
        start_date: the first day (a datetime, or a string in ``fmt`` or ISO form).
        end_date: no partition ends after it (exclusive).
        minute_offset, hour_offset: when in the day each window starts (midnight by default).
        timezone: the IANA zone the days are in; UTC by default.
        fmt: the key's format; ``%Y-%m-%d`` by default.
        end_offset: windows after the last complete one (1 adds today).
    """

    def __init__(
        self,
        start_date: datetime | str,
        end_date: datetime | str | None = None,
        minute_offset: int = 0,
        hour_offset: int = 0,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
        exclusions: object | None = None,
    ) -> None:
        name = type(self).__name__
        minute = _offset(minute_offset, 0, 59, "minute_offset", name)
        hour = _offset(hour_offset, 0, 23, "hour_offset", name)
        super().__init__(
            start_date, fmt or "%Y-%m-%d", end_date, timezone=timezone, end_offset=end_offset,
            cron_schedule=f"{minute} {hour} * * *", exclusions=exclusions,
        )

    def _kind(self) -> str:
        return "daily"


class HourlyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per hour, keyed ``2026-01-31-13:00`` (Dagster's).

    Args:
        start_date: the first hour (a datetime, or a string in ``fmt`` or ISO form).
        end_date: no partition ends after it (exclusive).
        minute_offset: the minute each window starts at.
        timezone: the IANA zone; UTC by default.
        fmt: the key's format; ``%Y-%m-%d-%H:%M`` by default.
        end_offset: windows after the last complete one.
    """

    def __init__(
        self,
        start_date: datetime | str,
        end_date: datetime | str | None = None,
        minute_offset: int = 0,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
        exclusions: object | None = None,
    ) -> None:
        minute = _offset(minute_offset, 0, 59, "minute_offset", type(self).__name__)
        super().__init__(
            start_date, fmt or "%Y-%m-%d-%H:%M", end_date, timezone=timezone, end_offset=end_offset,
            cron_schedule=f"{minute} * * * *", exclusions=exclusions,
        )

    def _kind(self) -> str:
        return "hourly"


class WeeklyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per week, keyed by the week's first day (Dagster's).

    Args:
        day_offset: the weekday each window starts on (0 Sunday, the default, to 6 Saturday).
        minute_offset, hour_offset, start_date, end_date, timezone, fmt, end_offset: as for
            :class:`DailyPartitionsDefinition`.
    """

    def __init__(
        self,
        start_date: datetime | str,
        end_date: datetime | str | None = None,
        minute_offset: int = 0,
        hour_offset: int = 0,
        day_offset: int = 0,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
        exclusions: object | None = None,
    ) -> None:
        name = type(self).__name__
        minute = _offset(minute_offset, 0, 59, "minute_offset", name)
        hour = _offset(hour_offset, 0, 23, "hour_offset", name)
        day = _offset(day_offset, 0, 6, "day_offset", name)
        super().__init__(
            start_date, fmt or "%Y-%m-%d", end_date, timezone=timezone, end_offset=end_offset,
            cron_schedule=f"{minute} {hour} * * {day}", exclusions=exclusions,
        )

    def _kind(self) -> str:
        return "weekly"


class MonthlyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per month, keyed by the month's first day (Dagster's).

    Args:
        day_offset: the day of the month each window starts on (1, the default, to 31).
        minute_offset, hour_offset, start_date, end_date, timezone, fmt, end_offset: as for
            :class:`DailyPartitionsDefinition`.
    """

    def __init__(
        self,
        start_date: datetime | str,
        end_date: datetime | str | None = None,
        minute_offset: int = 0,
        hour_offset: int = 0,
        day_offset: int = 1,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
        exclusions: object | None = None,
    ) -> None:
        name = type(self).__name__
        minute = _offset(minute_offset, 0, 59, "minute_offset", name)
        hour = _offset(hour_offset, 0, 23, "hour_offset", name)
        day = _offset(day_offset, 1, 31, "day_offset", name)
        super().__init__(
            start_date, fmt or "%Y-%m-%d", end_date, timezone=timezone, end_offset=end_offset,
            cron_schedule=f"{minute} {hour} {day} * *", exclusions=exclusions,
        )

    def _kind(self) -> str:
        return "monthly"


def check_partitions_def(value: object, where: str) -> PartitionsDefinition | None:
    """``value`` when it is a partitions definition (or None).

    Raises:
        DefinitionError: it is something else.
    """
    if value is None or isinstance(value, PartitionsDefinition):
        return value
    raise DefinitionError(f"{where}: partitions_def takes a PartitionsDefinition (DailyPartitionsDefinition, ...), not {value!r}")


def keys_between(definition: PartitionsDefinition, first: str, last: str) -> list[str]:
    """The keys of ``definition`` from ``first`` to ``last``, both included (a backfill's range).

    ``first`` and ``last`` need not be keys themselves for a time-window definition: a
    date range (``2026-01-01`` to ``2026-03-31``) takes every window starting within it,
    the last day whole (24 hourly partitions of 2026-03-31).

    Raises:
        PartitionKeyError: the range runs backwards or holds no partition.
    """
    keys = list(definition.get_partition_keys())
    if isinstance(definition, TimeWindowPartitionsDefinition):
        low, high = _bound(definition, first, "start"), _bound(definition, last, "end")
        if low > high:
            raise PartitionKeyError(f"the range {first!r} to {last!r} runs backwards")
        chosen = [
            window.start.strftime(definition.fmt)
            for window in itertools.takewhile(lambda w: w.start <= high, definition.windows(since=low))
        ]
    else:
        for key in (first, last):
            definition.check_partition_key(key)
        i, j = keys.index(first), keys.index(last)
        if i > j:
            raise PartitionKeyError(f"the range {first!r} to {last!r} runs backwards ({definition.describe()})")
        chosen = keys[i : j + 1]
    if not chosen:
        raise PartitionKeyError(f"the range {first!r} to {last!r} holds no partition ({definition.describe()})")
    return chosen


def _bound(definition: TimeWindowPartitionsDefinition, text: str, what: str) -> datetime:
    """A range end given as a key or an ISO date/time, in the definition's zone."""
    parsed = definition._parse(text)
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise PartitionKeyError(
                f"the range's {what} {text!r} is neither a partition key ({definition.fmt!r}) nor an ISO date"
            ) from None
        tz = ZoneInfo(definition.timezone)
        parsed = parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed.astimezone(tz)
        if what == "end" and len(text) == len("2026-01-31"):  # a whole day: every window starting in it
            parsed = parsed + timedelta(days=1) - timedelta(microseconds=1)
    return parsed
