"""Which heads of units get which alert, and sending it once.

Heads are active users holding manager or admin on a unit; their scope is every unit under
those grants. Alerts (one e-mail per person per key; a person who opted out gets none):

- ``overdue:<local date>``: comments in the person's scope still open (new or assigned) past
  their due day (docs/comments: due dates in working days), counted per unit; at most one a day.

The alert row is inserted first (unique per person and key): of several workers only the one
whose insert went in sends; a failed send deletes it, so the next pass tries again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.mailer import send_mail
from app.auth.principal import Principal
from app.config import Settings
from app.db import Database, dialect_insert
from app.models import AlertOptOut, AlertSent, Comment, Grant, User
from app.models.base import utcnow
from app.units.service import UnitTree, load_tree

HEAD_ROLES = ("manager", "admin")


async def heads(session: AsyncSession) -> list[tuple[User, Principal]]:
    """Active, not opted-out users with a head's role, each as a principal of their grants."""
    opted = select(AlertOptOut.user_id)
    rows = await session.execute(
        select(User, Grant.role, Grant.unit_id)
        .join(Grant, Grant.user_id == User.id)
        .where(User.is_active, Grant.role.in_(HEAD_ROLES), User.id.not_in(opted))
        .order_by(User.id)
    )
    grants: dict[int, list[tuple[str, int]]] = defaultdict(list)
    users: dict[int, User] = {}
    for user, role, unit_id in rows.all():
        users[user.id] = user
        grants[user.id].append((role, unit_id))
    return [
        (u, Principal(kind="user", id=u.id, label=u.email, grants=tuple(grants[u.id])))
        for u in users.values()
    ]


async def overdue_by_unit(session: AsyncSession, today: date) -> dict[int, int]:
    rows = await session.execute(
        select(Comment.unit_id, func.count())
        .where(Comment.status.in_(("new", "assigned")), Comment.due_on < today)
        .group_by(Comment.unit_id)
    )
    return {unit_id: int(n) for unit_id, n in rows.all()}


def overdue_text(tree: UnitTree, counts: dict[int, int], today: date) -> str:
    lines = [
        f"- {tree.by_id[u].name} ({tree.by_id[u].code}): {n}"
        for u, n in sorted(counts.items(), key=lambda item: tree.by_id[item[0]].code)
    ]
    return (
        f"Góp ý quá hạn xử lý tại các đơn vị của Ông/Bà ({today:%d/%m/%Y}):\n"
        + "\n".join(lines)
        + "\n\nXem và xử lý trong trang quản trị (Góp ý). Tắt thông báo: trang Tài khoản.\n"
    )


async def claim(db: Database, user_id: int, key: str) -> bool:
    async with db.write_sessions.begin() as session:
        inserted = await session.execute(
            dialect_insert(session, AlertSent)
            .values(user_id=user_id, key=key, sent_at=utcnow())
            .on_conflict_do_nothing()
            .returning(AlertSent.user_id)
        )
        return inserted.first() is not None


async def send_alerts(db: Database, settings: Settings, today: date) -> int:
    """One pass: the overdue-comments alert of each head with any; the e-mails sent."""
    async with db.sessions() as session:
        tree, overdue = await load_tree(session), await overdue_by_unit(session, today)
        people = await heads(session) if overdue else []
    sent, key = 0, f"overdue:{today.isoformat()}"
    for user, principal in people:
        scope = principal.visible_units("manager", tree) or set()
        mine = {u: n for u, n in overdue.items() if u in scope}
        if not mine or not await claim(db, user.id, key):
            continue
        try:
            subject = f"[SIPAS] {sum(mine.values())} góp ý quá hạn xử lý"
            await send_mail(settings, user.email, subject, overdue_text(tree, mine, today))
            sent += 1
        except Exception:
            async with db.write_sessions.begin() as session:
                await session.execute(
                    delete(AlertSent).where(AlertSent.user_id == user.id, AlertSent.key == key)
                )
            raise
    return sent


async def set_alerts(session: AsyncSession, user_id: int, enabled: bool) -> bool:
    """Turn a person's alerts on or off; whether they are on."""
    if enabled:
        await session.execute(delete(AlertOptOut).where(AlertOptOut.user_id == user_id))
    else:
        await session.execute(
            dialect_insert(session, AlertOptOut)
            .values(user_id=user_id, created_at=utcnow())
            .on_conflict_do_nothing()
        )
    return enabled
