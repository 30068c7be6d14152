"""Sign-in, sessions held in the database, and the login throttle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.auth.keys import TOUCH_EVERY
from app.auth.principal import Principal
from app.auth.secrets import keyed_hash, new_token, sha256, verify_password
from app.auth.service import find_user, grants_of
from app.config import Settings
from app.errors import AppError
from app.i18n import N_
from app.models import LoginFailure, User, UserSession
from app.models.base import as_utc, utcnow

GENERIC_FAILURE = N_("Email/tên đăng nhập hoặc mật khẩu không đúng.")
INVALID_CHARACTERS = N_("Tên đăng nhập hoặc mật khẩu chứa ký tự không hợp lệ.")
THROTTLED = N_("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút.")


class LoginRefused(AppError):
    status_code = 400
    code = "login_refused"
    title = N_("Không đăng nhập được")


class Throttled(AppError):
    status_code = 429
    code = "too_many_attempts"
    title = N_("Thử lại sau")


@dataclass(frozen=True)
class NewSession:
    token: str  # goes in the cookie; only its hash is stored
    user: User


async def _failures(session: AsyncSession, key: str, since: datetime) -> int:
    stmt = select(func.count()).where(LoginFailure.key == key, LoginFailure.at >= since)
    return int(await session.scalar(stmt) or 0)


async def sign_in(
    session: AsyncSession, settings: Settings, login: str, password: str, client: str
) -> NewSession:
    """Check the throttle, then the password; the same message whether or not the account
    exists. Failures are stored, so every replica counts the same attempts."""
    if "\x00" in login or "\x00" in password:  # no account has one; PostgreSQL text cannot
        raise LoginRefused(INVALID_CHARACTERS)
    now = utcnow()
    since = now - timedelta(minutes=settings.login_failure_window_minutes)
    account_key = "a:" + keyed_hash(settings.secret_key, login.strip().lower())
    client_key = "c:" + keyed_hash(settings.secret_key, client)
    if (
        await _failures(session, account_key, since) >= settings.login_max_failures_per_account
        or await _failures(session, client_key, since) >= settings.login_max_failures_per_client
    ):
        raise Throttled(THROTTLED)
    user = await find_user(session, login)
    # End the reading transaction before the slow hash: no lock (SQLite's writer lock) and no
    # pooled connection is held while it runs; the writes below start a new one.
    await session.commit()
    if not await verify_password(user.password_hash if user else None, password) or not (
        user and user.is_active
    ):
        session.add_all(
            [LoginFailure(key=account_key, at=now), LoginFailure(key=client_key, at=now)]
        )
        await session.execute(delete(LoginFailure).where(LoginFailure.at < since))
        raise LoginRefused(GENERIC_FAILURE)
    token = new_token()
    session.add(
        UserSession(
            token_hash=sha256(token),
            user_id=user.id,
            csrf_token=new_token(24),
            client_hash=client_key[2:],
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours),
        )
    )
    await record(
        session,
        Actor(f"user:{user.id} {user.email}", user.id, client_key[2:]),
        "auth.login",
        "user",
        user.id,
    )
    return NewSession(token, user)


async def resolve_session(
    session: AsyncSession, settings: Settings, token: str
) -> tuple[Principal, bool] | None:
    """The principal behind a session cookie, or None when unknown or expired (idle or
    absolute). The flag says the session's last-seen time is due for an update."""
    row = await session.get(UserSession, sha256(token))
    if row is None:
        return None
    now = utcnow()
    idle_limit = as_utc(row.last_seen_at) + timedelta(minutes=settings.session_idle_minutes)
    if now >= as_utc(row.expires_at) or now >= idle_limit:
        return None
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    principal = Principal(
        kind="user",
        id=user.id,
        label=f"user:{user.id} {user.email}",
        is_superadmin=user.is_superadmin,
        grants=tuple(await grants_of(session, user.id)),
        csrf_token=row.csrf_token,
        must_change_password=user.must_change_password,
        session_hash=row.token_hash,
    )
    return principal, now - as_utc(row.last_seen_at) >= TOUCH_EVERY


async def touch_session(session: AsyncSession, token_hash: str) -> None:
    await session.execute(
        update(UserSession)
        .where(UserSession.token_hash == token_hash)
        .values(last_seen_at=utcnow())
    )


async def end_session(session: AsyncSession, actor: Actor, token_hash: str) -> None:
    await session.execute(delete(UserSession).where(UserSession.token_hash == token_hash))
    await record(session, actor, "auth.logout", "user", actor.user_id)
