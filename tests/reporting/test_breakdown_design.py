"""The breakdown by a single-choice answer or channel, design-based: each category of a
unit's subtree is a domain under the round's design (strata and PSUs of the whole sample, as
R's subset() keeps them); its estimates, SEs, intervals and design effects agree with R to
1e-8 (relative) through the API, on designs with strata and clusters."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.config import Settings
from tests.factories import CRITERIA, bearer, make_key
from tests.statistics.design_data import FIELDS, VOLUMES, seed, set_design, spread_responses
from tests.statistics.r_design import Layout, Reference, export, reference
from tests.statistics.r_survey import close

DEPARTMENT = {"C11": "D1", "C12": "D1", "C21": "D2"}
D1 = ["C11", "C12"]
CHANNELS = ["qr", "paper", "kiosk"]
CASES = {
    # name: (weighting, strata, psu, fpc, by)
    "column-strata-column-psu": ("as-given", "column", "column", False, "field"),
    "unit-strata-day-psu": ("volume", "unit", "day", False, "channel"),
    "unit-strata-fpc": ("volume", "unit", None, True, "field"),
}


def _check(item: dict[str, Any], numbers: list[float] | None, kind: str) -> int:
    if numbers is None:  # R has no estimate: no valid answer in the category
        assert item["index"] is None
        return 0
    close(item["index"] / 100, numbers[0])
    if math.isnan(numbers[1]):
        # criteria that add up to a constant (RES1 + RES3 = 1 for every respondent): a zero
        # variance, which R's rounding put below zero and ours just above (or clipped at) it
        assert item["se"] == pytest.approx(0.0, abs=1e-6)
    else:
        close(item["se"] / 100, numbers[1])
    if kind == "criterion":
        _check_interval(item, numbers)
    return 1


def _check_interval(item: dict[str, Any], numbers: list[float]) -> None:
    """The round's interval (logit) on R's degf(subset(design, category)); no design effect
    where the variance is 0 (p = 0 or 1), no logit interval there (R's is NaN)."""
    p, _, low, high, deff, *_ = numbers
    if p in (0.0, 1.0):
        assert item["ci95"] is None and item["deff"] is None
        return
    close(item["deff"], deff)
    if math.isnan(low):  # df = 0: no interval
        assert item["ci95"] is None
        return
    close(item["ci95"][0] / 100, low)
    close(item["ci95"][1] / 100, high)


def compare(category: dict[str, Any], r: Reference, name: str) -> int:
    """Every estimate of one category against R's domain ``name``; the number checked."""
    checked = _check(category, r.get((name, "overall", "")), "overall")
    for element in category["elements"]:
        checked += _check(element, r.get((name, "element", element["code"])), "element")
        for c in element["criteria"]:
            checked += _check(c, r.get((name, "criterion", c["code"])), "criterion")
    return checked


@pytest.mark.parametrize("name", list(CASES))
async def test_breakdown_estimates_match_r(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, tmp_path: Path, name: str
):
    weighting, strata, psu, fpc, by = CASES[name]
    province = await seed(app)
    await spread_responses(app, province)
    await set_design(app, province, weighting, strata, psu, fpc)
    async with app.state.db.write_sessions.begin() as session:  # three channels
        await session.execute(
            text("UPDATE response SET channel = CASE id % 3 WHEN 0 THEN 'paper' ELSE 'qr' END")
        )
        await session.execute(text("UPDATE response SET channel = 'kiosk' WHERE id % 7 = 0"))
    codes = {u.id: code for code, u in province.units.items()}
    layout = Layout(province.round.id, codes, DEPARTMENT, CRITERIA, strata, psu, dict(VOLUMES), by)
    await export(app, layout, tmp_path / "data.csv", settings)
    values = CHANNELS if by == "channel" else sorted({f or "" for f in FIELDS})
    # R domains: D1's counters in each category ("-": the question not answered)
    domains = {v or "-": [f"{u}/{v}" for u in D1] for v in values}
    instrument = app.state.catalogue.get("one-stop-counter").instrument
    found = await reference(
        tmp_path / "data.csv", instrument, domains, (strata, psu, fpc), tmp_path
    )

    client.headers.update(bearer(await make_key(app, "P")))
    url = "/api/v1/rounds/R2026/satisfaction/breakdown"
    report = (await client.get(url, params={"unit": "D1", "by": by})).json()
    categories = {c["value"] or "": c for c in report["categories"]}
    assert set(values) <= set(categories)
    checked = 0
    for value in values:
        category = categories[value]
        assert category["respondents"] > 0
        checked += compare(category, found, value or "-")
    assert checked >= len(values) * (1 + 5 + 14)
    ranked = [c["rank"] for c in report["categories"] if c["index"] is not None]
    assert sorted(ranked)[0] == 1 and report["categories"][0]["rank_of"] == len(ranked)
