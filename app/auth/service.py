"""Staff accounts, role grants, password changes and resets."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import SessionTransactionOrigin

from app.audit.service import Actor, record
from app.auth.principal import ROLE_RANK
from app.auth.secrets import hash_password, password_problem, verify_password
from app.errors import AppError, Conflict, NotFound
from app.i18n import N_
from app.models import Grant, Unit, User, UserSession
from app.models.base import utcnow
from app.units.service import get_unit


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def find_user(session: AsyncSession, login: str) -> User | None:
    """By email (case-insensitive) or username."""
    login = login.strip()
    return await session.scalar(
        select(User).where((User.email == normalise_email(login)) | (User.username == login))
    )


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(f"unknown user {user_id}")
    return user


async def create_user(
    session: AsyncSession,
    actor: Actor,
    *,
    email: str,
    password: str,
    name: str = "",
    username: str | None = None,
    superadmin: bool = False,
    temporary: bool = False,
    unit_id: int | None = None,
) -> User:
    """A new account; ``temporary``: the password was chosen by someone else (an admin), so
    the user must change it at first sign-in, as after a reset. ``unit_id``: where the audit
    files the event (the unit of its first grant), so that the unit's admins see it."""
    email = normalise_email(email)
    if "@" not in email:
        raise AppError("email address is not valid", field="email")
    if problem := password_problem(password):
        raise AppError(problem, field="password")
    password_hash = await _hash_unlocked(session, password)
    if await find_user(session, email) or (username and await find_user(session, username)):
        raise Conflict(f"user {email!r} exists", field="email")
    user = User(
        email=email,
        username=username,
        name=name,
        password_hash=password_hash,
        is_superadmin=superadmin,
        must_change_password=temporary,
    )
    session.add(user)
    await session.flush()
    await record(
        session,
        actor,
        "user.create",
        "user",
        user.id,
        unit_id,
        {"email": email, "superadmin": superadmin},
    )
    return user


async def grant_role(
    session: AsyncSession, actor: Actor, user: User, role: str, unit_code: str
) -> Grant:
    if role not in ROLE_RANK:
        raise AppError(f"unknown role {role!r}: use viewer, manager or admin")
    unit = await get_unit(session, unit_code)
    existing = await session.scalar(
        select(Grant).where(Grant.user_id == user.id, Grant.role == role, Grant.unit_id == unit.id)
    )
    if existing is not None:
        return existing
    grant = Grant(user_id=user.id, role=role, unit_id=unit.id)
    session.add(grant)
    await session.flush()
    await record(
        session, actor, "user.grant", "user", user.id, unit.id, {"role": role, "unit": unit.code}
    )
    return grant


async def revoke_role(
    session: AsyncSession, actor: Actor, user: User, role: str, unit_code: str
) -> None:
    unit = await get_unit(session, unit_code)
    result = await session.execute(
        delete(Grant).where(Grant.user_id == user.id, Grant.role == role, Grant.unit_id == unit.id)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"{user.email} holds no {role} grant on {unit.code}")
    await record(
        session, actor, "user.revoke", "user", user.id, unit.id, {"role": role, "unit": unit.code}
    )


async def grants_of(session: AsyncSession, user_id: int) -> list[tuple[str, int]]:
    rows = await session.execute(select(Grant.role, Grant.unit_id).where(Grant.user_id == user_id))
    return [(role, unit_id) for role, unit_id in rows]


async def grants_with_units(session: AsyncSession, user_id: int) -> list[tuple[str, Unit]]:
    rows = await session.execute(
        select(Grant.role, Unit)
        .join(Unit, Unit.id == Grant.unit_id)
        .where(Grant.user_id == user_id)
    )
    return [(role, unit) for role, unit in rows]


async def _hash_unlocked(session: AsyncSession, password: str) -> str:
    """The password's hash (~0.5 s of CPU, in app.auth.secrets' pool) with no transaction
    open: on SQLite a write transaction holds the database's one writer lock, which citizens'
    submissions wait for. A request's unit of work (app.db.unit_of_work: an autobegun
    transaction) is ended first: the console's routes call this before they write anything,
    so what ends is a transaction of reads, and objects stay loaded (no expiry on commit). A
    transaction the caller began explicitly (the CLI, the demo) is left alone."""
    transaction = session.sync_session.get_transaction()
    if transaction is not None and transaction.origin is SessionTransactionOrigin.AUTOBEGIN:
        await session.commit()
    return await hash_password(password)


async def _end_sessions(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(UserSession).where(UserSession.user_id == user_id))


async def change_password(
    session: AsyncSession, actor: Actor, user: User, current: str, new: str
) -> None:
    """The user's own change: needs the current password; ends every other session."""
    await session.commit()  # no transaction (SQLite's writer lock) held during the hashes
    if not await verify_password(user.password_hash, current):
        raise AppError(N_("Mật khẩu hiện tại không đúng."))
    if problem := password_problem(new):
        raise AppError(problem)
    if new == current:
        raise AppError(N_("Mật khẩu mới phải khác mật khẩu hiện tại."))
    user.password_hash = await _hash_unlocked(session, new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    await _end_sessions(session, user.id)
    await record(session, actor, "user.password_change", "user", user.id)


async def reset_password(
    session: AsyncSession, actor: Actor, user: User, temporary: str, unit_id: int | None
) -> None:
    """An admin sets a temporary password; the user must change it at next sign-in."""
    if problem := password_problem(temporary):
        raise AppError(problem)
    user.password_hash = await _hash_unlocked(session, temporary)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    await _end_sessions(session, user.id)
    await record(session, actor, "user.password_reset", "user", user.id, unit_id)


async def set_active(
    session: AsyncSession, actor: Actor, user: User, active: bool, unit_id: int | None
) -> None:
    """Deactivate an account (it can no longer sign in; its sessions end) or reactivate it."""
    if user.is_active == active:
        return
    user.is_active = active
    if not active:
        await _end_sessions(session, user.id)
    action = "user.reactivate" if active else "user.deactivate"
    await record(session, actor, action, "user", user.id, unit_id)
