"""round design: weighting, strata, PSUs, fpc; response stratum and psu

Revision ID: 0003
Revises: 0002

A round declares its design (how weights are obtained, strata, clusters, finite-population
correction); a response may carry its own stratum and PSU (imports, list samples).
Create Date: 2026-11-23 04:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weighting', sa.String(length=16), nullable=False, server_default='volume'))
        batch_op.add_column(sa.Column('design_strata', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('design_psu', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('design_fpc', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stratum', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('psu', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('psu')
        batch_op.drop_column('stratum')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('design_fpc')
        batch_op.drop_column('design_psu')
        batch_op.drop_column('design_strata')
        batch_op.drop_column('weighting')
