"""Instruments as responses answered them: stored FormVersion definitions, parsed once."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.forms.schema import Instrument
from app.models import FormVersion

# Content-addressed: a (row id, hash) pair always means the same definition.
_parsed: dict[tuple[int, str], Instrument] = {}


async def stored_instruments(
    session: AsyncSession, version_ids: Iterable[int] | None = None
) -> dict[int, Instrument]:
    """FormVersion id -> its instrument, for the given versions (every version if None)."""
    stmt = select(FormVersion.id, FormVersion.content_hash)
    if version_ids is not None:
        stmt = stmt.where(FormVersion.id.in_(set(version_ids)))
    keys = [(vid, digest) for vid, digest in await session.execute(stmt)]
    missing = [vid for vid, digest in keys if (vid, digest) not in _parsed]
    if missing:
        rows = await session.execute(
            select(FormVersion.id, FormVersion.content_hash, FormVersion.definition).where(
                FormVersion.id.in_(missing)
            )
        )
        for vid, digest, definition in rows:
            _parsed[(vid, digest)] = Instrument.model_validate(definition)
    return {vid: _parsed[(vid, digest)] for vid, digest in keys}


def free_text_codes(instrument: Instrument) -> tuple[str, ...]:
    """Questions answered in the citizen's own words (comments, follow-up "why?" texts)."""
    return tuple(q.code for q in instrument.questions if q.type == "text")
