"""The overview and a round's statistics page, through HTTP: the figures are the reporting
API's (charts drawn from them, tables showing them), progress is counted against the sample
plan, units under their target are listed, and each reader sees only their scope."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.console.charts import scale_x
from app.i18n import format_number
from app.rounds.service import get_round
from tests.console.helpers import HTML, staff_client
from tests.console.test_charts import NS, PER_POINT
from tests.factories import add_response, make_province, province_today, ratings
from tests.reporting.helpers import add_round, respond
from tests.reporting.test_comparisons import LAST_YEAR, seed_two_rounds
from tests.reporting.test_previous_design import _two_rounds

STATS = "/console/rounds/R2026/statistics"


def charts(page: str) -> dict[str, ET.Element]:
    """The page's inline SVG charts by their id (from the <title> id "<id>-t")."""
    found = {}
    for svg in re.findall(r'<svg xmlns="http://www.w3.org/2000/svg" class="chart".*?</svg>', page):
        root = ET.fromstring(svg)
        found[root[0].get("id", "").removesuffix("-t")] = root
    return found


def bars(svg: ET.Element) -> list[float]:
    return [float(r.get("width", "")) for r in svg.iterfind("svg:rect", NS)]


def labels(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iterfind("svg:text", NS) if t.get("class") == "name"]


def whiskers(svg: ET.Element) -> list[float]:
    """Both ends of every interval, in order."""
    lines = [w for w in svg.iterfind("svg:line", NS) if w.get("class") == "ci"]
    return [float(w.get(end, "")) for w in lines for end in ("x1", "x2")]


def section(page: str, heading_id: str) -> str:
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, re.S)
    assert found is not None, heading_id
    return found.group(0)


