"""invitations (single-use tokens) and quotas; responses link their invitation, over-quota flag

Revision ID: 0005
Revises: 0009

An invitation is a random token, stored only as its hash, tied to a round, a unit and an
optional stratum (and optionally a sampled dossier, selection_id); a response redeems at most
one. A quota is a target number of responses per (round, unit, stratum) advanced atomically
as responses are stored.
Create Date: 2026-11-23 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'invitation',
        sa.Column('id', BigId, nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('stratum', sa.String(length=64), nullable=True),
        sa.Column('selection_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.ForeignKeyConstraint(['selection_id'], ['sample_selection.id'], name=op.f('fk_invitation_selection_id_sample_selection'), ondelete='RESTRICT'),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_invitation_round_id_round'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_invitation_unit_id_unit'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
        sa.UniqueConstraint('selection_id', name=op.f('uq_invitation_selection_id')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash')),
    )
    op.create_index('ix_invitation_round_unit', 'invitation', ['round_id', 'unit_id', 'stratum'], unique=False)
    op.create_table(
        'quota',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('stratum', sa.String(length=64), nullable=False, server_default=''),
        sa.Column('target', sa.Integer(), nullable=False),
        sa.Column('filled', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('mode', sa.String(length=8), nullable=False, server_default='hard'),
        sa.Column('exclude_over', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.CheckConstraint("mode IN ('hard', 'soft')", name=op.f('ck_quota_mode')),
        sa.CheckConstraint('target >= 0', name=op.f('ck_quota_target')),
        sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_quota_round_id_round'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_quota_unit_id_unit'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quota')),
        sa.UniqueConstraint('round_id', 'unit_id', 'stratum', name='uq_quota_round_unit_stratum'),
    )
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_id', BigId, nullable=True))
        batch_op.add_column(sa.Column('over_quota', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_unique_constraint(batch_op.f('uq_response_invitation_id'), ['invitation_id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_response_invitation_id_invitation'), 'invitation', ['invitation_id'], ['id'], ondelete='RESTRICT'
        )


def downgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_response_invitation_id_invitation'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_response_invitation_id'), type_='unique')
        batch_op.drop_column('over_quota')
        batch_op.drop_column('invitation_id')
    op.drop_table('quota')
    op.drop_index('ix_invitation_round_unit', table_name='invitation')
    op.drop_table('invitation')
