"""Bands, targets and the previous round on the satisfaction report, through the API."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from tests.factories import add_response, bearer, make_key, make_province, province_today, ratings
from tests.reporting.helpers import (
    add_round,
    api_client,
    as_old,
    audit_actions,
    respond,
    revised_app,
    staff_client,
)

LAST_YEAR = province_today() - timedelta(days=365)


async def seed_two_rounds(app: FastAPI):
    """R2025 (last year) and R2026 (now), same volumes: C11 1000, C12 500, C21 300.

    R2025: C11 one all-5 and one all-2 (weights 500 each), C12 one all-5 (500), C21 one
    all-2 (300): P = 1000/1800, D1 = 1000/1500, D2 = 0.
    R2026: C11 all-5 (1000), C12 all-4 (500), C21 all-1 (300): P = 1500/1800, D1 = 1, D2 = 0.
    """
    province = await make_province(app)
    earlier = await add_round(
        app, province, "R2025", LAST_YEAR, {"C11": 1000, "C12": 500, "C21": 300}
    )
    for unit, level in [("C11", 5), ("C11", 2), ("C12", 5), ("C21", 2)]:
        await respond(app, earlier, unit, ratings({}, default=level))
    for unit, level in [("C11", 5), ("C12", 4), ("C21", 1)]:
        await add_response(app, province, unit, ratings({}, default=level))
    return province


async def test_bands_targets_and_previous_round(app: FastAPI, client: httpx.AsyncClient):
    await seed_two_rounds(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    bands = {
        "bands": [{"label": "A", "min": 90}, {"label": "B", "min": 80}, {"label": "C", "min": None}]
    }
    answer = await client.put("/api/v1/rounds/R2026/bands", json=bands)
    assert answer.status_code == 200, answer.text
    targets = {"targets": [{"unit": "P", "value": 89}, {"unit": "D1", "value": 95}]}
    answer = await client.put("/api/v1/rounds/R2026/targets", json=targets)
    assert answer.json() == [{"unit": "D1", "value": 95.0}, {"unit": "P", "value": 89.0}]
    assert await audit_actions(app, "round.bands") == 1
    assert await audit_actions(app, "round.target") == 2

    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    assert report["index"] == pytest.approx(1500 / 1800 * 100)
    assert report["band"] == "B"
    assert report["bands"][0] == {"label": "A", "min": 90.0}
    # 83.3% from three responses: the 95% interval straddles 89, so no verdict
    low, high = report["ci95"]
    assert low < 89 < high
    assert report["target"] == {"value": 89.0, "status": "not_determinable", "basis": "ci95"}
    assert report["previous_round"] == "R2025"
    previous = report["previous"]
    assert previous["index"] == pytest.approx(1000 / 1800 * 100)
    assert previous["delta"] == pytest.approx(500 / 1800 * 100)
    assert previous["rank"] is None
    # 4 responses then, 3 now: a change of 27.8 points is well within the noise
    assert previous["delta_se"] > previous["delta"] / 1.96 and previous["significant"] is False

    acc1 = report["elements"][0]["criteria"][0]
    assert acc1["band"] == "B" and acc1["previous"]["index"] == pytest.approx(1000 / 1800 * 100)
    assert report["elements"][0]["previous"]["delta"] == pytest.approx(500 / 1800 * 100)

    children = {c["code"]: c for c in report["children"]}
    d1, d2 = children["D1"], children["D2"]
    assert (d1["band"], d2["band"]) == ("A", "C")
    # every answer satisfied: SE 0 and no logit interval at 100 (the round's method; "beta"
    # gives one), so the target is judged on the point estimate
    assert d1["se"] == 0.0 and d1["ci95"] is None
    assert d1["target"] == {"value": 95.0, "status": "met", "basis": "point_estimate"}
    assert d2["target"] is None
    assert d1["previous"]["index"] == pytest.approx(1000 / 1500 * 100)
    assert (d1["previous"]["rank"], d2["previous"]["rank"]) == (1, 2)
    assert d2["previous"]["delta"] == 0.0


async def test_round_settings_need_an_admin_of_the_whole_round_and_valid_input(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    token = await staff_client(app, client, "d1-admin@x.vn", [("admin", "D1")])
    bands = {"bands": [{"label": "A", "min": 90}, {"label": "B", "min": None}]}
    refused = await client.put("/api/v1/rounds/R2026/bands", json=bands)
    assert refused.status_code == 403  # R2026 also covers C21 (under D2)

    client.headers.pop("X-CSRF-Token")
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    del client.headers["X-CSRF-Token"]
    assert (await client.put("/api/v1/rounds/R2026/bands", json=bands)).status_code == 403
    client.headers["X-CSRF-Token"] = token  # the other session's token does not count
    assert (await client.put("/api/v1/rounds/R2026/bands", json=bands)).status_code == 403


async def test_invalid_bands_and_targets_are_refused(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    rising = {
        "bands": [{"label": "A", "min": 80}, {"label": "B", "min": 90}, {"label": "C", "min": None}]
    }
    answer = await client.put("/api/v1/rounds/R2026/bands", json=rising)
    assert answer.status_code == 400 and "decrease" in answer.json()["error"]["message"]
    over = await client.put(
        "/api/v1/rounds/R2026/targets", json={"targets": [{"unit": "P", "value": 120}]}
    )
    assert over.status_code == 400
    unknown = await client.put(
        "/api/v1/rounds/R2026/targets", json={"targets": [{"unit": "NOPE", "value": 80}]}
    )
    assert unknown.status_code == 404
    assert await audit_actions(app, "round.target") == 0
    cleared = await client.put("/api/v1/rounds/R2026/bands", json={"bands": None})
    assert cleared.status_code == 200 and cleared.json() == []


async def test_without_a_previous_round_previous_is_null(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app)
    await add_response(app, province, "C11", ratings({}, default=5))
    client.headers.update(bearer(await make_key(app, "P")))
    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    assert report["previous_round"] is None and report["previous"] is None
    assert report["band"] is None and report["target"] is None and report["bands"] is None
    assert all(c["previous"] is None for c in report["children"])


async def test_revised_instrument_is_followed_through_previous_codes(
    app: FastAPI, settings: Settings, forms_dir: Path, tmp_path: Path
):
    async with revised_app(app, settings, forms_dir, tmp_path) as (revised, old_version):
        province = await make_province(revised)
        earlier = await add_round(revised, province, "R2025", LAST_YEAR, {"C11": 100})
        for answers in (ratings({"ACC1": 2, "ACC2": 2}), ratings({}, default=5)):
            await respond(revised, earlier, "C11", as_old(answers), form_version_id=old_version)
        await add_response(revised, province, "C11", ratings({}, default=5))
        async with api_client(revised) as c:
            report = (await c.get("/api/v1/rounds/R2026/satisfaction?unit=C11")).json()
    criteria = {cr["code"]: cr for e in report["elements"] for cr in e["criteria"]}
    # ACC1 was OLDACC1 in 2024.1: one of two satisfied then (2 and 5).
    assert criteria["ACC1"]["previous"]["index"] == pytest.approx(50.0)
    assert criteria["ACC1"]["previous"]["delta"] == pytest.approx(50.0)
    # ACC2 kept its code: also 50% then.
    assert criteria["ACC2"]["previous"]["index"] == pytest.approx(50.0)
    assert criteria["ACC3"]["previous"]["index"] == pytest.approx(100.0)
