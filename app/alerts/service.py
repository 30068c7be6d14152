"""Which heads of units get which alert, and sending it once.

Heads are active users holding manager or admin on a unit; their scope is every unit under
those grants. Alerts (one e-mail per person per key; a person who turned alerts off, or this
kind of alert, gets none):

- ``overdue:<local date>``: comments in the person's scope still open (new or assigned) past
  their due day (docs/comments: due dates in working days), counted per unit; at most one a day.
- ``below:<round>:<unit>:<episode>``: a unit of the person's scope fell below its target, as
  the background worker judged it from the refreshed figures (app/webhooks/targets.py); one
  e-mail lists the falls not told before, each told once.
- the weekly digest (app/alerts/digest.py).

The alert rows are inserted first (unique per person and key): of several workers only the one
whose insert went in sends; a failed send deletes them, so the next pass tries again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.mailer import send_mail
from app.audit.service import Actor, record
from app.auth.principal import Principal
from app.config import Settings
from app.db import Database, dialect_insert
from app.models import (
    AlertKindOff,
    AlertOptOut,
    AlertSent,
    Comment,
    Grant,
    Round,
    TargetWatch,
    User,
)
from app.models.alert import ALERT_KINDS
from app.models.base import utcnow
from app.units.service import UnitTree, load_tree

HEAD_ROLES = ("manager", "admin")
FOOTER = "\nTắt thông báo: trang quản trị, Tài khoản → Thông báo.\n"


@dataclass(frozen=True)
class Head:
    user: User
    principal: Principal
    off: frozenset[str]  # kinds of alert turned off

    def scope(self, tree: UnitTree) -> set[int]:
        return self.principal.visible_units("manager", tree) or set()


async def heads(session: AsyncSession, kind: str | None = None) -> list[Head]:
    """Active, not opted-out users with a head's role (without ``kind`` turned off)."""
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
    off: dict[int, set[str]] = defaultdict(set)
    for user_id, found in await session.execute(select(AlertKindOff.user_id, AlertKindOff.kind)):
        off[user_id].add(found)
    return [
        Head(
            u,
            Principal(kind="user", id=u.id, label=u.email, grants=tuple(grants[u.id])),
            frozenset(off[u.id]),
        )
        for u in users.values()
        if kind is None or kind not in off[u.id]
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
        + "\n\nXem và xử lý trong trang quản trị (Góp ý).\n"
        + FOOTER
    )


async def claim(db: Database, user_id: int, keys: Sequence[str]) -> list[str]:
    """Insert the alert rows not there yet; the keys this call inserted."""
    won = []
    async with db.write_sessions.begin() as session:
        for key in keys:
            inserted = await session.execute(
                dialect_insert(session, AlertSent)
                .values(user_id=user_id, key=key, sent_at=utcnow())
                .on_conflict_do_nothing()
                .returning(AlertSent.user_id)
            )
            if inserted.first() is not None:
                won.append(key)
    return won


async def send_once(
    db: Database,
    settings: Settings,
    head: Head,
    keys: Sequence[str],
    compose: Callable[[list[str]], tuple[str, str]],
) -> bool:
    """Claim ``keys`` for the person; if any was new, send ``compose(new keys)`` (subject,
    body). A failed send releases the keys it claimed (the next pass tries again)."""
    won = await claim(db, head.user.id, keys)
    if not won:
        return False
    try:
        subject, body = compose(won)
        await send_mail(settings, head.user.email, subject, body)
    except Exception:
        async with db.write_sessions.begin() as session:
            await session.execute(
                delete(AlertSent).where(AlertSent.user_id == head.user.id, AlertSent.key.in_(won))
            )
        raise
    return True


def fixed(mail: tuple[str, str]) -> Callable[[list[str]], tuple[str, str]]:
    """A composer that returns ``mail`` whatever was claimed."""
    return lambda _: mail


async def send_overdue(db: Database, settings: Settings, today: date) -> int:
    """The overdue-comments alert of each head with any in scope; the e-mails sent."""
    async with db.sessions() as session:
        tree, overdue = await load_tree(session), await overdue_by_unit(session, today)
        people = await heads(session, "overdue") if overdue else []
    sent = 0
    for head in people:
        scope = head.scope(tree)
        mine = {u: n for u, n in overdue.items() if u in scope}
        if not mine:
            continue
        mail = (
            f"[SIPAS] {sum(mine.values())} góp ý quá hạn xử lý",
            overdue_text(tree, mine, today),
        )
        sent += await send_once(db, settings, head, [f"overdue:{today.isoformat()}"], fixed(mail))
    return sent


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}".replace(".", ",") + " %"


