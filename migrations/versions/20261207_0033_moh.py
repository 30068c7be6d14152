"""improvement_figures: rows of kind 'moh' (a health round's Ministry of Health block)

Revision ID: 0033
Revises: 0032

The background worker keeps each reported unit's ``moh`` block of a health round in
improvement_figures beside its gaps and drivers (app/improvement/tasks.py); a report serves it.
Create Date: 2026-12-07 23:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op


revision: str = '0033'
down_revision: str | None = '0032'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kinds(condition: str) -> None:
    with op.batch_alter_table("improvement_figures", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_improvement_figures_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_improvement_figures_kind"), condition)


def upgrade() -> None:
    _kinds("kind IN ('gaps', 'drivers', 'moh') OR kind LIKE 'ranking:%'")


def downgrade() -> None:
    op.execute("DELETE FROM improvement_figures WHERE kind = 'moh'")
    _kinds("kind IN ('gaps', 'drivers') OR kind LIKE 'ranking:%'")
