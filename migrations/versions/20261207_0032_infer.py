"""replicate_set.summary: what a report under replicate weights reads instead of the responses

Revision ID: 0032
Revises: 0031

Per cell of the round's estimates: its counts, its replicate totals and what a domain's
degrees of freedom need (app.statistics.replicate_store.Summary), built by the worker with the
set, for the tally state named in ``source``.
Create Date: 2026-12-08 00:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0032'
down_revision: str | None = '0031'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("replicate_set") as batch:
        batch.add_column(sa.Column("summary", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("replicate_set") as batch:
        batch.drop_column("summary")