async def below_now(session: AsyncSession) -> list[tuple[TargetWatch, str]]:
    """Units of open rounds judged below their target now, with the round's code."""
    rows = await session.execute(
        select(TargetWatch, Round.code)
        .join(Round, Round.id == TargetWatch.round_id)
        .where(TargetWatch.status == "not_met", Round.status == "open")
        .order_by(Round.code, TargetWatch.unit_id)
    )
    return [(w, code) for w, code in rows.all()]


def below_key(watch: TargetWatch) -> str:
    return f"below:{watch.round_id}:{watch.unit_id}:{watch.episode}"


def below_lines(tree: UnitTree, found: list[tuple[TargetWatch, str]]) -> list[str]:
    return [
        f"- {tree.by_id[w.unit_id].name} ({tree.by_id[w.unit_id].code}), đợt khảo sát {code}: "
        f"chỉ số {percent(w.index)}, chỉ tiêu {percent(w.target)}"
        for w, code in found
    ]


async def send_below_target(db: Database, settings: Settings) -> int:
    """The alert of each head with a unit in scope newly below its target; e-mails sent."""
    async with db.sessions() as session:
        below = await below_now(session)
        tree = await load_tree(session)
        people = await heads(session, "below_target") if below else []
    sent = 0
    for head in people:
        scope = head.scope(tree)
        mine = {below_key(w): (w, code) for w, code in below if w.unit_id in scope}
        if not mine:
            continue

        def compose(
            won: list[str], mine: dict[str, tuple[TargetWatch, str]] = mine
        ) -> tuple[str, str]:
            lines = below_lines(tree, [mine[k] for k in won])
            body = (
                "Đơn vị thuộc phạm vi của Ông/Bà có chỉ số hài lòng dưới chỉ tiêu (khoảng tin "
                "cậy 95 % nằm dưới chỉ tiêu), theo số liệu vừa cập nhật:\n"
                + "\n".join(lines)
                + "\n\nXem báo cáo trong trang quản trị (Tổng quan).\n"
                + FOOTER
            )
            return f"[SIPAS] {len(won)} đơn vị dưới chỉ tiêu", body

        sent += await send_once(db, settings, head, list(mine), compose)
    return sent


async def send_alerts(db: Database, settings: Settings, today: date) -> int:
    """One pass of the event alerts: overdue comments, units below target; e-mails sent."""
    return await send_overdue(db, settings, today) + await send_below_target(db, settings)


async def preferences(session: AsyncSession, user_id: int) -> dict[str, bool]:
    """Whether the person gets alerts at all (``enabled``) and each kind."""
    off = await session.scalar(select(AlertOptOut.user_id).where(AlertOptOut.user_id == user_id))
    kinds = set(
        await session.scalars(select(AlertKindOff.kind).where(AlertKindOff.user_id == user_id))
    )
    return {"enabled": off is None, **{k: k not in kinds for k in ALERT_KINDS}}


async def change_preferences(
    session: AsyncSession, actor: Actor, user_id: int, changes: dict[str, bool]
) -> dict[str, bool]:
    """Apply ``changes`` (``enabled`` and/or kinds of ``ALERT_KINDS``); audited when anything
    changed (``account.alerts``); the person's settings after."""
    before = await preferences(session, user_id)
    if (enabled := changes.get("enabled")) is not None:
        await set_alerts(session, user_id, enabled)
    for kind in ALERT_KINDS:
        if (value := changes.get(kind)) is not None:
            await set_kind(session, user_id, kind, value)
    after = await preferences(session, user_id)
    diff = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if diff:
        await record(session, actor, "account.alerts", "user", user_id, None, diff)
    return after


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


async def set_kind(session: AsyncSession, user_id: int, kind: str, enabled: bool) -> None:
    """Turn one kind of alert (``ALERT_KINDS``) on or off for the person."""
    if enabled:
        await session.execute(
            delete(AlertKindOff).where(AlertKindOff.user_id == user_id, AlertKindOff.kind == kind)
        )
    else:
        await session.execute(
            dialect_insert(session, AlertKindOff)
            .values(user_id=user_id, kind=kind, created_at=utcnow())
            .on_conflict_do_nothing()
        )
