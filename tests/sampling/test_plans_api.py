"""Sample plans through the API: rules per stratum, allocations, Neyman from the last round."""

from __future__ import annotations

import statistics
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from app.audit.service import CLI
from app.db import Database
from app.rounds.service import create_round, set_volume
from tests.factories import Province, add_response, make_province, province_today, ratings
from tests.sampling.helpers import BASE, audit_actions, dossier_csv, signed_in, upload


async def put_plan(client: httpx.AsyncClient, csrf: dict[str, str], **params: object) -> dict:  # type: ignore[type-arg]
    answer = await client.put(f"{BASE}/plan", json=params, headers=csrf)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def sizes(plan: dict) -> dict[str, int]:  # type: ignore[type-arg]
    return {s["stratum"]: s["size"] for s in plan["strata"]}


async def test_official_rule_per_stratum_from_the_volumes(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)  # C11 1000, C12 500, C21 300
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    plan = await put_plan(client, csrf)
    assert (plan["version"], plan["source"], plan["population"]) == (1, "volumes", 1800)
    assert sizes(plan) == {"C11": 286, "C12": 223, "C21": 172}  # 1000/3.5, 500/2.25, 300/1.75
    assert plan["total"] == 681
    c11 = plan["strata"][0]
    assert (c11["unit"], c11["members"], c11["probability"]) == ("C11", ["C11"], 0.286)
    cochran = await put_plan(client, csrf, rule="cochran", maximum=200)
    assert sizes(cochran) == {"C11": 200, "C12": 200, "C21": 169}
    assert cochran["version"] == 2
    shown = (await client.get(f"{BASE}/plan")).json()
    assert shown["version"] == 2 and sizes(shown) == sizes(cochran)
    assert (await audit_actions(app))[-2:] == ["sample_plan.create", "sample_plan.create"]


async def test_a_total_allocated(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    plan = await put_plan(client, csrf, method="allocate", total=300)
    assert sizes(plan) == {"C11": 167, "C12": 83, "C21": 50}
    plan = await put_plan(client, csrf, method="allocate", total=1200, allocation="equal")
    assert sizes(plan) == {"C11": 450, "C12": 450, "C21": 300}  # C21 capped, surplus shared
    plan = await put_plan(client, csrf, method="allocate")  # the rule for N = 1800
    assert plan["total"] == 328 and sum(sizes(plan).values()) == 328
    assert plan["notes"] == ["total 328: the yamane rule for the whole frame N = 1800"]


async def test_small_units_excluded_or_pooled(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app, volumes={"C11": 1000, "C12": 40, "C21": 30})
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    excluded = await put_plan(client, csrf, threshold=50)
    assert sizes(excluded) == {"C11": 286}
    assert excluded["excluded"] == [
        {"unit": "C12", "population": 40, "reason": "fewer than 50 transactions"},
        {"unit": "C21", "population": 30, "reason": "fewer than 50 transactions"},
    ]
    pooled = await put_plan(client, csrf, threshold=50, small="merge")
    assert sizes(pooled) == {"C11": 286, "pooled:D1": 37, "pooled:D2": 28}
    assert [(s["unit"], s["members"]) for s in pooled["strata"][1:]] == [
        ("D1", ["C12"]),
        ("D2", ["C21"]),
    ]
    assert pooled["excluded"] == []


async def previous_round(app: FastAPI, province: Province) -> None:
    """R2025, a year earlier, covering C11 and C12 with a few responses each."""
    db: Database = app.state.db
    today = province_today()
    async with db.write_sessions.begin() as session:
        earlier = await create_round(
            session,
            CLI,
            code="R2025",
            name="Năm trước",
            form_code=province.round.form_code,
            starts_on=today - timedelta(days=400),
            ends_on=today - timedelta(days=340),
            status="closed",
        )
        for code in ("C11", "C12"):
            await set_volume(session, CLI, earlier, province.units[code], 900)
    last_year = Province(earlier, province.units)
    half = {code: 2 for code in ["ACC1", "ACC2", "ACC3", "PRO1"]}
    half |= {code: "na" for code in ["PRO2", "PRO3", "PRO4", "OFF1"]}
    for unit, answers in [
        ("C11", ratings({})),  # share 1
        ("C11", ratings(half)),  # 8 of 12 answered: 2/3 (N/A leave the denominator)
        ("C11", ratings({}, default=4)),  # 1
        ("C12", ratings({})),  # 1
        ("C12", ratings({}, default=1)),  # 0
    ]:
        await add_response(app, last_year, unit, answers)


async def test_neyman_takes_s_h_from_the_previous_round(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app)
    await previous_round(app, province)
    await add_response(app, province, "C11", ratings({}, default=1))  # this round: ignored
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    plan = await put_plan(client, csrf, method="allocate", total=100, allocation="neyman")
    s11, s12 = statistics.stdev([1, 2 / 3, 1]), statistics.stdev([1, 0])
    spreads = {s["stratum"]: s["spread"] for s in plan["strata"]}
    assert spreads == {
        "C11": pytest.approx(s11),
        "C12": pytest.approx(s12),
        "C21": pytest.approx((s11 + s12) / 2),
    }
    # weights N_h·S_h = 192.5, 353.6, 134.9 of 681.0 → 28.3, 51.9, 19.8
    assert sizes(plan) == {"C11": 28, "C12": 52, "C21": 20}
    assert plan["notes"] == ["no previous round for C21: S_h set to the mean 0.4498"]
    assert [s["note"] for s in plan["strata"]] == [
        "S_h from R2025 (3 responses)",
        "S_h from R2025 (2 responses)",
        "S_h imputed (mean of others)",
    ]


async def test_neyman_without_a_previous_round_says_why(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    plan = await put_plan(client, csrf, method="allocate", total=300, allocation="neyman")
    assert sizes(plan) == {"C11": 167, "C12": 83, "C21": 50}
    assert "so the allocation is proportional" in plan["notes"][0]


async def test_the_list_frame_is_the_default_source(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    text = dossier_csv({"C11": 120, "C12": 60})
    assert (
        await client.post(f"{BASE}/dossiers/import", files=upload(text), headers=csrf)
    ).status_code == 200
    plan = await put_plan(client, csrf)
    assert plan["source"] == "dossiers"
    assert sizes(plan) == {"C11": 93, "C12": 53}  # 120/1.3 = 92.3, 60/1.15 = 52.2
    assert plan["excluded"] == [{"unit": "C21", "population": 0, "reason": "no transactions"}]
    volumes = await put_plan(client, csrf, source="volumes")
    assert sizes(volumes)["C11"] == 286


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"minimum": 50, "maximum": 10}, 422),
        ({"total": 100}, 422),  # a total needs method "allocate"
        ({"method": "allocate", "total": 5000}, 422),  # more than the frame holds
        ({"method": "allocate", "total": 10, "minimum": 5}, 422),  # minimums exceed it
        ({"margin": 0}, 422),
        ({"rule": "guess"}, 422),
    ],
)
async def test_impossible_plans_are_422(
    app: FastAPI,
    client: httpx.AsyncClient,
    params: dict,
    status: int,  # type: ignore[type-arg]
):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    answer = await client.put(f"{BASE}/plan", json=params, headers=csrf)
    assert answer.status_code == status, answer.text
    assert (await client.get(f"{BASE}/plan")).status_code == 404  # nothing stored


async def test_an_empty_frame_cannot_be_planned(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app, volumes={"C11": None, "C12": 0})
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    answer = await client.put(f"{BASE}/plan", json={}, headers=csrf)
    assert answer.status_code == 422
    assert "nothing to sample" in answer.json()["error"]["message"]
