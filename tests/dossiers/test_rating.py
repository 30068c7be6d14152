"""Per-dossier rating: a returned dossier's own single-use code; its response is linked to the
dossier by a keyed hash; satisfaction by timeliness and channel equals a hand computation."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.dossiers.rating_tally import refresh_ratings
from app.integrity.receipts import parse_code
from app.integrity.screening import keyed_hash
from app.models import DossierEvent, Response
from tests.dossiers.helpers import feeder_key
from tests.dossiers.test_indicators import feed_sample
from tests.factories import CRITERIA, add_response, bearer, make_key, make_province, ratings
from tests.integrity.helpers import HTML, aged_sid

CODES = "/api/v1/dossiers/rating-codes"


def answers(level: int, low: int = 0) -> dict[str, str]:
    """Every criterion at ``level``, except the first ``low`` ones at 1."""
    return {"field": "land", **{c: str(1 if i < low else level) for i, c in enumerate(CRITERIA)}}


async def rate(app: FastAPI, client: httpx.AsyncClient, code: str, values: dict[str, str]) -> int:
    page = await client.get(f"/r/{code}", headers=HTML)
    assert page.status_code == 200, page.text[:300]
    secret = app.state.settings.secret_key
    binding = f"receipt:{keyed_hash(secret, 'receipt|R2026', parse_code(code).ref)}"
    sid = aged_sid(app, binding, "", 80)
    return (await client.post(f"/r/{code}", data={"sid": sid, **values})).status_code


async def test_rating_codes_link_responses_to_their_dossiers(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    await feed_sample(app, client)
    key = bearer(await feeder_key(app, "D1"))
    numbers = ["C11-1", "C11-3", "C12-1", "C12-2", "NOPE", "C21-1"]
    issued = (await client.post(CODES, json={"numbers": numbers}, headers=key)).json()["codes"]
    status = [(c["number"], c["status"], (c["error"] or {}).get("code")) for c in issued]
    assert status == [
        ("C11-1", "issued", None),
        ("C11-3", "issued", None),
        ("C12-1", "issued", None),
        ("C12-2", "issued", None),
        ("NOPE", "rejected", "not_returned"),
        ("C21-1", "rejected", "out_of_scope"),
    ]
    code = {c["number"]: c["code"] for c in issued if c["code"]}
    assert issued[0]["url"] == f"https://khaosat.example.vn/r/{code['C11-1']}"
    again = (await client.post(CODES, json={"numbers": ["C11-1"]}, headers=key)).json()
    assert again["codes"][0]["code"] == code["C11-1"]  # the same code, still single-use

    assert await rate(app, client, code["C11-1"], answers(5)) == 303  # early, online
    assert await rate(app, client, code["C11-3"], answers(2)) == 303  # late, postal
    assert await rate(app, client, code["C12-1"], answers(4, low=8)) == 303  # late, online
    assert await rate(app, client, code["C12-2"], answers(5, low=0)) == 303  # on time
    assert (await client.get(f"/r/{code['C11-1']}", headers=HTML)).status_code == 410
    await add_response(app, province, "C11", ratings({}, default=1))  # not linked: left out

    async with app.state.db.sessions() as session:
        hashes = set((await session.scalars(select(Response.receipt_hash))).all()) - {None}
        linked = set((await session.scalars(select(DossierEvent.rating_hash))).all()) - {None}
    assert hashes == linked and len(hashes) == 4
    assert not any("C11" in h or "C12" in h for h in hashes)  # keyed hashes, not numbers

    client.headers.update(bearer(await make_key(app, "P")))
    url = "/api/v1/rounds/R2026/dossier-satisfaction"
    before = (await client.get(url)).json()  # served from the worker's figures: none yet
    assert before["rows"] == [] and before["as_of"] is None
    assert await refresh(app) == 1  # the round with linked responses (and no other)
    assert await refresh(app) == 0  # nothing changed: nothing recomputed
    timeliness = (await client.get(url)).json()
    assert timeliness["as_of"] is not None
    rows = {r["group"]: (r["responses"], r["answered"], r["satisfied"]) for r in timeliness["rows"]}
    assert rows == {"early": (1, 16, 16), "late": (2, 32, 8), "on_time": (1, 16, 16)}
    late = next(r for r in timeliness["rows"] if r["group"] == "late")
    assert late["index"] == pytest.approx(25.0)
    assert timeliness["total"]["index"] == pytest.approx(100 * 40 / 64)
    channel = (await client.get(url, params={"by": "channel"})).json()
    assert {r["group"]: r["index"] for r in channel["rows"]} == pytest.approx(
        {"online": 75.0, "postal": 0.0, "in_person": 100.0}
    )
    only_c12 = (await client.get(url, params={"unit": "C12", "by": "field"})).json()
    assert only_c12["total"]["responses"] == 2 and only_c12["rows"][0]["group"] == "land"

    # Excluding a linked response changes the figures only once the worker has run again.
    async with app.state.db.write_sessions.begin() as session:
        late_one = await session.scalar(
            select(Response)
            .where(Response.receipt_hash.is_not(None))
            .order_by(Response.id)
            .offset(1)
            .limit(1)
        )
        assert late_one is not None
        late_one.status = "excluded"
    assert (await client.get(url)).json()["total"]["responses"] == 4  # as of the last run
    assert await refresh(app) == 1
    after = (await client.get(url)).json()
    rows = {r["group"]: (r["responses"], r["answered"], r["satisfied"]) for r in after["rows"]}
    assert rows == {"early": (1, 16, 16), "late": (1, 16, 8), "on_time": (1, 16, 16)}


async def refresh(app: FastAPI) -> int:
    """The worker's task dossiers.ratings, run once."""
    settings = app.state.settings
    return await refresh_ratings(app.state.db, app.state.catalogue, settings.timezone)
