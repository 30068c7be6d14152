"""The round's invitation and quota pages: single-use links issued as a CSV or A4 QR cards
(a number of them, or one per drawn dossier), quotas set per unit and stratum with the progress
table, refusals re-rendered, and scope."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import Invitation, Quota
from app.sampling.quotas import QuotaFull
from tests.console.helpers import HTML, staff_client
from tests.console.test_round_frame import cells
from tests.factories import add_response, make_province, ratings
from tests.sampling.invitation_helpers import count_rows, drawn, open_pdf

TOKENS = "/console/rounds/R2026/tokens"
QUOTAS = "/console/rounds/R2026/quotas"


def issue(csrf: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": csrf, "unit": "C11", "target": "count", "count": "3"} | fields


async def test_admin_issues_links_as_csv_and_drawn_dossiers_as_qr_cards(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        sample = await drawn(app, client, {"x-csrf-token": csrf}, {"C11": 30, "C12": 12})
        page = (await client.get(TOKENS, headers=HTML)).text
        assert f"<code>C12</code>: {len(sample['C12'])}" in page
        sheet = await client.post(TOKENS, data=issue(csrf, format="csv", stratum="land"))
        assert sheet.status_code == 200, sheet.text
        assert sheet.headers["content-disposition"].endswith('R2026-C11.csv"')
        assert sheet.headers["cache-control"] == "no-store"
        rows = list(csv.DictReader(io.StringIO(sheet.content.decode("utf-8-sig"))))
        assert [(r["unit_code"], r["stratum"]) for r in rows] == [("C11", "land")] * 3
        form = await client.get(rows[0]["url"].removeprefix("http://127.0.0.1:8000"))
        assert form.status_code == 200 and 'name="sid"' in form.text
        cards = await client.post(
            TOKENS, data=issue(csrf, unit="C12", target="drawn", format="pdf")
        )
        assert cards.status_code == 200 and cards.headers["content-type"] == "application/pdf"
        opened = open_pdf(cards.content)
        assert len(opened.qr_texts) == len(sample["C12"]) and "Đơn vị C12" in opened.text
        again = await client.post(
            TOKENS, data=issue(csrf, unit="C12", target="drawn", format="pdf")
        )
        assert again.status_code == 422
        assert "không còn hồ sơ được chọn nào chưa có thư mời" in again.text
        listing = (await client.get(TOKENS, headers=HTML)).text
        assert cells(listing, "invitations") == [
            ["Đơn vị C11 C11", "land", "3", "0"],
            ["Đơn vị C12 C12", "—", str(len(sample["C12"])), "0"],
        ]
        assert "<code>C12</code>" not in listing.split('id="pending"')[-1]
    async with app.state.db.sessions() as session:
        linked = (await session.scalars(select(Invitation.selection_id))).all()
    assert sorted(i for i in linked if i is not None) == sample["C12"]


async def test_invitation_form_refuses_bad_input_and_closed_rounds(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        for field, body in {
            "count": issue(csrf, count="0", format="csv"),
            "unit": issue(csrf, unit="C99", format="csv"),
            "format": issue(csrf),
            "stratum": issue(csrf, stratum="x" * 65, format="csv"),
            "target": issue(csrf, target="drawn", format="csv"),  # nothing drawn yet
        }.items():
            answer = await client.post(TOKENS, data=body)
            assert answer.status_code == 422, field
            assert f'href="#f-{field}"' in answer.text, field
        assert await count_rows(app, Invitation) == 0
        status = {"csrf_token": csrf, "to": "closed"}
        assert (await client.post("/console/rounds/R2026/status", data=status)).status_code == 303
        closed = await client.post(TOKENS, data=issue(csrf, format="csv"))
        assert closed.status_code == 422 and "không phát thêm thư mời" in closed.text
    assert await count_rows(app, Invitation) == 0


def quota_form(csrf: str, **fields: str) -> dict[str, str]:
    """The form as the page sends it: a fixed row per covered unit, then a new row (3)."""
    body = {"csrf_token": csrf}
    for i, unit in enumerate(("C11", "C12", "C21")):
        body |= {f"unit-{i}": unit, f"stratum-{i}": "", f"fixed-{i}": "1", f"mode-{i}": "hard"}
    body |= {"unit-3": "", "stratum-3": "", "mode-3": "hard"}
    return body | fields


async def test_quotas_are_set_per_unit_and_stratum_and_progress_follows(app: FastAPI):
    province = await make_province(app)
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        new = {"unit-3": "C12", "stratum-3": "land", "target-3": "1", "mode-3": "soft"}
        sent = await client.post(
            QUOTAS, data=quota_form(csrf, **{"target-0": "2", "exclude-3": "1"}, **new)
        )
        assert sent.status_code == 303 and sent.headers["location"].endswith("done=quotas-saved")
        for _ in range(2):
            await add_response(app, province, "C11", ratings({}))
        with pytest.raises(QuotaFull):  # the hard quota holds
            await add_response(app, province, "C11", ratings({}))
        page = (await client.get(QUOTAS, headers=HTML)).text
        progress = {(r[0].split()[-1], r[1]): r for r in cells(page, "progress")}
        assert progress[("C11", "—")][2:] == ["1.000", "0", "0", "0", "2", "2", "2/2 (cứng)"]
        assert progress[("C12", "land")][-1] == "0/1 (mềm)"
        assert 'name="target-0" type="text" inputmode="numeric" class="num" value="2"' in page
        assert 'name="stratum-3" value="land"' in page  # the stratum quota is a fixed row now
        cleared = await client.post(QUOTAS, data=quota_form(csrf))
        assert cleared.status_code == 303
    assert await count_rows(app, Quota) == 0


async def test_quota_form_refuses_bad_rows_and_keeps_them(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        bad = await client.post(QUOTAS, data=quota_form(csrf, **{"target-1": "mười"}))
        assert bad.status_code == 422 and 'href="#f-target-1"' in bad.text
        assert 'value="mười"' in bad.text
        twice = quota_form(csrf, **{"target-0": "5", "unit-3": "C11", "target-3": "6"})
        answer = await client.post(QUOTAS, data=twice)
        assert answer.status_code == 422 and "đã có số phiếu cần thu ở dòng khác" in answer.text
        outside = await client.post(
            QUOTAS, data=quota_form(csrf, **{"unit-3": "D1", "target-3": "1"})
        )
        assert outside.status_code == 422 and 'href="#f-unit-3"' in outside.text
    assert await count_rows(app, Quota) == 0


async def test_invitation_and_quota_pages_follow_scope_and_role(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d2@x.vn", [("admin", "D2")]) as (client, csrf):
        for url in (TOKENS, QUOTAS):
            assert (await client.get(url, headers=HTML)).status_code == 403, url
        assert (await client.post(TOKENS, data=issue(csrf, format="csv"))).status_code == 403
        assert (await client.post(QUOTAS, data=quota_form(csrf))).status_code == 403
    async with staff_client(app, "v@x.vn", [("viewer", "P")]) as (client, csrf):
        page = await client.get(QUOTAS, headers=HTML)
        assert page.status_code == 200 and 'name="target-0"' not in page.text
        assert 'id="progress"' in page.text
        assert (await client.post(TOKENS, data=issue(csrf, format="csv"))).status_code == 403
    assert await count_rows(app, Invitation) == 0
