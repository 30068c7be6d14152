"""Console pages: QR posters for the counters (A4, printable, one page per counter)."""

from __future__ import annotations

from dataclasses import dataclass

import segno
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from app.auth.access import StaffViewer, require
from app.collection.router import public_url
from app.config import Settings
from app.console.service import unit_forest
from app.console.views import render
from app.deps import SessionDep, SettingsDep
from app.errors import NotFound
from app.rounds.service import covered_unit_ids, get_round
from app.units.service import UnitNode, UnitTree, load_tree

router = APIRouter(prefix="/console/qr", include_in_schema=False)


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


@router.get("", response_class=HTMLResponse)
async def qr_page(request: Request, principal: StaffViewer, session: SessionDep) -> HTMLResponse:
    """Units in scope, each with a link to print the posters of its counters."""
    forest = unit_forest(await load_tree(session), principal)
    return render(request, "console/qr.html", {"forest": forest})


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
    itself if it is a counter); with ``round``, only the counters that round covers."""
    tree = await load_tree(session)
    unit = tree.get(code)
    require(principal, "viewer", unit.id, tree)
    counters = tree.leaves(unit.id)
    if round_code:
        covered = await covered_unit_ids(session, (await get_round(session, round_code)).id)
        counters = [c for c in counters if c.id in covered]
        if not counters:
            raise NotFound(f"round {round_code!r} covers no counter under {code!r}")
    posters = [poster(settings, tree, c) for c in counters]
    return render(request, "console/posters.html", {"unit": unit, "posters": posters})
