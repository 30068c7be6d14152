from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from app.auth.access import ApiReader
from app.deps import CatalogueDep, SessionDep, SettingsDep
from app.reporting.question_schemas import QuestionsReport
from app.reporting.questions import questions_report
from app.reporting.schemas import SatisfactionReport
from app.reporting.service import satisfaction_report

router = APIRouter(prefix="/api/v1", tags=["reporting"])
UnitQuery = Query(None, description="Unit code; default: the round's top unit")


@router.get("/rounds/{round_code}/satisfaction", response_model=SatisfactionReport)
async def get_satisfaction(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: ApiReader,
    unit: str | None = UnitQuery,
    lang: Literal["vi", "en"] = "vi",
) -> SatisfactionReport:
    """Weighted satisfaction of a unit's subtree by element and criterion, with standard
    errors, 95% intervals, design effects and reliability under the round's design; ranked
    children."""
    return await satisfaction_report(
        session, catalogue, round_code, unit, lang, principal, settings
    )


@router.get("/rounds/{round_code}/questions", response_model=QuestionsReport)
async def get_questions(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    principal: ApiReader,
    unit: str | None = UnitQuery,
    lang: Literal["vi", "en"] = "vi",
) -> QuestionsReport:
    """Per-question weighted frequencies and means of a unit's subtree; TT 01 points and class."""
    return await questions_report(session, catalogue, round_code, unit, lang, principal)
