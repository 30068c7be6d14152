from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends

from app.auth.access import api_reader
from app.deps import CatalogueDep, SessionDep
from app.instruments.schemas import FormDetail, FormSummary
from app.instruments.service import form_detail, list_forms

# The catalogue is not sensitive, but like all of /api/v1 it is read with an API key or a session.
router = APIRouter(prefix="/api/v1/forms", tags=["forms"], dependencies=[Depends(api_reader)])


@router.get("", response_model=list[FormSummary])
async def get_forms(catalogue: CatalogueDep, lang: Literal["vi", "en"] = "vi") -> list[FormSummary]:
    """The instrument catalogue: every questionnaire served now, with its version and rule."""
    return list_forms(catalogue, lang)


@router.get("/{code}", response_model=FormDetail)
async def get_form(
    code: str, session: SessionDep, catalogue: CatalogueDep, lang: Literal["vi", "en"] = "vi"
) -> FormDetail:
    """One instrument: elements, criteria with codes and labels, scales, rule, stored versions."""
    return await form_detail(session, catalogue, code, lang)
