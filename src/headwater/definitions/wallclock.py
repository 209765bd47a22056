"""Wall-clock times of a time zone and the instants they name, across daylight-saving changes.

A cron string names wall-clock times ("02:30 every day"); a scheduler fires at instants. In
a zone with daylight saving the two are not one-to-one:

* in the spring gap a wall time names no instant (02:30 on the day Berlin jumps from 02:00
  to 03:00): :func:`instants` is empty, and :func:`earliest` is the end of the gap, the
  first instant whose wall clock reads that time or later (03:00 CEST);
* in the autumn overlap it names two (02:30 CEST, then 02:30 CET an hour later):
  :func:`instants` gives both, earliest first.

:func:`earliest` is non-decreasing in the wall time and :func:`latest` too, which is what
lets :mod:`headwater.definitions.cron` walk a schedule's wall times in order and put its
instants in order with a small buffer. Every function takes naive wall times and gives
aware UTC instants.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, tzinfo

__all__ = ["earliest", "instants", "latest", "offset_margin", "wall_time"]

def wall_time(instant: datetime, tz: tzinfo) -> datetime:
    """The naive wall-clock time ``instant`` reads in ``tz``."""
    return instant.astimezone(tz).replace(tzinfo=None)


def instants(naive: datetime, tz: tzinfo) -> list[datetime]:
    """The UTC instants at which the wall clock of ``tz`` reads ``naive``: none, one or two."""
    found = {naive.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)}
    return sorted(u for u in found if wall_time(u, tz) == naive)


def earliest(naive: datetime, tz: tzinfo) -> datetime:
    """The first instant whose wall clock reads ``naive`` or later (the gap's end for a skipped time)."""
    found = instants(naive, tz)
    return found[0] if found else _gap_end(naive, tz)


def latest(naive: datetime, tz: tzinfo) -> datetime:
    """The last instant whose wall clock reads ``naive`` (the gap's end for a skipped time)."""
    found = instants(naive, tz)
    return found[-1] if found else _gap_end(naive, tz)


def _gap_end(naive: datetime, tz: tzinfo) -> datetime:
    """The instant the clock jumps over ``naive``: the first whose wall time is ``naive`` or later.

    The two readings of a skipped time (with the offset before and after the jump) bracket
    the jump; offsets change on whole seconds, so a bisection over whole seconds finds it.
    """
    readings = [naive.replace(tzinfo=tz, fold=fold).astimezone(UTC).timestamp() for fold in (0, 1)]
    low, high = math.floor(min(readings)) - 1, math.ceil(max(readings))
    # invariant: the wall time at ``low`` is before ``naive``, the one at ``high`` is not
    while high - low > 1:
        middle = (low + high) // 2
        if wall_time(datetime.fromtimestamp(middle, UTC), tz) < naive:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def offset_margin(tz: tzinfo, around: datetime, *, window: timedelta = timedelta(days=2)) -> timedelta:
    """How far the wall clock of ``tz`` shifts within ``window`` of ``around`` (zero when it does not).

    A daylight-saving change moves the wall clock by this much relative to the instant, so
    a wall time up to this far before ``around``'s own can name an instant after it.
    """
    offsets = []
    for step in (-window, timedelta(0), window):
        try:
            offsets.append((around + step).astimezone(tz).utcoffset() or timedelta(0))
        except OverflowError:  # at the ends of the calendar there is nothing to shift
            continue
    return max(offsets) - min(offsets) if offsets else timedelta(0)
