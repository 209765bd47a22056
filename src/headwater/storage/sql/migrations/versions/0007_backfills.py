"""Backfills: one record per backfill, its runs found by their ``dagster/backfill`` tag.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = 255
_ID = 64


def upgrade() -> None:
    op.create_table(
        "backfills",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("backfill_id", sa.String(_ID), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(_KEY), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("keys", sa.Text, nullable=False, server_default="[]"),
        sa.Column("skipped", sa.Text, nullable=False, server_default="[]"),
        sa.Column("max_concurrent", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float),
        sa.Column("tags", sa.Text, nullable=False, server_default="{}"),
        sa.Column("launch", sa.Text, nullable=False, server_default="{}"),
        sa.Column("error", sa.Text),
        sa.Column("pid", sa.Integer),
        sa.Column("hostname", sa.String(_KEY)),
    )
    op.create_index("ix_backfills_created", "backfills", ["created_at", "id"])
    op.create_index("ix_materializations_partition", "materializations", ["asset_key", "partition", "id"])


def downgrade() -> None:
    op.drop_index("ix_materializations_partition", table_name="materializations")
    op.drop_index("ix_backfills_created", table_name="backfills")
    op.drop_table("backfills")
