"""A round's inference settings: the interval method of shares and the rule for strata with a
single PSU (R's svyciprop method and survey.lonely.psu). They change how figures are
estimated, not which responses count, so they can change at any status; every change is
audited as a round.design record with its before and after."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.errors import AppError
from app.models import Round
from app.models.round import CI_METHODS, LONELY_PSU


def check_inference(ci: str, lonely_psu: str) -> None:
    """Refuse (400) an unknown interval method or single-PSU strata option."""
    if ci not in CI_METHODS:
        raise AppError(f"ci is one of {', '.join(CI_METHODS)}")
    if lonely_psu not in LONELY_PSU:
        raise AppError(f"lonely_psu is one of {', '.join(LONELY_PSU)}")


async def change_inference(
    session: AsyncSession,
    actor: Actor,
    round_: Round,
    *,
    ci: str,
    lonely_psu: str,
    unit_id: int | None = None,
) -> Round:
    """Set the round's interval method and single-PSU strata option; audited (round.design)."""
    check_inference(ci, lonely_psu)
    before = {"ci": round_.design_ci, "lonely_psu": round_.design_lonely_psu}
    round_.design_ci, round_.design_lonely_psu = ci, lonely_psu
    await session.flush()
    after = {"ci": ci, "lonely_psu": lonely_psu}
    changed = {k: {"from": before[k], "to": v} for k, v in after.items() if before[k] != v}
    if changed:
        await record(session, actor, "round.design", "round", round_.code, unit_id, changed)
    return round_
