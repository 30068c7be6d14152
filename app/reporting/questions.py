"""Assemble per-question statistics and points scores of a unit's subtree."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.config import Settings, get_settings
from app.forms.registry import Catalogue
from app.forms.schema import Instrument, Question
from app.reporting.precision import design_info
from app.reporting.question_schemas import (
    Frequency,
    IndicatorResult,
    PointsReport,
    QuestionResult,
    QuestionsReport,
)
from app.reporting.schemas import UnitRef
from app.reporting.service import report_target
from app.statistics.design import Design
from app.statistics.frequencies import OptionKey
from app.statistics.inference import Estimate
from app.statistics.load import round_volumes
from app.statistics.points import points_result
from app.statistics.questions import QuestionTally, tally_questions

GROUPED_TYPES = ("rating", "single", "multiple", "number", "percent")


def _frequencies(
    instrument: Instrument, q: Question, tally: QuestionTally, lang: str
) -> list[Frequency]:
    rows: list[tuple[str, str, OptionKey]] = []
    if q.type == "rating":
        for level in instrument.scale_of(q).levels:
            rows.append((str(level.value), level.label.get(lang), float(level.value)))
        na = instrument.not_applicable_label(q)
        if na is not None:
            rows.append(("na", na.get(lang), "na"))
    elif q.type in ("single", "multiple"):
        rows = [(o.value, o.label.get(lang), o.value) for o in q.options]
    estimates = tally.estimates([key for _, _, key in rows])
    return [_frequency(value, label, tally, key, estimates.get(key)) for value, label, key in rows]


def _frequency(
    value: str, label: str, tally: QuestionTally, key: OptionKey, est: Estimate | None
) -> Frequency:
    count = tally.count(key)
    return Frequency(
        value=value,
        label=label,
        respondents=count.n,
        weighted_respondents=count.weight,
        share=tally.share(count),
        unweighted_share=est.unweighted if est else None,
        se=est.se if est else None,
        ci95=list(est.ci95) if est and est.ci95 else None,
        deff=est.deff if est else None,
        effective_n=est.effective_n if est else None,
    )


def _satisfied_share(instrument: Instrument, q: Question, tally: QuestionTally) -> float | None:
    satisfied = instrument.scale_of(q).satisfied if q.type == "rating" else ()
    valid = sum(c.weight for c in tally.by_value.values())
    if not satisfied or not valid:
        return None
    hits = sum(c.weight for v, c in tally.by_value.items() if v in satisfied)
    return 100.0 * hits / valid


def _question(
    instrument: Instrument, q: Question, tally: QuestionTally, lang: str
) -> QuestionResult:
    numeric = q.type in ("rating", "number", "percent")
    return QuestionResult(
        code=q.code,
        type=q.type,
        text=q.text.get(lang),
        element=q.element,
        respondents=tally.respondents.n,
        weighted_respondents=tally.respondents.weight,
        mean=tally.weighted_mean() if numeric else None,
        satisfied_share=_satisfied_share(instrument, q, tally),
        frequencies=_frequencies(instrument, q, tally, lang),
    )


def _points(instrument: Instrument, tallies: dict[str, QuestionTally], lang: str) -> PointsReport:
    counts = {code: {v: c.n for v, c in t.by_value.items()} for code, t in tallies.items()}
    result = points_result(instrument, counts)
    names = {q.code: q.text.get(lang) for q in instrument.criteria}
    return PointsReport(
        indicators=[
            IndicatorResult(
                code=i.code,
                name=names[i.code],
                score=float(i.score) if i.score is not None else None,
                dossiers=i.dossiers,
            )
            for i in result.indicators
        ],
        total=float(result.total) if result.total is not None else None,
        maximum=float(result.maximum),
        score_class=result.score_class.label.get(lang) if result.score_class else None,
    )


async def questions_report(
    session: AsyncSession,
    catalogue: Catalogue,
    round_code: str,
    unit_code: str | None,
    lang: str = "vi",
    principal: Principal | None = None,
    settings: Settings | None = None,
) -> QuestionsReport:
    """Every question's statistics in a unit's subtree, each option's share with its standard
    error, interval and design effect under the round's design; points and class for TT 01."""
    settings = settings or get_settings()
    target = await report_target(session, catalogue, round_code, unit_code, principal)
    round_, registered, tree, unit = target.round, target.form, target.tree, target.unit
    instrument = registered.instrument
    design = Design.of(round_, settings.timezone)
    grouped = [q.code for q in instrument.questions if q.type in GROUPED_TYPES]
    volumes = await round_volumes(session, round_.id)
    subtree = tree.subtree_ids(unit.id)
    tallies = await tally_questions(session, round_.id, design, tree, volumes, subtree, grouped)
    return QuestionsReport(
        round=round_.code,
        form=instrument.code,
        form_version=registered.version,
        design=design_info(design, settings),
        unit=UnitRef(code=unit.code, name=unit.name, level=unit.level),
        questions=[
            _question(instrument, q, tallies.get(q.code, QuestionTally()), lang)
            for q in instrument.questions
        ],
        points=_points(instrument, tallies, lang) if instrument.aggregation.is_points else None,
    )
