"""A unit's satisfaction broken down by a single-choice answer or by collection channel.

Each category is a domain "the unit's subtree and this answer" under the round's design (its
strata and PSUs stay the whole sample's), so every category, element and criterion carries
the report's design-based fields; ranks are among the categories. Always computed from
current data (a frozen revision holds the satisfaction reports and the rankings built from
them, not breakdowns).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.config import Settings, get_settings
from app.errors import AppError, Conflict
from app.forms.registry import Catalogue
from app.forms.schema import Instrument
from app.reporting.comparisons import round_bands
from app.reporting.precision import design_info, fields, ranks
from app.reporting.schemas import UnitRef
from app.reporting.service import (
    Estimated,
    aggregation_text,
    element_results,
    report_target,
    weight_set_of,
)
from app.reporting.table_schemas import BreakdownReport, CategoryResult
from app.statistics.cells import CHANNEL, Split
from app.statistics.comparisons import band_of
from app.statistics.load import split_engine

CHANNELS = {
    "qr": ("Mã QR tại quầy", "QR code at the counter"),
    "kiosk": ("Máy đánh giá tại quầy", "Rating kiosk at the counter"),
    "token": ("Đường dẫn riêng", "Personal link"),
    "interviewer": ("Điều tra viên", "Interviewer"),
    "paper": ("Phiếu giấy", "Paper form"),
}
NO_ANSWER = ("Không trả lời", "No answer")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _categories(
    instrument: Instrument, by: str, present: set[str | None], lang: str
) -> tuple[str, list[tuple[str | None, str]]]:
    """The question's text and its categories in order: every option (or channel seen)."""
    if by == CHANNEL:
        other = sorted(c for c in present if c is not None and c not in CHANNELS)
        known: list[tuple[str | None, str]] = [
            (c, _pick(CHANNELS[c], lang)) for c in CHANNELS if c in present
        ]
        return ("Kênh thu thập" if lang == "vi" else "Channel"), known + [(c, c) for c in other]
    question = next((q for q in instrument.questions if q.code == by), None)
    if question is None or question.type != "single":
        singles = ", ".join(q.code for q in instrument.questions if q.type == "single")
        raise AppError(f"break down by 'channel' or a single-choice question ({singles})")
    found: list[tuple[str | None, str]] = [(o.value, o.label.get(lang)) for o in question.options]
    if None in present:
        found.append((None, _pick(NO_ANSWER, lang)))
    return question.text.get(lang), found


async def breakdown_report(
    session: AsyncSession,
    catalogue: Catalogue,
    round_code: str,
    unit_code: str | None,
    by: str,
    lang: str = "vi",
    principal: Principal | None = None,
    settings: Settings | None = None,
) -> BreakdownReport:
    """The satisfaction estimates of a unit's subtree for each category of ``by``."""
    settings = settings or get_settings()
    target = await report_target(session, catalogue, round_code, unit_code, principal)
    instrument = target.form.instrument
    if instrument.aggregation.is_points:
        raise Conflict(f"{instrument.code} is scored in points, not as a satisfaction share")
    if by != CHANNEL:
        _categories(instrument, by, set(), lang)  # refuse an unusable question before querying
    units = target.tree.subtree_ids(target.unit.id)
    split = Split(by, frozenset(units))
    engine = await split_engine(
        session, target.round, target.form, settings.timezone, target.tree, split
    )
    present = {c or None for c in engine.categories}
    by_text, categories = _categories(instrument, by, present, lang)
    found = [engine.domain(units, value or "") for value, _ in categories]
    places = ranks([d.overall for d in found], settings)
    bands = round_bands(target.round)
    results = []
    for i, ((value, label), d) in enumerate(zip(categories, found, strict=True)):
        shown = fields(d.overall, settings, places[i])
        results.append(
            CategoryResult(
                value=value,
                label=label,
                respondents=d.respondents,
                weighted_respondents=d.weight,
                band=band_of(shown["index"], bands),
                elements=element_results(instrument, Estimated(d, [], found, i), lang, settings),
                **shown,
            )
        )
    unit = target.unit
    return BreakdownReport(
        round=target.round.code,
        form=instrument.code,
        form_version=target.form.version,
        aggregation=aggregation_text(instrument),
        design=design_info(engine.design, settings),
        weight_set=await weight_set_of(session, target.round),
        unit=UnitRef(code=unit.code, name=unit.name, level=unit.level),
        by=by,
        by_text=by_text,
        categories=results,
    )
