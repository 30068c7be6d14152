"""unit lineage, score bands, targets, report snapshots

Revision ID: 0007
Revises: 0005

Units that merge stop on ``inactive_from`` and point at their successor; a round stores its
score bands; units have targets per round; a round's published figures are frozen as
numbered snapshots with a content hash.
Create Date: 2026-11-23 04:10:27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_by', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_report_snapshot_round_id_round'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_snapshot')),
    sa.UniqueConstraint('round_id', 'revision', name='uq_report_snapshot_round_revision')
    )
    op.create_table('report_snapshot_item',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['report_snapshot.id'], name=op.f('fk_report_snapshot_item_snapshot_id_report_snapshot'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_report_snapshot_item_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('snapshot_id', 'unit_id', 'lang', name=op.f('pk_report_snapshot_item'))
    )
    with op.batch_alter_table('report_snapshot_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_snapshot_item_unit_id'), ['unit_id'], unique=False)

    op.create_table('target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_target_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_target_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target')),
    sa.UniqueConstraint('round_id', 'unit_id', name='uq_target_round_unit')
    )
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bands', sa.JSON(), nullable=True))

    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inactive_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('successor_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_unit_successor_id_unit'), 'unit', ['successor_id'], ['id'], ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_unit_successor_id_unit'), type_='foreignkey')
        batch_op.drop_column('successor_id')
        batch_op.drop_column('inactive_from')

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('bands')

    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_target_unit_id'))

    op.drop_table('target')
    with op.batch_alter_table('report_snapshot_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_snapshot_item_unit_id'))

    op.drop_table('report_snapshot_item')
    op.drop_table('report_snapshot')
