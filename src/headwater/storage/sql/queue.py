"""The run queue and the daemon registry over SQL: the ``RunQueue`` and ``DaemonRegistry`` half of ``SqlStore``.

A queued run is a ``runs`` row with status ``QUEUED``. Its life, each step one atomic
statement or transaction, so that any number of submitters and coordinators can share a
store and a process killed between two steps leaves nothing lost or done twice::

    enqueue_run        QUEUED, claimed_by NULL     (+ RUN_ENQUEUED event; run key unique)
    claim_runs         QUEUED, claimed_by = C      one transaction that serializes claimers
    start_claimed_run  STARTED                     only if still QUEUED and claimed by C
    release_claims     QUEUED, claimed_by NULL     only if still QUEUED (never a started run)

``start_claimed_run`` and ``release_claims`` race safely: whichever commits first wins and
the other changes nothing, so a run whose coordinator was presumed dead either started
(and is not released) or was released (and its late process does not start it).

Claiming is serialized: on SQLite by ``BEGIN IMMEDIATE`` (the database's one write lock,
taken before reading), on PostgreSQL by a transaction-scoped advisory lock plus ``FOR UPDATE
SKIP LOCKED`` on the queued rows. The advisory lock is what makes a global limit on
concurrent runs hold: two coordinators counting the runs in flight at the same moment
would each see room for one more. Inside the transaction the caller's ``choose`` policy
sees the runs in flight and the candidates, and picks which to claim.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, update

from headwater.errors import RunKeyTaken
from headwater.storage.records import DaemonRecord, Event, EventKind, Run, RunStatus
from headwater.storage.sql import schema as s

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.engine import Connection

__all__ = ["ClaimPolicy", "RunQueueMethods"]

#: the runs in flight and the queued candidates (best first) -> the ids of those to claim
ClaimPolicy = Callable[[Sequence[Run], Sequence[Run]], Sequence[str]]

#: the statuses of a run that holds a concurrency slot (with claimed QUEUED runs)
_IN_FLIGHT = (RunStatus.STARTED.value, RunStatus.CANCELING.value)
#: a constant key for PostgreSQL's advisory lock that serializes claimers
_CLAIM_LOCK = 0x68775F71  # "hw_q"


class RunQueueMethods:
    """What ``SqlStore`` adds for queued runs and daemons (a mixin; see the module docstring)."""

    if TYPE_CHECKING:

        def _begin(self) -> AbstractContextManager[Connection]: ...

        def _connect(self) -> AbstractContextManager[Connection]: ...

        def ensure_writable(self) -> None: ...

    # -- queued runs -----------------------------------------------------------------------

    def enqueue_run(self, run: Run) -> None:
        """Insert a ``QUEUED`` run and its ``RUN_ENQUEUED`` event, in one transaction.

        Raises:
            RunKeyTaken: another run already has ``run.run_key``; nothing was written.
            StoreReadOnly: the store cannot be written here.
        """
        from sqlalchemy.exc import IntegrityError

        from headwater.storage.sql.store import _to_row

        self.ensure_writable()
        event = Event(run.run_id, EventKind.RUN_ENQUEUED, run.created_at, message=run.selection)
        try:
            with self._begin() as conn:
                if run.run_key is not None:
                    holder = self._run_id_of_key(conn, run.run_key)
                    if holder is not None:
                        raise RunKeyTaken(run.run_key, holder)
                conn.execute(insert(s.runs), [_to_row(run)])
                conn.execute(insert(s.events), [_to_row(event)])
        except IntegrityError:
            # A submitter with the same key committed between our check and our insert.
            if run.run_key is not None:
                with self._connect() as conn:
                    holder = self._run_id_of_key(conn, run.run_key)
                if holder is not None:
                    raise RunKeyTaken(run.run_key, holder) from None
            raise

    @staticmethod
    def _run_id_of_key(conn: Connection, run_key: str) -> str | None:
        row = conn.execute(select(s.runs.c.run_id).where(s.runs.c.run_key == run_key)).first()
        return None if row is None else str(row[0])

    def get_run_by_key(self, run_key: str) -> Run | None:
        """The run holding ``run_key``, or None."""
        found = self._select_runs(select(s.runs).where(s.runs.c.run_key == run_key))
        return found[0] if found else None

    def claim_runs(self, claimer: str, choose: ClaimPolicy, *, candidates: int = 100) -> list[Run]:
        """Claim queued runs for ``claimer``, as ``choose`` picks them, in one serialized transaction.

        Args:
            claimer: the claiming coordinator's id, written to ``claimed_by``.
            choose: given the runs in flight (started, canceling, or claimed and not yet
                started) and up to ``candidates`` unclaimed queued runs, highest priority
                then oldest first, the ids of the candidates to claim.
            candidates: how many queued runs ``choose`` sees at most.

        Returns:
            The claimed runs, as claimed (``claimed_by`` set), in ``choose``'s order.
        """
        from headwater.storage.sql.store import _records

        r = s.runs
        unclaimed = (r.c.status == RunStatus.QUEUED.value) & r.c.claimed_by.is_(None)
        with self._connect() as conn:
            # A cheap look first, so that an idle coordinator polling often never takes the lock.
            if conn.execute(select(r.c.id).where(unclaimed).limit(1)).first() is None:
                return []
        with self._begin() as conn:
            postgres = conn.dialect.name == "postgresql"
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            elif postgres:
                conn.execute(select(func.pg_advisory_xact_lock(_CLAIM_LOCK)))
            waiting = (
                select(r)
                .where(unclaimed)
                .order_by(r.c.priority.desc(), r.c.id)
                .limit(candidates)
            )
            if postgres:
                waiting = waiting.with_for_update(skip_locked=True)
            queued = _records(Run, conn.execute(waiting))
            if not queued:
                return []
            flying = select(r).where(
                (r.c.status.in_(_IN_FLIGHT))
                | ((r.c.status == RunStatus.QUEUED.value) & r.c.claimed_by.is_not(None))
            )
            in_flight = _records(Run, conn.execute(flying))
            by_id = {run.run_id: run for run in queued}
            chosen = [by_id[run_id] for run_id in choose(in_flight, queued) if run_id in by_id]
            if not chosen:
                return []
            conn.execute(
                update(r)
                .where(r.c.run_id.in_([run.run_id for run in chosen]), r.c.status == RunStatus.QUEUED.value)
                .values(claimed_by=claimer)
            )
        return [_replace_claim(run, claimer) for run in chosen]

    def start_claimed_run(self, run: Run, claimed_by: str) -> bool:
        """Turn a claimed queued run into ``run`` (status ``STARTED``), if the claim still holds.

        Writes ``run``'s status, start time, process, host, selection, job, tags and heartbeat. Nothing
        is written when the run is no longer ``QUEUED`` with ``claimed_by``: a coordinator
        released it meanwhile (see the module docstring).

        Returns:
            Whether the run is now started by the caller.
        """
        r = s.runs
        from headwater.storage.sql.store import _to_row

        row = _to_row(run)
        values = {
            k: row[k] for k in ("status", "started_at", "pid", "hostname", "selection", "job_name", "tags", "heartbeat_at")
        }
        with self._begin() as conn:
            started = conn.execute(
                update(r)
                .where(r.c.run_id == run.run_id, r.c.status == RunStatus.QUEUED.value, r.c.claimed_by == claimed_by)
                .values(values)
            ).rowcount
        return bool(started)

    def fail_claimed_run(self, run_id: str, claimed_by: str, error: str) -> bool:
        """End a claimed queued run as ``FAILURE`` before it started (its code would not load, say).

        Returns:
            Whether it was still claimed by ``claimed_by`` (and is now failed).
        """
        r = s.runs
        now = time.time()
        from headwater.storage.sql.store import _to_row

        event = Event(run_id, EventKind.RUN_FAILURE, now, message=error)
        with self._begin() as conn:
            failed = conn.execute(
                update(r)
                .where(r.c.run_id == run_id, r.c.status == RunStatus.QUEUED.value, r.c.claimed_by == claimed_by)
                .values(status=RunStatus.FAILURE.value, started_at=now, ended_at=now, error=error)
            ).rowcount
            if failed:
                conn.execute(insert(s.events), [_to_row(event)])
        return bool(failed)

    def release_claims(self, claimer: str, run_ids: Iterable[str] | None = None) -> list[str]:
        """Put ``claimer``'s claimed, not yet started runs back in the queue (all, or ``run_ids``).

        Returns:
            The ids of the runs released.
        """
        r = s.runs
        condition = (r.c.claimed_by == claimer) & (r.c.status == RunStatus.QUEUED.value)
        if run_ids is not None:
            condition = condition & r.c.run_id.in_(sorted(set(run_ids)))
        with self._begin() as conn:
            released = [row[0] for row in conn.execute(select(r.c.run_id).where(condition))]
            if released:
                conn.execute(
                    update(r).where(condition, r.c.run_id.in_(released)).values(claimed_by=None)
                )
        return released

    def release_claims_not_held_by(self, live_claimers: Iterable[str]) -> list[str]:
        """Put back in the queue every claimed, unstarted run whose claimer is not in ``live_claimers``.

        What a coordinator does for one that died (or stopped) holding claims.

        Returns:
            The ids of the runs released.
        """
        r = s.runs
        condition = (r.c.status == RunStatus.QUEUED.value) & r.c.claimed_by.is_not(None)
        live = sorted(set(live_claimers))
        if live:
            condition = condition & r.c.claimed_by.not_in(live)
        with self._begin() as conn:
            released = [row[0] for row in conn.execute(select(r.c.run_id).where(condition))]
            if released:
                conn.execute(update(r).where(condition, r.c.run_id.in_(released)).values(claimed_by=None))
        return released

    def count_queued(self) -> int:
        """How many runs wait in the queue (claimed or not)."""
        r = s.runs
        with self._connect() as conn:
            return int(conn.execute(select(func.count()).where(r.c.status == RunStatus.QUEUED.value)).scalar_one())

    def _select_runs(self, query: Select[Any]) -> list[Run]:
        from headwater.storage.sql.store import _records

        with self._connect() as conn:
            return _records(Run, conn.execute(query))

    # -- daemons ---------------------------------------------------------------------------

    def register_daemon(self, daemon: DaemonRecord) -> None:
        """Record a daemon that has started (replacing a record with its id)."""
        from headwater.storage.sql.store import _to_row

        d = s.daemons
        with self._begin() as conn:
            conn.execute(delete(d).where(d.c.daemon_id == daemon.daemon_id))
            conn.execute(insert(d), [_to_row(daemon)])

    def daemon_heartbeat(self, daemon_id: str, at: float) -> bool:
        """Say that daemon ``daemon_id`` is alive at ``at``; False when its record is gone."""
        d = s.daemons
        with self._begin() as conn:
            return bool(
                conn.execute(update(d).where(d.c.daemon_id == daemon_id).values(heartbeat_at=at)).rowcount
            )

    def remove_daemon(self, daemon_id: str) -> None:
        """Forget a daemon (it stopped, or was found dead)."""
        d = s.daemons
        with self._begin() as conn:
            conn.execute(delete(d).where(d.c.daemon_id == daemon_id))

    def list_daemons(self, kind: str | None = None) -> list[DaemonRecord]:
        """Every recorded daemon (of ``kind``), oldest first."""
        from headwater.storage.sql.store import _records

        d = s.daemons
        query = select(d).order_by(d.c.started_at, d.c.daemon_id)
        if kind is not None:
            query = query.where(d.c.kind == kind)
        with self._connect() as conn:
            return _records(DaemonRecord, conn.execute(query))


def _replace_claim(run: Run, claimer: str) -> Run:
    import dataclasses

    return dataclasses.replace(run, claimed_by=claimer)
