"""The satisfaction report says, for the unit and each child, how many responses the screening
held and what reviewers decided, as of the integrity report it reads them from."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.integrity.tasks import refresh_reports
from tests.factories import add_response, bearer, make_key, make_province, ratings
from tests.integrity.helpers import add_held
from tests.sampling.helpers import signed_in

LOW: dict[str, int | str] = {"ACC1": 1}


async def test_held_accepted_and_rejected_are_counted_beside_the_figures(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    for unit in ("C11", "C21"):
        await add_response(app, province, unit, ratings({}))
    held = [await add_held(app, province, "C21", ratings(LOW)) for _ in range(3)]
    held.append(await add_held(app, province, "C11", ratings(LOW)))
    key = bearer(await make_key(app, "P"))
    url = "/api/v1/rounds/R2026/satisfaction?unit=P"
    before = (await client.get(url, headers=key)).json()
    assert before["screening"] is None  # the worker has not reported on the round yet

    csrf = await signed_in(app, client, "reviewer@p.vn", [("manager", "P")])
    for ids, decision in ((held[:1], "accept"), (held[1:2], "reject")):
        decided = await client.post(
            "/api/v1/responses/review",
            json={"ids": ids, "decision": decision, "reason": "đã xác minh"},
            headers=csrf,
        )
        assert decided.status_code == 200, decided.text
    await refresh_reports(app.state.db, app.state.catalogue, "Asia/Ho_Chi_Minh")

    report = (await client.get(url, headers=key)).json()
    counts = {k: report["screening"][k] for k in ("held", "accepted", "rejected")}
    assert counts == {"held": 2, "accepted": 1, "rejected": 1}
    assert report["screening"]["as_of"]
    children = {c["code"]: c["screening"] for c in report["children"]}
    assert {k: children["D2"][k] for k in counts} == {"held": 1, "accepted": 1, "rejected": 1}
    assert {k: children["D1"][k] for k in counts} == {"held": 1, "accepted": 0, "rejected": 0}
    assert report["respondents"] == before["respondents"] + 1  # the accepted one counts
