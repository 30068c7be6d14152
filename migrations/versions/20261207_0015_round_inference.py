"""round: inference settings (confidence-interval method, single-PSU strata option)

Revision ID: 0015
Revises: 0013

``design_ci``: how a share's 95% interval is computed (R svyciprop's method: logit, beta,
wilson); ``design_lonely_psu``: R's survey.lonely.psu for strata with one PSU (adjust,
average, certainty, remove, fail). Existing rounds keep what they reported (logit, adjust).
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0015'
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN with a constant default: no table rebuild on SQLite.
    op.add_column(
        'round', sa.Column('design_ci', sa.String(length=16), nullable=False, server_default='logit')
    )
    op.add_column(
        'round',
        sa.Column('design_lonely_psu', sa.String(length=16), nullable=False, server_default='adjust'),
    )


def downgrade() -> None:
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('design_lonely_psu')
        batch_op.drop_column('design_ci')
