"""weight sets

Revision ID: 0006
Revises: 0003

Named, versioned sets of final (nonresponse-adjusted, post-stratified or raked) weights per
round, one weight per response; at most one active set per round (a partial unique index).
Create Date: 2026-11-23 04:07:19.756720
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('weight_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('inputs_hash', sa.String(length=64), nullable=False),
    sa.Column('data_hash', sa.String(length=64), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=255), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_weight_set_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weight_set')),
    sa.UniqueConstraint('round_id', 'name', 'version', name='uq_weight_set_round_name_version')
    )
    with op.batch_alter_table('weight_set', schema=None) as batch_op:
        batch_op.create_index('uq_weight_set_active_round', ['round_id'], unique=True, sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))

    op.create_table('weight_value',
    sa.Column('weight_set_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_weight_value_response_id_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['weight_set_id'], ['weight_set.id'], name=op.f('fk_weight_value_weight_set_id_weight_set'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('weight_set_id', 'response_id', name=op.f('pk_weight_value'))
    )
    with op.batch_alter_table('weight_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weight_value_response_id'), ['response_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('weight_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weight_value_response_id'))

    op.drop_table('weight_value')
    with op.batch_alter_table('weight_set', schema=None) as batch_op:
        batch_op.drop_index('uq_weight_set_active_round', sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))

    op.drop_table('weight_set')
