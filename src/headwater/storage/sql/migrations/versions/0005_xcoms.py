"""XComs: the values steps push under keys, recorded with their step's materialization.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = 255
_ID = 64
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "xcoms",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(_ID), nullable=False),
        sa.Column("task_key", sa.String(_KEY), nullable=False),
        sa.Column("key", sa.String(_KEY), nullable=False),
        sa.Column("map_index", sa.Integer, nullable=False),
        sa.Column("artifact_uri", sa.Text, nullable=False),
        sa.Column("serializer", sa.String(32), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("data_version", sa.String(_ID), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("run_id", "task_key", "key", "map_index", name="uq_xcoms_run_task_key_index"),
    )


def downgrade() -> None:
    op.drop_table("xcoms")
