"""The round's weights pages: a weight set computed from pasted totals through the page (equal
to R's survey::rake weight by weight), its summary per stratum, activation, refusals
re-rendered with the form kept, and scope."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import AuditEvent, Round, WeightSet, WeightValue
from tests.console.helpers import HTML, staff_client
from tests.console.test_round_frame import cells
from tests.factories import make_province
from tests.sampling.invitation_helpers import count_rows
from tests.weights.people import seed_people
from tests.weights.r_survey import run_r
from tests.weights.test_against_r import R_PROGRAM, margins_request, write_data, write_totals

WEIGHTS = "/console/rounds/R2026/weights"
MARGINS = "variable;category;total\n" + "\n".join(
    f"{m['variable']};{m['category']};{m['total']:g}" for m in margins_request()
)


def kish(weights: list[float]) -> tuple[float, float]:
    """Kish's design effect n·Σw²/(Σw)² and effective sample size (Σw)²/Σw²."""
    total, squares = sum(weights), sum(w * w for w in weights)
    return len(weights) * squares / total**2, total**2 / squares


async def stored(app: FastAPI, set_id: int) -> tuple[WeightSet, dict[str, float]]:
    async with app.state.db.sessions() as session:
        found = await session.get_one(WeightSet, set_id)
        rows = await session.execute(
            select(WeightValue.response_id, WeightValue.weight).where(
                WeightValue.weight_set_id == set_id
            )
        )
        return found, {str(rid): w for rid, w in rows}


async def test_raking_through_the_page_matches_r_and_shows_the_summary(
    app: FastAPI, tmp_path: Path
):
    province = await seed_people(app)
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        form = {"csrf_token": csrf, "method": "rake", "margins": MARGINS, "by": "unit"}
        sent = await client.post(WEIGHTS, data=form | {"trim_scale": "factor"})
        assert sent.status_code == 303, sent.text
        location = sent.headers["location"]
        assert location.endswith("?done=weights-computed")
        set_id = int(re.findall(r"/weights/(\d+)\?", location)[0])
        page = (await client.get(location, headers=HTML)).text
        assert "<caption>Tóm tắt trọng số theo đơn vị</caption>" in page and "theo unit" not in page
        again = await client.post(WEIGHTS, data=form | {"trim_scale": "factor"})
        assert again.headers["location"] == location.replace("computed", "unchanged")
    found, mine = await stored(app, set_id)
    await write_data(app, province, tmp_path / "data.csv")
    write_totals(tmp_path / "totals.csv")
    args = (str(tmp_path / "data.csv"), str(tmp_path / "totals.csv"), "NA", "NA", "-")
    theirs = run_r(R_PROGRAM, tmp_path, "rake", *args)
    assert set(mine) == set(theirs) and len(mine) == 72
    for rid, weight in theirs.items():
        assert mine[rid] == pytest.approx(weight, rel=1e-8, abs=0), rid
    units = {str(rid): code for rid, code in await response_units(app)}
    shown = {row[0]: row for row in cells(page, "summary")}
    for unit in ("C11", "C12", "C21"):
        deff, effective = kish([w for rid, w in theirs.items() if units[rid] == unit])
        summary = found.summary["strata"][unit]
        assert summary["deff"] == pytest.approx(deff, rel=1e-8)
        assert summary["effective_n"] == pytest.approx(effective, rel=1e-8)
        assert shown[unit][6] == f"{round(deff, 3):.3f}".rstrip("0").rstrip(".").replace(".", ",")
    assert shown["C11"][1] == "31" and "Dùng bộ trọng số này" in page
    assert found.active is False


async def response_units(app: FastAPI) -> list[tuple[int, str]]:
    from app.models import Response, Unit

    async with app.state.db.sessions() as session:
        rows = await session.execute(
            select(Response.id, Unit.code).join(Unit, Unit.id == Response.unit_id)
        )
        return [(rid, code) for rid, code in rows]


async def test_base_weights_are_activated_from_the_page(app: FastAPI):
    await seed_people(app, sizes={"C11": 4, "C12": 3, "C21": 3}, list_sample=False)
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        sent = await client.post(
            WEIGHTS, data={"csrf_token": csrf, "method": "base", "name": "thiet-ke"}
        )
        assert sent.status_code == 303
        detail = sent.headers["location"].split("?")[0]
        activated = await client.post(f"{detail}/activate", data={"csrf_token": csrf})
        assert activated.status_code == 303
        page = (await client.get(activated.headers["location"], headers=HTML)).text
        assert "Các chỉ số của đợt từ nay dùng bộ trọng số này." in page
        assert "Đang dùng" in page and "/activate" not in page
        listing = (await client.get(WEIGHTS, headers=HTML)).text
        assert cells(listing, "weight-sets")[0][:3] == [
            "thiet-ke v1",
            "Trọng số thiết kế (1/π, hoặc N/n của từng đơn vị)",
            "10",
        ]
    async with app.state.db.sessions() as session:
        round_ = await session.scalar(select(Round).where(Round.code == "R2026"))
        assert round_ is not None and round_.weighting == "raked"
        actions = set(await session.scalars(select(AuditEvent.action)))
    assert {"weight_set.compute", "weight_set.activate"} <= actions


async def test_weights_form_refuses_bad_input_and_keeps_it(app: FastAPI):
    await seed_people(app, sizes={"C11": 4, "C12": 3, "C21": 3}, list_sample=False)
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        base = {"csrf_token": csrf, "method": "rake"}
        cases = {
            "margins": base,  # raking without margins
            "method": {"csrf_token": csrf, "method": "magic"},
            "name": base | {"method": "base", "name": "tên có dấu"},
            "trim_low": base | {"margins": MARGINS, "trim_low": "2", "trim_high": "1"},
        }
        for field, body in cases.items():
            answer = await client.post(WEIGHTS, data=body)
            assert answer.status_code == 422, field
            assert f'href="#f-{field}"' in answer.text, field
        bad_total = MARGINS.replace("1352", "nhiều")
        answer = await client.post(WEIGHTS, data=base | {"margins": bad_total})
        assert answer.status_code == 422 and "dòng 2, cột total" in answer.text
        assert "nhiều" in answer.text  # the pasted table is kept
        short = "variable,category,total\ngender,female,1300\n"  # male respondents, no total
        refused = await client.post(WEIGHTS, data=base | {"margins": short})
        assert refused.status_code == 422 and "Chưa tính được trọng số." in refused.text
        assert "gender: có người trả lời thuộc nhóm chưa có tổng thể" in refused.text
    assert await count_rows(app, WeightSet) == 0


async def test_weights_pages_follow_scope_and_role(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d2@x.vn", [("admin", "D2")]) as (client, csrf):
        for url in (WEIGHTS, f"{WEIGHTS}/1"):
            assert (await client.get(url, headers=HTML)).status_code == 403, url
        body = {"csrf_token": csrf, "method": "base"}
        assert (await client.post(WEIGHTS, data=body)).status_code == 403
        assert (await client.post(f"{WEIGHTS}/1/activate", data=body)).status_code == 403
    async with staff_client(app, "v@x.vn", [("viewer", "P")]) as (client, csrf):
        page = await client.get(WEIGHTS, headers=HTML)
        assert page.status_code == 200 and 'name="margins"' not in page.text
        assert (await client.get(f"{WEIGHTS}/99", headers=HTML)).status_code == 404
        body = {"csrf_token": csrf, "method": "base"}
        assert (await client.post(WEIGHTS, data=body)).status_code == 403
    assert await count_rows(app, WeightSet) == 0
