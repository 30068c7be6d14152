"""Making a frozen revision public (or withdrawing it), finding what is public, verifying files.

Only a revision a staff member made public is ever served here: a round with none (draft,
open, closed but not frozen, or frozen but not made public) is unknown (404) to the public.
Pages read the frozen items of one revision, never the responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.models import (
    PublicFile,
    PublicRevision,
    ReportSnapshot,
    ReportSnapshotItem,
    Round,
    Unit,
)
from app.models.base import as_utc
from app.reporting.snapshots import Body

NOT_PUBLIC = "no published results for this round"


@dataclass(frozen=True)
class Public:
    """A public revision of a round, as the pages read it."""

    round: Round
    snapshot: ReportSnapshot
    flag: PublicRevision
    top: Unit


async def revision_body(session: AsyncSession, snapshot: ReportSnapshot) -> Body:
    rows = await session.execute(
        select(ReportSnapshotItem.lang, Unit.code, ReportSnapshotItem.body)
        .join(Unit, Unit.id == ReportSnapshotItem.unit_id)
        .where(ReportSnapshotItem.snapshot_id == snapshot.id)
    )
    body: Body = {}
    for lang, code, report in rows:
        body.setdefault(lang, {})[code] = report
    return body


def open_data_url(base_url: str, round_code: str, revision: int, name: str = "") -> str:
    return f"{base_url.rstrip('/')}/open-data/{quote(round_code)}/{revision}/{name}"


async def public_revision(
    session: AsyncSession, round_code: str, revision: int | None = None
) -> Public:
    """The latest public revision of the round, or the one asked for if public; else 404."""
    query = (
        select(Round, ReportSnapshot, PublicRevision, Unit)
        .join(ReportSnapshot, ReportSnapshot.round_id == Round.id)
        .join(PublicRevision, PublicRevision.snapshot_id == ReportSnapshot.id)
        .join(Unit, Unit.id == PublicRevision.unit_id)
        .where(Round.code == round_code)
        .order_by(ReportSnapshot.revision.desc())
        .limit(1)
    )
    if revision is not None:
        query = query.where(ReportSnapshot.revision == revision)
    found = (await session.execute(query)).first()
    if found is None:
        raise NotFound(NOT_PUBLIC)
    return Public(*found)


async def public_revisions(session: AsyncSession, round_id: int | None = None) -> list[Public]:
    """Every public revision (of one round, or all), newest publication first."""
    query = (
        select(Round, ReportSnapshot, PublicRevision, Unit)
        .join(ReportSnapshot, ReportSnapshot.round_id == Round.id)
        .join(PublicRevision, PublicRevision.snapshot_id == ReportSnapshot.id)
        .join(Unit, Unit.id == PublicRevision.unit_id)
        .order_by(PublicRevision.published_at.desc(), ReportSnapshot.revision.desc())
    )
    if round_id is not None:
        query = query.where(Round.id == round_id)
    return [Public(*row) for row in await session.execute(query)]


async def public_flags(session: AsyncSession, round_id: int) -> dict[int, datetime]:
    """revision -> when it was made public, for the console's list."""
    rows = await session.execute(
        select(ReportSnapshot.revision, PublicRevision.published_at)
        .join(PublicRevision, PublicRevision.snapshot_id == ReportSnapshot.id)
        .where(ReportSnapshot.round_id == round_id)
    )
    return {rev: as_utc(at) for rev, at in rows}


async def public_file(session: AsyncSession, public: Public, name: str) -> PublicFile:
    found = await session.get(PublicFile, (public.snapshot.id, name))
    if found is None:
        raise NotFound(f"no file {name!r} in revision {public.snapshot.revision}")
    return found


@dataclass(frozen=True)
class Match:
    round_code: str
    round_name: str
    revision: int
    name: str
    sha256: str
    published_at: datetime


async def find_by_hash(session: AsyncSession, digest: str) -> list[Match]:
    """The public files whose SHA-256 is ``digest`` (lowercase hex)."""
    rows = await session.execute(
        select(
            Round.code,
            Round.name,
            ReportSnapshot.revision,
            PublicFile.name,
            PublicRevision.published_at,
        )
        .join(PublicRevision, PublicRevision.snapshot_id == PublicFile.snapshot_id)
        .join(ReportSnapshot, ReportSnapshot.id == PublicFile.snapshot_id)
        .join(Round, Round.id == ReportSnapshot.round_id)
        .where(PublicFile.sha256 == digest)
        .order_by(Round.code, ReportSnapshot.revision, PublicFile.name)
    )
    return [Match(c, n, r, f, digest, as_utc(at)) for c, n, r, f, at in rows]


@dataclass(frozen=True)
class Earlier:
    """A unit's overall figure in an earlier round's latest public revision (its trend)."""

    round_code: str
    report: dict[str, Any]


async def earlier_public(
    session: AsyncSession, round_: Round, unit_id: int, lang: str, limit: int = 8
) -> list[Earlier]:
    """The unit's reports in the latest public revision of each earlier round of the same
    instrument (up to ``limit``, oldest first): one query for the revisions, one per round."""
    rows = await session.execute(
        select(Round.code, func.max(ReportSnapshot.id))
        .join(ReportSnapshot, ReportSnapshot.round_id == Round.id)
        .join(PublicRevision, PublicRevision.snapshot_id == ReportSnapshot.id)
        .where(Round.form_code == round_.form_code, Round.starts_on < round_.starts_on)
        .group_by(Round.code, Round.starts_on)
        .order_by(Round.starts_on.desc())
        .limit(limit)
    )
    found = []
    for code, snapshot_id in rows:
        item = await session.get(ReportSnapshotItem, (snapshot_id, unit_id, lang))
        if item is not None:
            found.append(Earlier(code, dict(item.body)))
    return found[::-1]
