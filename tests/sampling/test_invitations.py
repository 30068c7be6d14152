"""Issuing invitations over the API: links shown once, only hashes stored, audited."""

from __future__ import annotations

import csv
import io
import re

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from app.models import AuditEvent, Invitation, Round
from app.sampling.invitations import token_hash
from tests.auth_helpers import csrf_of, sign_in
from tests.factories import make_province, make_user
from tests.sampling.invitation_helpers import HTML, count_rows, drawn, open_pdf, signed_in_admin

INVITATIONS = "/api/v1/rounds/R2026/invitations"
BASE = "https://khaosat.example.vn/t/"


def tokens_of(urls: list[str]) -> list[str]:
    assert all(u.startswith(BASE) for u in urls), urls
    return [u.removeprefix(BASE) for u in urls]


async def test_issued_links_are_random_shown_once_and_stored_as_hashes(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    csrf = await signed_in_admin(app, client)
    issued = await client.post(
        INVITATIONS, json={"unit": "C11", "count": 50, "stratum": "A"}, headers=csrf
    )
    assert issued.status_code == 201, issued.text
    assert issued.headers["cache-control"] == "no-store"
    body = issued.json()
    assert [body[k] for k in ("round", "unit", "stratum", "count")] == ["R2026", "C11", "A", 50]
    tokens = tokens_of([i["url"] for i in body["invitations"]])
    assert len(set(tokens)) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{24}", t) for t in tokens)  # 144 random bits

    async with app.state.db.sessions() as session:
        stored = list(await session.scalars(select(Invitation)))
        audit = (await session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()))).first()
    assert {i.token_hash for i in stored} == {token_hash(t) for t in tokens}
    assert {(i.stratum, i.redeemed_at) for i in stored} == {("A", None)}
    assert audit is not None and audit.action == "invitation.issue"
    assert audit.changes == {"unit": "C11", "stratum": "A", "count": 50, "selections": False}
    dump = repr([(vars(i), vars(audit)) for i in stored])
    assert not any(t in dump for t in tokens)  # no plaintext token in any stored column

    for token in tokens[:3]:  # every link opens the form
        assert (await client.get(f"/t/{token}", headers=HTML)).status_code == 200


