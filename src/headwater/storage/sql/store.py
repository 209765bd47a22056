"""``SqlStore``: the run store over SQLAlchemy Core, for any SQLite or PostgreSQL URL.

It implements, structurally, ``RunStore``, ``RunLiveness``, ``EventLog``, ``MaterializationIndex``,
``CheckEvaluationIndex``, ``MetricStore``, ``XComStore``, ``ScheduleStateStore``, ``RunQueue`` and
``DaemonRegistry`` from
:mod:`headwater.storage.base`.

Writes take lists and go out as one ``executemany`` in one transaction per call, so the
engine's batched writes cost one commit each. Upserts (steps, attempts, schedule state) use
the dialect's ``INSERT .. ON CONFLICT DO UPDATE`` on SQLite and PostgreSQL, and
delete-then-insert in one transaction elsewhere. Records map to rows field by field (the
column names are the dataclass field names); enums are stored as their text and dict fields
as canonical JSON text.

Ordering: runs newest first by ``created_at`` then ``id`` (insertion order breaks ties), with
``before=run_id`` as the page cursor; events, logs and metrics oldest first by ``id``;
materializations and ticks newest first by ``id``.

Example::

    store = SqlStore("sqlite:///.headwater/headwater.db")
    store.add_run(Run(run_id="r1", status=RunStatus.QUEUED, selection="*", created_at=0.0))
    store.list_runs(limit=10)
"""

from __future__ import annotations

import functools
import json
import operator
import threading
import time
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import and_, delete, func, insert, or_, select, tuple_, update

from headwater.errors import FailureKind, RunNotFound, StoreReadOnly
from headwater.storage.records import (
    Backfill,
    BackfillStatus,
    CheckEvaluation,
    Event,
    EventKind,
    LogLine,
    Materialization,
    Metric,
    NamedValue,
    Run,
    RunsFilter,
    RunStatus,
    ScheduleTick,
    StepAttempt,
    StepRecord,
    StepStatus,
    XCom,
)
from headwater.storage.sql import schema as s
from headwater.storage.sql.backfills import BackfillQueries
from headwater.storage.sql.engine import open_engine
from headwater.storage.sql.guard import DatabaseFile, store_errors
from headwater.storage.sql.many import CompiledRows, execute_many
from headwater.storage.sql.queue import RunQueueMethods
from headwater.storage.sql.readonly import is_read_only, sqlite_file
from headwater.storage.sql.schedules import ScheduleQueries

if TYPE_CHECKING:
    from sqlalchemy import Select, Table
    from sqlalchemy.engine import Connection, Engine

__all__ = ["SqlStore"]

_R = TypeVar("_R")
_JSON_FIELDS = frozenset(
    {"tags", "input_versions", "metadata", "code_components", "environment", "launch", "info", "keys", "skipped"}
)
_ENUM_FIELDS: dict[type, dict[str, type[Enum]]] = {
    Run: {"status": RunStatus},
    StepRecord: {"status": StepStatus, "failure_kind": FailureKind},
    StepAttempt: {"status": StepStatus, "failure_kind": FailureKind},
    Event: {"kind": EventKind},
    Backfill: {"status": BackfillStatus},
}
# DaemonRecord has no enum fields; its ``info`` is a JSON field.


def _to_row(record: Any) -> dict[str, Any]:
    """A record's fields as column values: enums as their text, dicts as canonical JSON."""
    names, values_of, json_at, enum_at = _encoding_of(record.__class__)
    values = list(values_of(record))
    for index in json_at:
        values[index] = s.dumps_json(values[index])
    for index in enum_at:
        if isinstance(values[index], Enum):
            values[index] = values[index].value
    return dict(zip(names, values))


