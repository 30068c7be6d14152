"""job: work requests ask for and the background worker does (freeze, microdata files);
report_snapshot.provisional: a revision frozen while its round is open ("tạm tính")

Revision ID: 0025
Revises: 0024

``key`` is unique while a job is queued or running, so two identical requests give one job;
the worker claims queued jobs with FOR UPDATE SKIP LOCKED (PostgreSQL) and keeps a heartbeat,
so a job whose worker died is claimed again after its lease.
Create Date: 2026-12-07 15:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'job',
        sa.Column('id', BigId, nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('variant', sa.String(length=32), nullable=False),
        sa.Column('key', sa.String(length=128), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('progress', sa.String(length=100), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.Column('data_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('requested_by', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['round_id'], ['round.id'], name=op.f('fk_job_round_id_round'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
        sa.UniqueConstraint('key', name=op.f('uq_job_key')),
    )
    op.create_index('ix_job_status_id', 'job', ['status', 'id'])
    op.create_index('ix_job_round_kind_variant', 'job', ['round_id', 'kind', 'variant'])
    op.add_column(
        'report_snapshot',
        sa.Column('provisional', sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.drop_column('provisional')
    op.drop_index('ix_job_round_kind_variant', table_name='job')
    op.drop_index('ix_job_status_id', table_name='job')
    op.drop_table('job')
