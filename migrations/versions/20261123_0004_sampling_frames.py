"""sampling frames: frame cells, list frame (dossiers), sample plans, draws and selections

Revision ID: 0004
Revises: 0006

A round's frame (completed transactions per unit, optionally per procedure field) and its list
frame of completed dossiers; versioned sample plans with their strata; reproducible draws (seed,
method, plan snapshot) and the dossiers they selected with their inclusion probabilities.
Create Date: 2026-11-23 04:05:35
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dossier',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=128), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('contact_name', sa.String(length=255), nullable=True),
    sa.Column('contact_phone', sa.String(length=32), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_address', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_dossier_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_dossier_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier')),
    sa.UniqueConstraint('round_id', 'code', name='uq_dossier_round_code')
    )
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_round_unit', ['round_id', 'unit_id'], unique=False)

    op.create_table('frame_cell',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=128), nullable=False),
    sa.Column('transactions', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_frame_cell_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_frame_cell_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('round_id', 'unit_id', 'field', name=op.f('pk_frame_cell'))
    )
    with op.batch_alter_table('frame_cell', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_frame_cell_unit_id'), ['unit_id'], unique=False)

    op.create_table('sample_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('excluded', sa.JSON(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_sample_plan_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sample_plan_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_plan')),
    sa.UniqueConstraint('round_id', 'version', name='uq_sample_plan_round_version')
    )
    op.create_table('sample_draw',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('selected', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['sample_plan.id'], name=op.f('fk_sample_draw_plan_id_sample_plan'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_sample_draw_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sample_draw_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_draw'))
    )
    with op.batch_alter_table('sample_draw', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_draw_round_id'), ['round_id'], unique=False)

    op.create_table('sample_stratum',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('stratum', sa.String(length=80), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('members', sa.JSON(), nullable=False),
    sa.Column('population', sa.BigInteger(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('spread', sa.Float(), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['sample_plan.id'], name=op.f('fk_sample_stratum_plan_id_sample_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_sample_stratum_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('plan_id', 'stratum', name=op.f('pk_sample_stratum'))
    )
    with op.batch_alter_table('sample_stratum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_stratum_unit_id'), ['unit_id'], unique=False)

    op.create_table('sample_selection',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('stratum', sa.String(length=80), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_sample_selection_dossier_id_dossier'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['draw_id'], ['sample_draw.id'], name=op.f('fk_sample_selection_draw_id_sample_draw'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_sample_selection_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_selection')),
    sa.UniqueConstraint('draw_id', 'dossier_id', name='uq_sample_selection_draw_dossier')
    )
    with op.batch_alter_table('sample_selection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_selection_dossier_id'), ['dossier_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sample_selection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_selection_dossier_id'))

    op.drop_table('sample_selection')
    with op.batch_alter_table('sample_stratum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_stratum_unit_id'))

    op.drop_table('sample_stratum')
    with op.batch_alter_table('sample_draw', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_draw_round_id'))

    op.drop_table('sample_draw')
    op.drop_table('sample_plan')
    with op.batch_alter_table('frame_cell', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_frame_cell_unit_id'))

    op.drop_table('frame_cell')
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_round_unit')

    op.drop_table('dossier')
