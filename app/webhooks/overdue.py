"""``comment.overdue``: a comment still open (new or assigned) once its due day has passed.

Found by the background worker once per local day: the cursor holds the last due day whose
comments were told, so a pass reads only comments due after it and before today (those became
overdue since), and a second pass the same day reads nothing. Each (subscription, comment,
due day) is one outbox row under a unique key: a comment reopened with a new due day can be
told again. No comment text is sent.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Comment, Round, Unit
from app.models.base import as_utc
from app.units.service import load_tree
from app.webhooks.events import OVERDUE, Told, active_subscriptions, cursor_of


async def scan_overdue(session: AsyncSession, today: date) -> int:
    """Outbox rows for comments that became overdue since the last pass; how many."""
    cursor = await cursor_of(session, OVERDUE, today)
    upto = today.toordinal() - 1  # due yesterday or before: overdue today
    if cursor.last_id >= upto:
        return 0
    rows = (
        await session.execute(
            select(
                Comment.id,
                Comment.unit_id,
                Comment.status,
                Comment.due_on,
                Comment.created_at,
                Round.code,
                Unit.code,
            )
            .join(Round, Round.id == Comment.round_id)
            .join(Unit, Unit.id == Comment.unit_id)
            .where(
                Comment.status.in_(("new", "assigned")),
                Comment.due_on > date.fromordinal(cursor.last_id),
                Comment.due_on <= date.fromordinal(upto),
            )
            .order_by(Comment.id)
        )
    ).all()
    subscriptions = await active_subscriptions(session) if rows else []
    tree, added = await load_tree(session), 0
    for cid, unit_id, status, due, created_at, round_code, unit_code in rows:
        due_on = due or today  # not NULL: the query compared it
        data = {
            "comment_id": cid,
            "round": round_code,
            "unit": unit_code,
            "status": status,
            "due_on": due_on.isoformat(),
            "received_at": as_utc(created_at).isoformat(),
            "days_overdue": (today - due_on).days,
        }
        told = Told(session, subscriptions, tree, unit_id)
        added += await told("comment.overdue", f"comment.overdue:{cid}:{due_on.isoformat()}", data)
    cursor.last_id = upto
    return added
