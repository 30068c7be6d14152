"""Public results pages (no login), served from a public frozen revision only: the province
page, a page per unit, the method page, the embeddable widget, and the verify page.

Every page is rendered on the server, carries an ETag (304 when the copy is current) and may be
cached for a minute by anyone (a new revision made public shows within that minute). The
language is ``?lang=`` only (no cookie), so a URL names one page.

A page of a frozen revision is made of the revision's stored figures, the rows it belongs to
(round, revision, its public flag, top unit) and the URL's query: the province page, the widget
and the method page are rendered once per process for each such state and then served from
memory (``PageCache``: the same bytes and ETag, a 304 without rendering), so their cost is
two small reads whatever the round's size. A changed row (a renamed round, a new revision made
public) is a new key: nothing is served stale.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import object_mapper
from starlette.datastructures import UploadFile

from app.auth.access import public_access
from app.deps import SessionDep
from app.errors import NotFound
from app.i18n import N_
from app.models import ReportSnapshotItem, Unit
from app.public.publishing import FILE_NAMES
from app.public.service import (
    Public,
    earlier_public,
    find_by_hash,
    public_file,
    public_revision,
    public_revisions,
)
from app.public.views import unit_view
from app.reporting.http import conditional, etag_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(public_access)])
Lang = Literal["vi", "en"]
LangQ = Annotated[Lang, Query()]
RevisionQ = Annotated[int | None, Query(ge=1, le=1_000_000)]
CACHE = "public, max-age=60"
HTML = "text/html; charset=utf-8"
HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
MSG_EMPTY = N_("Hãy chọn một tệp hoặc dán nội dung cần kiểm tra.")


class PageCache:
    """Rendered pages (bytes, ETag) by what they are made of; the least recently used go first."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[Any, ...], tuple[bytes, str]] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> tuple[bytes, str] | None:
        found = self._pages.get(key)
        if found is not None:
            self._pages.move_to_end(key)
        return found

    def put(self, key: tuple[Any, ...], body: bytes) -> tuple[bytes, str]:
        self._pages[key] = page = (body, etag_of(body))
        while len(self._pages) > self.size:
            self._pages.popitem(last=False)
        return page


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context, status_code=status)


