"""TT 01/2018's system-answered indicators (1, 2, 5, 9: from the one-stop e-system) are not
part of the citizen's form: not shown, not taken from a citizen's post; the desk's responses
import supplies them (issue #22)."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.models import Answer
from tests.collection.test_form import token_of
from tests.factories import make_province, province_today
from tests.forms.answering import fill
from tests.reporting.helpers import staff_client

FORM_TYPE = {"content-type": "application/x-www-form-urlencoded"}
SYSTEM = ("TT1", "TT2", "TT5", "TT9")


async def stored(app: FastAPI) -> dict[str, list[float | None]]:
    out: dict[str, list[float | None]] = {}
    async with app.state.db.sessions() as session:
        for question, value in (await session.execute(select(Answer.question, Answer.value))).all():
            out.setdefault(question, []).append(value)
    return out


async def test_citizens_neither_see_nor_answer_system_items(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app, form_code="tt01-2018")
    tt01 = app.state.catalogue.get("tt01-2018").instrument
    assert [q.code for q in tt01.criteria if q.answered_by] == list(SYSTEM)
    page = (await client.get("/s/C11")).text
    assert 'id="q-TT3"' in page and 'id="q-TT8"' in page
    for code in SYSTEM:
        assert f'id="q-{code}"' not in page and f'name="{code}"' not in page
    assert 'id="s-system"' not in page
    assert "Không có dữ liệu" not in page and "điểm" not in page

    raw = fill(tt01.asked) | {code: ["0"] for code in SYSTEM}  # a forged post
    body = urlencode([("sid", token_of(page)), *((k, v) for k, vs in raw.items() for v in vs)])
    answer = await client.post("/s/C11", content=body, headers=FORM_TYPE)
    assert answer.status_code == 303, answer.text
    answers = await stored(app)
    assert "TT3" in answers and not set(SYSTEM) & set(answers)


async def test_the_desk_imports_the_system_items(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app, form_code="tt01-2018")
    await staff_client(app, client, "manager@x.vn", [("manager", "P")])
    day = province_today().isoformat()
    header = "unit,submitted_at,channel,TT1,TT2,TT3,TT4,TT5,TT6,TT7,TT8,TT9"
    text = f"{header}\nC11,{day},paper,2,1,2,2,na,1,2,2,0\n"
    files = {"file": ("responses.csv", text.encode(), "text/csv")}
    answer = await client.post("/api/v1/rounds/R2026/responses/import", files=files)
    assert answer.status_code == 200, answer.text
    answers = await stored(app)
    assert (answers["TT1"], answers["TT2"], answers["TT9"]) == ([2.0], [1.0], [0.0])
    assert answers["TT5"] == [None]  # "Không có dữ liệu": left out of the indicator
