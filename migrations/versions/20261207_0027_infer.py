"""replicate_set, replicate_chunk: a round's replicate factors (and a calibrated round's
replicate weights, each replicate calibrated again), stored by the background worker (#14)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 19:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'replicate_set',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=255), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('weight_set_id', sa.Integer(), nullable=True),
        sa.Column('calibration', sa.String(length=16), nullable=True),
        sa.Column('rows', sa.String(length=16), nullable=False),
        sa.Column('encoding', sa.String(length=8), nullable=False),
        sa.Column('replicates', sa.Integer(), nullable=False),
        sa.Column('responses', sa.Integer(), nullable=False),
        sa.Column('scale', sa.Float(), nullable=False),
        sa.Column('rscales', sa.LargeBinary(), nullable=False),
        sa.Column('seed', sa.Integer(), nullable=False),
        sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
        sa.Column('build_ms', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['round_id'],
            ['round.id'],
            name=op.f('fk_replicate_set_round_id_round'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['weight_set_id'],
            ['weight_set.id'],
            name=op.f('fk_replicate_set_weight_set_id_weight_set'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('round_id', name=op.f('pk_replicate_set')),
    )
    op.create_table(
        'replicate_chunk',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('chunk', sa.Integer(), nullable=False),
        sa.Column('ids', sa.LargeBinary(), nullable=False),
        sa.Column('factors', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['round_id'],
            ['replicate_set.round_id'],
            name=op.f('fk_replicate_chunk_round_id_replicate_set'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('round_id', 'chunk', name=op.f('pk_replicate_chunk')),
    )


def downgrade() -> None:
    op.drop_table('replicate_chunk')
    op.drop_table('replicate_set')
