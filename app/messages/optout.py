"""The citizen's own "no more messages" page, reached from the link in every invitation and
reminder (beside the "reply TU CHOI" of SMS and Zalo).

The link carries the contact's keyed hash and a MAC of it under the server's secret: it names
no phone number or e-mail address, cannot be made up for another contact, and works after the
contact itself has been erased. Opening it (GET) only asks; the opt-out is the button's POST,
so a link previewer or a mail scanner that fetches the link opts nobody out.
"""

from __future__ import annotations

import hmac

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import insert_ignore
from app.integrity.screening import keyed_hash
from app.models import MessageOptOut
from app.models.base import utcnow

PATH = "/tu-choi"
MAC_LENGTH = 12


def optout_token(secret_key: str, contact_hash: str) -> str:
    """The link's token for a contact (its keyed hash, then 12 hex of a MAC)."""
    return contact_hash + keyed_hash(secret_key, "optout", contact_hash)[:MAC_LENGTH]


def optout_link(secret_key: str, base_url: str, contact_hash: str) -> str:
    return f"{base_url.rstrip('/')}{PATH}/{optout_token(secret_key, contact_hash)}"


def contact_of(secret_key: str, token: str) -> str | None:
    """The contact hash a token names; None for a token this server did not make."""
    hashed = token[:-MAC_LENGTH]
    if len(hashed) != 32 or not hmac.compare_digest(optout_token(secret_key, hashed), token):
        return None
    return hashed


async def opt_out(session: AsyncSession, contact_hash: str) -> None:
    """No further message to the contact (idempotent); queued ones close at the next pass."""
    values = {"contact_hash": contact_hash, "created_at": utcnow()}
    await session.execute(insert_ignore(session, MessageOptOut, values))
