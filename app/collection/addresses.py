"""Counters' public addresses: a code typed by hand from a poster, in another letter case,
still arrives; an unknown one is told to the citizen in Vietnamese."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.i18n import N_
from app.models import Unit

UNKNOWN_COUNTER = N_(
    "Không tìm thấy điểm khảo sát có mã này. Ông/Bà vui lòng kiểm tra lại địa chỉ "
    "hoặc quét lại mã QR tại quầy."
)


async def canonical_code(session: AsyncSession, code: str) -> str | None:
    """The stored unit code equal to ``code`` but for letter case, if exactly one is."""
    found = await session.scalars(
        select(Unit.code).where(func.lower(Unit.code) == code.lower()).limit(2)
    )
    codes = found.all()
    return codes[0] if len(codes) == 1 else None


async def moved_or_unknown(request: Request, unit_code: str) -> RedirectResponse:
    """A permanent redirect to the counter's canonical address when only the letter case
    differs (a GET; the rest of the path and the query kept); else NotFound for citizens."""
    async with request.app.state.db.sessions() as session:
        code = await canonical_code(session, unit_code)
    if code is None or code == unit_code:
        raise NotFound(UNKNOWN_COUNTER)
    rest = request.url.path[len(f"/s/{unit_code}") :]
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/s/{quote(code)}{quote(rest)}{query}", status_code=301)
