"""Listing users for an admin: those holding a grant inside the admin's scope."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.models import Grant, Unit, User
from app.units.service import load_tree


async def users_in_scope(
    session: AsyncSession, principal: Principal
) -> list[tuple[User, list[tuple[str, Unit]]]]:
    visible = principal.visible_units("admin", await load_tree(session))
    rows = await session.execute(
        select(User, Grant.role, Unit)
        .outerjoin(Grant, Grant.user_id == User.id)
        .outerjoin(Unit, Unit.id == Grant.unit_id)
        .order_by(User.email)
    )
    grants: dict[int, list[tuple[str, Unit]]] = defaultdict(list)
    users: dict[int, User] = {}
    for user, role, unit in rows:
        users[user.id] = user
        if unit is not None:
            grants[user.id].append((role, unit))
    return [
        (user, grants[uid])
        for uid, user in users.items()
        if visible is None or any(unit.id in visible for _, unit in grants[uid])
    ]
