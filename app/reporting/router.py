from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.access import ApiReader
from app.deps import CatalogueDep, SessionDep, SettingsDep
from app.reporting.http import conditional, json_body
from app.reporting.published import served_report, tally_status
from app.reporting.queries import ReportQueryDep, UnitQuery
from app.reporting.question_schemas import QuestionsReport
from app.reporting.questions import questions_report
from app.reporting.schemas import SatisfactionReport, TallyStatus

router = APIRouter(prefix="/api/v1", tags=["reporting"])


@router.get("/rounds/{round_code}/satisfaction", response_model=SatisfactionReport)
async def get_satisfaction(
    request: Request,
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: ApiReader,
    query: ReportQueryDep,
) -> Response:
    """Weighted satisfaction of a unit's subtree by element and criterion, with standard
    errors, 95% intervals, design effects and reliability under the round's design; ranked
    children.

    A frozen round serves its published revision (``snapshot`` names it). Answers carry an
    ETag and Last-Modified; If-None-Match with the current ETag answers 304.
    """
    served = await served_report(session, catalogue, round_code, query, principal, settings)
    return conditional(request, served.report, served.last_modified)


@router.get("/rounds/{round_code}/tallies", response_model=TallyStatus)
async def get_tally_status(
    request: Request, round_code: str, session: SessionDep, principal: ApiReader
) -> TallyStatus:
    """How current the round's maintained tallies are: last fold (``as_of``), queued changes,
    a rebuild due or running (and its step, when this process runs it)."""
    worker = request.app.state.worker
    progress = worker.ctx.progress if worker is not None else {}
    return await tally_status(session, round_code, progress)


@router.get("/rounds/{round_code}/questions", response_model=QuestionsReport)
async def get_questions(
    round_code: str,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    principal: ApiReader,
    unit: str | None = UnitQuery,
    lang: Literal["vi", "en"] = "vi",
) -> Response:
    """Per-question weighted frequencies and means of a unit's subtree, each share with its
    standard error, 95% interval and design effect under the round's design; TT 01 points."""
    found = await questions_report(session, catalogue, round_code, unit, lang, principal, settings)
    return Response(json_body(found), media_type="application/json")
