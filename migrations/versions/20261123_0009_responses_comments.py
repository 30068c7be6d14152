"""responses and comments: exclusion reason, comment handling (PAKN)

Revision ID: 0009
Revises: 0004

A response's last status change keeps its reason, author and time; free-text answers become
comments (góp ý, phản ánh, kiến nghị) with a status, an assignee, a reply and a due date.
``response.comments_synced`` marks responses already turned into comments; a partial index on
the pending ones lets the sync find them without scanning the answers. Existing responses start
pending, so the first sync materialises every comment already collected.
Create Date: 2026-11-23 04:10:46
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('comment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('response_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('question', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('replied_by_id', sa.Integer(), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('new', 'assigned', 'answered', 'closed')", name=op.f('ck_comment_status')),
    sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'], name=op.f('fk_comment_assignee_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['replied_by_id'], ['user_account.id'], name=op.f('fk_comment_replied_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_comment_response_id_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_comment_round_id_round'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_comment_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment')),
    sa.UniqueConstraint('response_id', 'question', name='uq_comment_response_question')
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_round_id'), ['round_id'], unique=False)
        batch_op.create_index('ix_comment_unit_status', ['unit_id', 'status'], unique=False)

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('status_changed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('comments_synced', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_response_comments_pending', ['id'], unique=False, postgresql_where=sa.text('NOT comments_synced'), sqlite_where=sa.text('NOT comments_synced'))
        batch_op.create_foreign_key(batch_op.f('fk_response_status_changed_by_id_user_account'), 'user_account', ['status_changed_by_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_response_status_changed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_index('ix_response_comments_pending', postgresql_where=sa.text('NOT comments_synced'), sqlite_where=sa.text('NOT comments_synced'))
        batch_op.drop_column('comments_synced')
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('status_changed_by_id')
        batch_op.drop_column('status_reason')

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_unit_status')
        batch_op.drop_index(batch_op.f('ix_comment_round_id'))

    op.drop_table('comment')
