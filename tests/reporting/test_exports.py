"""CSV and XLSX exports: the JSON's numbers, the method stated, Vietnamese headers."""

from __future__ import annotations

import csv
import io
import math

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook

from tests.factories import add_response, bearer, make_key, make_province, ratings
from tests.reporting.helpers import staff_client

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def seed(app: FastAPI, client: httpx.AsyncClient) -> None:
    province = await make_province(app)
    for unit, level in [("C11", 5), ("C11", 2), ("C12", 4), ("C21", 3)]:
        await add_response(app, province, unit, ratings({"ACC1": "na"}, default=level))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    bands = [{"label": "A", "min": 90}, {"label": "B", "min": None}]
    await client.put("/api/v1/rounds/R2026/bands", json={"bands": bands})
    await client.put("/api/v1/rounds/R2026/targets", json={"targets": [{"unit": "P", "value": 50}]})


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-15, abs_tol=0.0)
    return a == b


def json_rows(report: dict) -> list[tuple[str, str, float | None, int | None]]:
    rows = [("unit", report["unit"]["code"], report["index"], report["respondents"])]
    for e in report["elements"]:
        rows.append(("element", e["code"], e["index"], e["respondents"]))
        rows += [("criterion", c["code"], c["index"], c["respondents"]) for c in e["criteria"]]
    rows += [("child", c["code"], c["index"], c["respondents"]) for c in report["children"]]
    return rows


async def test_xlsx_holds_the_reports_numbers_and_its_method(
    app: FastAPI, client: httpx.AsyncClient
):
    await seed(app, client)
    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    answer = await client.get("/api/v1/rounds/R2026/satisfaction/export?unit=P&format=xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    assert 'filename="sipas-R2026-P.xlsx"' in answer.headers["content-disposition"]
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["Figures", "Phương pháp"]
    sheet = book["Figures"]
    header = [c.value for c in sheet[1]]
    col = {name: i for i, name in enumerate(header)}
    got = [
        (r[col["kind"]], r[col["code"]], r[col["index"]], r[col["respondents"]])
        for r in sheet.iter_rows(min_row=2, values_only=True)
    ]
    # Same rows in the same order; numbers to the 16 significant digits XLSX stores
    # (openpyxl writes "%.16g"; Excel itself shows 15).
    expected = json_rows(report)
    assert [r[:2] for r in got] == [r[:2] for r in expected]
    for row, want in zip(got, expected, strict=True):
        assert all(same(a, b) for a, b in zip(row[2:], want[2:], strict=True)), (row, want)
    first = next(sheet.iter_rows(min_row=2, values_only=True))
    assert first[col["band"]] == report["band"] == "B"
    assert first[col["target"]] == 50.0
    assert first[col["target_status"]] == report["target"]["status"]
    assert report["target"]["basis"] == "ci95"
    assert first[col["weighted_respondents"]] == report["weighted_respondents"]

    method = {r[0]: r[1] for r in book["Phương pháp"].iter_rows(min_row=2, values_only=True)}
    assert method["Bộ công cụ / Instrument"] == "one-stop-counter version 2026.1"
    assert method["Quy tắc tổng hợp / Aggregation"] == report["aggregation"]
    # A counter form's figure says what it is, and is never called SIPAS.
    assert method["Loại số liệu / Measure"] == report["measure"]["label"]
    assert "không phải chỉ số SIPAS" in method["Loại số liệu / Measure"]
    assert not any("SIPAS" in str(r[0]) for r in book["Phương pháp"].iter_rows(values_only=True))
    assert method["Trọng số / Weights"].startswith("N_h / n_h")
    assert method["Thiết kế mẫu / Design"].startswith("strata: none")
    assert method["Khoảng tin cậy / CI method"] == report["design"]["ci_method"]
    assert report["design"]["variance_method"] in method["Thiết kế mẫu / Design"]
    assert method["Số liệu / Figures"] == "current data (not frozen)"
    assert method["Xếp loại / Bands"] == "A ≥ 90; B: below"


async def test_csv_states_the_method_and_speaks_vietnamese_on_request(
    app: FastAPI, client: httpx.AsyncClient
):
    await seed(app, client)
    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=D1")).json()
    answer = await client.get("/api/v1/rounds/R2026/satisfaction/export?unit=D1&headers=vi")
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    text = answer.content.decode("utf-8-sig")
    comments = [line for line in text.splitlines() if line.startswith("# ")]
    assert any("Bộ công cụ / Instrument: one-stop-counter version 2026.1" in c for c in comments)
    assert any(c.startswith("# Quy tắc tổng hợp / Aggregation: element:") for c in comments)
    data = [line for line in text.splitlines() if not line.startswith("# ")]
    rows = list(csv.DictReader(io.StringIO("\n".join(data))))
    assert list(rows[0])[:5] == ["Loại", "Mã", "Tên", "Yếu tố", "Chỉ số (%)"]
    assert rows[0]["Loại"] == "Đơn vị" and rows[0]["Mã"] == "D1"
    assert float(rows[0]["Chỉ số (%)"]) == report["index"]
    criteria = [r for r in rows if r["Loại"] == "Tiêu chí"]
    acc1 = next(r for r in criteria if r["Mã"] == "ACC1")
    assert acc1["Chỉ số (%)"] == "" and acc1["Số phiếu hợp lệ"] == "0"  # all N/A
    assert rows[-1]["Loại"] == "Đơn vị trực thuộc"


async def test_ranking_exports_match_the_ranking(app: FastAPI, client: httpx.AsyncClient):
    await seed(app, client)
    ranking = (await client.get("/api/v1/rounds/R2026/ranking?level=counter")).json()
    answer = await client.get("/api/v1/rounds/R2026/ranking/export?level=counter&format=xlsx")
    book = load_workbook(io.BytesIO(answer.content))
    sheet = book["Figures"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["rank", "rank_of", "code", "name"]
    got = [r[:7] for r in sheet.iter_rows(min_row=2, values_only=True)]
    expected = [
        (r["rank"], r["rank_of"], r["code"], r["name"], r["parent"], r["index"], r["respondents"])
        for r in ranking["rows"]
    ]
    assert got == expected
    method = {r[0]: r[1] for r in book["Phương pháp"].iter_rows(min_row=2, values_only=True)}
    assert method["Phạm vi / Scope"].startswith("level counter under P")

    as_csv = await client.get("/api/v1/rounds/R2026/ranking/export?level=counter&headers=vi")
    lines = [ln for ln in as_csv.content.decode("utf-8-sig").splitlines() if not ln.startswith("#")]
    assert lines[0].startswith("Xếp hạng,Trên tổng số,Mã,Tên")


@pytest.mark.parametrize("query", ["format=pdf", "headers=fr"])
async def test_export_options_are_checked(app: FastAPI, client: httpx.AsyncClient, query: str):
    await make_province(app)
    client.headers.update(bearer(await make_key(app, "P")))
    answer = await client.get(f"/api/v1/rounds/R2026/satisfaction/export?{query}")
    assert answer.status_code == 422
