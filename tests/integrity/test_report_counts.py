"""The satisfaction report says, for the unit and each child, how many responses the screening
held and what reviewers decided, as of the integrity report it reads them from."""

from __future__ import annotations

import csv
import io

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


async def test_exports_and_the_ranking_carry_the_counts_and_say_when(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    await add_response(app, province, "C11", ratings({}))
    await add_response(app, province, "C21", ratings({}))
    await add_held(app, province, "C21", ratings(LOW))
    key = bearer(await make_key(app, "P"))
    export = "/api/v1/rounds/R2026/satisfaction/export?unit=P"

    before = (await client.get(export, headers=key)).content.decode("utf-8-sig")
    header = next(line for line in before.splitlines() if not line.startswith("# "))
    assert "held" not in header.split(",")  # not yet screened: no columns, and it says so
    assert "# Phiếu tạm giữ / Held responses: not yet screened" in before

    await refresh_reports(app.state.db, app.state.catalogue, "Asia/Ho_Chi_Minh")
    text = (await client.get(export, headers=key)).content.decode("utf-8-sig")
    method = [line for line in text.splitlines() if line.startswith("# Phiếu tạm giữ")]
    assert method and "integrity report as of 20" in method[0]
    data = [line for line in text.splitlines() if not line.startswith("# ")]
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO("\n".join(data)))}
    assert (rows["P"]["held"], rows["P"]["accepted"], rows["P"]["rejected"]) == ("1", "0", "0")
    assert (rows["D2"]["held"], rows["D1"]["held"]) == ("1", "0")
    assert rows["ACC1"]["held"] == ""  # criteria have no screening of their own

    ranking = await client.get("/api/v1/rounds/R2026/ranking?level=department", headers=key)
    by_code = {r["code"]: r["screening"] for r in ranking.json()["rows"]}
    assert (by_code["D2"]["held"], by_code["D1"]["held"]) == (1, 0)
    vi = await client.get(
        "/api/v1/rounds/R2026/ranking/export?level=department&headers=vi", headers=key
    )
    lines = [ln for ln in vi.content.decode("utf-8-sig").splitlines() if not ln.startswith("#")]
    ranked = {r["Mã"]: r for r in csv.DictReader(io.StringIO("\n".join(lines)))}
    assert ranked["D2"]["Phiếu đang tạm giữ"] == "1"
    assert ranked["D1"]["Phiếu đã loại"] == "0"
