"""improvement_figures: the gaps and key drivers of each unit and round, computed by the worker

Revision ID: 0023
Revises: 0022

Requests serve them with the time they were computed (app/improvement/cache.py), so that no
request reads the round's answers.
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "improvement_figures",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("basis", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('gaps', 'drivers')", name=op.f("ck_improvement_figures_kind")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"],
            name=op.f("fk_improvement_figures_round_id_round"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"],
            name=op.f("fk_improvement_figures_unit_id_unit"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "round_id", "unit_id", "kind", name=op.f("pk_improvement_figures")
        ),
    )


def downgrade() -> None:
    op.drop_table("improvement_figures")
