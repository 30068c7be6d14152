"""Console pages: QR posters for the counters (A4, printable, one page per counter).

The list offers posters and kiosk links only where ``/s/{unit}`` serves a form today (a round
open today covers the unit); other units are marked merged, closed or without an open round,
without links that would answer 410."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import segno
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import StaffViewer, require
from app.collection.router import public_url
from app.config import Settings
from app.console.service import UnitView, unit_forest
from app.console.views import render
from app.deps import SessionDep, SettingsDep
from app.errors import NotFound
from app.i18n import N_
from app.rounds.service import covered_unit_ids, get_round, serving_unit_ids
from app.units.lineage import load_inactive
from app.units.service import UnitNode, UnitTree, load_tree

router = APIRouter(prefix="/console/qr", include_in_schema=False)
MSG_MERGED = N_("đã sáp nhập")
MSG_CLOSED = N_("đã ngừng hoạt động")


@dataclass(frozen=True)
class Poster:
    unit: UnitNode
    parent: UnitNode | None
    url: str
    svg: Markup


def poster(settings: Settings, tree: UnitTree, unit: UnitNode) -> Poster:
    """A counter's poster: its QR code (inline SVG, sized by the print style sheet) and URL."""
    url = public_url(settings, unit.code)
    svg = segno.make(url, error="m").svg_inline(scale=1, omitsize=True, border=2, title=url)
    parent = tree.by_id.get(unit.parent_id) if unit.parent_id is not None else None
    return Poster(unit, parent, url, Markup(svg))  # segno escapes the title it embeds


async def gone_units(session: AsyncSession, today: date) -> dict[int, str]:
    """Units that stopped by ``today``: unit id → why (merged into another, or closed)."""
    return {
        unit.unit_id: MSG_MERGED if unit.successor_id is not None else MSG_CLOSED
        for unit in await load_inactive(session)
        if unit.inactive_from is None or unit.inactive_from <= today
    }


async def serving_now(session: AsyncSession, today: date, gone: dict[int, str]) -> set[int]:
    """Units whose form is served today, less those merged away or closed."""
    return await serving_unit_ids(session, today) - gone.keys()


def serving_counts(forest: list[UnitView], serving: set[int]) -> dict[int, int]:
    """Unit id → how many counters of its subtree (itself if a counter) serve a form now."""
    counts: dict[int, int] = {}

    def count(view: UnitView) -> int:
        if view.children:
            counts[view.node.id] = sum(count(child) for child in view.children)
        else:
            counts[view.node.id] = int(view.node.id in serving)
        return counts[view.node.id]

    for top in forest:
        count(top)
    return counts


@router.get("", response_class=HTMLResponse)
async def qr_page(
    request: Request, principal: StaffViewer, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """Units in scope, each with a link to print the posters of its counters that serve a
    form today (and a counter's kiosk link); the others say why they have none."""
    forest = unit_forest(await load_tree(session), principal)
    gone = await gone_units(session, settings.today())
    serving = serving_counts(forest, await serving_now(session, settings.today(), gone))
    return render(request, "console/qr.html", {"forest": forest, "serving": serving, "gone": gone})


@router.get("/{code}", response_class=HTMLResponse)
async def posters_page(
    request: Request,
    code: str,
    principal: StaffViewer,
    session: SessionDep,
    settings: SettingsDep,
    round_code: str = Query("", alias="round", description="only the counters of this round"),
) -> HTMLResponse:
    """One printable document: an A4 poster for every counter under the unit (or the unit
    itself if it is a counter) that serves a form today; with ``round``, the counters that
    round covers (posters printed before it opens)."""
    tree = await load_tree(session)
    unit = tree.get(code)
    require(principal, "viewer", unit.id, tree)
    if round_code:
        covered = await covered_unit_ids(session, (await get_round(session, round_code)).id)
    else:
        today = settings.today()
        covered = await serving_now(session, today, await gone_units(session, today))
    counters = [c for c in tree.leaves(unit.id) if c.id in covered]
    if not counters:
        where = f"round {round_code!r}" if round_code else "no round open today"
        raise NotFound(f"{where}: no counter under {code!r} to print")
    posters = [poster(settings, tree, c) for c in counters]
    return render(request, "console/posters.html", {"unit": unit, "posters": posters})
