"""unit_tree: the dated hierarchy resolved per period, stored by the worker

Revision ID: 0031
Revises: 0030

A process's first report reads its day's tree from one row here (app/units/history.py)
instead of reading every unit's history; the worker task ``units.store_trees`` keeps the rows
of the current hierarchy version (docs/reform.md).
Create Date: 2026-12-07 23:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0031'
down_revision: str | None = '0030'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_tree",
        sa.Column("stamp_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("stamp_at", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stamp_id", "period", name=op.f("pk_unit_tree")),
    )


def downgrade() -> None:
    op.drop_table("unit_tree")
