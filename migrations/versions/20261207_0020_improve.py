"""improvement plans: actions, progress notes, evidence files

Revision ID: 0020
Revises: 0018

Create Date: 2026-12-07 12:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "improvement_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("responsible_unit_id", sa.Integer(), nullable=True),
        sa.Column("responsible_person", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("review", sa.String(length=16), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'done', 'cancelled')",
            name=op.f("ck_improvement_action_status"),
        ),
        sa.CheckConstraint(
            "review IS NULL OR review IN ('approved', 'rejected')",
            name=op.f("ck_improvement_action_review"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"],
            name=op.f("fk_improvement_action_owner_id_user_account"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["responsible_unit_id"], ["unit.id"],
            name=op.f("fk_improvement_action_responsible_unit_id_unit"), ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"],
            name=op.f("fk_improvement_action_round_id_round"), ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"],
            name=op.f("fk_improvement_action_unit_id_unit"), ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_action")),
    )
    op.create_index("ix_improvement_action_round_unit", "improvement_action", ["round_id", "unit_id"])
    op.create_index("ix_improvement_action_due", "improvement_action", ["status", "due_on"])
    op.create_index(op.f("ix_improvement_action_owner_id"), "improvement_action", ["owner_id"])
    op.create_table(
        "improvement_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["improvement_action.id"],
            name=op.f("fk_improvement_note_action_id_improvement_action"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_note")),
    )
    op.create_index(op.f("ix_improvement_note_action_id"), "improvement_note", ["action_id"])
    op.create_table(
        "improvement_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["improvement_action.id"],
            name=op.f("fk_improvement_evidence_action_id_improvement_action"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_evidence")),
    )
    op.create_index(op.f("ix_improvement_evidence_action_id"), "improvement_evidence", ["action_id"])


def downgrade() -> None:
    op.drop_table("improvement_evidence")
    op.drop_table("improvement_note")
    op.drop_table("improvement_action")
