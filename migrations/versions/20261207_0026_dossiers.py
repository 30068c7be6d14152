"""dossiers: satisfaction by rated dossier kept by the worker (dossier_rating_tally, _state);
invitations sent in batches from a sample draw (message_batch, outbound_message.invitation_id)

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


    op.create_table(
        'message_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('draw_id', sa.Integer(), nullable=False),
        sa.Column('channels', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('cursor', sa.BigInteger(), nullable=False),
        *(
            sa.Column(n, sa.Integer(), nullable=False)
            for n in ('queued', 'no_contact', 'opted_out', 'already_invited')
        ),
        sa.Column('created_by', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['round_id'], ['round.id'], name=op.f('fk_message_batch_round_id_round'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['draw_id'], ['sample_draw.id'], name=op.f('fk_message_batch_draw_id_sample_draw'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message_batch')),
    )
    op.create_index(op.f('ix_message_batch_draw_id'), 'message_batch', ['draw_id'], unique=False)
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.alter_column('rating_hash', existing_type=sa.String(length=32), nullable=True)
        batch_op.add_column(
            sa.Column(
                'invitation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True
            )
        )
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_outbound_message_invitation_id_invitation'),
            'invitation', ['invitation_id'], ['id'], ondelete='CASCADE',
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_outbound_message_batch_id_message_batch'),
            'message_batch', ['batch_id'], ['id'], ondelete='SET NULL',
        )
        batch_op.create_index(
            batch_op.f('ix_outbound_message_invitation_id'), ['invitation_id'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_outbound_message_batch_id'), ['batch_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_message_batch_id'))
        batch_op.drop_index(batch_op.f('ix_outbound_message_invitation_id'))
        batch_op.drop_constraint(
            batch_op.f('fk_outbound_message_batch_id_message_batch'), type_='foreignkey'
        )
        batch_op.drop_constraint(
            batch_op.f('fk_outbound_message_invitation_id_invitation'), type_='foreignkey'
        )
        batch_op.drop_column('batch_id')
        batch_op.drop_column('invitation_id')
    op.execute("DELETE FROM outbound_message WHERE rating_hash IS NULL")
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.alter_column('rating_hash', existing_type=sa.String(length=32), nullable=False)
    op.drop_index(op.f('ix_message_batch_draw_id'), table_name='message_batch')
    op.drop_table('message_batch')
    op.drop_table('dossier_rating_state')
    op.drop_table('dossier_rating_tally')
