"""Asset check evaluations: one row per result of an asset check in a run.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = 255
_ID = 64
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "asset_check_evaluations",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(_ID), nullable=False),
        sa.Column("step_key", sa.String(_KEY), nullable=False),
        sa.Column("asset_key", sa.String(_KEY), nullable=False),
        sa.Column("check_name", sa.String(_KEY), nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("blocking", sa.Boolean, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("metadata", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_check_evaluations_asset", "asset_check_evaluations", ["asset_key", "check_name", "id"]
    )
    op.create_index("ix_check_evaluations_run", "asset_check_evaluations", ["run_id"])


def downgrade() -> None:
    op.drop_table("asset_check_evaluations")
