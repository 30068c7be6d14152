"""dossiers: the one-stop system's dossier feed, feeder API keys, volumes that follow the feed

Revision ID: 0016
Revises: 0015

``dossier_event``: one row per (dossier number, event type), no personal data; a returned
dossier's rating code (round, keyed hash linking it to its response);
``api_key.permission``: "read" (every existing key) or "feed";
``round.volumes_fixed``: False (volumes follow the feed where it has data) or True;
``webhook_subscription``, ``webhook_delivery`` (the outbox and delivery log), ``webhook_cursor``.
Create Date: 2026-12-07 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'dossier_event',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('number', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('procedure_code', sa.String(length=64), nullable=False),
        sa.Column('procedure_name', sa.String(length=500), nullable=False),
        sa.Column('field', sa.String(length=128), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('returned_on', sa.Date(), nullable=True),
        sa.Column('cancelled_on', sa.Date(), nullable=True),
        sa.Column('api_key_id', sa.Integer(), nullable=True),
        sa.Column('stored_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('rating_round_id', sa.Integer(), nullable=True),
        sa.Column('rating_hash', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ['rating_round_id'],
            ['round.id'],
            name=op.f('fk_dossier_event_rating_round_id_round'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['unit_id'], ['unit.id'], name=op.f('fk_dossier_event_unit_id_unit'), ondelete='RESTRICT'
        ),
        sa.ForeignKeyConstraint(
            ['api_key_id'],
            ['api_key.id'],
            name=op.f('fk_dossier_event_api_key_id_api_key'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_event')),
        sa.UniqueConstraint('number', 'kind', name='uq_dossier_event_number_kind'),
    )
    op.create_index(
        'ix_dossier_event_unit_kind_returned',
        'dossier_event',
        ['unit_id', 'kind', 'returned_on'],
        unique=False,
    )
    op.create_index(
        'ix_dossier_event_rating_hash', 'dossier_event', ['rating_hash'], unique=False
    )
    op.add_column(
        'api_key',
        sa.Column('permission', sa.String(length=8), nullable=False, server_default='read'),
    )
    op.add_column(
        'round',
        sa.Column('volumes_fixed', sa.Boolean(), nullable=False, server_default=sa.false()),
    )


    _webhooks()
    _messages()
    _alerts()


def _alerts() -> None:
    op.create_table(
        'alert_sent',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user_account.id'], name=op.f('fk_alert_sent_user_id_user_account'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_alert_sent')),
    )
    op.create_table(
        'alert_opt_out',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user_account.id'], name=op.f('fk_alert_opt_out_user_id_user_account'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_alert_opt_out')),
    )


def _messages() -> None:
    op.create_table(
        'outbound_message',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('gateway', sa.String(length=16), nullable=False),
        sa.Column('contact', sa.String(length=254), nullable=True),
        sa.Column('contact_hash', sa.String(length=32), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('rating_hash', sa.String(length=32), nullable=False),
        sa.Column('link', sa.String(length=300), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('send_after', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('provider_id', sa.String(length=100), nullable=True),
        sa.Column('delivery_status', sa.String(length=16), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['round_id'], ['round.id'], name=op.f('fk_outbound_message_round_id_round'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_message')),
    )
    op.create_index(
        'ix_outbound_message_due', 'outbound_message', ['status', 'send_after'], unique=False
    )
    op.create_index(
        'ix_outbound_message_provider', 'outbound_message', ['gateway', 'provider_id'],
        unique=False,
    )
    op.create_table(
        'message_opt_out',
        sa.Column('contact_hash', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('contact_hash', name=op.f('pk_message_opt_out')),
    )


def _webhooks() -> None:
    op.create_table(
        'webhook_subscription',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['unit_id'], ['unit.id'], name=op.f('fk_webhook_subscription_unit_id_unit'),
            ondelete='RESTRICT',
        ),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['user_account.id'],
            name=op.f('fk_webhook_subscription_created_by_id_user_account'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscription')),
    )
    op.create_table(
        'webhook_delivery',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('event_key', sa.String(length=64), nullable=False),
        sa.Column('msg_id', sa.String(length=40), nullable=False),
        sa.Column('event_type', sa.String(length=32), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_status_code', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['subscription_id'], ['webhook_subscription.id'],
            name=op.f('fk_webhook_delivery_subscription_id_webhook_subscription'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
        sa.UniqueConstraint('subscription_id', 'event_key', name='uq_webhook_delivery_event'),
    )
    op.create_index(
        'ix_webhook_delivery_due', 'webhook_delivery', ['status', 'next_attempt_at'], unique=False
    )
    op.create_table(
        'webhook_cursor',
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('last_id', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('source', name=op.f('pk_webhook_cursor')),
    )


def downgrade() -> None:
    op.drop_table('alert_opt_out')
    op.drop_table('alert_sent')
    op.drop_table('message_opt_out')
    op.drop_index('ix_outbound_message_provider', table_name='outbound_message')
    op.drop_index('ix_outbound_message_due', table_name='outbound_message')
    op.drop_table('outbound_message')
    op.drop_table('webhook_cursor')
    op.drop_index('ix_webhook_delivery_due', table_name='webhook_delivery')
    op.drop_table('webhook_delivery')
    op.drop_table('webhook_subscription')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('volumes_fixed')
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_column('permission')
    op.drop_index('ix_dossier_event_rating_hash', table_name='dossier_event')
    op.drop_index('ix_dossier_event_unit_kind_returned', table_name='dossier_event')
    op.drop_table('dossier_event')
