"""The ranking table and the breakdown by a single-choice answer or channel."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from app.collection.answers import ParsedAnswer
from tests.factories import add_response, bearer, make_key, make_province, ratings
from tests.reporting.helpers import respond, staff_client, with_field


async def test_ranking_of_counters_under_the_province(app: FastAPI, client: httpx.AsyncClient):
    """Weights: C11 1000/2 each, C12 500, C21 300. ACC1..: C11 one 5 and one 2 → 50%;
    C12 one 4 → 100%; C21 one 4 → 100% (tied with C12); the province level is not ranked."""
    province = await make_province(app)
    for unit, level in [("C11", 5), ("C11", 2), ("C12", 4), ("C21", 4)]:
        await add_response(app, province, unit, ratings({}, default=level))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    bands = [{"label": "A", "min": 90}, {"label": "B", "min": 60}, {"label": "C", "min": None}]
    assert (
        await client.put("/api/v1/rounds/R2026/bands", json={"bands": bands})
    ).status_code == 200
    target = {"targets": [{"unit": "C11", "value": 60}]}
    assert (await client.put("/api/v1/rounds/R2026/targets", json=target)).status_code == 200

    ranking = (await client.get("/api/v1/rounds/R2026/ranking?parent=P&level=counter")).json()
    assert ranking["measure"] == "percent" and ranking["parent"]["code"] == "P"
    assert ranking["level"] == "counter" and ranking["previous_round"] is None
    rows = ranking["rows"]
    assert [r["code"] for r in rows] == ["C12", "C21", "C11"]
    assert [r["rank"] for r in rows] == [1, 1, 3]
    assert all(r["rank_of"] == 3 for r in rows)
    assert [r["band"] for r in rows] == ["A", "A", "C"]
    assert [r["parent"] for r in rows] == ["D1", "D2", "D1"]
    c11 = rows[2]
    assert c11["index"] == pytest.approx(50.0) and c11["respondents"] == 2
    assert c11["weighted_respondents"] == pytest.approx(1000.0)
    # 50% from two answers: the 95% interval straddles 60, as on the report
    assert c11["target"] == {"value": 60.0, "status": "not_determinable", "basis": "ci95"}
    assert c11["previous"] is None
    assert c11["se"] > 0 and c11["ci95"][0] < 50 < c11["ci95"][1]
    assert c11["reliable"] is False  # 2 answers, fewer than 30

    # The same figures, standard errors and intervals as each counter's satisfaction report.
    same = ["index", "respondents", "unweighted_index", "se", "ci95", "deff", "effective_n"]
    for row in rows:
        report = (await client.get(f"/api/v1/rounds/R2026/satisfaction?unit={row['code']}")).json()
        assert {k: report[k] for k in same} == {k: row[k] for k in same}
        assert report["reliable"] is row["reliable"] is False

    departments = (await client.get("/api/v1/rounds/R2026/ranking?level=department")).json()
    assert [(r["code"], r["rank"]) for r in departments["rows"]] == [("D2", 1), ("D1", 2)]
    unknown = await client.get("/api/v1/rounds/R2026/ranking?parent=P&level=district")
    assert unknown.status_code == 404
    assert (await client.get("/api/v1/rounds/R2026/ranking?parent=P")).status_code == 422


def points(values: list[int]) -> list[ParsedAnswer]:
    return [ParsedAnswer(f"TT{i}", 0, float(v), None) for i, v in enumerate(values, start=1)]


async def test_points_instruments_rank_by_total_with_tt01_classes(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app, form_code="tt01-2018")
    await add_response(app, province, "C11", points([2] * 9))
    await add_response(app, province, "C12", points([1] * 9))
    await add_response(app, province, "C12", points([2] * 9))  # 1.5 each → 13.5
    await add_response(app, province, "C21", points([0] * 8 + [2]))
    client.headers.update(bearer(await make_key(app, "P")))
    ranking = (await client.get("/api/v1/rounds/R2026/ranking?parent=P&level=counter")).json()
    assert ranking["measure"] == "points"
    assert ranking["bands"][0] == {"label": "Xuất sắc", "min": 15.0}
    rows = [(r["code"], r["index"], r["rank"], r["band"]) for r in ranking["rows"]]
    assert rows == [
        ("C11", 18.0, 1, "Xuất sắc"),
        ("C12", 13.5, 2, "Tốt"),
        ("C21", 2.0, 3, "Yếu"),
    ]


async def test_breakdown_by_a_single_choice_question(app: FastAPI, client: httpx.AsyncClient):
    """C11 (weight 1000/3 each): land 5, land 2, business 4. C12 (500): business 2."""
    province = await make_province(app)
    for unit, level, field in [
        ("C11", 5, "land"),
        ("C11", 2, "land"),
        ("C11", 4, "business"),
        ("C12", 2, "business"),
    ]:
        await respond(app, province, unit, with_field(ratings({}, default=level), field))
    client.headers.update(bearer(await make_key(app, "P")))
    found = (
        await client.get("/api/v1/rounds/R2026/satisfaction/breakdown?unit=D1&by=field")
    ).json()
    assert found["by"] == "field" and found["by_text"].startswith("Ông/Bà vừa làm thủ tục")
    categories = {c["value"]: c for c in found["categories"]}
    assert list(categories)[:2] == ["land", "civil_status"]  # every option, in the form's order
    land, business = categories["land"], categories["business"]
    assert land["respondents"] == 2 and land["index"] == pytest.approx(50.0)
    assert land["weighted_respondents"] == pytest.approx(2000 / 3)
    w = 1000 / 3
    assert business["index"] == pytest.approx(w / (w + 500) * 100)
    assert categories["other"]["respondents"] == 0 and categories["other"]["index"] is None
    assert land["elements"][0]["criteria"][0]["index"] == pytest.approx(50.0)
    assert land["label"] == "Đất đai"


async def test_breakdown_by_channel(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app)
    await respond(app, province, "C11", ratings({}, default=5), channel="qr")
    await respond(app, province, "C11", ratings({}, default=1), channel="paper")
    client.headers.update(bearer(await make_key(app, "P")))
    url = "/api/v1/rounds/R2026/satisfaction/breakdown?by=channel&lang=en"
    answer = await client.get(url)
    found = answer.json()
    cached = await client.get(url, headers={"If-None-Match": answer.headers["etag"]})
    assert cached.status_code == 304
    assert [(c["value"], c["label"], c["index"]) for c in found["categories"]] == [
        ("qr", "QR code at the counter", 100.0),
        ("paper", "Paper form", 0.0),
    ]


@pytest.mark.parametrize("by", ["ACC1", "age", "nothing"])
async def test_breakdown_refuses_other_questions(app: FastAPI, client: httpx.AsyncClient, by: str):
    await make_province(app)
    client.headers.update(bearer(await make_key(app, "P")))
    answer = await client.get(f"/api/v1/rounds/R2026/satisfaction/breakdown?by={by}")
    assert answer.status_code == 400
    assert "single-choice" in answer.json()["error"]["message"]
