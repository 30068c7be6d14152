"""API keys: shown once, stored hashed, identified by a visible prefix, revocable."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.auth.principal import FEEDER, Principal
from app.auth.secrets import new_token, sha256
from app.errors import AppError, NotFound
from app.i18n import N_
from app.models import ApiKey
from app.models.base import as_utc, utcnow
from app.units.service import get_unit

KEY_PREFIX = "sk_"
# Last-seen and last-used times are written at most this often (sessions use it too): a write
# on every request would cost more than the request.
TOUCH_EVERY = timedelta(seconds=60)
PERMISSIONS = ("read", "feed")
BAD_PERMISSION = N_("Quyền của khóa phải là đọc (read) hoặc nạp hồ sơ (feed).")
EXPIRY_PASSED = N_("Ngày hết hạn đã qua: chọn hôm nay hoặc một ngày sau.")


@dataclass(frozen=True)
class IssuedKey:
    key: str  # the only time the whole key exists outside the caller's hands
    record: ApiKey


def _split(key: str) -> tuple[str, str] | None:
    if not key.startswith(KEY_PREFIX) or key.count("_") < 2:
        return None
    prefix, _, secret = key[len(KEY_PREFIX) :].partition("_")
    return (KEY_PREFIX + prefix, secret) if prefix and secret else None


async def create_key(
    session: AsyncSession,
    actor: Actor,
    name: str,
    unit_code: str,
    expires_at: datetime | None,
    permission: str = "read",
) -> IssuedKey:
    """A new key on a unit's subtree; an expiry, if given, must lie in the future.
    ``permission``: "read" (reporting API) or "feed" (posting dossier events, app/dossiers)."""
    if permission not in PERMISSIONS:
        raise AppError(BAD_PERMISSION, field="permission")
    if expires_at is not None and as_utc(expires_at) <= utcnow():
        raise AppError(EXPIRY_PASSED, field="expires")
    unit = await get_unit(session, unit_code)
    prefix = KEY_PREFIX + new_token(6).replace("_", "x").replace("-", "y")[:8]
    key = f"{prefix}_{new_token(32)}"  # 256 bits of secret after the prefix
    row = ApiKey(
        name=name,
        prefix=prefix,
        key_hash=sha256(key),
        unit_id=unit.id,
        created_by_id=actor.user_id,
        expires_at=expires_at,
        permission=permission,
    )
    session.add(row)
    await session.flush()
    await record(
        session,
        actor,
        "api_key.create",
        "api_key",
        prefix,
        unit.id,
        {"name": name, "unit": unit.code, "permission": permission},
    )
    return IssuedKey(key, row)


async def revoke_key(session: AsyncSession, actor: Actor, prefix: str) -> ApiKey:
    row = await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if row is None:
        raise NotFound(f"no API key with prefix {prefix!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await record(session, actor, "api_key.revoke", "api_key", prefix, row.unit_id)
    return row


async def resolve_key(session: AsyncSession, key: str) -> tuple[Principal, bool] | None:
    """The principal of a valid, unrevoked, unexpired key — checked on every request — and
    whether its last-used time is due for an update."""
    parts = _split(key)
    if parts is None:
        return None
    row = await session.scalar(select(ApiKey).where(ApiKey.prefix == parts[0]))
    if row is None or not hmac.compare_digest(row.key_hash, sha256(key)):
        return None
    now = utcnow()
    if row.revoked_at is not None or (row.expires_at is not None and as_utc(row.expires_at) <= now):
        return None
    role = FEEDER if row.permission == "feed" else "viewer"  # never both
    principal = Principal(
        kind="api_key", id=row.id, label=f"api_key:{row.prefix}", grants=((role, row.unit_id),)
    )
    due = row.last_used_at is None or now - as_utc(row.last_used_at) >= TOUCH_EVERY
    return principal, due


async def touch_key(session: AsyncSession, key_id: int) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow()))


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    return list((await session.scalars(select(ApiKey).order_by(ApiKey.id))).all())
