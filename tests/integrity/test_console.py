"""The console's integrity page: the report with its evidence, and the bulk review."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.models import Response
from app.worker.registry import Context
from app.worker.tasks import load_tasks
from tests.auth_helpers import hidden
from tests.factories import CRITERIA, add_response, make_province, ratings
from tests.integrity.helpers import HTML, add_held, aged_sid, answers_all
from tests.sampling.helpers import signed_in


async def test_the_integrity_page_shows_the_report_and_reviews_in_bulk(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app, integrity=None)
    for _ in range(9):
        await add_response(app, province, "C12", ratings({}))
    held = [await add_held(app, province, "C12", ratings({}, default=1)) for _ in range(3)]
    transport = httpx.ASGITransport(app=app)
    for i in range(7):  # a burst at C21 (fresh devices)
        async with httpx.AsyncClient(transport=transport, base_url="https://t") as phone:
            sid = aged_sid(app, "C21", f"device-{i}-aaaaaaaaaaaaaaaa", 100)
            await phone.post("/s/C21", data={"sid": sid, **answers_all("2", CRITERIA)})
    # The report is the background worker's: run its registered task once.
    task = load_tasks()["integrity.report"]
    ctx = Context(app.state.db, app.state.settings, app.state.catalogue)
    assert await task.run(ctx) == 1 and await task.run(ctx) == 0  # nothing new: not redone
    await signed_in(app, client, "inspector@p.vn", [("manager", "P")])
    page = await client.get("/console/rounds/R2026/integrity", headers=HTML)
    assert page.status_code == 200, page.text
    text = page.text
    assert text.index(">C12<") < text.index(">C21<")  # held would move C12 by 25 points
    assert "<code>burst</code> 7" in text and 'id="chart-C21"' in text
    assert "limits on: 1 response(s) per device" in text  # the policy in force
    form = {"csrf_token": hidden(text, "csrf_token"), "decision": "reject", "reason": "thử"}
    missing = await client.post("/console/rounds/R2026/review", data=form, headers=HTML)
    assert missing.status_code == 422 and "Hãy chọn ít nhất một phiếu" in missing.text
    body = {**form, "ids": [str(i) for i in held]}
    done = await client.post("/console/rounds/R2026/review", data=body, headers=HTML)
    assert done.status_code == 303 and done.headers["location"].endswith("done=reviewed")
    async with app.state.db.sessions() as session:
        rows = (
            await session.execute(
                select(Response.status, Response.review).where(Response.id.in_(held))
            )
        ).all()
    assert rows == [("excluded", "rejected")] * 3
