"""statistics: tallies folded in the background (freshness, watermark, queue age)

Revision ID: 0012
Revises: 0011

The background worker (app.worker) folds the tally queue; reports serve the tallies as they
are and say how fresh they are. ``tally_state`` keeps, per round:
- ``as_of``: when the last fold or rebuild committed (what a report is "as of");
- ``data_at``: the latest submission time folded in (Last-Modified without scanning responses);
- ``folded``: how many folds and rebuilds have committed (a watermark for ETags);
- ``design``: the design the tallies were built for (JSON), so that while a rebuild for a new
  design runs, the old figures can still be read with the design they belong to.
``tally_queue.queued_at``: when a change was queued (the age of the oldest one is a health
signal in /readyz).
Create Date: 2026-12-07 08:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_NOW = sa.text("(strftime('%Y-%m-%d %H:%M:%f', 'now'))")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("tally_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("as_of", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("data_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("folded", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("design", sa.Text(), nullable=True))
    # SQLite cannot add a column whose default is the current time: batch mode copies the table,
    # and the legacy rename leaves the triggers on response (which insert into it) alone.
    if not postgres:
        op.execute('PRAGMA legacy_alter_table=ON')
    with op.batch_alter_table(
        "tally_queue", schema=None, recreate="never" if postgres else "always"
    ) as batch_op:
        batch_op.add_column(
            sa.Column(
                "queued_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.text("now()") if postgres else SQLITE_NOW,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("tally_queue", schema=None) as batch_op:
        batch_op.drop_column("queued_at")
    with op.batch_alter_table("tally_state", schema=None) as batch_op:
        batch_op.drop_column("design")
        batch_op.drop_column("folded")
        batch_op.drop_column("data_at")
        batch_op.drop_column("as_of")
