"""Report polish: one rounding policy, integer ranks, rank change in places, spreadsheets."""

from __future__ import annotations

import csv
import io
import math

import httpx
from fastapi import FastAPI
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from app.reporting.exports import Table, to_csv, to_xlsx
from app.reporting.numbers import SIGNIFICANT, places_text, shown, tidy
from tests.reporting.helpers import staff_client
from tests.reporting.test_comparisons import seed_two_rounds
from tests.reporting.test_exports import seed


def dust_free(value: float) -> bool:
    """At most 12 significant digits: what repr() shows has no 16th-digit noise."""
    digits = repr(value).lower().split("e")[0].replace("-", "").replace(".", "").strip("0")
    return len(digits) <= SIGNIFICANT


def test_tidy_makes_800_800_and_keeps_real_digits():
    dusty = sum([0.1] * 8000)
    assert dusty != 800 and tidy(dusty) == 800.0
    assert tidy(86.39487518366668) == 86.3948751837
    assert tidy(1 / 3) == 0.333333333333 and tidy(0.0) == 0.0 and tidy(-0.0) == 0.0
    assert shown(86.39487518366668) == "86,4" and shown(1234.5, 2) == "1.234,50"
    assert shown(None) == "–" and shown(86.35, 1, comma=False) == "86.3"  # binary 86.3499…
    assert places_text(7) == "tăng 7 bậc" and places_text(-2) == "giảm 2 bậc"
    assert places_text(0) == "giữ nguyên" and places_text(1, "en") == "up 1 place"


# Numbers as weighted sums produce them: sums of decimal weights and ratios of them.
sums = st.lists(st.decimals(0, 1000, places=2), min_size=1, max_size=40).map(
    lambda ds: sum(float(d) for d in ds)
)
ratios = st.tuples(sums, sums).map(lambda p: 100 * p[0] / p[1] if p[1] else 0.0)
numbers = st.one_of(sums, ratios, st.floats(-1e6, 1e6, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(numbers, numbers, st.integers(0, 10**6)), min_size=1, max_size=8))
def test_every_number_in_exports_is_free_of_float_dust(rows):
    columns = ["code", "index", "weighted_respondents", "respondents"]
    data = [
        {"code": f"U{i}", "index": a, "weighted_respondents": b, "respondents": n}
        for i, (a, b, n) in enumerate(rows)
    ]
    table = Table("t", columns, data, [("x", "y")])
    for decimal in ("dot", "comma"):
        text = to_csv(table, False, decimal).decode("utf-8-sig")
        body = [ln for ln in text.splitlines() if not ln.startswith("# ")]
        parsed = list(csv.reader(body, delimiter=";" if decimal == "comma" else ","))
        for got, want in zip(parsed[1:], data, strict=True):
            for cell, column in zip(got[1:], columns[1:], strict=True):
                value = float(cell.replace(",", ".")) if decimal == "comma" else float(cell)
                assert dust_free(value), (cell, want[column])
                assert math.isclose(value, want[column], rel_tol=1e-11, abs_tol=1e-300)
    sheet = load_workbook(io.BytesIO(to_xlsx(table, False)))["Figures"]
    for got, want in zip(sheet.iter_rows(min_row=2, values_only=True), data, strict=True):
        for cell, column in zip(got[1:], columns[1:], strict=True):
            assert isinstance(cell, int | float) and dust_free(float(cell)), cell
            assert math.isclose(cell, want[column], rel_tol=1e-11, abs_tol=1e-300)


def all_floats(value: object) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in all_floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in all_floats(v)]
    return []


async def test_api_json_is_dust_free_and_ranks_are_integers(
    app: FastAPI, client: httpx.AsyncClient
):
    await seed(app, client)
    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    floats = all_floats(report)
    assert len(floats) > 20 and all(dust_free(f) for f in floats)
    ranking = (await client.get("/api/v1/rounds/R2026/ranking?level=department")).json()
    assert all(dust_free(f) for f in all_floats(ranking))
    for child in report["children"]:
        row = next(r for r in ranking["rows"] if r["code"] == child["code"])
        assert isinstance(child["rank_of"], int) and child["rank_of"] == row["rank_of"]
        assert child["rank"] == row["rank"]
    element = report["elements"][0]
    assert element["rank_of"] is None and element["rank"] is None  # the top has no siblings


