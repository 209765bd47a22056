"""The backfill records and the per-partition failure query, for :class:`~headwater.storage.sql.store.SqlStore`.

A backfill is one row; its runs are found by their ``dagster/backfill`` tag (a run's tags are
canonical JSON, so the tag is a fixed piece of text within them), so nothing is written
per run besides the run itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func, select, update

from headwater.errors import BackfillNotFound
from headwater.storage.records import Backfill, BackfillStatus, Run
from headwater.storage.sql import schema as s

if TYPE_CHECKING:
    from sqlalchemy import Select, Table
    from sqlalchemy.engine import Connection

__all__ = ["BackfillQueries"]

_R = TypeVar("_R")
#: the run tags naming a run's backfill and partition (Dagster's names)
_BACKFILL_TAG = "dagster/backfill"
_PARTITION_TAG = "dagster/partition"


def _tag_text(name: str, value: str) -> str:
    """How ``name: value`` reads inside a run's canonical JSON tags, to match with LIKE."""
    text = s.dumps_json({name: value})[1:-1]
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class BackfillQueries:
    """Backfills, their runs, and when each partition of a step last failed."""

    if TYPE_CHECKING:

        def _insert(self, table: Table, records: Sequence[Any]) -> None: ...

        def _select(self, cls: type[_R], query: Select[Any]) -> list[_R]: ...

        def _begin(self) -> AbstractContextManager[Connection]: ...

        def _connect(self) -> AbstractContextManager[Connection]: ...

        def ensure_writable(self) -> None: ...

    def add_backfill(self, backfill: Backfill) -> None:
        """Record a new backfill."""
        self.ensure_writable()
        self._insert(s.backfills, [backfill])

    def get_backfill(self, backfill_id: str) -> Backfill:
        """The backfill with ``backfill_id``.

        Raises:
            BackfillNotFound: there is none.
        """
        t = s.backfills
        found = self._select(Backfill, select(*_columns()).where(t.c.backfill_id == backfill_id))
        if not found:
            raise BackfillNotFound(f"no backfill with id {backfill_id!r} (see `headwater backfills list`)")
        return found[0]

    def list_backfills(self, *, limit: int = 50, statuses: Sequence[BackfillStatus] | None = None) -> list[Backfill]:
        """Backfills, newest first; only those in ``statuses`` when given."""
        t = s.backfills
        query = select(*_columns()).order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit)
        if statuses is not None:
            query = query.where(t.c.status.in_([BackfillStatus(status).value for status in statuses]))
        return self._select(Backfill, query)

    def update_backfill(
        self,
        backfill_id: str,
        *,
        status: BackfillStatus | None = None,
        ended_at: float | None = None,
        error: str | None = None,
        skipped: Sequence[str] | None = None,
        pid: int | None = None,
        hostname: str | None = None,
    ) -> None:
        """Change the fields given (``ended_at=0`` and ``error=""`` clear them).

        Raises:
            BackfillNotFound: there is none.
        """
        values: dict[str, Any] = {}
        if status is not None:
            values["status"] = BackfillStatus(status).value
        if ended_at is not None:
            values["ended_at"] = ended_at or None
        if error is not None:
            values["error"] = error or None
        if skipped is not None:
            values["skipped"] = json.dumps(list(skipped))
        if pid is not None:
            values["pid"], values["hostname"] = pid, hostname
        t = s.backfills
        with self._begin() as conn:
            if conn.execute(update(t).where(t.c.backfill_id == backfill_id).values(values)).rowcount == 0:
                raise BackfillNotFound(f"no backfill with id {backfill_id!r}")

    def backfill_runs(self, backfill_id: str) -> list[Run]:
        """The runs of a backfill, oldest first."""
        r = s.runs
        pattern = f"%{_tag_text(_BACKFILL_TAG, backfill_id)}%"
        return self._select(Run, select(r).where(r.c.tags.like(pattern, escape="\\")).order_by(r.c.id))

    def last_partition_failures(self, step_keys: Iterable[str]) -> dict[str, dict[str, float]]:
        """Step key -> partition key -> when a run of that partition of it last failed."""
        keys = sorted(set(step_keys))
        if not keys:
            return {}
        t, r = s.steps, s.runs
        query = (
            select(t.c.step_key, r.c.tags, func.max(t.c.ended_at))
            .join(r, r.c.run_id == t.c.run_id)
            .where(t.c.step_key.in_(keys), t.c.status == "FAILURE", r.c.tags.like(f"%{_PARTITION_TAG}%"))
            .group_by(t.c.step_key, r.c.tags)
        )
        found: dict[str, dict[str, float]] = {}
        with self._connect() as conn:
            for key, tags, ended in conn.execute(query):
                partition = json.loads(tags or "{}").get(_PARTITION_TAG)
                if partition is not None and ended is not None:
                    mine = found.setdefault(key, {})
                    mine[partition] = max(ended, mine.get(partition, ended))
        return found


def _columns() -> Iterator[Any]:
    t = s.backfills
    return (c for c in t.c if c.name != "id")
