"""dossier feed: indicators kept per unit and day by the worker (dossier_tally, dossier_fold)

Revision ID: 0022
Revises: 0021

``dossier_event.tally``: None until the worker has counted the event; the partial index finds
the events still to count. Existing events are counted by the worker after the upgrade.
Create Date: 2026-12-07 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("received", "transactions", "with_due", "early", "on_time", "late", "online")


def upgrade() -> None:
    op.create_table(
        'dossier_tally',
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('procedure_code', sa.String(length=64), nullable=False),
        sa.Column('field', sa.String(length=128), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(
            ['unit_id'], ['unit.id'], name=op.f('fk_dossier_tally_unit_id_unit'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint(
            'unit_id', 'day', 'procedure_code', 'field', 'channel', name=op.f('pk_dossier_tally')
        ),
    )
    op.create_table(
        'dossier_fold',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('folded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_fold')),
    )
    op.add_column('dossier_event', sa.Column('tally', sa.SmallInteger(), nullable=True))
    op.create_index(
        'ix_dossier_event_unfolded',
        'dossier_event',
        ['id'],
        unique=False,
        postgresql_where=sa.text('tally IS NULL'),
        sqlite_where=sa.text('tally IS NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_dossier_event_unfolded', table_name='dossier_event')
    with op.batch_alter_table('dossier_event', schema=None) as batch_op:
        batch_op.drop_column('tally')
    op.drop_table('dossier_fold')
    op.drop_table('dossier_tally')
