"""round: variance method (linearisation or replicate weights) and the bootstrap's replicates

Revision ID: 0021
Revises: 0020

``design_variance``: linearisation (default; what every round reported so far), jk1, jkn or
bootstrap (Rao–Wu; app.statistics.replicates); ``design_replicates``: the bootstrap's number
of replicates (80 unless set).
Create Date: 2026-12-07 12:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN with a constant default: no table rebuild on SQLite.
    op.add_column(
        'round',
        sa.Column(
            'design_variance', sa.String(length=16), nullable=False, server_default='linearisation'
        ),
    )
    op.add_column(
        'round', sa.Column('design_replicates', sa.Integer(), nullable=False, server_default='80')
    )


def downgrade() -> None:
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('design_replicates')
        batch_op.drop_column('design_variance')
