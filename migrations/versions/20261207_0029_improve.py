"""improvement_demand: units whose gaps or drivers were asked for before the worker computed them

Revision ID: 0029
Revises: 0028

A request for figures the worker has not computed yet answers "pending" (202) and leaves a row
here; the worker (app/improvement/tasks.py) computes those units first.
Create Date: 2026-12-07 19:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "improvement_demand",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"],
            name=op.f("fk_improvement_demand_round_id_round"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"],
            name=op.f("fk_improvement_demand_unit_id_unit"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "unit_id", name=op.f("pk_improvement_demand")),
    )


def downgrade() -> None:
    op.drop_table("improvement_demand")
