"""Leases and schedule cursors, for :class:`~headwater.storage.sql.store.SqlStore`.

A *lease* is a named lock with an expiry: one row of ``leases`` (name, holder, expires_at).
Taking it is one atomic statement, so two schedulers on one PostgreSQL store never both
hold it: the holder renews it well within its time; when the holder dies, the lease
expires and another takes it over::

    acquire_lease("scheduler", "daemon-a", ttl=10, now=t)    # True: a holds it until t+10
    acquire_lease("scheduler", "daemon-b", ttl=10, now=t+1)  # False: held by a
    acquire_lease("scheduler", "daemon-b", ttl=10, now=t+11) # True: a's time ran out

A schedule's cursor is the time of its newest recorded tick (``last_tick_time``).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, insert, or_, select, update

from headwater.storage.sql import schema as s

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

__all__ = ["ScheduleQueries"]


class ScheduleQueries:
    """Leases (one holder at a time, with an expiry) and the newest tick of a schedule."""

    if TYPE_CHECKING:

        def _begin(self) -> AbstractContextManager[Connection]: ...

        def _connect(self) -> AbstractContextManager[Connection]: ...

    def acquire_lease(self, name: str, holder: str, *, ttl: float, now: float) -> bool:
        """Take or renew lease ``name`` for ``holder`` until ``now + ttl``; whether ``holder`` holds it.

        It is taken when free, expired, or already ``holder``'s; never from a live holder.
        """
        from sqlalchemy.exc import IntegrityError

        t = s.leases
        with self._begin() as conn:
            taken = conn.execute(
                update(t)
                .where(t.c.name == name, or_(t.c.holder == holder, t.c.expires_at < now))
                .values(holder=holder, expires_at=now + ttl)
            ).rowcount
            if taken:
                return True
            if conn.execute(select(t.c.name).where(t.c.name == name)).first() is not None:
                return False
        try:  # nobody ever held it: the first insert wins, the others hit the primary key
            with self._begin() as conn:
                conn.execute(insert(t).values(name=name, holder=holder, expires_at=now + ttl))
        except IntegrityError:
            return False
        return True

    def release_lease(self, name: str, holder: str) -> None:
        """Give lease ``name`` up, if ``holder`` holds it."""
        t = s.leases
        with self._begin() as conn:
            conn.execute(delete(t).where(t.c.name == name, t.c.holder == holder))

    def lease_holder(self, name: str, *, now: float) -> str | None:
        """Who holds lease ``name`` at ``now`` (None when nobody does)."""
        t = s.leases
        with self._connect() as conn:
            row = conn.execute(select(t.c.holder).where(t.c.name == name, t.c.expires_at >= now)).first()
        return None if row is None else str(row[0])

    def schedule_state_since(self, name: str) -> float | None:
        """When schedule ``name``'s stored status was last set (None when it never was)."""
        t = s.schedule_state
        with self._connect() as conn:
            value = conn.execute(select(t.c.updated_at).where(t.c.name == name)).scalar()
        return None if value is None else float(value)

    def last_tick_time(self, schedule_name: str) -> float | None:
        """The time of ``schedule_name``'s newest recorded tick (its cursor), or None."""
        t = s.schedule_ticks
        with self._connect() as conn:
            value = conn.execute(select(func.max(t.c.tick_time)).where(t.c.schedule_name == schedule_name)).scalar()
        return None if value is None else float(value)
