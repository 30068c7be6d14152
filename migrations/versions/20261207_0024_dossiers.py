"""webhook and alert events: units' target status as the worker judged it; alert kinds off

Revision ID: 0024
Revises: 0023

``target_watch``: per (round, unit) with a target, its last judged status and the number of
times it fell below the target (episodes key the ``unit.below_target`` webhook event and the
heads' alert). ``alert_kind_off``: kinds of alert e-mail a person turned off.
Create Date: 2026-12-07 15:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'target_watch',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('target', sa.Float(), nullable=False),
        sa.Column('index', sa.Float(), nullable=True),
        sa.Column('episode', sa.Integer(), nullable=False),
        sa.Column('figures_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['round_id'], ['round.id'], name=op.f('fk_target_watch_round_id_round'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['unit_id'], ['unit.id'], name=op.f('fk_target_watch_unit_id_unit'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('round_id', 'unit_id', name=op.f('pk_target_watch')),
    )
    op.create_table(
        'alert_kind_off',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user_account.id'], name=op.f('fk_alert_kind_off_user_id_user_account'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_alert_kind_off')),
    )


def downgrade() -> None:
    op.drop_table('alert_kind_off')
    op.drop_table('target_watch')
