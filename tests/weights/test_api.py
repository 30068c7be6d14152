"""The weight-set API over HTTP: compute, list, show, activate; errors; what reports then use."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.auth_helpers import csrf_of, sign_in
from tests.factories import bearer, make_key, make_user
from tests.weights.people import RAKE, seed_people

BASE = "/api/v1/rounds/R2026/weight-sets"


async def admin_client(app: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
    await make_user(app, "admin@x.vn", [("admin", "P")])
    await sign_in(client, "admin@x.vn")
    return {"X-CSRF-Token": await csrf_of(client)}


async def test_compute_list_show_activate(app: FastAPI, client: httpx.AsyncClient):
    await seed_people(app, sizes={"C11": 8, "C12": 5, "C21": 6})
    csrf = await admin_client(app, client)

    made = await client.post(BASE, json=RAKE, headers=csrf)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["created"] is True and body["version"] == 1 and body["active"] is False
    assert body["summary"]["overall"]["sum"] == pytest.approx(2500.0)
    assert body["summary"]["overall"]["n"] == 19 and body["inputs"]["method"] == "rake"
    assert body["coverage"] == {"valid_responses": 19, "missing": 0, "dropped": 0, "stale": False}
    assert body["created_by"].startswith("user:")

    same = await client.post(BASE, json=RAKE, headers=csrf)
    assert same.status_code == 200 and same.json()["id"] == body["id"]
    assert same.json()["created"] is False

    listed = (await client.get(BASE)).json()
    assert [(s["name"], s["version"]) for s in listed] == [("rake", 1)]
    shown = (await client.get(f"{BASE}/{body['id']}")).json()
    assert shown["summary"] == body["summary"] and shown["inputs"] == body["inputs"]
    assert (await client.get(f"{BASE}/999999")).status_code == 404

    report = "/api/v1/rounds/R2026/satisfaction?unit=P"
    before = (await client.get(report)).json()["weighted_respondents"]
    active = await client.post(f"{BASE}/{body['id']}/activate", headers=csrf)
    assert active.status_code == 200 and active.json()["active"] is True
    # The report now weighs each response by the raked set: the margins' population.
    after = (await client.get(report)).json()["weighted_respondents"]
    assert after == pytest.approx(2500.0) and before != pytest.approx(2500.0)

    audit = (await client.get("/api/v1/audit", params={"action": "weight_set"})).json()
    assert {e["action"] for e in audit} >= {"weight_set.compute", "weight_set.activate"}


async def test_errors_are_422_with_a_stable_code(app: FastAPI, client: httpx.AsyncClient):
    await seed_people(app, sizes={"C11": 4, "C12": 3, "C21": 3}, list_sample=False)
    csrf = await admin_client(app, client)
    inconsistent = {
        "method": "rake",
        "margins": [
            {"variable": "gender", "category": "female", "total": 50},
            {"variable": "gender", "category": "male", "total": 50},
            {"variable": "unit", "category": "C11", "total": 60},
            {"variable": "unit", "category": "C12", "total": 30},
            {"variable": "unit", "category": "C21", "total": 20},
        ],
    }
    answer = await client.post(BASE, json=inconsistent, headers=csrf)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "margins_inconsistent"
    assert "gender 100, unit 110" in answer.json()["error"]["message"]

    empty = {
        "method": "poststratify",
        "cells": [
            {"cell": {"unit": "C11"}, "total": 10},
            {"cell": {"unit": "C12"}, "total": 10},
            {"cell": {"unit": "C21"}, "total": 10},
            {"cell": {"unit": "C99"}, "total": 10},
        ],
    }
    answer = await client.post(BASE, json=empty, headers=csrf)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "empty_cell"

    invalid = await client.post(BASE, json={"method": "rake"}, headers=csrf)
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid"
    assert (await client.get(BASE)).json() == []  # nothing was stored

    no_csrf = await client.post(BASE, json=RAKE)
    assert no_csrf.status_code == 403


async def test_readers_may_look_but_not_compute(app: FastAPI, client: httpx.AsyncClient):
    await seed_people(app, sizes={"C11": 2, "C12": 2, "C21": 2}, list_sample=False)
    key = await make_key(app, "P")
    listed = await client.get(BASE, headers=bearer(key))
    assert listed.status_code == 200 and listed.json() == []
    refused = await client.post(BASE, json=RAKE, headers=bearer(key))
    assert refused.status_code == 401  # writes need a signed-in admin, not a key

    await make_user(app, "manager@x.vn", [("manager", "P")])
    await sign_in(client, "manager@x.vn")
    csrf = {"X-CSRF-Token": await csrf_of(client)}
    assert (await client.post(BASE, json=RAKE, headers=csrf)).status_code == 403
    assert (await client.get(BASE)).status_code == 200
