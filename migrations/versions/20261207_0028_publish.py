"""comment.theme: what a comment is about, classified from its text (app.comments.themes)

Revision ID: 0028
Revises: 0027

Comments made from now on get their theme when the sync creates them; the comments already
there are classified here, in batches, from their answers' text (the classifier is the
application's, so that old and new comments are classified alike).
Create Date: 2026-12-07 20:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.comments.themes import classify

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('theme', sa.String(length=16), nullable=True))
    bind = op.get_bind()
    comment = sa.table('comment', sa.column('id'), sa.column('response_id'),
                       sa.column('question'), sa.column('theme'))
    answer = sa.table('answer', sa.column('response_id'), sa.column('question'),
                      sa.column('ordinal'), sa.column('text'))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(comment.c.id, answer.c.text)
            .select_from(comment)
            .outerjoin(answer, sa.and_(answer.c.response_id == comment.c.response_id,
                                       answer.c.question == comment.c.question,
                                       answer.c.ordinal == 0))
            .where(comment.c.id > last)
            .order_by(comment.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            comment.update().where(comment.c.id == sa.bindparam('cid')).values(
                theme=sa.bindparam('t')
            ),
            [{'cid': cid, 't': classify(text)} for cid, text in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('theme')
