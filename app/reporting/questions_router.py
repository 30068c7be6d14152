from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from app.auth.access import ApiReader
from app.deps import CatalogueDep, SessionDep
from app.reporting.question_schemas import QuestionsReport
from app.reporting.questions import questions_report

router = APIRouter(prefix="/api/v1", tags=["reporting"])


@router.get("/rounds/{round_code}/questions", response_model=QuestionsReport)
async def get_questions(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    principal: ApiReader,
    unit: str | None = Query(None, description="Unit code; default: the round's top unit"),
    lang: Literal["vi", "en"] = "vi",
) -> QuestionsReport:
    """Per-question weighted frequencies and means of a unit's subtree; TT 01 points and class."""
    return await questions_report(session, catalogue, round_code, unit, lang, principal)
