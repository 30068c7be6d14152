"""integrity: response paradata and review, detection flags, device limit windows, kiosks,
round integrity policy

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    # Plain ALTER TABLE on both backends: a batch copy of ``response`` on SQLite would drop
    # its tally triggers (0010).
    op.add_column('response', sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('response', sa.Column('device_hash', sa.String(length=32), nullable=True))
    op.add_column('response', sa.Column('receipt_hash', sa.String(length=32), nullable=True))
    op.add_column('response', sa.Column('review', sa.String(length=16), nullable=True))
    op.create_index('uq_response_receipt_hash', 'response', ['receipt_hash'], unique=True)
    op.create_index('ix_response_unit_submitted', 'response', ['unit_id', 'submitted_at'])
    op.create_index('ix_response_device_hash', 'response', ['device_hash'])
    op.add_column('round', sa.Column('integrity_policy', sa.JSON(), nullable=True))
    op.create_table('response_flag',
    sa.Column('response_id', BIG_ID, nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_response_flag_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'rule', name=op.f('pk_response_flag'))
    )
    op.create_table('device_window',
    sa.Column('device_hash', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('answers_hash', sa.String(length=32), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duplicate', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_device_window_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_hash', 'unit_id', name=op.f('pk_device_window'))
    )
    with op.batch_alter_table('device_window', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_window_last_at'), ['last_at'], unique=False)
    op.create_table('kiosk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'], name=op.f('fk_kiosk_registered_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_kiosk_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_kiosk_key_hash'))
    )
    with op.batch_alter_table('kiosk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_unit_id'), ['unit_id'], unique=False)


    op.create_table('integrity_summary',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
    sa.Column('watermark', sa.String(length=64), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_integrity_summary_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', name=op.f('pk_integrity_summary'))
    )


def downgrade() -> None:
    op.drop_table('integrity_summary')
    op.drop_table('kiosk')
    op.drop_table('device_window')
    op.drop_table('response_flag')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('integrity_policy')
    op.drop_index('ix_response_device_hash', 'response')
    op.drop_index('ix_response_unit_submitted', 'response')
    op.drop_index('uq_response_receipt_hash', 'response')
    for column in ('review', 'receipt_hash', 'device_hash', 'issued_at'):
        op.drop_column('response', column)
