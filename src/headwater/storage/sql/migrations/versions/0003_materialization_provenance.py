"""Materializations record what their code version covered, their environment and their
source version.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

``code_components`` (component -> hash) names what changed when a code version changes;
``environment`` (Python and distribution versions) and ``source_version`` are compared by
the staleness rule. Rows from before get ``{}`` and NULL: their next run reruns them anyway,
as code versions now cover helpers.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = 64


def upgrade() -> None:
    with op.batch_alter_table("materializations") as batch:
        batch.add_column(sa.Column("code_components", sa.Text, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("environment", sa.Text, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("source_version", sa.String(_ID)))


def downgrade() -> None:
    with op.batch_alter_table("materializations") as batch:
        batch.drop_column("source_version")
        batch.drop_column("environment")
        batch.drop_column("code_components")
