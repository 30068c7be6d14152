"""The read-only reporting API: shapes, values, ranks, 404s, OpenAPI documentation."""

from __future__ import annotations

import math

import httpx
import pytest
from fastapi import FastAPI

from app.collection.answers import ParsedAnswer
from app.statistics.distributions import t_quantile
from tests.factories import add_response, bearer, make_key, make_province, ratings


async def test_rounds_and_units(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app)
    client.headers.update(bearer(await make_key(app, "P")))
    rounds = (await client.get("/api/v1/rounds")).json()
    assert rounds == [
        {
            "code": "R2026",
            "name": "Đợt khảo sát thử",
            "form": "one-stop-counter",
            "status": "open",
            "starts_on": province.round.starts_on.isoformat(),
            "ends_on": province.round.ends_on.isoformat(),
            "ci": "logit",
            "lonely_psu": "adjust",
            "variance": "linearisation",
            "measure": {
                "kind": "internal",
                "status": "internal",
                "sipas": False,
                "source": None,
                "label": "Số liệu phản hồi nội bộ (tại quầy, kiosk); không phải chỉ số SIPAS.",
            },
        }
    ]
    top = (await client.get("/api/v1/units")).json()
    assert top == [{"code": "P", "name": "Đơn vị P", "level": "province", "parent": None}]
    under = (await client.get("/api/v1/units", params={"parent": "D1"})).json()
    assert [u["code"] for u in under] == ["C11", "C12"]
    assert all(u["parent"] == "D1" and u["level"] == "counter" for u in under)
    missing = await client.get("/api/v1/units", params={"parent": "NOPE"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


async def test_satisfaction_report(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app)
    client.headers.update(bearer(await make_key(app, "P")))
    await add_response(app, province, "C11", ratings({}, default=5))
    await add_response(app, province, "C11", ratings({"ACC1": "na"}, default=2))
    await add_response(app, province, "C12", ratings({}, default=4))
    await add_response(app, province, "C21", ratings({}, default=1))

    report = (await client.get("/api/v1/rounds/R2026/satisfaction", params={"unit": "P"})).json()
    assert report["round"] == "R2026"
    assert report["form"] == "one-stop-counter" and report["form_version"] == "2026.1"
    assert report["unit"] == {"code": "P", "name": "Đơn vị P", "level": "province"}
    assert report["respondents"] == 4
    assert report["weighted_respondents"] == pytest.approx(1800.0)
    # Weights: C11 500 each, C12 500, C21 300. ACC1: C11 has one valid answer (5).
    acc1 = report["elements"][0]["criteria"][0]
    assert acc1["code"] == "ACC1" and acc1["name"].startswith("Biển chỉ dẫn")
    assert acc1["respondents"] == 3
    assert acc1["weighted_respondents"] == pytest.approx(1300.0)
    assert acc1["index"] == pytest.approx(1000 / 1300 * 100)
    acc2 = report["elements"][0]["criteria"][1]
    assert acc2["index"] == pytest.approx(1000 / 1800 * 100)
    assert [e["code"] for e in report["elements"]] == [
        "access",
        "procedure",
        "official",
        "result",
        "feedback",
    ]
    assert sum(len(e["criteria"]) for e in report["elements"]) == 16
    assert report["index"] == pytest.approx((1000 / 1300 * 100 + 15 * 1000 / 1800 * 100) / 16)

    children = {c["code"]: c for c in report["children"]}
    assert set(children) == {"D1", "D2"}
    assert children["D1"]["rank"] == 1 and children["D2"]["rank"] == 2
    assert children["D2"]["index"] == 0.0 and children["D2"]["respondents"] == 1
    assert children["D1"]["weighted_respondents"] == pytest.approx(1500.0)

    default_unit = (await client.get("/api/v1/rounds/R2026/satisfaction")).json()
    assert default_unit["unit"]["code"] == "P" and default_unit["index"] == report["index"]
    english = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=C11&lang=en")).json()
    assert english["elements"][0]["name"] == "Access to the service"
    assert english["children"] == []


async def test_empty_round_reports_nulls(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    client.headers.update(bearer(await make_key(app, "P")))
    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=D2")).json()
    assert report["respondents"] == 0 and report["index"] is None
    assert all(c["index"] is None for e in report["elements"] for c in e["criteria"])
    (child,) = report["children"]
    existing = ("code", "name", "level", "respondents", "weighted_respondents", "index", "rank")
    assert {key: child[key] for key in existing} == {
        "code": "C21",
        "name": "Đơn vị C21",
        "level": "counter",
        "respondents": 0,
        "weighted_respondents": 0,
        "index": None,
        "rank": None,
    }
    assert child["se"] is None and child["ci95"] is None and child["reliable"] is False
    assert child["rank_of"] == 0
    assert (child["band"], child["previous"], child["target"]) == (None, None, None)


async def test_tied_children_share_a_rank(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app)
    client.headers.update(bearer(await make_key(app, "P")))
    for unit in ("C11", "C12"):
        await add_response(app, province, unit, ratings({}, default=4))
    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=D1")).json()
    assert [c["rank"] for c in report["children"]] == [1, 1]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/rounds/NOPE/satisfaction",
        "/api/v1/rounds/R2026/satisfaction?unit=NOPE",
        "/api/v1/nothing-here",
    ],
)
async def test_unknown_round_or_unit_is_a_json_404(
    app: FastAPI, client: httpx.AsyncClient, path: str
):
    await make_province(app)
    client.headers.update(bearer(await make_key(app, "P")))
    answer = await client.get(path, headers={"accept": "text/html"})
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["error"]["code"] == "not_found"


async def test_bad_query_is_a_json_422(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    client.headers.update(bearer(await make_key(app, "P")))
    answer = await client.get("/api/v1/rounds/R2026/satisfaction?lang=fr")
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid"


async def test_openapi_documents_every_endpoint(client: httpx.AsyncClient):
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in ("/api/v1/rounds", "/api/v1/units", "/api/v1/rounds/{round_code}/satisfaction"):
        operation = paths[path]["get"]
        assert operation["summary"] and operation.get("description")
    schema = spec["components"]["schemas"]["SatisfactionReport"]["properties"]
    assert {
        "round",
        "form",
        "form_version",
        "unit",
        "respondents",
        "weighted_respondents",
        "index",
        "elements",
        "children",
    } <= set(schema)


async def test_points_instruments_are_not_reported_as_shares(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app, form_code="tt01-2018")
    client.headers.update(bearer(await make_key(app, "P")))
    answer = await client.get("/api/v1/rounds/R2026/satisfaction")
    assert answer.status_code == 409
    assert "/api/v1/rounds/R2026/questions" in answer.json()["error"]["message"]


async def test_question_shares_carry_standard_errors(app: FastAPI, client: httpx.AsyncClient):
    # Weights only; four responses at C11 (volume 1000: w = 250): gender male, male, female,
    # unanswered. Male share R = 2/3 of X = 750; z = w·(y − R)/X: 1/9, 1/9, −2/9, 0 (the
    # unanswered response is a PSU of the round too: n = 4). var = 4/3·6/81 = 8/81.
    province = await make_province(app)
    client.headers.update(bearer(await make_key(app, "P")))
    for gender in ("male", "male", "female", None):
        extra = [ParsedAnswer("gender", 0, None, gender)] if gender else []
        await add_response(app, province, "C11", ratings({}) + extra)
    report = (await client.get("/api/v1/rounds/R2026/questions", params={"unit": "P"})).json()
    assert report["design"]["strata"] is None and report["design"]["psu"] is None
    questions = {q["code"]: q for q in report["questions"]}
    assert questions["gender"]["respondents"] == 3
    male, female, other = questions["gender"]["frequencies"]
    se = math.sqrt(8 / 81)
    assert male["share"] == pytest.approx(200 / 3) and male["se"] == pytest.approx(100 * se)
    half = t_quantile(0.975, 2) * se / (2 / 9)  # df: 3 PSUs with data − 1 stratum
    logit = math.log(2)
    low, high = (100 / (1 + math.exp(-(logit + s * half))) for s in (-1, 1))
    assert male["ci95"] == pytest.approx([low, high])
    assert male["deff"] == pytest.approx((8 / 81) / ((2 / 9) / 2))  # SRS: p(1 − p)/(n − 1)
    assert male["unweighted_share"] == pytest.approx(200 / 3)
    assert female["se"] == pytest.approx(male["se"])  # two options: the same z, negated
    # a share of 0: SE exactly 0, no logit interval (the round's method; "beta" gives [0, u])
    assert other["share"] == 0 and other["se"] == 0 and other["ci95"] is None
    land = questions["field"]["frequencies"][0]
    assert land["share"] == 100 and land["se"] == 0 and land["ci95"] is None  # logit: none