def cells(html: str) -> list[list[str]]:
    """Table rows of ``html`` as lists of cell texts (tags dropped, spaces squeezed)."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    texts = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S) for row in rows]
    return [[" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in row] for row in texts]


def pct(value: float | None) -> str:
    return "—" if value is None else format_number(value, "vi", 1)


async def test_statistics_page_draws_and_tabulates_the_served_report(app: FastAPI):
    await seed_two_rounds(app)
    async with staff_client(app, "admin@x.vn", [("admin", "P")]) as (client, _):
        page = await client.get(STATS, headers=HTML)
        api: dict[str, Any] = (await client.get("/api/v1/rounds/R2026/satisfaction")).json()
        earlier = (await client.get("/api/v1/rounds/R2025/satisfaction?unit=P")).json()
    assert page.status_code == 200
    found = charts(page.text)
    assert set(found) == {"c-elements", "c-criteria", "c-children", "c-trend"}
    for svg in found.values():
        assert svg.get("role") == "img" and (svg[0].text or "").strip()

    elements = api["elements"]
    assert bars(found["c-elements"]) == pytest.approx(
        [e["index"] * PER_POINT for e in elements], abs=0.01
    )
    assert whiskers(found["c-elements"]) == pytest.approx(
        [scale_x(bound) for e in elements for bound in e["ci95"]], abs=0.01
    )
    criteria = [c for e in elements for c in e["criteria"]]
    assert len(bars(found["c-criteria"])) == len(criteria) == 16
    table = cells(section(page.text, "h-criteria"))
    acc1 = next(row for row in table if row[0].startswith("ACC1"))
    low, high = criteria[0]["ci95"]
    assert acc1[1:4] == [pct(criteria[0]["index"]), f"{pct(low)} – {pct(high)}", "3"]

    # Children best first; three responses are too few to be reliable: marked.
    ranked = sorted(api["children"], key=lambda c: c["rank"])
    assert [c["code"] for c in ranked] == ["D1", "D2"]
    assert labels(found["c-children"]) == ["1. Đơn vị D1 *", "2. Đơn vị D2 *"]
    assert bars(found["c-children"]) == pytest.approx([100 * PER_POINT, 0.0], abs=0.01)

    # The trend: R2025, then R2026, as each round's report gives the overall index.
    trend = cells(section(page.text, "h-trend"))[1:]
    assert [row[0].split()[-1] for row in trend] == ["R2025", "R2026"]
    assert [row[2] for row in trend] == [pct(earlier["index"]), pct(api["index"])]

    headline = page.text.split('<dl class="facts kpi">', 1)[1].split("</dl>", 1)[0]
    assert f"{pct(api['index'])} %" in headline
    assert f"+{pct(api['previous']['delta'])} điểm" in headline and "R2025" in headline


async def test_a_change_on_too_few_responses_is_not_called_significant(app: FastAPI):
    """One all-5 response now against 1 in 10 satisfied last year: the change exceeds 1.96
    SE (one response has SE 0), but one response is no evidence: the badge is left out."""
    province = await make_province(app)
    earlier = await add_round(app, province, "R2025", LAST_YEAR, {"C11": 1000})
    for level in [5] + [2] * 9:
        await respond(app, earlier, "C11", ratings({}, default=level))
    await add_response(app, province, "C11", ratings({}, default=5))
    async with staff_client(app, "admin@x.vn", [("admin", "P")]) as (client, _):
        page = await client.get(f"{STATS}?unit=C11", headers=HTML)
        api = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=C11")).json()
    assert api["previous"]["significant"] is True and api["reliable"] is False
    headline = page.text.split('<dl class="facts kpi">', 1)[1].split("</dl>", 1)[0]
    assert "+90,0 điểm" in headline and "R2025" in headline
    assert "có ý nghĩa" not in headline


async def test_statistics_of_a_unit_in_english_and_its_unit_choice(app: FastAPI):
    await seed_two_rounds(app)
    async with staff_client(app, "d1@x.vn", [("viewer", "D1")]) as (client, _):
        page = await client.get(STATS, headers=HTML)
        assert page.status_code == 200
        assert "<h1>Thống kê · Đơn vị D1</h1>" in page.text  # D1: where this reader sees it from
        options = re.findall(r'<option value="([^"]+)"', page.text)
        assert options == ["D1", "C11", "C12"]
        english = await client.get(f"{STATS}?unit=C11&lang=en", headers=HTML)
        assert english.status_code == 200 and "<h1>Statistics · Đơn vị C11</h1>" in english.text
        assert "c-children" not in english.text  # a counter has no children
        for url, status in [
            (f"{STATS}?unit=P", 403),
            (f"{STATS}?unit=C21", 403),
            (f"{STATS}?unit=NOPE", 404),
            ("/console/rounds/NOPE/statistics", 404),
        ]:
            assert (await client.get(url, headers=HTML)).status_code == status, url
    async with staff_client(app, "d2@x.vn", [("viewer", "C21")]) as (client, _):
        assert (await client.get(STATS, headers=HTML)).status_code == 200
        await make_province(app, round_code="R-D1", volumes={"C11": 10}, status="closed")
        assert (await client.get("/console/rounds/R-D1/statistics")).status_code == 403


async def set_up_plan_and_targets(client: httpx.AsyncClient, csrf: str) -> dict[str, Any]:
    headers = {"X-CSRF-Token": csrf}
    wanted = [("P", 89), ("D2", 50), ("C21", 80), ("C11", 90)]
    targets = {"targets": [{"unit": unit, "value": value} for unit, value in wanted]}
    answer = await client.put("/api/v1/rounds/R2026/targets", json=targets, headers=headers)
    assert answer.status_code == 200, answer.text
    plan = {"threshold": 400, "small": "merge"}
    answer = await client.put("/api/v1/rounds/R2026/plan", json=plan, headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_overview_shows_progress_index_change_and_units_below_target(app: FastAPI):
    await seed_two_rounds(app)
    async with staff_client(app, "admin@x.vn", [("admin", "P")]) as (client, csrf):
        plan = await set_up_plan_and_targets(client, csrf)
        page = await client.get("/console/overview", headers=HTML)
        api = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    assert page.status_code == 200
    current = section(page.text, "cur-1")
    assert "cur-2" not in page.text  # R2025 is closed and its instrument has an open round
    assert "Đợt khảo sát thử · Đơn vị P" in current
    assert f"{pct(api['index'])} %" in current
    assert "{} – {}".format(*map(pct, api["ci95"])) in current
    assert f"+{pct(api['previous']['delta'])} điểm" in current

    progress = cells(current.split('<table class="data progress">')[1].split("</table>")[0])
    sizes = {s["stratum"]: s["size"] for s in plan["strata"]}
    total = sum(sizes.values())

    def line(label: str, n: str, size: int, valid: int) -> list[str]:
        return [label, n, str(size), str(valid), pct(100 * valid / size), "0", "—"]

    assert progress[1:] == [  # C21 (300 < 400) is pooled under its parent
        line("C11 Đơn vị C11", "1.000", sizes["C11"], 1),
        line("C12 Đơn vị C12", "500", sizes["C12"], 1),
        line("pooled:D2 Đơn vị C21", "300", sizes["pooled:D2"], 1),
        line("Tổng", "1.800", total, 3),
    ]
    below = cells(current.split('<table class="data below">')[1].split("</table>")[0])
    assert [row[0] for row in below[1:]] == ["Đơn vị P P", "Đơn vị D2 D2", "Đơn vị C21 C21"]
    assert below[1][3].startswith("89,0: chưa kết luận được")  # 83.3 % with an interval over 89
    assert below[2][3] == "50,0: chưa đạt" and below[3][3] == "80,0: chưa đạt"


async def test_overview_from_a_department_and_rounds_after_collection(app: FastAPI):
    """A D1 viewer sees R2026 from D1 (its counters only); once R2026 closes it stays on the
    overview as its instrument's latest round, and a draft never shows."""
    province = await seed_two_rounds(app)
    await add_round(app, province, "R-DRAFT", province_today(), {"C11": 10}, status="draft")
    async with staff_client(app, "d1@x.vn", [("viewer", "D1")]) as (client, _):
        page = (await client.get("/console/overview", headers=HTML)).text
        current = section(page, "cur-1")
        assert "Đợt khảo sát thử · Đơn vị D1" in current and "cur-2" not in page
        progress = cells(current.split('<table class="data progress">')[1].split("</table>")[0])
        assert [row[0] for row in progress[1:]] == ["C11 Đơn vị C11", "C12 Đơn vị C12", "Tổng"]
        assert "/console/rounds/R2026/statistics?unit=D1" in current
        async with app.state.db.write_sessions.begin() as session:
            (await get_round(session, "R2026")).status = "closed"
        page = (await client.get("/console/overview", headers=HTML)).text
    assert "Đợt khảo sát thử · Đơn vị D1" in section(page, "cur-1") and "cur-2" not in page
    assert "R-DRAFT" not in section(page, "cur-1")


