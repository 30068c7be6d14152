"""The satisfaction report's design-based fields over HTTP: SEs, intervals, reliability,
withholding and ranks among siblings, and the design they follow."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from app.rounds.service import get_round
from app.statistics.load import round_engine
from app.units.service import load_tree
from tests.factories import bearer, make_key
from tests.statistics.design_data import seed, set_design

PATH = "/api/v1/rounds/R2026/satisfaction"
RANKING = "/api/v1/rounds/R2026/ranking"
FIELDS = ["index", "unweighted_index", "se", "ci95", "deff", "effective_n", "reliable"]


async def test_report_carries_the_design_based_fields(app: FastAPI, client: httpx.AsyncClient):
    province = await seed(app)
    await set_design(app, province, "volume", "unit", None, True)
    client.headers.update(bearer(await make_key(app, "P")))
    report = (await client.get(PATH, params={"unit": "P"})).json()

    assert report["design"]["strata"] == "unit" and report["design"]["fpc"] is True
    assert report["design"]["psu"] is None and report["design"]["lonely_psu"] == "adjust"
    assert "logit" in report["design"]["ci_method"]
    assert report["design"]["reliability"] == {
        "min_n": 30,
        "max_rse": 0.3,
        "withheld": False,
        "rank_unreliable": True,
    }
    assert report["weight_set"] is None

    settings = app.state.settings
    async with app.state.db.sessions() as session:
        round_ = await get_round(session, "R2026")
        tree = await load_tree(session)
        form = app.state.catalogue.get("one-stop-counter")
        engine = await round_engine(session, round_, form, settings.timezone, tree, live=True)
    expected = engine.domain(tree.subtree_ids(tree.get("P").id))
    assert report["index"] == pytest.approx(expected.overall.index, rel=1e-12)
    assert report["se"] == pytest.approx(expected.overall.se, rel=1e-9)
    assert report["ci95"] == pytest.approx(list(expected.overall.ci95 or ()), rel=1e-9)
    low, high = report["ci95"]
    assert 0 <= low < report["index"] < high <= 100
    assert report["effective_n"] == pytest.approx(expected.overall.n / report["deff"])
    assert report["reliable"] is True and report["rank_of"] is None  # the top has no siblings

    acc1 = report["elements"][0]["criteria"][0]
    assert acc1["se"] == pytest.approx(expected.criteria["ACC1"].se, rel=1e-9)
    assert acc1["unweighted_index"] == pytest.approx(expected.criteria["ACC1"].unweighted)
    assert report["elements"][0]["respondents"] == expected.elements["access"].n

    children = {c["code"]: c for c in report["children"]}
    assert children["D2"]["respondents"] == 9 and children["D2"]["reliable"] is False
    ranked = sorted((c["index"], c["code"]) for c in report["children"])
    best = children[ranked[-1][1]]
    assert (best["rank"], best["rank_of"]) == (1, 2)  # integers, as in /ranking

    d1 = (await client.get(PATH, params={"unit": "D1"})).json()
    assert (d1["rank"], d1["rank_of"]) == (children["D1"]["rank"], children["D1"]["rank_of"])
    assert d1["elements"][0]["rank_of"] == 2 and isinstance(d1["elements"][0]["rank"], int)
    assert d1["elements"][0]["criteria"][0]["rank_of"] == 2


async def test_unreliable_estimates_can_be_withheld_and_left_unranked(
    app: FastAPI, client: httpx.AsyncClient
):
    await seed(app)
    app.state.settings = app.state.settings.model_copy(
        update={"withhold_unreliable": True, "rank_unreliable": False}
    )
    client.headers.update(bearer(await make_key(app, "P")))
    report = (await client.get(PATH, params={"unit": "P"})).json()
    children = {c["code"]: c for c in report["children"]}
    d2 = children["D2"]
    assert d2["index"] is None and d2["se"] is None and d2["ci95"] is None
    assert d2["reliable"] is False and d2["respondents"] == 9
    assert d2["rank"] is None and d2["rank_of"] == 1
    assert (children["D1"]["rank"], children["D1"]["rank_of"]) == (1, 1)
    assert report["design"]["reliability"]["withheld"] is True

    ranking = (await client.get(RANKING, params={"level": "department"})).json()
    rows = {r["code"]: r for r in ranking["rows"]}
    assert [r["code"] for r in ranking["rows"]] == ["D1", "D2"]  # the unranked one last
    assert (rows["D2"]["rank"], rows["D2"]["index"], rows["D2"]["se"]) == (None, None, None)
    assert rows["D2"]["reliable"] is False and rows["D2"]["respondents"] == 9
    assert (rows["D1"]["rank"], rows["D1"]["rank_of"]) == (1, 1)
    assert {k: rows["D1"][k] for k in FIELDS} == {k: children["D1"][k] for k in FIELDS}


async def test_openapi_documents_the_precision_fields(client: httpx.AsyncClient):
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for name in ("SatisfactionReport", "ElementResult", "CriterionResult", "ChildResult"):
        props = set(schemas[name]["properties"])
        assert {
            "unweighted_index",
            "se",
            "ci95",
            "deff",
            "effective_n",
            "reliable",
            "rank",
            "rank_of",
        } <= props, name
        assert schemas[name]["properties"]["rank_of"]["anyOf"][0]["type"] == "integer", name
    for name in ("RankingRow", "CategoryResult"):
        assert set(FIELDS) <= set(schemas[name]["properties"]), name
    assert {"design", "weight_set"} <= set(schemas["SatisfactionReport"]["properties"])
    assert schemas["DesignInfo"]["properties"]["ci_method"]
