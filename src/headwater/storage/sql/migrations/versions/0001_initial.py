"""The initial run store: runs, steps, attempts, events, logs, materializations, metrics,
schedule state and ticks.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Written out table by table (not ``metadata.create_all``) so that this revision keeps
creating exactly this schema after ``schema.py`` moves on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = 255
_ID = 64
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(_ID), nullable=False, unique=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("selection", sa.Text, nullable=False),
        sa.Column("job_name", sa.String(_KEY)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("ended_at", sa.Float),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("pid", sa.Integer),
        sa.Column("hostname", sa.String(_KEY)),
    )
    op.create_index("ix_runs_created", "runs", ["created_at", "id"])
    op.create_index("ix_runs_status", "runs", ["status", "created_at"])
    op.create_table(
        "steps",
        sa.Column("run_id", sa.String(_ID), primary_key=True),
        sa.Column("step_key", sa.String(_KEY), primary_key=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("ended_at", sa.Float),
        sa.Column("error", sa.Text),
        sa.Column("traceback", sa.Text),
        sa.Column("reason", sa.Text),
    )
    op.create_table(
        "step_attempts",
        sa.Column("run_id", sa.String(_ID), primary_key=True),
        sa.Column("step_key", sa.String(_KEY), primary_key=True),
        sa.Column("attempt", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float),
        sa.Column("error", sa.Text),
        sa.Column("traceback", sa.Text),
    )
    op.create_table(
        "events",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(_ID), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("timestamp", sa.Float, nullable=False),
        sa.Column("step_key", sa.String(_KEY)),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_events_run", "events", ["run_id", "id"])
    op.create_table(
        "logs",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(_ID), nullable=False),
        sa.Column("step_key", sa.String(_KEY), nullable=False),
        sa.Column("stream", sa.String(16), nullable=False),
        sa.Column("timestamp", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("level", sa.String(16)),
    )
    op.create_index("ix_logs_run_step", "logs", ["run_id", "step_key", "id"])
    op.create_table(
        "materializations",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("asset_key", sa.String(_KEY), nullable=False),
        sa.Column("run_id", sa.String(_ID), nullable=False),
        sa.Column("artifact_uri", sa.Text, nullable=False),
        sa.Column("serializer", sa.String(32), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("data_version", sa.String(_ID), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("code_version", sa.String(_ID)),
        sa.Column("partition", sa.String(_KEY)),
        sa.Column("input_versions", sa.Text, nullable=False),
        sa.Column("metadata", sa.Text, nullable=False),
    )
    op.create_index("ix_materializations_asset", "materializations", ["asset_key", "id"])
    op.create_index("ix_materializations_run", "materializations", ["run_id"])
    op.create_table(
        "metrics",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(_ID), nullable=False),
        sa.Column("step_key", sa.String(_KEY), nullable=False),
        sa.Column("name", sa.String(_KEY), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("timestamp", sa.Float, nullable=False),
    )
    op.create_index("ix_metrics_run", "metrics", ["run_id", "id"])
    op.create_index("ix_metrics_name", "metrics", ["name", "id"])
    op.create_table(
        "schedule_state",
        sa.Column("name", sa.String(_KEY), primary_key=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "schedule_ticks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("schedule_name", sa.String(_KEY), nullable=False),
        sa.Column("run_key", sa.String(_KEY), nullable=False),
        sa.Column("tick_time", sa.Float, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("run_id", sa.String(_ID)),
        sa.Column("error", sa.Text),
        sa.UniqueConstraint("run_key", name="uq_schedule_ticks_run_key"),
    )
    op.create_index("ix_schedule_ticks_name", "schedule_ticks", ["schedule_name", "id"])


def downgrade() -> None:
    for table in (
        "schedule_ticks",
        "schedule_state",
        "metrics",
        "materializations",
        "logs",
        "events",
        "step_attempts",
        "steps",
        "runs",
    ):
        op.drop_table(table)
