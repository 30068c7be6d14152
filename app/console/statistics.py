"""Console page: a round's statistics for a unit of the reader's scope, as charts (inline SVG)
each beside the table of its numbers."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.auth.access import StaffViewer, require
from app.auth.principal import Principal
from app.console.figures import (
    TrendItem,
    child_bars,
    covering_options,
    criterion_bars,
    element_bars,
    ranked_children,
    report_lang,
    scope_units,
    served,
    trend,
)
from app.console.rounds import MSG_OUTSIDE
from app.console.views import render
from app.deps import CatalogueDep, SessionDep, SettingsDep
from app.dossiers.report import indicators
from app.errors import Forbidden
from app.rounds.service import covered_unit_ids, get_round
from app.units.service import UnitNode, UnitTree, load_tree

router = APIRouter(prefix="/console/rounds", include_in_schema=False)
UnitChoice = Query("", description="Unit code; default: the unit your scope sees the round from")


def _unit(tree: UnitTree, principal: Principal, covered: set[int], code: str) -> UnitNode:
    """The unit asked for (404 unknown, 403 outside the scope), else the reader's first unit
    holding what the round covers in their scope."""
    if code:
        node = tree.get(code)
        require(principal, "viewer", node.id, tree)
        return node
    units = scope_units(tree, principal, covered)
    if not units:
        raise Forbidden(MSG_OUTSIDE)
    return units[0]


@router.get("/{code}/statistics", response_class=HTMLResponse)
async def statistics_page(
    request: Request,
    code: str,
    principal: StaffViewer,
    session: SessionDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    unit: str = UnitChoice,
) -> HTMLResponse:
    """A round's figures for a unit: the overall index, elements, criteria, ranked children
    and the trend over the instrument's rounds, each a chart beside its table."""
    round_, tree = await get_round(session, code), await load_tree(session)
    covered = await covered_unit_ids(session, round_.id)
    node = _unit(tree, principal, covered, unit.strip())
    lang = report_lang(request)
    report = await served(session, catalogue, settings, principal, round_.code, node, lang)
    context = {
        "round": round_,
        "unit": node,
        "options": covering_options(tree, principal, covered),
        "report": report,
        "dossiers": await indicators(
            session, tree, tree.subtree_ids(node.id), (round_.starts_on, round_.ends_on)
        ),
    }
    if report is not None:
        children = ranked_children(report)
        current = TrendItem.of(round_, report)
        items = await trend(session, catalogue, settings, principal, tree, node, current, lang)
        context |= {
            "element_bars": element_bars(report),
            "criterion_bars": criterion_bars(report),
            "children": children,
            "child_bars": child_bars(children),
            "trend": items,
            "trend_points": [item.point() for item in items],
        }
    return render(request, "console/statistics.html", context)