def _html(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    page = _render(request, name, context, status)
    if status != 200:
        page.headers["Cache-Control"] = "no-store"
        return page
    return conditional(request, bytes(page.body), None, HTML, {"Cache-Control": CACHE})


def _state(public: Public) -> str:
    """Every column of the rows a page of ``public`` shows (round, revision, flag, top unit)."""
    rows = (public.round, public.snapshot, public.flag, public.top)
    return repr([[getattr(row, c.key) for c in object_mapper(row).column_attrs] for row in rows])


async def _frozen_page(
    request: Request,
    key: tuple[Any, ...],
    name: str,
    context: Callable[[], Awaitable[dict[str, Any]]],
) -> Response:
    """The page of a frozen revision named by ``key`` (with the URL's query), rendered once."""
    pages: PageCache = request.app.state.public_pages
    full = (name, request.url.query, *key)
    found = pages.get(full)
    if found is None:
        found = pages.put(full, bytes(_render(request, name, await context()).body))
    body, etag = found
    return conditional(request, body, None, HTML, {"Cache-Control": CACHE}, etag=etag)


async def _report(session: AsyncSession, public: Public, unit_id: int, lang: str) -> dict[str, Any]:
    item = await session.get(ReportSnapshotItem, (public.snapshot.id, unit_id, lang))
    if item is None:
        raise NotFound("this unit is not in the published figures")
    return dict(item.body)


def _context(public: Public, lang: str, **more: Any) -> dict[str, Any]:
    return {
        "round": public.round,
        "snapshot": public.snapshot,
        "flag": public.flag,
        "top": public.top,
        "rev_query": f"revision={public.snapshot.revision}&",
        **more,
    }


@router.get("/public", response_class=HTMLResponse)
async def public_index(request: Request, session: SessionDep) -> Response:
    """Every round with published results, its latest public revision first."""
    latest: dict[int, Public] = {}
    for p in await public_revisions(session):
        current = latest.get(p.round.id)
        if current is None or p.snapshot.revision > current.snapshot.revision:
            latest[p.round.id] = p
    rounds = sorted(latest.values(), key=lambda p: p.round.starts_on, reverse=True)
    return _html(request, "public/index.html", {"published": rounds})


@router.get("/public/verify", response_class=HTMLResponse)
async def verify_form(request: Request) -> Response:
    """The form: a file to upload or text to paste, checked against the published hashes."""
    return _html(request, "public/verify.html", {"checked": None})


async def _submitted(request: Request) -> list[bytes]:
    """The candidates' bytes: the file, or the pasted text (as sent and with LF line ends)."""
    form = await request.form()
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        return [await upload.read()]
    text = form.get("text")
    if isinstance(text, str) and text.strip():
        raw = text.encode()
        return list(dict.fromkeys([raw, text.replace("\r\n", "\n").encode()]))
    return []


@router.post("/public/verify", response_class=HTMLResponse)
async def verify(request: Request, session: SessionDep) -> Response:
    """Whether the file (or pasted text, or a SHA-256 itself) is one of the published files."""
    candidates = await _submitted(request)
    if not candidates:
        context = {"checked": None, "error": MSG_EMPTY}
        return _html(request, "public/verify.html", context, status=422)
    digests = [hashlib.sha256(c).hexdigest() for c in candidates]
    pasted = candidates[-1].strip().decode("utf-8", "replace")
    if len(candidates[0]) < 80 and HEX64.match(pasted):
        digests.append(pasted.lower())
    matches = []
    for digest in dict.fromkeys(digests):
        matches += await find_by_hash(session, digest)
    checked = {"sha256": digests[0], "size": len(candidates[0]), "matches": matches}
    page = _render(request, "public/verify.html", {"checked": checked})
    page.headers["Cache-Control"] = "no-store"
    return page


@router.get("/public/{round_code}", response_class=HTMLResponse)
async def province_page(
    request: Request,
    round_code: str,
    session: SessionDep,
    revision: RevisionQ = None,
    lang: LangQ = "vi",
) -> Response:
    """The province's results: overall index, band, change, ranking of its units, chart."""
    public = await public_revision(session, round_code, revision)
    others = sorted(p.snapshot.revision for p in await public_revisions(session, public.round.id))

    async def context() -> dict[str, Any]:
        report = await _report(session, public, public.top.id, lang)
        return _context(public, lang, view=unit_view(report), revisions=others, unit=None)

    key = (_state(public), tuple(others))
    return await _frozen_page(request, key, "public/province.html", context)


@router.get("/public/{round_code}/embed", response_class=HTMLResponse)
async def embed(
    request: Request,
    round_code: str,
    session: SessionDep,
    revision: RevisionQ = None,
    lang: LangQ = "vi",
) -> Response:
    """The widget for the provincial portal's iframe (framing: configured origins only)."""
    public = await public_revision(session, round_code, revision)

    async def context() -> dict[str, Any]:
        report = await _report(session, public, public.top.id, lang)
        return _context(public, lang, view=unit_view(report))

    return await _frozen_page(request, (_state(public),), "public/embed.html", context)


@router.get("/public/{round_code}/method", response_class=HTMLResponse)
async def method_page(
    request: Request,
    round_code: str,
    session: SessionDep,
    revision: RevisionQ = None,
    lang: LangQ = "vi",
) -> Response:
    """How the figures were made: instrument, sample, weights, design, withheld, hash."""
    public = await public_revision(session, round_code, revision)

    async def context() -> dict[str, Any]:
        report = await _report(session, public, public.top.id, lang)
        units = json.loads((await public_file(session, public, "units.json")).content)
        withheld = [u for u in units if u["withheld_reason"]]
        hashes = {n: (await public_file(session, public, n)).sha256 for n in FILE_NAMES}
        return _context(
            public, lang, report=report, withheld=withheld, units=len(units), hashes=hashes
        )

    return await _frozen_page(request, (_state(public),), "public/method.html", context)


@router.get("/public/{round_code}/units/{unit_code}", response_class=HTMLResponse)
async def unit_page(
    request: Request,
    round_code: str,
    unit_code: str,
    session: SessionDep,
    revision: RevisionQ = None,
    lang: LangQ = "vi",
) -> Response:
    """One unit: its index, elements and criteria, units below, trend and what changed."""
    public = await public_revision(session, round_code, revision)
    unit_id = await session.scalar(select(Unit.id).where(Unit.code == unit_code))
    if unit_id is None:
        raise NotFound(f"unknown unit {unit_code!r}")
    report = await _report(session, public, unit_id, lang)
    earlier = await earlier_public(session, public.round, unit_id, lang)
    view = unit_view(report, [(e.round_code, e.report) for e in earlier])
    context = _context(public, lang, view=view, unit=report["unit"])
    return _html(request, "public/unit.html", context)
