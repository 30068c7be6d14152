"""audit trail: refuse DELETE (and TRUNCATE on PostgreSQL) on audit_event

Revision ID: 0013
Revises: 0012

0002 refused UPDATE only, though the trail is documented as append-only: a plain
``DELETE FROM audit_event`` succeeded. The PostgreSQL function from 0002 is reused.
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRESQL_UP = (
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)
POSTGRESQL_DOWN = (
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_no_delete ON audit_event",
)
SQLITE_UP = (
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
)
SQLITE_DOWN = ("DROP TRIGGER IF EXISTS audit_event_no_delete",)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for statement in POSTGRESQL_UP if _postgresql() else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in POSTGRESQL_DOWN if _postgresql() else SQLITE_DOWN:
        op.execute(statement)
