"""The catalogue as the API shows it: current instruments and every stored version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.forms.method import FigureKind, measure_of
from app.forms.registry import Catalogue, RegisteredForm
from app.instruments.schemas import (
    CriterionInfo,
    DomainInfo,
    ElementInfo,
    FormDetail,
    FormSummary,
    VersionInfo,
)
from app.models import FormVersion
from app.models.base import as_utc  # SQLite returns naive moments; the API says UTC


def summary(form: RegisteredForm, lang: str) -> FormSummary:
    instrument = form.instrument
    return FormSummary(
        code=instrument.code,
        version=form.version,
        content_hash=form.content_hash,
        title=instrument.title.get(lang),
        source=instrument.source,
        aggregation=instrument.aggregation.overall,
        measure=measure_of(instrument.method, lang),
    )


def form_measure(catalogue: Catalogue, code: str, lang: str = "vi") -> FigureKind | None:
    """What a round of this instrument measures; None when the instrument is no longer served."""
    try:
        return measure_of(catalogue.get(code).instrument.method, lang)
    except NotFound:
        return None


def list_forms(catalogue: Catalogue, lang: str) -> list[FormSummary]:
    """Every instrument served now, by code."""
    return [summary(catalogue.get(code), lang) for code in catalogue.codes()]


async def form_detail(
    session: AsyncSession, catalogue: Catalogue, code: str, lang: str
) -> FormDetail:
    """One instrument's structure and the versions stored for it, oldest first."""
    form = catalogue.get(code)
    instrument = form.instrument
    rows = await session.execute(
        select(FormVersion.id, FormVersion.version, FormVersion.content_hash)
        .add_columns(FormVersion.created_at)
        .where(FormVersion.code == code)
        .order_by(FormVersion.created_at, FormVersion.id)
    )
    versions = [
        VersionInfo(version=v, content_hash=h, created_at=as_utc(at), current=i == form.version_id)
        for i, v, h, at in rows
    ]
    elements = [
        ElementInfo(
            code=e.code,
            name=e.name.get(lang),
            criteria=[
                CriterionInfo(
                    code=q.code,
                    text=q.text.get(lang),
                    scale=q.scale,
                    previous_codes=q.previous_codes,
                )
                for q in instrument.criteria_of(e.code)
            ],
        )
        for e in instrument.elements
    ]
    return FormDetail(
        **summary(form, lang).model_dump(),
        scale=instrument.scale.model_dump(mode="json"),
        scales={k: s.model_dump(mode="json") for k, s in instrument.scales.items()},
        rules=instrument.aggregation.model_dump(mode="json"),
        method=instrument.method.model_dump(mode="json") if instrument.method else None,
        elements=elements,
        domains=[
            DomainInfo(code=d.code, name=d.name.get(lang), elements=list(d.elements))
            for d in instrument.domains
        ],
        questions=len(instrument.questions),
        versions=versions,
    )
