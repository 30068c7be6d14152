"""Where a unit loses points in a round: each criterion's and element's gap to the unit's
target, to the province and to the best comparable unit (same level, same round), ranked by
the overall points that closing it would add (app.improvement.gain); the criteria
significantly worse than in the previous round (the satisfaction report's own test, read
through app.reporting.comparisons); the share of dissatisfied answers and a few masked
comments from the respondents who gave them."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.comments.masking import mask
from app.config import Settings, get_settings
from app.errors import Conflict, NotFound
from app.forms.registry import Catalogue
from app.forms.schema import Instrument
from app.improvement.gain import element_coefficients, overall_coefficients, points_to_gain
from app.improvement.schemas import ChangeOut, CommentOut, Figure, Gains, Gap, GapReport, PeerFigure
from app.improvement.weighting import unit_weights
from app.models import Answer, Response, Round
from app.reporting.comparisons import Comparisons, load_comparisons, previous_result
from app.reporting.precision import is_reliable, uncertainty
from app.reporting.service import aggregation_text, report_target
from app.reporting.snapshots import reported_units
from app.statistics.inference import DomainEstimates, Estimate
from app.statistics.load import round_engine
from app.units.service import UnitNode

COMMENTS_PER_CRITERION = 3
COMMENTED_CRITERIA = 5  # the first criteria of the ranking (with dissatisfied answers) get them


@dataclass(frozen=True)
class Domains:
    own: DomainEstimates
    province: DomainEstimates
    peers: list[tuple[UnitNode, DomainEstimates]]  # same level, same parent


def figure(est: Estimate, settings: Settings) -> Figure:
    shown = uncertainty(est, settings)
    return Figure(index=shown["index"], ci95=shown.get("ci95"), n=est.n)


def best_peer(
    peers: list[tuple[UnitNode, Estimate]], settings: Settings
) -> tuple[UnitNode, Estimate] | None:
    """The comparable unit with the highest reliable index (None: no such unit)."""
    usable = [(u, e) for u, e in peers if e.index is not None and is_reliable(e, settings)]
    return max(usable, key=lambda p: (p[1].index or 0.0, p[0].code), default=None)


def dissatisfied_levels(instrument: Instrument, code: str) -> tuple[float, ...]:
    """The lower half of the criterion's scale (1 and 2 on 1–5; the middle level is neutral)."""
    question = next(q for q in instrument.criteria if q.code == code)
    values = sorted(float(level.value) for level in instrument.scale_of(question).levels)
    return tuple(values[: len(values) // 2])


async def dissatisfied_shares(
    session: AsyncSession, round_: Round, unit_ids: set[int], instrument: Instrument
) -> dict[str, float]:
    """Weighted share of each criterion's valid answers in its scale's lower half, percent."""
    weights = unit_weights(round_, unit_ids).subquery("w")
    low = {q.code: dissatisfied_levels(instrument, q.code) for q in instrument.criteria}
    rows = await session.execute(
        select(Answer.question, Answer.value, func.sum(weights.c.weight))
        .join(weights, weights.c.id == Answer.response_id)
        .where(
            weights.c.unit_id.in_(unit_ids),
            Answer.question.in_(list(low)),
            Answer.value.is_not(None),
        )
        .group_by(Answer.question, Answer.value)
    )
    total: dict[str, float] = {}
    bad: dict[str, float] = {}
    for code, value, weight in rows:
        total[code] = total.get(code, 0.0) + float(weight)
        if float(value) in low[code]:
            bad[code] = bad.get(code, 0.0) + float(weight)
    return {c: 100 * bad.get(c, 0.0) / t for c, t in total.items() if t > 0}


async def explaining_comments(
    session: AsyncSession,
    round_id: int,
    unit_ids: set[int],
    instrument: Instrument,
    code: str,
) -> list[CommentOut]:
    """A few free-text answers (masked, newest first) of responses dissatisfied on ``code``."""
    texts = [q.code for q in instrument.questions if q.type == "text"]
    if not texts:
        return []
    rating = Answer.__table__.alias("rating")
    rows = await session.execute(
        select(Answer.question, Answer.text)
        .join(Response, Response.id == Answer.response_id)
        .join(
            rating,
            and_(
                rating.c.response_id == Answer.response_id,
                rating.c.question == code,
                rating.c.value.in_(dissatisfied_levels(instrument, code)),
            ),
        )
        .where(
            Response.round_id == round_id,
            Response.status == "valid",
            Response.unit_id.in_(unit_ids),
            Answer.question.in_(texts),
            func.length(func.trim(Answer.text)) > 0,
        )
        .order_by(Answer.response_id.desc())
        .limit(COMMENTS_PER_CRITERION)
    )
    return [CommentOut(question=q, text=mask(t or "")) for q, t in rows]


def change_of(
    cmp: Comparisons, earlier: DomainEstimates | None, code: str, shown: Figure, se: float | None
) -> ChangeOut | None:
    """The change as the satisfaction report computes it (``previous.significant``)."""
    if cmp.previous is None:
        return None
    before_code = cmp.criteria.get(code)
    before = earlier.criteria.get(before_code) if earlier and before_code else None
    found = previous_result(shown.index, SimpleNamespace(se=se), before)
    worse = bool(found.significant) and (found.delta or 0.0) < 0
    return ChangeOut(
        index=found.index, delta=found.delta, significant=found.significant, worse=worse
    )


def peers_of(unit: UnitNode, units: list[UnitNode]) -> list[UnitNode]:
    """Comparable units: the round's other reported units at the same level under the same
    parent (a counter's sibling counters; bounded, unlike every counter of the province)."""
    return [
        u
        for u in units
        if u.level == unit.level and u.parent_id == unit.parent_id and u.id != unit.id
    ]


async def _domains(session: AsyncSession, target, settings: Settings) -> tuple[Domains, UnitNode]:  # type: ignore[no-untyped-def]
    tree = target.tree
    province = tree.common_ancestor(target.covered)
    if province is None:
        raise NotFound("this round covers no unit yet")
    peers = peers_of(target.unit, reported_units(tree, target.covered))
    nodes = [target.unit, province, *peers]
    domains = [tree.subtree_ids(n.id) for n in nodes]
    engine = await round_engine(
        session, target.round, target.form, settings.timezone, tree, domains=domains
    )
    found = [engine.domain(d) for d in domains]
    return Domains(found[0], found[1], list(zip(peers, found[2:], strict=True))), province


def _gap(
    kind: str,
    code: str,
    name: str,
    own: Estimate,
    province: Estimate,
    peers: list[tuple[UnitNode, Estimate]],
    coefficient: float,
    target: float | None,
    settings: Settings,
) -> Gap:
    shown = figure(own, settings)
    best = best_peer(peers, settings)
    best_fig = (
        PeerFigure(unit=best[0].code, **figure(best[1], settings).model_dump()) if best else None
    )
    province_fig = figure(province, settings)
    gains = Gains(
        target=points_to_gain(shown.index, target, coefficient) if target is not None else None,
        province=points_to_gain(shown.index, province_fig.index, coefficient),
        best=points_to_gain(shown.index, best_fig.index if best_fig else None, coefficient),
        maximum=points_to_gain(shown.index, 100.0, coefficient),
    )
    return Gap(
        kind=kind,
        code=code,
        name=name,
        unit=shown,
        reliable=is_reliable(own, settings),
        target=target,
        province=province_fig,
        best=best_fig,
        coefficient=coefficient,
        gains=gains,
    )


def ranking_key(ranked_by: str):  # type: ignore[no-untyped-def]
    def key(gap: Gap) -> tuple[float, str]:
        value = getattr(gap.gains, ranked_by) or 0.0
        return (-value, gap.code)

    return key


async def unit_gaps(
    session: AsyncSession,
    catalogue: Catalogue,
    round_code: str,
    unit_code: str | None,
    principal: Principal | None,
    lang: str = "vi",
    settings: Settings | None = None,
) -> GapReport:
    """The gaps of a unit in a round (viewer scope), ranked by the points closing them adds."""
    settings = settings or get_settings()
    target = await report_target(session, catalogue, round_code, unit_code, principal)
    instrument = target.form.instrument
    if instrument.aggregation.is_points:
        raise Conflict(f"{instrument.code} is scored in points: gaps are for satisfaction shares")
    found, province = await _domains(session, target, settings)
    cmp = await load_comparisons(session, catalogue, target, units=[target.unit.id])
    unit_target = cmp.targets.get(target.unit.id)
    earlier = cmp.earlier(target.unit.id)
    answered = {c: e.weight for c, e in found.own.criteria.items() if e.n > 0}
    coef = overall_coefficients(instrument, answered)
    ecoef = element_coefficients(instrument, coef)
    subtree = target.tree.subtree_ids(target.unit.id)
    low = await dissatisfied_shares(session, target.round, subtree, instrument)
    criteria = []
    for q in instrument.criteria:
        own = found.own.criteria[q.code]
        peers = [(u, d.criteria[q.code]) for u, d in found.peers]
        gap = _gap(
            "criterion",
            q.code,
            q.text.get(lang),
            own,
            found.province.criteria[q.code],
            peers,
            coef.get(q.code, 0.0),
            unit_target,
            settings,
        )
        gap.element = q.element
        gap.previous = change_of(
            cmp, earlier, q.code, gap.unit, uncertainty(own, settings).get("se")
        )
        gap.dissatisfied = low.get(q.code)
        criteria.append(gap)
    elements = []
    for e in instrument.elements:
        peers = [(u, d.elements[e.code]) for u, d in found.peers]
        elements.append(
            _gap(
                "element",
                e.code,
                e.name.get(lang),
                found.own.elements[e.code],
                found.province.elements[e.code],
                peers,
                ecoef.get(e.code, 0.0),
                unit_target,
                settings,
            )
        )
    ranked_by = "target" if unit_target is not None else ("best" if found.peers else "province")
    criteria.sort(key=ranking_key(ranked_by))
    for gap in [g for g in criteria if g.dissatisfied][:COMMENTED_CRITERIA]:
        gap.comments = await explaining_comments(
            session, target.round.id, subtree, instrument, gap.code
        )
    elements.sort(key=ranking_key(ranked_by))
    return GapReport(
        round=target.round.code,
        unit=target.unit.code,
        province=province.code,
        aggregation=aggregation_text(instrument),
        index=uncertainty(found.own.overall, settings)["index"],
        target=unit_target,
        ranked_by=ranked_by,
        previous_round=cmp.previous.round.code if cmp.previous else None,
        criteria=criteria,
        elements=elements,
        worse=[g.code for g in criteria if g.previous and g.previous.worse],
    )
