"""Every table of the run store, as one SQLAlchemy Core ``MetaData``.

Portable types only (``String``, ``Text``, ``Float``, ``Integer``) so the same definitions
serve SQLite and PostgreSQL; JSON columns are ``Text`` holding ``json.dumps(sort_keys=True)``.
Append-only tables (events, logs, materializations, metrics, ticks) have an integer ``id``
primary key: it is the insertion order, the tiebreak for equal timestamps and the cursor.

Changing a table means a new revision under ``migrations/versions`` *and* bumping
:data:`HEAD_REVISION`; a unit test checks the two agree. The store compares the database's
``alembic_version`` with this constant when it opens, without importing Alembic.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "HEAD_REVISION",
    "attempts",
    "backfills",
    "check_evaluations",
    "daemons",
    "dumps_json",
    "events",
    "leases",
    "logs",
    "materializations",
    "metadata",
    "metrics",
    "runs",
    "schedule_state",
    "schedule_ticks",
    "steps",
    "xcoms",
]

#: The newest Alembic revision; the schema below is what it creates.
HEAD_REVISION = "0007"

_KEY = 255  # asset keys, step keys, names: bounded so PostgreSQL and SQLite index them alike
_ID = 64  # run ids

#: 64-bit ids for the append-only tables; plain INTEGER on SQLite, where only
#: ``INTEGER PRIMARY KEY`` is the auto-incrementing rowid (and is 64-bit anyway).
BigId = BigInteger().with_variant(Integer(), "sqlite")


def dumps_json(value: Any) -> str:
    """The canonical text of a JSON column (sorted keys; unknown types as ``str``)."""
    if not value and isinstance(value, dict):
        return "{}"
    return _ENCODER.encode(value)


#: one encoder for every JSON column (``json.dumps`` with options builds one per call)
_ENCODER = json.JSONEncoder(sort_keys=True, default=str)


metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(_ID), nullable=False, unique=True),
    Column("status", String(32), nullable=False),
    Column("selection", Text, nullable=False),
    Column("job_name", String(_KEY)),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float),
    Column("ended_at", Float),
    Column("tags", Text, nullable=False, default="{}"),
    Column("error", Text),
    Column("pid", Integer),
    Column("hostname", String(_KEY)),
    # what a queued run runs (code location, selection or job, run config), as JSON
    Column("launch", Text, nullable=False, default="{}", server_default="{}"),
    Column("priority", Integer, nullable=False, default=0, server_default="0"),
    # (schedule, scheduled time) and the like: one run per key, ever
    Column("run_key", String(_KEY)),
    Column("claimed_by", String(_KEY)),
    Column("heartbeat_at", Float),
    UniqueConstraint("run_key", name="uq_runs_run_key"),
    Index("ix_runs_created", "created_at", "id"),
    Index("ix_runs_status", "status", "created_at"),
    Index("ix_runs_queue", "status", "priority", "id"),
)

steps = Table(
    "steps",
    metadata,
    Column("run_id", String(_ID), primary_key=True),
    Column("step_key", String(_KEY), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("started_at", Float),
    Column("ended_at", Float),
    Column("error", Text),
    Column("traceback", Text),
    Column("reason", Text),
    Column("failure_kind", String(32)),
)

attempts = Table(
    "step_attempts",
    metadata,
    Column("run_id", String(_ID), primary_key=True),
    Column("step_key", String(_KEY), primary_key=True),
    Column("attempt", Integer, primary_key=True, autoincrement=False),
    Column("status", String(32), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float),
    Column("error", Text),
    Column("traceback", Text),
    Column("failure_kind", String(32)),
)

events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", String(_ID), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("timestamp", Float, nullable=False),
    Column("step_key", String(_KEY)),
    Column("message", Text, nullable=False, default=""),
    Index("ix_events_run", "run_id", "id"),
)

logs = Table(
    "logs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", String(_ID), nullable=False),
    Column("step_key", String(_KEY), nullable=False),
    Column("stream", String(16), nullable=False),
    Column("timestamp", Float, nullable=False),
    Column("text", Text, nullable=False),
    Column("level", String(16)),
    Index("ix_logs_run_step", "run_id", "step_key", "id"),
)

materializations = Table(
    "materializations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("asset_key", String(_KEY), nullable=False),
    Column("run_id", String(_ID), nullable=False),
    Column("artifact_uri", Text, nullable=False),
    Column("serializer", String(32), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("data_version", String(_ID), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("code_version", String(_ID)),
    Column("partition", String(_KEY)),
    Column("input_versions", Text, nullable=False, default="{}"),
    Column("metadata", Text, nullable=False, default="{}"),
    Column("code_components", Text, nullable=False, default="{}", server_default="{}"),
    Column("environment", Text, nullable=False, default="{}", server_default="{}"),
    Column("source_version", String(_ID)),
    Index("ix_materializations_asset", "asset_key", "id"),
    Index("ix_materializations_run", "run_id"),
    Index("ix_materializations_partition", "asset_key", "partition", "id"),
)

xcoms = Table(
    "xcoms",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", String(_ID), nullable=False),
    Column("task_key", String(_KEY), nullable=False),
    Column("key", String(_KEY), nullable=False),
    Column("map_index", Integer, nullable=False),
    Column("artifact_uri", Text, nullable=False),
    Column("serializer", String(32), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("data_version", String(_ID), nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("run_id", "task_key", "key", "map_index", name="uq_xcoms_run_task_key_index"),
)

metrics = Table(
    "metrics",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", String(_ID), nullable=False),
    Column("step_key", String(_KEY), nullable=False),
    Column("name", String(_KEY), nullable=False),
    Column("value", Float, nullable=False),
    Column("timestamp", Float, nullable=False),
    Index("ix_metrics_run", "run_id", "id"),
    Index("ix_metrics_name", "name", "id"),
)

schedule_state = Table(
    "schedule_state",
    metadata,
    Column("name", String(_KEY), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("updated_at", Float, nullable=False),
)

schedule_ticks = Table(
    "schedule_ticks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schedule_name", String(_KEY), nullable=False),
    Column("run_key", String(_KEY), nullable=False),
    Column("tick_time", Float, nullable=False),
    Column("status", String(32), nullable=False),
    Column("run_id", String(_ID)),
    Column("error", Text),
    UniqueConstraint("run_key", name="uq_schedule_ticks_run_key"),
    Index("ix_schedule_ticks_name", "schedule_name", "id"),
)

check_evaluations = Table(
    "asset_check_evaluations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", String(_ID), nullable=False),
    Column("step_key", String(_KEY), nullable=False),
    Column("asset_key", String(_KEY), nullable=False),
    Column("check_name", String(_KEY), nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("severity", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("blocking", Boolean, nullable=False),
    Column("description", Text),
    Column("metadata", Text, nullable=False, default="{}"),
    Index("ix_check_evaluations_asset", "asset_key", "check_name", "id"),
    Index("ix_check_evaluations_run", "run_id"),
)

named_values = Table(
    "named_values",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("name", String(_KEY), primary_key=True),
    Column("value", Text, nullable=False),
    Column("description", Text),
    Column("updated_at", Float, nullable=False),
)


daemons = Table(
    "daemons",
    metadata,
    Column("daemon_id", String(_ID), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("hostname", String(_KEY), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("heartbeat_at", Float, nullable=False),
    Column("info", Text, nullable=False, default="{}", server_default="{}"),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(_KEY), primary_key=True),
    Column("holder", String(_ID), nullable=False),
    Column("expires_at", Float, nullable=False),
)

backfills = Table(
    "backfills",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("backfill_id", String(_ID), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("target", String(_KEY), nullable=False),
    Column("status", String(32), nullable=False),
    Column("keys", Text, nullable=False, default="[]", server_default="[]"),
    Column("skipped", Text, nullable=False, default="[]", server_default="[]"),
    Column("max_concurrent", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("ended_at", Float),
    Column("tags", Text, nullable=False, default="{}", server_default="{}"),
    Column("launch", Text, nullable=False, default="{}", server_default="{}"),
    Column("error", Text),
    Column("pid", Integer),
    Column("hostname", String(_KEY)),
    Index("ix_backfills_created", "created_at", "id"),
)
