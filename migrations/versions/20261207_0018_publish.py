"""publish: public revisions (the flag a province sets per frozen revision) and their
open-data files

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('public_revision',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['report_snapshot.id'], name=op.f('fk_public_revision_snapshot_id_report_snapshot'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_public_revision_round_id_round'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_public_revision_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('snapshot_id', name=op.f('pk_public_revision'))
    )
    op.create_index(op.f('ix_public_revision_round_id'), 'public_revision', ['round_id'])
    op.create_table('public_file',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['public_revision.snapshot_id'], name=op.f('fk_public_file_snapshot_id_public_revision'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('snapshot_id', 'name', name=op.f('pk_public_file'))
    )
    op.create_index(op.f('ix_public_file_sha256'), 'public_file', ['sha256'])


def downgrade() -> None:
    op.drop_index(op.f('ix_public_file_sha256'), table_name='public_file')
    op.drop_table('public_file')
    op.drop_index(op.f('ix_public_revision_round_id'), table_name='public_revision')
    op.drop_table('public_revision')
