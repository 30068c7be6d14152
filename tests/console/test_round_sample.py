"""The round's sample plan and draw pages: a plan per stratum as app.sampling computes it, a
draw with its seed shown and redone exactly from it, refusals re-rendered, and scope."""

from __future__ import annotations

import re

from fastapi import FastAPI
from sqlalchemy import func, select

from app.models import SampleDraw, SamplePlan, SampleSelection
from app.sampling.sizes import sample_size
from tests.console.helpers import HTML, staff_client
from tests.console.test_round_frame import IMPORT, cells
from tests.factories import make_province
from tests.sampling.helpers import dossier_csv, upload
from tests.sampling.invitation_helpers import count_rows

PLAN = "/console/rounds/R2026/plan"
DRAWS = "/console/rounds/R2026/draws"


def plan_form(csrf: str, **changes: str) -> dict[str, str]:
    body = {"csrf_token": csrf, "method": "per-stratum", "rule": "yamane", "margin": "5"}
    body |= {"allocation": "proportional", "minimum": "0", "threshold": "0", "small": "exclude"}
    return body | {"source": ""} | changes


async def selected_dossiers(app: FastAPI, draw_id: int) -> list[int]:
    async with app.state.db.sessions() as session:
        found = await session.scalars(
            select(SampleSelection.dossier_id)
            .where(SampleSelection.draw_id == draw_id)
            .order_by(SampleSelection.dossier_id)
        )
        return list(found.all())


async def test_plan_per_stratum_and_allocated(app: FastAPI):
    await make_province(app, volumes={"C11": 1200, "C12": 50, "C21": 300})
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        empty = await client.get(PLAN, headers=HTML)
        assert empty.status_code == 200 and 'id="no-plan"' in empty.text
        sent = await client.post(PLAN, data=plan_form(csrf))
        assert sent.status_code == 303 and sent.headers["location"] == f"{PLAN}?done=plan-computed"
        page = (await client.get(sent.headers["location"], headers=HTML)).text
        sizes = {row[0]: (row[2], row[3]) for row in cells(page, "strata")}
        assert sizes == {"C11": ("1.200", "300"), "C12": ("50", "45"), "C21": ("300", "172")}
        assert int(sizes["C21"][1]) == sample_size(300, "yamane", 0.05, 0.5)
        assert 'value="5" ' in page  # the plan's margin, in percent, fills the form again
        sent = await client.post(
            PLAN,
            data=plan_form(csrf, method="allocate", total="200", threshold="100", small="exclude"),
        )
        assert sent.status_code == 303
        page = (await client.get(PLAN, headers=HTML)).text
        allocated = {row[0]: int(row[3]) for row in cells(page, "strata")}
        assert sum(allocated.values()) == 200 and set(allocated) == {"C11", "C21"}
        assert allocated["C11"] == 4 * allocated["C21"]  # proportional to 1,200 and 300
        assert "<code>C12</code>: ít hơn 100 giao dịch" in page
        assert 'id="plan-total">200<' in page
    assert await count_rows(app, SamplePlan) == 2