@functools.cache
def _encoding_of(
    cls: type,
) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]], tuple[int, ...], tuple[int, ...]]:
    """A record class's field names, a getter of all their values at once, and where its
    JSON and enum fields are (``_ENUM_FIELDS``: a test checks it names every enum field)."""
    stored = _columns_of(cls)
    names = tuple(name for name, _ in stored)
    get = operator.attrgetter(*names)
    values_of = get if len(names) > 1 else lambda record: (get(record),)
    enums = _ENUM_FIELDS.get(cls, {})
    return (
        names,
        values_of,
        tuple(i for i, (_, is_json) in enumerate(stored) if is_json),
        tuple(i for i, name in enumerate(names) if name in enums),
    )


@functools.cache
def _columns_of(cls: type) -> tuple[tuple[str, bool], ...]:
    """A record class's field names, each with whether it is stored as JSON."""
    return tuple((field.name, field.name in _JSON_FIELDS) for field in fields(cls))


def _records(cls: type[_R], result: Any) -> list[_R]:
    """Build a record from each row of a result (see :class:`_Decoder`)."""
    decode = _Decoder(cls, tuple(result.keys())).record
    return [decode(row) for row in result.all()]


class _Decoder:
    """Builds records of one class from the rows of one result.

    Reading thousands of rows (the latest materialization of every asset of a large code
    location) is a per-row cost: so the columns are picked out by position once per result
    (not looked up by name in every row), the record is built from positional arguments,
    and a JSON text seen before in the same result is decoded once (``{"python": "3.11.7"}``
    on every row); each record still gets dicts of its own.
    """

    __slots__ = ("_cls", "_pick", "_json", "_enums", "_seen")

    def __init__(self, cls: Any, columns: tuple[str, ...]) -> None:
        position = {name: index for index, name in enumerate(columns)}
        stored = _columns_of(cls)
        names = [name for name, _ in stored]
        self._cls = cls
        pick = operator.itemgetter(*(position[name] for name in names))
        self._pick = pick if len(names) > 1 else lambda row: (pick(row),)
        self._json = tuple(i for i, (_, is_json) in enumerate(stored) if is_json)
        enums = _ENUM_FIELDS.get(cls, {})
        self._enums = tuple((names.index(name), enum) for name, enum in enums.items())
        self._seen: dict[str, tuple[Any, bool | None]] = {}

    def record(self, row: Any) -> Any:
        values = list(self._pick(row))
        for index in self._json:
            values[index] = self._decoded(values[index])
        for index, enum in self._enums:
            if values[index] is not None:
                values[index] = enum(values[index])
        return self._cls(*values)

    def _decoded(self, text: str | None) -> Any:
        if not text or text == "{}":
            return {}
        known = self._seen.get(text)
        if known is None:
            value = json.loads(text)
            self._seen[text] = (value, None)
            return value
        value, flat = known
        if flat is None:  # seen twice: can copies be made shallowly (a map of plain values)?
            flat = isinstance(value, dict) and all(isinstance(v, str | int | float | bool | None) for v in value.values())
            self._seen[text] = (value, flat)
        return dict(value) if flat else json.loads(text)


