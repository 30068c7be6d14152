"""A unit's overall index through the rounds of its instrument family, followed through any
chain of reorganisations: each earlier round is computed over the unit's lineage in the
current round's hierarchy (its subtree with the units it absorbed and its predecessors
through merges, pooled; what splits and transfers moved to it, allocated by shares:
app.reporting.allocation), under that round's own design, and marked with how the
unit's boundary then compares with now (``boundary``: same, pooled, changed, shares)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.config import Settings, get_settings
from app.forms.registry import Catalogue
from app.reporting.allocation import allocation, is_whole, share_domains, share_links
from app.reporting.comparison_schemas import SHARE_VARIANCE_DOC, ShareVariance, share_variance
from app.reporting.comparisons import Boundary, boundary_between
from app.reporting.numbers import Figure
from app.reporting.previous import earlier_rounds, round_figures
from app.reporting.schemas import HierarchyOut, UnitRef
from app.reporting.service import report_target
from app.rounds.service import covered_unit_ids
from app.units.history import as_of_for, hierarchy_as_of
from app.units.lineage import load_predecessors

TREND_ROUNDS = 10


class TrendPoint(BaseModel):
    round: str
    starts_on: date
    index: Figure | None = Field(description="Overall index, percent; null: no answers")
    se: Figure | None
    ci95: list[Figure] | None
    respondents: int
    hierarchy_as_of: date = Field(description="The day of that round's own hierarchy")
    boundary: Boundary = Field(
        description="The unit's boundary in that round's hierarchy against the current "
        "round's: same; pooled (units merged into it since: their responses pooled); changed "
        "(units moved in or out); shares (a split or transfer by shares in between: the "
        "figure allocates the source's responses by the shares, docs/reform.md)"
    )
    boundary_changed: bool = Field(description="boundary is not 'same': marked on charts")
    share_variance: ShareVariance | None = Field(
        None, description=SHARE_VARIANCE_DOC + " Null: boundary is not 'shares'."
    )


class TrendReport(BaseModel):
    round: str
    unit: UnitRef
    hierarchy: HierarchyOut
    points: list[TrendPoint] = Field(description="Oldest first, ending with this round")


async def unit_trend(
    session: AsyncSession,
    catalogue: Catalogue,
    round_code: str,
    unit_code: str | None,
    principal: Principal | None = None,
    settings: Settings | None = None,
    as_of: str | None = None,
) -> TrendReport:
    settings = settings or get_settings()
    target = await report_target(session, catalogue, round_code, unit_code, principal, as_of)
    tree, unit, day = target.tree, target.unit, target.as_of.day
    predecessors = await load_predecessors(session, day)
    rounds = [target.round, *await earlier_rounds(session, target.round, TREND_ROUNDS - 1)]
    points = []
    for round_ in rounds:
        current = round_.id == target.round.id
        then_day = as_of_for(round_.starts_on, None, day).day if not current else day
        links = [] if current else await share_links(session, then_day, day)
        shares = allocation(tree, predecessors, links, unit.id)
        domain = tree.subtree_ids(unit.id) if current else set(shares)
        if not current and not await covered_unit_ids(session, round_.id) & domain:
            continue
        planned = [domain, *share_domains(predecessors, links)]
        figures = await round_figures(session, catalogue, round_, settings.timezone, tree, planned)
        if figures is None:  # scored in points: not a share
            continue
        whole = current or is_whole(shares)
        found = figures.engine.domain(domain) if whole else figures.engine.allocated(shares)
        if current:
            boundary: Boundary = "same"
        else:
            then = await hierarchy_as_of(session, then_day)
            shared = {u for link in links for u in link.pair}
            boundary = boundary_between(tree, then, shared, unit.id, not is_whole(shares))
        overall = found.overall
        points.append(
            TrendPoint(
                round=round_.code,
                starts_on=round_.starts_on,
                index=overall.index,
                se=overall.se,
                ci95=list(overall.ci95) if overall.ci95 is not None else None,
                respondents=found.respondents,
                hierarchy_as_of=then_day,
                boundary=boundary,
                boundary_changed=boundary != "same",
                share_variance=share_variance(boundary, overall.se)
                if overall.index is not None
                else None,
            )
        )
    return TrendReport(
        round=target.round.code,
        unit=UnitRef(code=unit.code, name=unit.name, level=unit.level),
        hierarchy=HierarchyOut(as_of=day, basis=target.as_of.basis),
        points=list(reversed(points)),
    )
