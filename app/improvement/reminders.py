"""E-mail reminders of improvement actions due within DUE_SOON_DAYS or late, sent by the
background worker through the alerts mailer (app.alerts: SMTP, else the development outbox).

Who gets one: the action's owner (who created it) and the heads of its responsible unit (the
action's unit when none is named) — active users holding manager or admin on that unit; when
no one does, on its nearest ancestor that has a head (the person responsible is a name, not
an account: their unit's heads stand for them). A person who turned alerts off
(``alert_opt_out``, the account page) gets none.

Once per action per day: each recipient's reminder of an action is claimed in ``alert_sent``
under ``improvement:<action id>:<local date>`` before sending (a unique key: of several
workers only one sends), one e-mail per person listing the actions claimed; a failed send
releases the claims, so the next pass tries again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.mailer import send_mail
from app.alerts.service import HEAD_ROLES, claim
from app.config import Settings
from app.db import Database
from app.improvement.plans import OPEN
from app.improvement.progress import DUE_SOON_DAYS
from app.models import AlertOptOut, AlertSent, Grant, ImprovementAction, Round, User
from app.units.service import UnitTree, load_tree


def reminder_key(action_id: int, today: date) -> str:
    return f"improvement:{action_id}:{today.isoformat()}"


async def due_actions(session: AsyncSession, today: date) -> list[ImprovementAction]:
    """Open actions due within DUE_SOON_DAYS or late (the inbox's indexed query)."""
    rows = await session.scalars(
        select(ImprovementAction)
        .where(
            ImprovementAction.status.in_(OPEN),
            ImprovementAction.due_on <= today + timedelta(days=DUE_SOON_DAYS),
        )
        .order_by(ImprovementAction.due_on, ImprovementAction.id)
    )
    return list(rows.all())


async def reachable(session: AsyncSession) -> tuple[dict[int, User], dict[int, set[int]]]:
    """Active users who did not opt out: by id, and the heads by the unit of their grant."""
    opted = select(AlertOptOut.user_id)
    users = {
        u.id: u
        for u in await session.scalars(select(User).where(User.is_active, User.id.not_in(opted)))
    }
    heads: dict[int, set[int]] = defaultdict(set)
    rows = await session.execute(
        select(Grant.unit_id, Grant.user_id).where(Grant.role.in_(HEAD_ROLES))
    )
    for unit_id, user_id in rows.all():
        if user_id in users:
            heads[unit_id].add(user_id)
    return users, heads


def recipients(
    action: ImprovementAction, tree: UnitTree, users: dict[int, User], heads: dict[int, set[int]]
) -> set[int]:
    """The owner and the heads of the responsible unit (else of its nearest headed ancestor)."""
    found = {action.owner_id} if action.owner_id in users else set()
    for node in tree.ancestors(action.responsible_unit_id or action.unit_id):
        if heads.get(node.id):
            return found | heads[node.id]
    return found


def reminder_text(
    tree: UnitTree, rounds: dict[int, str], actions: list[ImprovementAction], today: date
) -> str:
    lines = []
    for a in actions:
        state = (
            f"quá hạn {(today - a.due_on).days} ngày"
            if a.due_on < today
            else ("đến hạn hôm nay" if a.due_on == today else f"còn {(a.due_on - today).days} ngày")
        )
        unit = tree.by_id[a.unit_id]
        lines.append(
            f"- {a.title} — {unit.name} ({unit.code}), đợt {rounds.get(a.round_id, '')}; "
            f"người chịu trách nhiệm: {a.responsible_person}; hạn {a.due_on:%d/%m/%Y} ({state})"
        )
    return (
        f"Hành động cải thiện sắp đến hạn hoặc quá hạn ({today:%d/%m/%Y}):\n"
        + "\n".join(lines)
        + "\n\nCập nhật tiến độ trong trang quản trị (Cải thiện). "
        "Tắt thông báo: trang Tài khoản.\n"
    )


async def send_reminders(db: Database, settings: Settings, today: date) -> int:
    """One pass: each recipient's reminder of the actions not yet reminded today; e-mails sent."""
    async with db.sessions() as session:
        actions = await due_actions(session, today)
        if not actions:
            return 0
        tree = await load_tree(session)
        users, heads = await reachable(session)
        ids = {a.round_id for a in actions}
        found = await session.execute(select(Round.id, Round.code).where(Round.id.in_(ids)))
        rounds = {round_id: code for round_id, code in found.all()}
    mine: dict[int, list[ImprovementAction]] = defaultdict(list)
    for action in actions:
        for user_id in recipients(action, tree, users, heads):
            mine[user_id].append(action)
    sent = 0
    for user_id, theirs in sorted(mine.items()):
        won = set(await claim(db, user_id, [reminder_key(a.id, today) for a in theirs]))
        claimed = [a for a in theirs if reminder_key(a.id, today) in won]
        if not claimed:
            continue
        late = sum(a.due_on < today for a in claimed)
        subject = f"[SIPAS] {len(claimed)} hành động cải thiện sắp đến hạn"
        if late:
            subject += f" ({late} quá hạn)"
        try:
            await send_mail(
                settings, users[user_id].email, subject, reminder_text(tree, rounds, claimed, today)
            )
            sent += 1
        except Exception:
            keys = [reminder_key(a.id, today) for a in claimed]
            async with db.write_sessions.begin() as session:
                await session.execute(
                    delete(AlertSent).where(AlertSent.user_id == user_id, AlertSent.key.in_(keys))
                )
            raise
    return sent
