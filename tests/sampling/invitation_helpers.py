"""Invitations made through the service layer, admins signed in through the real pages,
and PDFs opened the way a reader (and a phone's QR scanner) would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.audit.service import CLI
from app.db import Database
from app.integrity.screening import Paradata, answers_fingerprint, screen
from app.models.base import utcnow
from app.sampling.invitations import InvitedForm, issue_invitations, open_invitation, redeem
from tests.collection.test_form import token_of
from tests.factories import Province, province_today, ratings
from tests.sampling.helpers import signed_in

HTML = {"accept": "text/html"}


async def invite(
    app: FastAPI, province: Province, unit: str, count: int, stratum: str | None = None
) -> list[str]:
    """``count`` fresh tokens for ``unit`` (plaintext, as the issuing call hands them out)."""
    db: Database = app.state.db
    async with db.write_sessions.begin() as session:
        batch = await issue_invitations(
            session, CLI, province.round, unit, stratum=stratum, count=count
        )
    return [i.token for i in batch.invitations]


async def opened_together(app: FastAPI, tokens: list[str]) -> list[InvitedForm]:
    """Each token's form as opened now: submissions that all saw their invitation open."""
    async with app.state.db.sessions() as session:
        today = province_today()
        return [await open_invitation(session, app.state.catalogue, t, today) for t in tokens]


async def redeem_now(app: FastAPI, invited: InvitedForm) -> None:
    """Submit ``invited`` (all 16 criteria at 5) in a transaction of its own."""
    answers = ratings({})
    target = invited.target
    paradata = Paradata("token", None, None, answers_fingerprint(answers))
    verdict = screen(
        target.policy, paradata, answers, target.criteria, target.unit.code, 0, utcnow(), "UTC"
    )
    async with app.state.db.write_sessions.begin() as session:
        await redeem(session, invited, str(uuid.uuid4()), answers, paradata, verdict)


async def signed_in_admin(
    app: FastAPI, client: httpx.AsyncClient, unit: str = "P"
) -> dict[str, str]:
    """Sign ``client`` in as an admin of ``unit``; the CSRF header its writes need."""
    return await signed_in(app, client, f"admin-{unit.lower()}@x.vn", [("admin", unit)])


sid_of = token_of  # the signed submission id a served form carries


async def count_rows(app: FastAPI, model: type, *where: object) -> int:
    async with app.state.db.sessions() as session:
        stmt = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return int(await session.scalar(stmt) or 0)


@dataclass(frozen=True)
class OpenedPdf:
    pages: int
    qr_texts: list[str]  # decoded from the rendered pages, as a phone would read them
    text: str  # the text layer


def open_pdf(data: bytes) -> OpenedPdf:
    import pypdfium2 as pdfium
    import zxingcpp

    document = pdfium.PdfDocument(data)
    texts: list[str] = []
    words: list[str] = []
    try:
        for page in document:
            image = page.render(scale=200 / 72).to_pil()
            texts += [code.text for code in zxingcpp.read_barcodes(image)]
            # PDFium reports a hyphen ending a line as a soft hyphen (U+FFFE): a link may end so.
            words.append(page.get_textpage().get_text_range().replace("\ufffe", "-\n"))
        return OpenedPdf(len(document), texts, "\n".join(words))
    finally:
        document.close()


async def drawn(
    app: FastAPI, client: httpx.AsyncClient, csrf: dict[str, str], listed: dict[str, int]
) -> dict[str, list[int]]:
    """List ``listed`` dossiers per unit, plan and draw through the API: selection ids by unit."""
    from app.models import SampleSelection, Unit
    from tests.sampling.helpers import BASE, dossier_csv, upload

    imported = await client.post(
        f"{BASE}/dossiers/import", files=upload(dossier_csv(listed)), headers=csrf
    )
    assert imported.status_code == 200, imported.text
    assert (await client.put(f"{BASE}/plan", json={}, headers=csrf)).status_code == 200
    assert (await client.post(f"{BASE}/draws", headers=csrf)).status_code == 201
    db: Database = app.state.db
    async with db.sessions() as session:
        rows = await session.execute(
            select(Unit.code, SampleSelection.id)
            .join(Unit, Unit.id == SampleSelection.unit_id)
            .order_by(SampleSelection.id)
        )
        by_unit: dict[str, list[int]] = {}
        for code, selection_id in rows:
            by_unit.setdefault(code, []).append(selection_id)
    return by_unit