class SqlStore(BackfillQueries, RunQueueMethods, ScheduleQueries):
    """The run store on one database URL; safe to share between threads.

    The run queue and the daemon registry (``RunQueue``, ``DaemonRegistry``) are in
    :mod:`headwater.storage.sql.queue`.

    Args:
        url: a SQLAlchemy URL: ``sqlite:///path/to/headwater.db``, ``sqlite://`` (in memory),
            or ``postgresql+psycopg://user@host/db``.

    Raises:
        StoreMigrationNeeded: the database's schema revision is unknown to this Headwater.
        StorageError: the database cannot be reached.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine = open_engine(url)
        self._shown_url = self._engine.url.render_as_string(hide_password=True)
        self._file = DatabaseFile.of(self._engine)
        #: the connection of the batch this thread is in (see ``batch``)
        self._batch = threading.local()
        #: statements compiled once for writing many rows (see ``sql/many.py``)
        self._compiled_rows: dict[Hashable, CompiledRows | None] = {}
        #: this process can read the store but not write it (see ``sql/readonly.py``)
        self.read_only = is_read_only(self._engine)

    def ensure_writable(self) -> None:
        """Raise unless runs can be recorded here.

        Raises:
            StoreReadOnly: the store is a SQLite file this process cannot write.
        """
        if self.read_only:
            raise StoreReadOnly(
                f"cannot start a run: the run store {sqlite_file(self.url)} is read-only for this "
                "user (listings work); set HEADWATER_HOME to a folder you can write to"
            )

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tests and tools)."""
        return self._engine

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def close(self) -> None:
        """Release every pooled connection; the store must not be used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqlStore({self._shown_url!r})"

    # -- helpers ---------------------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make the writes of this thread inside one transaction: all of them land, or none.

        A run's recorder writes a batch of records to several tables at once; one commit
        costs less than one per table. Other threads' writes are not part of it.
        """
        if getattr(self._batch, "conn", None) is not None:  # already in one
            yield
            return
        with self._begin() as conn:
            self._batch.conn = conn
            try:
                yield
            finally:
                self._batch.conn = None

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A write transaction on the file this store opened; failures as StorageError."""
        batched = getattr(self._batch, "conn", None)
        if batched is not None:
            yield batched
            return
        if self._file is not None:
            self._file.check()
        with store_errors(self._shown_url, writing=True), self._engine.begin() as conn:
            yield conn

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        """A connection for reading; failures as StorageError."""
        with store_errors(self._shown_url, writing=False), self._engine.connect() as conn:
            yield conn

    def _insert(self, table: Table, records: Sequence[Any]) -> None:
        if records:
            with self._begin() as conn:
                self._insert_in(conn, table, [_to_row(r) for r in records])

    def _insert_in(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        execute_many(conn, insert(table), rows, table=table, kind="insert", cache=self._compiled_rows)

    def _upsert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        keys = [c.name for c in table.primary_key.columns]
        with self._begin() as conn:
            self._upsert_in(conn, table, keys, rows)

    def _upsert_in(self, conn: Connection, table: Table, keys: list[str], rows: list[dict[str, Any]]) -> None:
        name = conn.dialect.name
        if name in ("sqlite", "postgresql"):
            dialect_insert: Callable[[Table], Any]  # the two dialects' inserts share this API
            if name == "sqlite":
                from sqlalchemy.dialects.sqlite import insert as dialect_insert
            else:
                from sqlalchemy.dialects.postgresql import insert as dialect_insert
            stmt = dialect_insert(table)
            updates = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
            upsert = stmt.on_conflict_do_update(index_elements=keys, set_=updates)
            execute_many(conn, upsert, rows, table=table, kind=("upsert", *keys), cache=self._compiled_rows)
            return
        for row in rows:  # portable fallback, same transaction
            conn.execute(delete(table).where(and_(*(table.c[k] == row[k] for k in keys))))
        conn.execute(insert(table), rows)

    def _select(self, cls: type[_R], query: Select[Any]) -> list[_R]:
        with self._connect() as conn:
            return _records(cls, conn.execute(query))

    # -- runs ------------------------------------------------------------------------------

    def add_run(self, run: Run) -> None:
        """Insert a new run.

        Raises:
            StoreReadOnly: the store cannot be written here.
        """
        self.ensure_writable()
        self._insert(s.runs, [run])

    def update_run(
        self,
        run_id: str,
        *,
        status: RunStatus,
        started_at: float | None = None,
        ended_at: float | None = None,
        error: str | None = None,
        only_from: Collection[RunStatus] | None = None,
    ) -> bool:
        """Set a run's status; the optional fields change only when given.

        Args:
            only_from: change the run only while its status is one of these (a
                compare-and-set, so two processes never both end a run).

        Returns:
            Whether the run changed (always, without ``only_from``).

        Raises:
            RunNotFound: no run has ``run_id``.
        """
        values: dict[str, Any] = {"status": RunStatus(status).value}
        for column, value in (("started_at", started_at), ("ended_at", ended_at), ("error", error)):
            if value is not None:
                values[column] = value
        query = update(s.runs).where(s.runs.c.run_id == run_id)
        if only_from is not None:
            query = query.where(s.runs.c.status.in_([RunStatus(x).value for x in only_from]))
        with self._begin() as conn:
            if conn.execute(query.values(values)).rowcount:
                return True
            if conn.execute(select(s.runs.c.id).where(s.runs.c.run_id == run_id)).first() is None:
                raise RunNotFound(f"no run with id {run_id!r}")
        return False

    # -- liveness --------------------------------------------------------------------------

    def beat(self, run_id: str, at: float | None = None) -> RunStatus:
        """The run's status now; with ``at``, first record ``at`` as its heartbeat.

        Raises:
            RunNotFound: no run has ``run_id``.
        """
        r = s.runs
        if at is not None:
            with self._begin() as conn:
                conn.execute(update(r).where(r.c.run_id == run_id).values(heartbeat_at=at))
                status = conn.execute(select(r.c.status).where(r.c.run_id == run_id)).scalar()
        else:
            with self._connect() as conn:
                status = conn.execute(select(r.c.status).where(r.c.run_id == run_id)).scalar()
        if status is None:
            raise RunNotFound(f"no run with id {run_id!r}")
        return RunStatus(status)

    def end_lost_run(
        self, run: Run, *, status: RunStatus, ended_at: float, error: str, steps: Sequence[StepRecord] = (),
        attempts: Sequence[StepAttempt] = (), events: Sequence[Event] = (),
    ) -> bool:
        """End ``run``, found lost, unless it moved since it was read; in one transaction.

        The run changes only while its status and heartbeat are still those of ``run`` (a
        run that beat meanwhile is alive after all; a run another process ended stays ended).

        Returns:
            Whether this call ended it (with its ``steps``, ``attempts`` and ``events`` written).
        """
        r = s.runs
        heartbeat = r.c.heartbeat_at.is_(None) if run.heartbeat_at is None else r.c.heartbeat_at == run.heartbeat_at
        query = (
            update(r)
            .where(r.c.run_id == run.run_id, r.c.status == RunStatus(run.status).value, heartbeat)
            .values(status=RunStatus(status).value, ended_at=ended_at, error=error)
        )
        with self._begin() as conn:
            if not conn.execute(query).rowcount:
                return False
            if steps:
                self._upsert_in(conn, s.steps, ["run_id", "step_key"], [_to_row(x) for x in steps])
            if attempts:
                self._upsert_in(conn, s.attempts, ["run_id", "step_key", "attempt"], [_to_row(x) for x in attempts])
            if events:
                self._insert_in(conn, s.events, [_to_row(x) for x in events])
        return True

    def get_run(self, run_id: str) -> Run:
        """The run with ``run_id``.

        Raises:
            RunNotFound: no run has ``run_id``.
        """
        found = self._select(Run, select(s.runs).where(s.runs.c.run_id == run_id))
        if not found:
            raise RunNotFound(f"no run with id {run_id!r}")
        return found[0]

    def list_runs(
        self,
        *,
        limit: int = 50,
        before: str | None = None,
        status: RunStatus | None = None,
        filters: RunsFilter | None = None,
    ) -> list[Run]:
        """Runs newest first; ``before`` is the last run id of the previous page.

        Args:
            limit: at most this many.
            before: a run id: only runs older than it (the page cursor).
            status: only runs with this status.
            filters: only runs matching every field it gives (statuses, job, tags, times).

        Raises:
            RunNotFound: ``before`` names no run.
        """
        r = s.runs
        query = select(r)
        with self._connect() as conn:
            if before is not None:
                cursor = conn.execute(
                    select(r.c.created_at, r.c.id).where(r.c.run_id == before)
                ).first()
                if cursor is None:
                    raise RunNotFound(f"no run with id {before!r} to page from")
                query = query.where(
                    or_(
                        r.c.created_at < cursor.created_at,
                        and_(r.c.created_at == cursor.created_at, r.c.id < cursor.id),
                    )
                )
            if status is not None:
                query = query.where(r.c.status == RunStatus(status).value)
            if filters is not None:
                query = self._filtered(query, filters)
            query = query.order_by(r.c.created_at.desc(), r.c.id.desc()).limit(limit)
            return _records(Run, conn.execute(query))

    def _filtered(self, query: Select[Any], filters: RunsFilter) -> Select[Any]:
        """``query`` on the runs table narrowed to the runs ``filters`` wants."""
        r = s.runs
        if filters.statuses:
            query = query.where(r.c.status.in_([RunStatus(x).value for x in filters.statuses]))
        if filters.job_name is not None:
            query = query.where(r.c.job_name == filters.job_name)
        if filters.created_after is not None:
            query = query.where(r.c.created_at >= filters.created_after)
        if filters.created_before is not None:
            query = query.where(r.c.created_at < filters.created_before)
        for key, value in sorted(filters.tags.items()):
            query = query.where(self._tag_value(key) == value)
        return query

    def _tag_value(self, key: str) -> Any:
        """The text value of tag ``key`` of a run (NULL when absent), read from its JSON column."""
        from sqlalchemy import JSON, cast, type_coerce

        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return cast(s.runs.c.tags, JSONB)[key].astext
        return type_coerce(s.runs.c.tags, JSON)[key].as_string()

    def runs_with_prefix(self, prefix: str, *, limit: int = 2) -> list[Run]:
        """Runs whose id starts with ``prefix``, newest first (to resolve a short id)."""
        r = s.runs
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = (
            select(r)
            .where(r.c.run_id.like(pattern, escape="\\"))
            .order_by(r.c.created_at.desc(), r.c.id.desc())
            .limit(limit)
        )
        return self._select(Run, query)

    def latest_run(self) -> Run | None:
        """The newest run, or ``None`` in an empty store."""
        runs = self.list_runs(limit=1)
        return runs[0] if runs else None

    def upsert_steps(self, steps: Sequence[StepRecord]) -> None:
        """Insert or replace the state of steps, keyed by (run id, step key)."""
        self._upsert(s.steps, [_to_row(st) for st in steps])

    def get_steps(self, run_id: str) -> list[StepRecord]:
        """The steps of a run in the order they started; those not started last, by key."""
        t = s.steps
        query = (
            select(t)
            .where(t.c.run_id == run_id)
            .order_by(t.c.started_at.is_(None), t.c.started_at, t.c.step_key)
        )
        return self._select(StepRecord, query)

    def last_failures(self, step_keys: Iterable[str]) -> dict[str, float]:
        """Step key -> when it last failed (its latest failed step's end), for keys that ever failed."""
        keys = sorted(set(step_keys))
        if not keys:
            return {}
        t = s.steps
        query = (
            select(t.c.step_key, func.max(t.c.ended_at))
            .where(t.c.step_key.in_(keys), t.c.status == "FAILURE")
            .group_by(t.c.step_key)
        )
        with self._connect() as connection:
            return {key: ended for key, ended in connection.execute(query) if ended is not None}

    def add_attempts(self, attempts: Sequence[StepAttempt]) -> None:
        """Record attempts; one already recorded (same run, step and number) is replaced."""
        self._upsert(s.attempts, [_to_row(a) for a in attempts])

    def get_attempts(self, run_id: str, step_key: str | None = None) -> list[StepAttempt]:
        """Attempts of a run (or of one of its steps) by start time, step and number."""
        t = s.attempts
        query = select(t).where(t.c.run_id == run_id)
        if step_key is not None:
            query = query.where(t.c.step_key == step_key)
        return self._select(
            StepAttempt, query.order_by(t.c.started_at, t.c.step_key, t.c.attempt)
        )

    # -- events and logs -------------------------------------------------------------------

    def add_events(self, events: Sequence[Event]) -> None:
        """Append events in the order given."""
        self._insert(s.events, events)

    def get_events(self, run_id: str) -> list[Event]:
        """A run's events in the order they were added."""
        t = s.events
        return self._select(Event, select(t).where(t.c.run_id == run_id).order_by(t.c.id))

    def add_logs(self, lines: Sequence[LogLine]) -> None:
        """Append captured log lines in the order given."""
        self._insert(s.logs, lines)

    def get_logs(self, run_id: str, step_key: str | None = None) -> list[LogLine]:
        """A run's (or one step's) log lines in the order they were added."""
        t = s.logs
        query = select(t).where(t.c.run_id == run_id)
        if step_key is not None:
            query = query.where(t.c.step_key == step_key)
        return self._select(LogLine, query.order_by(t.c.id))

    def read_events(
        self, run_id: str, *, after_id: int = 0, limit: int | None = None
    ) -> list[tuple[int, Event]]:
        """A run's events after the cursor ``after_id``, oldest first, each with its id.

        The id of the last one is the cursor of the next read, so a reader can follow a run
        live: ``read_events(run_id, after_id=last_id)`` returns only what is new.
        """
        t = s.events
        query = select(t).where(t.c.run_id == run_id, t.c.id > after_id).order_by(t.c.id)
        return self._select_with_ids(Event, query.limit(limit) if limit is not None else query)

    def read_logs(
        self,
        run_id: str,
        *,
        step_key: str | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> list[tuple[int, LogLine]]:
        """A run's (or one step's) log lines after the cursor ``after_id``, each with its id."""
        t = s.logs
        query = select(t).where(t.c.run_id == run_id, t.c.id > after_id)
        if step_key is not None:
            query = query.where(t.c.step_key == step_key)
        query = query.order_by(t.c.id)
        return self._select_with_ids(LogLine, query.limit(limit) if limit is not None else query)

    def _select_with_ids(self, cls: type[_R], query: Select[Any]) -> list[tuple[int, _R]]:
        with self._connect() as conn:
            result = conn.execute(query)
            decode, id_at = _Decoder(cls, tuple(result.keys())).record, tuple(result.keys()).index("id")
            return [(int(row[id_at]), decode(row)) for row in result]

    # -- materializations ------------------------------------------------------------------

    def add_materializations(self, materializations: Sequence[Materialization]) -> None:
        """Record stored outputs in the order given."""
        self._insert(s.materializations, materializations)

    def get_materializations(
        self,
        asset_key: str | None = None,
        *,
        run_id: str | None = None,
        limit: int | None = None,
    ) -> list[Materialization]:
        """Materializations of an asset and/or a run, newest first."""
        t = s.materializations
        query = select(t)
        if asset_key is not None:
            query = query.where(t.c.asset_key == asset_key)
        if run_id is not None:
            query = query.where(t.c.run_id == run_id)
        query = query.order_by(t.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        return self._select(Materialization, query)

    def referenced_artifacts(self) -> set[str]:
        """The URI of every stored file some materialization references."""
        t = s.materializations
        with self._connect() as conn:
            return {uri for (uri,) in conn.execute(select(t.c.artifact_uri).distinct())}

    def latest_materializations(self, asset_keys: Iterable[str]) -> dict[str, Materialization]:
        """The newest materialization (of no partition) of each key that has one, in one query."""
        keys = sorted(set(asset_keys))
        if not keys:
            return {}
        t = s.materializations
        newest = (
            select(func.max(t.c.id).label("id"))
            .where(t.c.asset_key.in_(keys), t.c.partition.is_(None))
            .group_by(t.c.asset_key)
            .subquery()
        )
        found = self._select(Materialization, select(t).join(newest, t.c.id == newest.c.id))
        return {m.asset_key: m for m in found}

    def latest_partition_materializations(
        self, asset_keys: Iterable[str], partitions: Iterable[str] | None = None
    ) -> dict[str, dict[str, Materialization]]:
        """Asset key -> partition key -> the newest materialization of that partition, for the
        partitions given (all when None), in one query."""
        keys = sorted(set(asset_keys))
        if not keys:
            return {}
        t = s.materializations
        where = [t.c.asset_key.in_(keys), t.c.partition.is_not(None)]
        if partitions is not None:
            wanted = sorted(set(partitions))
            if not wanted:
                return {}
            where.append(t.c.partition.in_(wanted))
        newest = select(func.max(t.c.id).label("id")).where(*where).group_by(t.c.asset_key, t.c.partition).subquery()
        found = self._select(Materialization, select(t).join(newest, t.c.id == newest.c.id).order_by(t.c.partition))
        result: dict[str, dict[str, Materialization]] = {}
        for m in found:
            assert m.partition is not None
            result.setdefault(m.asset_key, {})[m.partition] = m
        return result

    # -- asset checks ------------------------------------------------------------------------

    def add_check_evaluations(self, evaluations: Sequence[CheckEvaluation]) -> None:
        """Record asset check results in the order given."""
        self._insert(s.check_evaluations, evaluations)

    def get_check_evaluations(
        self, *, run_id: str | None = None, asset_key: str | None = None, limit: int | None = None
    ) -> list[CheckEvaluation]:
        """Check results of a run and/or an asset, oldest first."""
        t = s.check_evaluations
        query = select(t)
        if run_id is not None:
            query = query.where(t.c.run_id == run_id)
        if asset_key is not None:
            query = query.where(t.c.asset_key == asset_key)
        query = query.order_by(t.c.id)
        if limit is not None:
            query = query.limit(limit)
        return self._select(CheckEvaluation, query)

    def latest_check_evaluations(self, asset_keys: Iterable[str]) -> dict[str, list[CheckEvaluation]]:
        """Asset key -> the newest result of each of its checks (by check name), in one query."""
        keys = sorted(set(asset_keys))
        if not keys:
            return {}
        t = s.check_evaluations
        newest = (
            select(func.max(t.c.id).label("id"))
            .where(t.c.asset_key.in_(keys))
            .group_by(t.c.asset_key, t.c.check_name)
            .subquery()
        )
        found = self._select(CheckEvaluation, select(t).join(newest, t.c.id == newest.c.id).order_by(t.c.check_name))
        result: dict[str, list[CheckEvaluation]] = {}
        for evaluation in found:
            result.setdefault(evaluation.asset_key, []).append(evaluation)
        return result

    # -- XComs -----------------------------------------------------------------------------

    def add_xcoms(self, xcoms: Sequence[XCom]) -> None:
        """Record pushed XComs; each (run, task, key, map index) once."""
        self._insert(s.xcoms, xcoms)

    def get_xcoms(self, sources: Iterable[tuple[str, str]]) -> list[XCom]:
        """The XComs each ``(run id, task key)`` pushed, by task, key and map index, in one query."""
        pairs = sorted(set(sources))
        if not pairs:
            return []
        t = s.xcoms
        query = (
            select(t)
            .where(tuple_(t.c.run_id, t.c.task_key).in_(pairs))
            .order_by(t.c.task_key, t.c.key, t.c.map_index)
        )
        return self._select(XCom, query)

    # -- metrics ---------------------------------------------------------------------------

    def add_metrics(self, metrics: Sequence[Metric]) -> None:
        """Append metric values in the order given."""
        self._insert(s.metrics, metrics)

    def get_metrics(
        self, *, run_id: str | None = None, name: str | None = None, step_key: str | None = None
    ) -> list[Metric]:
        """Metric values matching every filter given, oldest first."""
        t = s.metrics
        query = select(t)
        for column, value in (("run_id", run_id), ("name", name), ("step_key", step_key)):
            if value is not None:
                query = query.where(t.c[column] == value)
        return self._select(Metric, query.order_by(t.c.id))

    def metric_names(self) -> list[tuple[str, str]]:
        """Every ``(metric name, step key)`` ever logged, sorted."""
        t = s.metrics
        query = select(t.c.name, t.c.step_key).distinct().order_by(t.c.name, t.c.step_key)
        with self._connect() as conn:
            return [(str(name), str(step_key)) for name, step_key in conn.execute(query)]

    # -- schedules -------------------------------------------------------------------------

    def get_schedule_states(self) -> dict[str, str]:
        """Schedule name -> stored status, for every schedule ever switched."""
        t = s.schedule_state
        with self._connect() as conn:
            return {row.name: row.status for row in conn.execute(select(t).order_by(t.c.name))}

    def set_schedule_state(self, name: str, status: str, *, at: float | None = None) -> None:
        """Store a schedule's status (``RUNNING`` or ``STOPPED``), set ``at`` (now by default)."""
        row = {"name": name, "status": str(status), "updated_at": time.time() if at is None else at}
        self._upsert(s.schedule_state, [row])

    def add_tick(self, tick: ScheduleTick) -> bool:
        """Record a tick; ``False`` and nothing written when its run key already exists."""
        from sqlalchemy.exc import IntegrityError

        try:
            self._insert(s.schedule_ticks, [tick])
        except IntegrityError:
            return False
        return True

    def update_tick(
        self, run_key: str, *, status: str, run_id: str | None = None, error: str | None = None
    ) -> None:
        """Set the outcome of a recorded tick; ``run_id`` and ``error`` change when given."""
        values: dict[str, Any] = {"status": str(status)}
        for column, value in (("run_id", run_id), ("error", error)):
            if value is not None:
                values[column] = value
        t = s.schedule_ticks
        with self._begin() as conn:
            conn.execute(update(t).where(t.c.run_key == run_key).values(values))

    def get_ticks(self, schedule_name: str | None = None, *, limit: int = 50) -> list[ScheduleTick]:
        """Recorded ticks of one schedule (or of all), newest first."""
        t = s.schedule_ticks
        query = select(t)
        if schedule_name is not None:
            query = query.where(t.c.schedule_name == schedule_name)
        return self._select(ScheduleTick, query.order_by(t.c.id.desc()).limit(limit))

    # -- named values (Airflow Variables and Connections) --------------------------------

    def get_named_value(self, kind: str, name: str) -> str | None:
        """The value stored under ``name`` of ``kind``, or None."""
        table = s.named_values
        with self._engine.connect() as conn:
            row = conn.execute(select(table.c.value).where(table.c.kind == kind, table.c.name == name)).first()
        return None if row is None else str(row[0])

    def set_named_value(self, kind: str, name: str, value: str, description: str | None = None) -> None:
        """Store ``value`` under ``name`` of ``kind``, replacing what was there (one transaction)."""
        row = {"kind": kind, "name": name, "value": value, "description": description, "updated_at": time.time()}
        self._upsert(s.named_values, [row])

    def delete_named_value(self, kind: str, name: str) -> bool:
        """Remove ``name`` of ``kind``; False when there was nothing to remove."""
        table = s.named_values
        with self._engine.begin() as conn:
            removed = conn.execute(delete(table).where(table.c.kind == kind, table.c.name == name)).rowcount
        return bool(removed)

    def list_named_values(self, kind: str) -> list[NamedValue]:
        """Every value of ``kind``, by name."""
        table = s.named_values
        return self._select(NamedValue, select(table).where(table.c.kind == kind).order_by(table.c.name))
