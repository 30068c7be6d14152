"""Receipt codes: one response per real transaction; the documented algorithm's test vector;
forged and other-round codes refused with a friendly page; 50 concurrent submissions of one
code store exactly one response."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.integrity.receipts import issue_code, round_key
from app.models import Response
from tests.factories import CRITERIA, make_province
from tests.integrity.helpers import HTML, aged_sid
from tests.sampling.helpers import signed_in

# docs/integrity.md, "Receipt codes": the vector vendors check their implementation with.
SECRET = "test-secret-key-not-for-production"
VECTOR_KEY = "9c4026f3c0d3c5babd41cce62f4045fbe16da3f3501144df1c4ea7ebaa1f4084"
VECTOR_CODE = "C11~000.00.27.H56-241203-0001~OYAH5K5VBA"
ANSWERS = {"field": "land", **{c: "4" for c in CRITERIA}}


def test_the_documented_test_vector_verifies():
    key = hmac.new(SECRET.encode(), b"sipas.receipt|R2026", hashlib.sha256).digest()
    assert key.hex() == VECTOR_KEY == round_key(SECRET, "R2026").hex()
    mac = hmac.new(key, b"C11|000.00.27.H56-241203-0001", hashlib.sha256).digest()
    assert VECTOR_CODE.endswith(base64.b32encode(mac).decode()[:10])
    assert issue_code(key, "C11", " 000.00.27.h56-241203-0001 ") == VECTOR_CODE


async def test_a_code_answers_once_and_forged_or_foreign_codes_are_refused(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app, integrity=None)
    assert app.state.settings.secret_key == SECRET
    page = await client.get(f"/r/{VECTOR_CODE}", headers=HTML)
    assert page.status_code == 200 and 'action="/r/' in page.text
    sid = aged_sid(app, _binding(VECTOR_CODE), "", 75)
    sent = await client.post(f"/r/{VECTOR_CODE}", data={"sid": sid, **ANSWERS})
    assert sent.status_code == 303 and sent.headers["location"] == "/s/C11/thanks"
    used = await client.get(f"/r/{VECTOR_CODE}", headers=HTML)
    assert used.status_code == 410 and "đã được dùng để đánh giá" in used.text
    forged = VECTOR_CODE[:-1] + ("A" if VECTOR_CODE[-1] != "A" else "B")
    refused = await client.get(f"/r/{forged}", headers=HTML)
    assert refused.status_code == 404 and "Mã trên biên nhận không đúng" in refused.text
    other_round = issue_code(round_key(SECRET, "R2025"), "C11", "000.00.27.H56-241203-0001")
    assert (await client.get(f"/r/{other_round}", headers=HTML)).status_code == 404
    assert (await client.get("/r/nonsense", headers=HTML)).status_code == 404
    async with app.state.db.sessions() as session:
        stored = (await session.execute(select(Response.channel, Response.receipt_hash))).all()
    assert len(stored) == 1 and stored[0][0] == "receipt"
    assert "H56" not in stored[0][1]  # a keyed hash, never the dossier number


async def test_fifty_concurrent_submissions_of_one_code_store_one(app: FastAPI):
    await make_province(app, integrity=None)
    code = issue_code(round_key(SECRET, "R2026"), "C12", "HS-2026-000123")
    transport = httpx.ASGITransport(app=app)

    async def citizen() -> int:
        async with httpx.AsyncClient(transport=transport, base_url="https://t") as phone:
            sid = aged_sid(app, _binding(code), "", 80)
            sent = await phone.post(f"/r/{code}", data={"sid": sid, **ANSWERS}, headers=HTML)
            return sent.status_code

    codes = await asyncio.gather(*(citizen() for _ in range(50)))
    assert sorted(set(codes)) == [303, 410] and codes.count(303) == 1
    async with app.state.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Response)) == 1


async def test_receipts_api_and_a_round_that_requires_them(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app, integrity=None)
    csrf = await signed_in(app, client, "admin@p.vn", [("admin", "P")])
    made = await client.post(
        "/api/v1/rounds/R2026/receipts",
        json={"unit": "C11", "dossiers": ["000.00.27.H56-241203-0001"]},
        headers=csrf,
    )
    assert made.status_code == 200, made.text
    assert made.json()[0]["code"] == VECTOR_CODE
    assert made.json()[0]["url"] == f"https://khaosat.example.vn/r/{VECTOR_CODE}"
    key = await client.post("/api/v1/rounds/R2026/receipts/key", headers=csrf)
    assert key.json()["key"] == VECTOR_KEY
    url = "/api/v1/rounds/R2026/integrity/policy"
    assert (await client.put(url, json={"receipts": "require"}, headers=csrf)).status_code == 200
    poster = await client.get("/s/C11", headers=HTML)
    assert poster.status_code == 403 and "mã QR trên biên nhận" in poster.text
    assert (await client.get(f"/r/{VECTOR_CODE}", headers=HTML)).status_code == 200


def _binding(code: str) -> str:
    """What a receipt form's submission id is bound to (app/integrity/pages.py)."""
    from app.integrity.receipts import parse_code
    from app.integrity.screening import keyed_hash

    ref = parse_code(code).ref
    return f"receipt:{keyed_hash(SECRET, 'receipt|R2026', ref)}"


async def test_a_counter_prints_a_code_for_the_receipt_it_hands_over(
    app: FastAPI, client: httpx.AsyncClient
):
    from tests.auth_helpers import hidden

    await make_province(app, integrity=None)
    await signed_in(app, client, "c11@p.vn", [("manager", "C11")])
    page = await client.get("/console/rounds/R2026/receipt", headers=HTML)
    assert page.status_code == 200
    form = {"csrf_token": hidden(page.text, "csrf_token"), "unit": "C11"}
    printed = await client.post(
        "/console/rounds/R2026/receipt",
        data={**form, "dossier": "000.00.27.H56-241203-0001"},
        headers=HTML,
    )
    assert printed.status_code == 200 and f"/r/{VECTOR_CODE}" in printed.text
    assert "<svg" in printed.text  # the QR code to print
    other = await client.post(
        "/console/rounds/R2026/receipt", data={**form, "unit": "C12", "dossier": "X1"}, headers=HTML
    )
    assert other.status_code == 403  # a counter prints codes for itself only