async def test_plan_form_refuses_bad_input_and_impossible_plans(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        cases = {
            "margin": plan_form(csrf, margin="0"),
            "method": plan_form(csrf, method="guess"),
            "maximum": plan_form(csrf, minimum="50", maximum="10"),
            "total": plan_form(csrf, method="allocate", total="1,5"),
        }
        for field, body in cases.items():
            answer = await client.post(PLAN, data=body)
            assert answer.status_code == 422, field
            assert f'href="#f-{field}"' in answer.text, field
        too_many = await client.post(PLAN, data=plan_form(csrf, method="allocate", total="5000"))
        assert too_many.status_code == 422
        assert "tổng cỡ mẫu 5000 lớn hơn số mà các tầng có (1800)" in too_many.text
        assert 'name="total" type="text" value="5000"' in too_many.text  # kept
    assert await count_rows(app, SamplePlan) == 0


async def test_draw_shows_its_seed_and_is_redone_exactly(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        before = await client.get(DRAWS, headers=HTML)
        assert "Cần lập kế hoạch mẫu trước khi rút mẫu." in before.text
        no_plan = await client.post(DRAWS, data={"csrf_token": csrf, "method": "srs"})
        assert no_plan.status_code == 422 and "Cần lập kế hoạch mẫu trước" in no_plan.text
        listed = dossier_csv({"C11": 40, "C12": 30, "C21": 20})
        sent = await client.post(
            IMPORT, data={"csrf_token": csrf, "kind": "dossiers"}, files=upload(listed)
        )
        assert sent.status_code == 303
        # A plan from the volumes does not match the listed dossiers: refused, explained.
        await client.post(PLAN, data=plan_form(csrf, source="volumes"))
        mismatch = await client.post(DRAWS, data={"csrf_token": csrf, "method": "srs"})
        assert mismatch.status_code == 422
        assert "kế hoạch mẫu không khớp với danh sách hồ sơ" in mismatch.text
        assert (await client.post(PLAN, data=plan_form(csrf))).status_code == 303
        ids = []
        for _ in range(2):
            drawn = await client.post(
                DRAWS, data={"csrf_token": csrf, "seed": "42", "method": "srs"}
            )
            assert drawn.status_code == 303, drawn.text
            ids.append(
                int(re.findall(r"/draws/(\d+)\?done=draw-created$", drawn.headers["location"])[0])
            )
        page = (await client.get(drawn.headers["location"], headers=HTML)).text
        assert '<code class="big" id="seed">42</code>' in page
        expected = {
            u: sample_size(n, "yamane", 0.05, 0.5)
            for u, n in (("C11", 40), ("C12", 30), ("C21", 20))
        }
        assert {row[0]: int(row[3]) for row in cells(page, "strata")} == expected
        assert f'id="selected">{sum(expected.values())}<' in page
        assert f"/api/v1/rounds/R2026/draws/{ids[1]}?format=csv" in page
        listing = (await client.get(DRAWS, headers=HTML)).text
        assert [row[2] for row in cells(listing, "draws")] == ["42", "42"]
        random = await client.post(DRAWS, data={"csrf_token": csrf, "method": "systematic"})
        assert random.status_code == 303
        bad_seed = await client.post(
            DRAWS, data={"csrf_token": csrf, "seed": "-1", "method": "srs"}
        )
        assert bad_seed.status_code == 422 and 'href="#f-seed"' in bad_seed.text
    first, second = [await selected_dossiers(app, i) for i in ids]
    assert first == second and len(first) == sum(expected.values())
    async with app.state.db.sessions() as session:
        seeds = (await session.scalars(select(SampleDraw.seed).order_by(SampleDraw.id))).all()
        assert seeds[:2] == [42, 42] and len(seeds) == 3
        assert await session.scalar(select(func.count()).select_from(SampleDraw)) == 3


async def test_sample_pages_follow_scope_and_role(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d2@x.vn", [("admin", "D2")]) as (client, csrf):
        for url in (PLAN, DRAWS, f"{DRAWS}/1"):
            assert (await client.get(url, headers=HTML)).status_code == 403, url
        assert (await client.post(PLAN, data=plan_form(csrf))).status_code == 403
        assert (await client.post(DRAWS, data={"csrf_token": csrf})).status_code == 403
    async with staff_client(app, "v@x.vn", [("viewer", "P")]) as (client, csrf):
        page = await client.get(PLAN, headers=HTML)
        assert page.status_code == 200 and 'action="/console/rounds/R2026/plan"' not in page.text
        assert (await client.post(PLAN, data=plan_form(csrf))).status_code == 403
        assert (await client.get(f"{DRAWS}/99", headers=HTML)).status_code == 404
    assert await count_rows(app, SamplePlan) == 0
