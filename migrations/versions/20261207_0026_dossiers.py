"""dossiers: satisfaction by rated dossier kept by the worker (dossier_rating_tally, _state)

Revision ID: 0026
Revises: 0025

The rows are computed by the worker task ``dossiers.ratings`` after the upgrade.
Create Date: 2026-12-07 19:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = ('round_id', 'unit_id', 'day', 'procedure_code', 'field', 'channel', 'timeliness')


def upgrade() -> None:
    op.create_table(
        'dossier_rating_tally',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('procedure_code', sa.String(length=64), nullable=False),
        sa.Column('field', sa.String(length=128), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('timeliness', sa.String(length=8), nullable=False),
        *(sa.Column(n, sa.Integer(), nullable=False) for n in ('responses', 'answered', 'satisfied')),
        sa.ForeignKeyConstraint(
            ['round_id'], ['round.id'], name=op.f('fk_dossier_rating_tally_round_id_round'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['unit_id'], ['unit.id'], name=op.f('fk_dossier_rating_tally_unit_id_unit'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint(*KEYS, name=op.f('pk_dossier_rating_tally')),
    )
    op.create_table(
        'dossier_rating_state',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('basis', sa.String(length=64), nullable=False),
        sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['round_id'], ['round.id'], name=op.f('fk_dossier_rating_state_round_id_round'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('round_id', name=op.f('pk_dossier_rating_state')),
    )


def downgrade() -> None:
    op.drop_table('dossier_rating_state')
    op.drop_table('dossier_rating_tally')
