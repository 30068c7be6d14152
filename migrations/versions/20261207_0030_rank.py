"""improvement_figures also holds rankings the worker computes (kind 'ranking:<level>')

Revision ID: 0030
Revises: 0029

A ranking of a level under a unit (app/reporting/ranking_store.py) is stored like a unit's gaps
and drivers: the row's unit is the ranking's parent, its kind 'ranking:' and the level. The kind
grows to 40 characters and its check admits those kinds.
Create Date: 2026-12-08 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "kind IN ('gaps', 'drivers')"
NEW = "kind IN ('gaps', 'drivers') OR kind LIKE 'ranking:%'"


def _kind(length: int, check: str) -> None:
    with op.batch_alter_table("improvement_figures", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_improvement_figures_kind"), type_="check")
        batch_op.alter_column(
            "kind", existing_type=sa.String(), type_=sa.String(length), existing_nullable=False
        )
        batch_op.create_check_constraint(op.f("ck_improvement_figures_kind"), check)


def upgrade() -> None:
    _kind(40, NEW)


def downgrade() -> None:
    op.execute("DELETE FROM improvement_figures WHERE kind LIKE 'ranking:%'")
    _kind(16, OLD)