async def test_one_invitation_per_selection_and_never_two(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    csrf = await signed_in_admin(app, client)
    sample = await drawn(app, client, csrf, {"C11": 10, "C12": 10})
    a, b, c, d = sample["C12"][:4]
    first = await client.post(
        INVITATIONS, json={"unit": "C12", "selection_ids": [a, b, c]}, headers=csrf
    )
    assert first.status_code == 201, first.text
    assert [i["selection_id"] for i in first.json()["invitations"]] == [a, b, c]
    again = await client.post(
        INVITATIONS, json={"unit": "C12", "selection_ids": [c, d]}, headers=csrf
    )
    assert again.status_code == 409 and str(c) in again.json()["error"]["message"]
    foreign = await client.post(  # drawn at C11, not C12; and an id never drawn
        INVITATIONS, json={"unit": "C12", "selection_ids": [sample["C11"][0], 10**9]}, headers=csrf
    )
    assert foreign.status_code == 400 and str(10**9) in foreign.text
    assert await count_rows(app, Invitation) == 3  # nothing of the refused calls was stored
    progress = (await client.get(f"{INVITATIONS.rsplit('/', 1)[0]}/progress")).json()
    c12 = next(r for r in progress["strata"] if r["unit"] == "C12" and r["stratum"] is None)
    assert (c12["selected"], c12["invited"]) == (10, 3)  # N = 10 → n = 10 (Yamane, e = 5%)
    assert progress["total"]["selected"] == 20


async def test_bad_requests_are_refused_without_issuing(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app, volumes={"C11": 100})  # the round covers C11 only
    csrf = await signed_in_admin(app, client)
    cases = [
        ({"unit": "C11"}, 422),
        ({"unit": "C11", "count": 2, "selection_ids": [1]}, 422),
        ({"unit": "C11", "count": 0}, 422),
        ({"unit": "C11", "count": 10_001}, 422),
        ({"unit": "C11", "selection_ids": [4, 4]}, 400),
        ({"unit": "C11", "selection_ids": [2**63]}, 422),
        ({"unit": "C12", "count": 1}, 400),  # not covered by the round
        ({"unit": "NOPE", "count": 1}, 404),
    ]
    for payload, status in cases:
        answer = await client.post(INVITATIONS, json=payload, headers=csrf)
        assert answer.status_code == status, (payload, answer.text)
    big = await client.post(
        f"{INVITATIONS}?format=pdf", json={"unit": "C11", "count": 2001}, headers=csrf
    )
    assert big.status_code == 400 and "PDF" in big.text  # refused before issuing
    assert (await client.post(INVITATIONS, json={"unit": "C11", "count": 1})).status_code == 403
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(update(Round).values(status="closed"))
    closed = await client.post(INVITATIONS, json={"unit": "C11", "count": 1}, headers=csrf)
    assert closed.status_code == 409
    assert await count_rows(app, Invitation) == 0


async def test_csv_for_send_outs_and_counts_only_afterwards(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    csrf = await signed_in_admin(app, client)
    first, second = (await drawn(app, client, csrf, {"C21": 5}))["C21"][:2]
    answer = await client.post(
        f"{INVITATIONS}?format=csv",
        json={"unit": "C21", "selection_ids": [first, second]},
        headers=csrf,
    )
    assert answer.status_code == 201
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["cache-control"] == "no-store"
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [(r["unit_code"], r["unit_name"], r["stratum"], r["selection_id"]) for r in rows] == [
        ("C21", "Đơn vị C21", "", str(first)),
        ("C21", "Đơn vị C21", "", str(second)),
    ]
    token = tokens_of([rows[0]["url"]])[0]
    page = await client.get(f"/t/{token}", headers=HTML)
    assert page.status_code == 200 and "Đơn vị C21" in page.text

    await client.post(INVITATIONS, json={"unit": "C11", "count": 3}, headers=csrf)
    counts = (await client.get(INVITATIONS)).json()
    assert counts == [
        {"unit": "C11", "stratum": None, "issued": 3, "redeemed": 0},
        {"unit": "C21", "stratum": None, "issued": 2, "redeemed": 0},
    ]
    assert "url" not in str(counts) and token not in str(counts)


async def test_pdf_sheet_decodes_to_working_links(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    csrf = await signed_in_admin(app, client)
    answer = await client.post(
        f"{INVITATIONS}?format=pdf", json={"unit": "C11", "count": 10}, headers=csrf
    )
    assert answer.status_code == 201
    assert answer.headers["content-type"] == "application/pdf"
    pdf = open_pdf(answer.content)
    assert pdf.pages == 2  # 8 cards per A4 page
    assert len(set(pdf.qr_texts)) == 10
    tokens = tokens_of(pdf.qr_texts)
    for url in pdf.qr_texts:  # the printed link is the scanned one
        assert url in pdf.text
    assert pdf.text.count("Đơn vị C11") == 10 and "Đợt khảo sát thử" in pdf.text
    async with app.state.db.sessions() as session:
        hashes = set(await session.scalars(select(Invitation.token_hash)))
    assert hashes == {token_hash(t) for t in tokens}
    assert (await client.get(f"/t/{tokens[0]}", headers=HTML)).status_code == 200


async def test_only_admins_of_every_unit_of_the_round_issue(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    await make_user(app, "d1-admin@x.vn", [("admin", "D1")])  # the round also covers D2's C21
    await sign_in(client, "d1-admin@x.vn")
    csrf = {"X-CSRF-Token": await csrf_of(client)}
    refused = await client.post(INVITATIONS, json={"unit": "C11", "count": 1}, headers=csrf)
    assert refused.status_code == 403
    assert await count_rows(app, Invitation) == 0
