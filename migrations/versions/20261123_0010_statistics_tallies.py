"""statistics: maintained tallies of rounds (cells, pairs), their queue and state; triggers

Revision ID: 0010
Revises: 0007

Responses entering or leaving a round's valid responses are queued by triggers on
``response`` (as they were at that moment); app.statistics.maintained folds the queue into
per-cell sums and cross-products. Deleting a response or changing an answer marks the round's
tallies stale (rebuilt on the next read).
Create Date: 2026-11-23 04:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUE_COLUMNS = "round_id, response_id, unit_id, sign, base_weight, stratum, psu, submitted_at"
WATCHED = "status, round_id, unit_id, base_weight, stratum, psu, submitted_at"


def _values(row: str, sign: int) -> str:
    return (
        f"{row}.round_id, {row}.id, {row}.unit_id, {sign}, {row}.base_weight, {row}.stratum, "
        f"{row}.psu, {row}.submitted_at"
    )


POSTGRES_UP = [
    f"""
    CREATE FUNCTION tally_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'valid' THEN
          UPDATE tally_state SET stale = true WHERE round_id = OLD.round_id;
        END IF;
        RETURN NULL;
      END IF;
      IF TG_OP = 'UPDATE' AND OLD.status = 'valid' THEN
        INSERT INTO tally_queue ({QUEUE_COLUMNS}) VALUES ({_values('OLD', -1)});
      END IF;
      IF NEW.status = 'valid' THEN
        INSERT INTO tally_queue ({QUEUE_COLUMNS}) VALUES ({_values('NEW', 1)});
      END IF;
      RETURN NULL;
    END $$""",
    """
    CREATE FUNCTION tally_answer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE tally_state SET stale = true
      WHERE round_id = (SELECT round_id FROM response WHERE id = OLD.response_id);
      RETURN NULL;
    END $$""",
    "CREATE TRIGGER tally_response_insert AFTER INSERT ON response "
    "FOR EACH ROW EXECUTE FUNCTION tally_enqueue()",
    f"CREATE TRIGGER tally_response_update AFTER UPDATE OF {WATCHED} ON response "
    "FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION tally_enqueue()",
    "CREATE TRIGGER tally_response_delete AFTER DELETE ON response "
    "FOR EACH ROW EXECUTE FUNCTION tally_enqueue()",
    "CREATE TRIGGER tally_answer_change AFTER UPDATE OR DELETE ON answer "
    "FOR EACH ROW EXECUTE FUNCTION tally_answer_changed()",
]
POSTGRES_DOWN = [
    "DROP TRIGGER tally_answer_change ON answer",
    "DROP TRIGGER tally_response_delete ON response",
    "DROP TRIGGER tally_response_update ON response",
    "DROP TRIGGER tally_response_insert ON response",
    "DROP FUNCTION tally_answer_changed()",
    "DROP FUNCTION tally_enqueue()",
]
SQLITE_UP = [
    f"""
    CREATE TRIGGER tally_response_insert AFTER INSERT ON response WHEN NEW.status = 'valid'
    BEGIN
      INSERT INTO tally_queue ({QUEUE_COLUMNS}) VALUES ({_values('NEW', 1)});
    END""",
    f"""
    CREATE TRIGGER tally_response_update AFTER UPDATE OF {WATCHED} ON response
    BEGIN
      INSERT INTO tally_queue ({QUEUE_COLUMNS}) SELECT {_values('OLD', -1)}
      WHERE OLD.status = 'valid';
      INSERT INTO tally_queue ({QUEUE_COLUMNS}) SELECT {_values('NEW', 1)}
      WHERE NEW.status = 'valid';
    END""",
    """
    CREATE TRIGGER tally_response_delete AFTER DELETE ON response WHEN OLD.status = 'valid'
    BEGIN
      UPDATE tally_state SET stale = 1 WHERE round_id = OLD.round_id;
    END""",
    """
    CREATE TRIGGER tally_answer_update AFTER UPDATE ON answer
    BEGIN
      UPDATE tally_state SET stale = 1
      WHERE round_id = (SELECT round_id FROM response WHERE id = OLD.response_id);
    END""",
    """
    CREATE TRIGGER tally_answer_delete AFTER DELETE ON answer
    BEGIN
      UPDATE tally_state SET stale = 1
      WHERE round_id = (SELECT round_id FROM response WHERE id = OLD.response_id);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER tally_answer_delete",
    "DROP TRIGGER tally_answer_update",
    "DROP TRIGGER tally_response_delete",
    "DROP TRIGGER tally_response_update",
    "DROP TRIGGER tally_response_insert",
]


def upgrade() -> None:
    op.create_table('tally_state',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('signature', sa.String(length=255), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_tally_state_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', name=op.f('pk_tally_state'))
    )
    op.create_table('tally_queue',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.BigInteger(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('sign', sa.SmallInteger(), nullable=False),
    sa.Column('base_weight', sa.Float(), nullable=True),
    sa.Column('stratum', sa.String(length=64), nullable=True),
    sa.Column('psu', sa.String(length=64), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_queue'))
    )
    with op.batch_alter_table('tally_queue', schema=None) as batch_op:
        batch_op.create_index('ix_tally_queue_round_id', ['round_id', 'id'], unique=False)

    op.create_table('tally_cell',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('given', sa.Boolean(), nullable=False),
    sa.Column('skey', sa.String(length=64), nullable=False),
    sa.Column('pkey', sa.String(length=80), nullable=False),
    sa.Column('question', sa.String(length=80), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.Column('n_sat', sa.BigInteger(), nullable=False),
    sa.Column('sw', sa.Float(), nullable=False),
    sa.Column('sw_sat', sa.Float(), nullable=False),
    sa.Column('psus', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_tally_cell_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'unit_id', 'given', 'skey', 'pkey', 'question', name=op.f('pk_tally_cell'))
    )
    op.create_table('tally_pair',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('given', sa.Boolean(), nullable=False),
    sa.Column('skey', sa.String(length=64), nullable=False),
    sa.Column('q1', sa.String(length=64), nullable=False),
    sa.Column('q2', sa.String(length=64), nullable=False),
    sa.Column('s_n', sa.Float(), nullable=False),
    sa.Column('s_y1', sa.Float(), nullable=False),
    sa.Column('s_y2', sa.Float(), nullable=False),
    sa.Column('s_y12', sa.Float(), nullable=False),
    sa.Column('g_n', sa.Float(), nullable=False),
    sa.Column('g_y1', sa.Float(), nullable=False),
    sa.Column('g_y2', sa.Float(), nullable=False),
    sa.Column('g_y12', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_tally_pair_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'unit_id', 'given', 'skey', 'q1', 'q2', name=op.f('pk_tally_pair'))
    )
    up = POSTGRES_UP if op.get_bind().dialect.name == 'postgresql' else SQLITE_UP
    for statement in up:
        op.execute(statement)


def downgrade() -> None:
    down = POSTGRES_DOWN if op.get_bind().dialect.name == 'postgresql' else SQLITE_DOWN
    for statement in down:
        op.execute(statement)
    op.drop_table('tally_pair')
    op.drop_table('tally_cell')
    with op.batch_alter_table('tally_queue', schema=None) as batch_op:
        batch_op.drop_index('ix_tally_queue_round_id')
    op.drop_table('tally_queue')
    op.drop_table('tally_state')
