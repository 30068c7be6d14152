"""The demo's published story: last year's round of the demo province (DEMO-2025), closed,
frozen with score bands, and made public, so that ``sipas demo`` prints a public results page
and the current round's reports compare with a previous one; and the current round
(DEMO-2026, still open) with a provisional revision ("tạm tính") made public. Idempotent."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import CLI
from app.collection.service import CounterForm, store_response
from app.config import Settings
from app.demo import BANDS, FORM_CODE, UNITS, _answers
from app.forms.registry import Catalogue
from app.models import ReportSnapshot, Round, Unit
from app.public.publishing import set_public
from app.reporting.snapshots import freeze_round
from app.reporting.targets import set_bands
from app.rounds.service import create_round, set_volume

PREVIOUS_CODE = "DEMO-2025"
LAST_YEAR = 0.06  # satisfied a little less often than this year


async def seed_published(
    session: AsyncSession, catalogue: Catalogue, settings: Settings, today: date
) -> bool:
    """Answer, freeze and publish DEMO-2025 once; False if it is frozen already. The round
    is the one the reorganisation's story created over the old communes (app/demo.py:
    seed_reform), when it exists: the current counters answered it too, within its period."""
    found = await session.scalar(select(Round).where(Round.code == PREVIOUS_CODE))
    if found is not None and await _frozen(session, found):
        return False
    units = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    if found is None:
        round_ = await create_round(
            session,
            CLI,
            code=PREVIOUS_CODE,
            name="Khảo sát mức độ hài lòng tại Bộ phận Một cửa năm 2025 (minh hoạ)",
            form_code=FORM_CODE,
            starts_on=today - timedelta(days=60 + 365),
            ends_on=today - timedelta(days=61),
            status="open",
        )
    else:
        round_ = found
    starts, span = round_.starts_on, (round_.ends_on - round_.starts_on).days
    rng = random.Random(2025)
    registered = catalogue.get(FORM_CODE)
    for code, *_, counter in UNITS:
        if counter is None:
            continue
        volume, p = counter
        await set_volume(session, CLI, round_, units[code], volume)
        target = CounterForm(units[code], round_, registered)
        # Xã Tân Tiến answered little last year: its index is withheld as unreliable.
        count = rng.randint(8, 12) if code == "SH-TANTIEN-MC" else rng.randint(40, 80)
        for _ in range(count):
            day = starts + timedelta(days=rng.randint(0, span))
            at = datetime.combine(day, time(rng.randint(1, 9), rng.randint(0, 59)), UTC)
            extra = {"submitted_at": at, "issued_at": at - timedelta(minutes=2)}
            answers = _answers(catalogue, rng, max(0.0, p - LAST_YEAR))
            await store_response(
                session, target, str(uuid.UUID(int=rng.getrandbits(128))), answers, extra=extra
            )
    round_.status = "closed"
    await set_bands(session, CLI, round_, list(BANDS))
    await _publish(session, catalogue, settings, round_, "Công bố kết quả (minh hoạ)")
    return True


async def _publish(
    session: AsyncSession,
    catalogue: Catalogue,
    settings: Settings,
    round_: Round,
    note: str,
    provisional: bool = False,
) -> None:
    """Freeze the round's figures (a provisional revision while it collects) and make the
    revision public."""
    snapshot, _ = await freeze_round(
        session, catalogue, CLI, round_, note, settings, provisional=provisional
    )
    await set_public(
        session,
        CLI,
        round_,
        snapshot.revision,
        True,
        settings.public_base_url,
        settings.open_data_licence,
    )


async def _frozen(session: AsyncSession, round_: Round) -> bool:
    first = select(ReportSnapshot.id).where(ReportSnapshot.round_id == round_.id).limit(1)
    return await session.scalar(first) is not None


CURRENT_CODE = "DEMO-2026"


async def seed_provisional(session: AsyncSession, catalogue: Catalogue, settings: Settings) -> bool:
    """Freeze the open current round's figures as a provisional revision and make it public,
    once; False if it has one already (or the round is not open any more)."""
    round_ = await session.scalar(select(Round).where(Round.code == CURRENT_CODE))
    if round_ is None or round_.status != "open":
        return False
    found = select(ReportSnapshot.id).where(
        ReportSnapshot.round_id == round_.id, ReportSnapshot.provisional.is_(True)
    )
    if await session.scalar(found.limit(1)) is not None:
        return False
    note = "Số liệu tạm tính trong khi đợt còn thu phiếu (minh hoạ)"
    await _publish(session, catalogue, settings, round_, note, provisional=True)
    return True
