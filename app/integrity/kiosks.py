"""Registered kiosks (desk tablets): one device serving many citizens at one counter.

Staff register a kiosk for a counter and get a one-time activation link; opening it on the
tablet stores the kiosk's random key in a cookie and opens the counter's form in kiosk mode.
Only the key's SHA-256 is kept. A registration is made by an admin of the counter who is not
its own staff (app/integrity/review.py ``independent``), so a counter cannot register its own
phone as a kiosk to escape the one-response-per-device limit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.auth.access import require
from app.auth.principal import Principal
from app.db import Database
from app.errors import Conflict, NotFound
from app.integrity.device import KioskSeen
from app.integrity.review import require_independent
from app.models import Kiosk
from app.models.base import utcnow
from app.units.service import get_unit, load_tree


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Registered:
    kiosk: Kiosk
    key: str  # shown once, inside the activation link


async def register_kiosk(
    session: AsyncSession, actor: Actor, principal: Principal, unit_code: str, name: str
) -> Registered:
    """Register a kiosk at a counter (admin of the counter, not its own staff); audited."""
    unit = await get_unit(session, unit_code)
    tree = await load_tree(session)
    require(principal, "admin", unit.id, tree)
    require_independent(principal, tree, unit.id)
    key = secrets.token_urlsafe(24)
    kiosk = Kiosk(
        unit_id=unit.id,
        name=name.strip() or unit.name,
        key_hash=key_hash(key),
        registered_by_id=actor.user_id,
    )
    session.add(kiosk)
    await session.flush()
    await record(session, actor, "kiosk.register", "kiosk", kiosk.id, unit.id, {"name": kiosk.name})
    return Registered(kiosk, key)


async def revoke_kiosk(
    session: AsyncSession, actor: Actor, principal: Principal, kiosk_id: int
) -> Kiosk:
    """A revoked kiosk's responses are an ordinary device's from then on; audited."""
    kiosk = await session.get(Kiosk, kiosk_id, with_for_update=True)
    if kiosk is None:
        raise NotFound(f"unknown kiosk {kiosk_id}")
    require(principal, "admin", kiosk.unit_id, await load_tree(session))
    if kiosk.revoked_at is not None:
        raise Conflict("kiosk already revoked")
    kiosk.revoked_at = utcnow()
    await record(session, actor, "kiosk.revoke", "kiosk", kiosk.id, kiosk.unit_id, {})
    return kiosk


async def find_kiosk(db: Database, key: str) -> KioskSeen | None:
    """The registered, unrevoked kiosk holding ``key``. Looked up on every request that carries
    a kiosk cookie (one indexed read), not cached: a revocation holds at once on every
    replica."""
    digest = key_hash(key)
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(Kiosk.id, Kiosk.unit_id).where(
                    Kiosk.key_hash == digest, Kiosk.revoked_at.is_(None)
                )
            )
        ).first()
    return KioskSeen(row.id, row.unit_id) if row else None
