"""A round's inference settings: the interval method of shares and the rule for strata with a
single PSU (R's svyciprop method and survey.lonely.psu). They change how figures are
estimated, not which responses count, so they can change at any status; every change is
audited as a round.design record with its before and after."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.errors import AppError
from app.models import Round
from app.models.round import CI_METHODS, LONELY_PSU, VARIANCE_METHODS


def check_inference(
    ci: str, lonely_psu: str, variance: str = "linearisation", replicates: int = 80
) -> None:
    """Refuse (400) an unknown interval method, single-PSU strata option or variance method."""
    if variance not in VARIANCE_METHODS:
        raise AppError(f"variance is one of {', '.join(VARIANCE_METHODS)}")
    if not 2 <= replicates <= 1000:
        raise AppError("replicates is between 2 and 1000")
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
    variance: str | None = None,
    replicates: int | None = None,
) -> Round:
    """Set the round's interval method, single-PSU strata option and (when given) variance
    method and bootstrap replicates; audited (round.design)."""
    variance = variance or round_.design_variance or "linearisation"
    replicates = replicates or round_.design_replicates or 80
    check_inference(ci, lonely_psu, variance, replicates)
    before = {
        "ci": round_.design_ci,
        "lonely_psu": round_.design_lonely_psu,
        "variance": round_.design_variance,
        "replicates": round_.design_replicates,
    }
    round_.design_ci, round_.design_lonely_psu = ci, lonely_psu
    round_.design_variance, round_.design_replicates = variance, replicates
    await session.flush()
    after = {"ci": ci, "lonely_psu": lonely_psu, "variance": variance, "replicates": replicates}
    changed = {k: {"from": before[k], "to": v} for k, v in after.items() if before[k] != v}
    if changed:
        await record(session, actor, "round.design", "round", round_.code, unit_id, changed)
    return round_
