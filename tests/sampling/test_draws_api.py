"""Draws through the API: reproducible from the recorded seed, π = n_h/N_h, CSV, refusals."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

import httpx
from fastapi import FastAPI

from tests.auth_helpers import sign_in
from tests.factories import bearer, make_key, make_province, make_user
from tests.sampling.helpers import BASE, audit_actions, dossier_csv, signed_in, upload

LISTED = {"C11": 120, "C12": 60, "C21": 30}


async def listed_and_planned(
    app: FastAPI, client: httpx.AsyncClient, **plan: object
) -> dict[str, str]:
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    files = upload(dossier_csv(LISTED))
    assert (
        await client.post(f"{BASE}/dossiers/import", files=files, headers=csrf)
    ).status_code == 200
    answer = await client.put(f"{BASE}/plan", json=plan, headers=csrf)
    assert answer.status_code == 200, answer.text
    return csrf


async def draw(client: httpx.AsyncClient, csrf: dict[str, str], **body: object) -> dict:  # type: ignore[type-arg]
    answer = await client.post(f"{BASE}/draws", json=body or None, headers=csrf)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def selected(client: httpx.AsyncClient, draw_id: int) -> list[tuple[str, str, float]]:
    answer = await client.get(f"{BASE}/draws/{draw_id}")
    assert answer.status_code == 200, answer.text
    return [(s["stratum"], s["dossier"], s["probability"]) for s in answer.json()["selections"]]


async def test_a_draw_is_repeated_exactly_from_its_seed(app: FastAPI, client: httpx.AsyncClient):
    csrf = await listed_and_planned(app, client)  # yamane: 120 → 93, 60 → 53, 30 → 28
    first = await draw(client, csrf)  # no seed given: a random one, recorded
    assert first["seed"] >= 0 and first["method"] == "srs" and first["plan_version"] == 1
    assert first["selected"] == 93 + 53 + 28
    listing = await selected(client, first["id"])
    assert Counter(s for s, _, _ in listing) == {"C11": 93, "C12": 53, "C21": 28}
    assert {(s, p) for s, _, p in listing} == {
        ("C11", 93 / 120),
        ("C12", 53 / 60),
        ("C21", 28 / 30),
    }
    assert len({d for _, d, _ in listing}) == len(listing)

    again = await draw(client, csrf, seed=first["seed"])
    assert again["id"] != first["id"]
    assert await selected(client, again["id"]) == listing
    other = await draw(client, csrf, seed=first["seed"] + 1)
    assert await selected(client, other["id"]) != listing
    assert (await audit_actions(app))[-1] == "sample_draw.create"


async def test_systematic_draws_are_reproducible_too(app: FastAPI, client: httpx.AsyncClient):
    csrf = await listed_and_planned(app, client, method="allocate", total=30)
    first = await draw(client, csrf, seed=12345, method="systematic")
    listing = await selected(client, first["id"])
    assert (
        await selected(client, (await draw(client, csrf, seed=12345, method="systematic"))["id"])
        == listing
    )
    # every 7th dossier of C11 (N = 120, n = 120·30/210 ≈ 17 → interval 7.06) in code order
    codes = sorted(d for s, d, _ in listing if s == "C11")
    positions = [int(code.rsplit("-", 1)[1]) for code in codes]
    gaps = {b - a for a, b in pairwise(positions)}
    assert gaps <= {7, 8}


async def test_the_selected_list_as_csv(app: FastAPI, client: httpx.AsyncClient):
    csrf = await listed_and_planned(app, client, method="allocate", total=10)
    made = await draw(client, csrf, seed=7)
    answer = await client.get(f"{BASE}/draws/{made['id']}?format=csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "selection_id,dossier,unit,field,stratum,probability,weight"
    assert len(lines) == 1 + 10
    first = lines[1].split(",")
    assert float(first[5]) * float(first[6]) == 1.0  # weight = 1/π


async def test_a_plan_that_does_not_match_the_list_is_refused(
    app: FastAPI, client: httpx.AsyncClient
):
    csrf = await listed_and_planned(app, client, source="volumes")  # N from volumes: 1000 ...
    answer = await client.post(f"{BASE}/draws", json={"seed": 1}, headers=csrf)
    assert answer.status_code == 409
    assert "C11 (plan N = 1000, listed 120)" in answer.json()["error"]["message"]


async def test_refusals(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    no_plan = await client.post(f"{BASE}/draws", json={}, headers=csrf)
    assert no_plan.status_code == 404 and "no sample plan" in no_plan.json()["error"]["message"]
    assert (await client.post(f"{BASE}/draws", json={"seed": -1}, headers=csrf)).status_code == 422
    assert (
        await client.post(f"{BASE}/draws", json={"method": "x"}, headers=csrf)
    ).status_code == 422
    assert (await client.post(f"{BASE}/draws", json={"seed": 1})).status_code == 403  # no CSRF
    assert (await client.get(f"{BASE}/draws/99")).status_code == 404
    assert (await client.get(f"{BASE}/draws/abc")).status_code == 422


async def test_who_may_read_a_draw(app: FastAPI, client: httpx.AsyncClient):
    csrf = await listed_and_planned(app, client, method="allocate", total=10)
    made = await draw(client, csrf, seed=3)
    url = f"{BASE}/draws/{made['id']}"
    await make_user(app, "viewer@x.vn", [("viewer", "P")])
    transport = client._transport
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as viewer:
        await sign_in(viewer, "viewer@x.vn")
        assert (await viewer.get(url)).status_code == 200
        # a viewer reads, but may not draw
        assert (await viewer.post(f"{BASE}/draws", json={})).status_code == 403
    key = await make_key(app, "P")
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as system:
        assert (await system.get(url, headers=bearer(key))).status_code == 401  # staff only
        assert (await system.get(f"{BASE}/plan", headers=bearer(key))).status_code == 200
        assert (await system.get(f"{BASE}/dossiers", headers=bearer(key))).status_code == 200