async def test_points_instruments_show_progress_but_no_satisfaction_charts(app: FastAPI):
    province = await make_province(app, form_code="tt01-2018")
    await add_response(app, province, "C11", [])
    async with staff_client(app, "admin@x.vn", [("admin", "P")]) as (client, _):
        overview = await client.get("/console/overview", headers=HTML)
        page = await client.get(STATS, headers=HTML)
    assert overview.status_code == 200 and page.status_code == 200
    note = "Bộ câu hỏi của đợt này chấm điểm theo TT 01/2018"
    assert note in section(overview.text, "cur-1") and note in page.text
    assert "<svg" not in page.text and 'strong class="big"' not in overview.text


async def test_the_trend_of_a_merged_unit_pools_its_predecessors(app: FastAPI):
    """C11 and C12 merged into C1X between R2025 and R2026B: C1X's trend starts in R2025 with
    its predecessors' responses pooled, the figure the API compares it with."""
    await _two_rounds(app, None)
    async with staff_client(app, "admin@x.vn", [("admin", "P")]) as (client, _):
        page = await client.get("/console/rounds/R2026B/statistics?unit=C1X", headers=HTML)
        api = (await client.get("/api/v1/rounds/R2026B/satisfaction?unit=C1X")).json()
        kept = await client.get("/console/rounds/R2026B/statistics?unit=C21", headers=HTML)
        c21 = (await client.get("/api/v1/rounds/R2025/satisfaction?unit=C21")).json()
    assert page.status_code == 200
    trend = cells(section(page.text, "h-trend"))[1:]
    assert [row[0].split()[-1] for row in trend[1:]] == ["R2026B"]
    assert "R2025" in trend[0][0] and "gộp các đơn vị trước sáp nhập" in trend[0][0]
    assert [row[2] for row in trend] == [pct(api["previous"]["index"]), pct(api["index"])]
    assert trend[0][4] == "30"  # C11's 18 and C12's 12 responses
    # A unit without predecessors: each round's served report, not marked as pooled.
    unchanged = cells(section(kept.text, "h-trend"))[1:]
    assert [row[0].split()[-1] for row in unchanged] == ["R2025", "R2026B"]
    assert unchanged[0][2] == pct(c21["index"]) and "gộp" not in kept.text