async def test_rank_change_in_places_where_a_previous_ranking_compares(
    app: FastAPI, client: httpx.AsyncClient
):
    # R2025 counters: C12 100 %, C11 50 %, C21 0 %; R2026: C11 and C12 100 %, C21 0 %.
    await seed_two_rounds(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    ranking = (await client.get("/api/v1/rounds/R2026/ranking?level=counter")).json()
    rows = {r["code"]: r for r in ranking["rows"]}
    assert [(c, rows[c]["rank"], rows[c]["previous"]["rank"]) for c in ("C11", "C12", "C21")] == [
        ("C11", 1, 2),
        ("C12", 1, 1),
        ("C21", 3, 3),
    ]
    assert [rows[c]["previous"]["rank_change"] for c in ("C11", "C12", "C21")] == [1, 0, 0]
    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=D1")).json()
    children = {c["code"]: c for c in report["children"]}
    assert children["C11"]["previous"]["rank_change"] == 1
    assert children["C12"]["previous"]["rank_change"] == 0
    assert report["previous"]["rank_change"] is None  # no siblings: no rank to change

    answer = await client.get("/api/v1/rounds/R2026/ranking/export?level=counter&format=xlsx")
    sheet = load_workbook(io.BytesIO(answer.content))["Figures"]
    header = [c.value for c in sheet[1]]
    got = {r[2]: r[header.index("rank_change")] for r in sheet.iter_rows(2, values_only=True)}
    assert got == {"C11": 1, "C12": 0, "C21": 0}


async def test_xlsx_has_number_formats_widths_and_a_frozen_header(
    app: FastAPI, client: httpx.AsyncClient
):
    await seed(app, client)
    answer = await client.get("/api/v1/rounds/R2026/satisfaction/export?unit=P&format=xlsx")
    sheet = load_workbook(io.BytesIO(answer.content))["Figures"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    first = sheet[2]
    assert first[header.index("index")].number_format == "0.00"
    assert first[header.index("respondents")].number_format == "#,##0"
    assert first[header.index("weighted_respondents")].number_format == "#,##0.00"
    name = sheet.column_dimensions["C"].width  # names are longer than the 8-character floor
    longest = max(len(str(c.value)) for (c,) in sheet.iter_rows(min_col=3, max_col=3))
    assert name == min(longest + 2, 60) and sheet.column_dimensions["A"].width >= 8


async def test_csv_with_a_decimal_comma_for_vietnamese_spreadsheets(
    app: FastAPI, client: httpx.AsyncClient
):
    await seed(app, client)
    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    path = "/api/v1/rounds/R2026/satisfaction/export?unit=P&headers=vi"
    point = (await client.get(path)).content.decode("utf-8-sig")
    comma = (await client.get(path + "&decimal=comma")).content.decode("utf-8-sig")
    assert point != comma
    data = [ln for ln in comma.splitlines() if not ln.startswith("# ")]
    rows = list(csv.DictReader(data, delimiter=";"))
    assert "," in rows[0]["Chỉ số (%)"] and "." not in rows[0]["Chỉ số (%)"]
    assert float(rows[0]["Chỉ số (%)"].replace(",", ".")) == report["index"]
    bad = await client.get(path + "&decimal=point")
    assert bad.status_code == 422


def test_revisions_frozen_with_the_object_rank_of_still_read():
    from app.reporting.schemas import ChildResult

    old = {
        "code": "C1",
        "name": "n",
        "level": "counter",
        "respondents": 3,
        "weighted_respondents": 3.0,
        "index": 90.0,
        "rank": 2,
        "rank_of": {"rank": 2, "of": 5},
        "previous": {"index": 80.0, "rank": 4, "delta": 10.0, "significant": None},
    }
    child = ChildResult.model_validate(old)
    assert (child.rank, child.rank_of, child.previous and child.previous.rank_change) == (2, 5, 2)


async def test_the_console_shows_the_rank_change_in_places(app: FastAPI, client: httpx.AsyncClient):
    await seed_two_rounds(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    page = (await client.get("/console/rounds/R2026/statistics", params={"unit": "D1"})).text
    assert '<span class="muted rank-change">tăng 1 bậc</span>' in page
    assert '<span class="muted rank-change">giữ nguyên</span>' in page  # C12: 1st then and now
    client.cookies.set("lang", "en")
    english = (await client.get("/console/rounds/R2026/statistics?unit=D1&lang=en")).text
    assert '<span class="muted rank-change">up by 1</span>' in english
