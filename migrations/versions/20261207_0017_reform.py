"""reform: a dated unit hierarchy (unit_version), reorganisation events and their lineage

Revision ID: 0017
Revises: 0016

``unit_version``: a unit's parent, name, level and status over [valid_from, valid_to);
``unit_event``: a merge, split, transfer, rename, re-level, move or dissolution effective
from a date (reversible: ``reverted_at``); ``unit_link``: the share of one unit's data that
continues in another from the event's date. Existing units get no version: a unit without
versions has had no reorganisation; merges made before this revision keep their
``unit.successor_id`` link. ``ix_audit_event_object_type_id``: the hierarchy's stamp (the
latest audited change to a unit), read by every report.
Create Date: 2026-12-07 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("batch", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("reverted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reverted_by", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_event")),
    )
    op.create_index(op.f("ix_unit_event_effective"), "unit_event", ["effective"])
    op.create_table(
        "unit_link",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("from_unit_id", sa.Integer(), nullable=False),
        sa.Column("to_unit_id", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["unit_event.id"], name=op.f("fk_unit_link_event_id_unit_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_unit_id"], ["unit.id"], name=op.f("fk_unit_link_from_unit_id_unit"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["to_unit_id"], ["unit.id"], name=op.f("fk_unit_link_to_unit_id_unit"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("event_id", "from_unit_id", "to_unit_id", name=op.f("pk_unit_link")),
    )
    op.create_index(op.f("ix_unit_link_to_unit_id"), "unit_link", ["to_unit_id"])
    op.create_table(
        "unit_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_unit_version_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["unit.id"], name=op.f("fk_unit_version_parent_id_unit"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"], ["unit.id"], name=op.f("fk_unit_version_successor_id_unit"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["unit_event.id"], name=op.f("fk_unit_version_event_id_unit_event"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_version")),
    )
    op.create_index("ix_unit_version_unit_from", "unit_version", ["unit_id", "valid_from"])
    op.create_index(op.f("ix_unit_version_event_id"), "unit_version", ["event_id"])
    # The hierarchy's stamp: the latest audited change to a unit, read by every report.
    op.create_index("ix_audit_event_object_type_id", "audit_event", ["object_type", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_event_object_type_id", table_name="audit_event")
    op.drop_index(op.f("ix_unit_version_event_id"), table_name="unit_version")
    op.drop_index("ix_unit_version_unit_from", table_name="unit_version")
    op.drop_table("unit_version")
    op.drop_index(op.f("ix_unit_link_to_unit_id"), table_name="unit_link")
    op.drop_table("unit_link")
    op.drop_index(op.f("ix_unit_event_effective"), table_name="unit_event")
    op.drop_table("unit_event")
