"""Runs as a service: what a queued run runs, heartbeats, run keys, failure kinds, daemons, leases.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = 255
_ID = 64


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("launch", sa.Text, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("priority", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("run_key", sa.String(_KEY)))
        batch.add_column(sa.Column("claimed_by", sa.String(_KEY)))
        batch.add_column(sa.Column("heartbeat_at", sa.Float))
        batch.create_unique_constraint("uq_runs_run_key", ["run_key"])
        batch.create_index("ix_runs_queue", ["status", "priority", "id"])
    with op.batch_alter_table("steps") as batch:
        batch.add_column(sa.Column("failure_kind", sa.String(32)))
    with op.batch_alter_table("step_attempts") as batch:
        batch.add_column(sa.Column("failure_kind", sa.String(32)))
    op.create_table(
        "daemons",
        sa.Column("daemon_id", sa.String(_ID), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("hostname", sa.String(_KEY), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("heartbeat_at", sa.Float, nullable=False),
        sa.Column("info", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(_KEY), primary_key=True),
        sa.Column("holder", sa.String(_ID), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_table("daemons")
    with op.batch_alter_table("step_attempts") as batch:
        batch.drop_column("failure_kind")
    with op.batch_alter_table("steps") as batch:
        batch.drop_column("failure_kind")
    with op.batch_alter_table("runs") as batch:
        batch.drop_index("ix_runs_queue")
        batch.drop_constraint("uq_runs_run_key", type_="unique")
        batch.drop_column("heartbeat_at")
        batch.drop_column("claimed_by")
        batch.drop_column("run_key")
        batch.drop_column("priority")
        batch.drop_column("launch")
