"""The demo shows the reorganisation working: Xuân Thành compared with two communes pooled,
and Đông Bắc and Đông Nam with Đông Sơn's 2025 responses allocated by the split's shares."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.demo import seed, seed_access


async def test_the_demo_compares_a_split_by_shares(app: FastAPI, client: httpx.AsyncClient):
    settings = app.state.settings
    async with app.state.db.write_sessions.begin() as session:
        await seed(session, app.state.catalogue, settings.today())
    async with app.state.db.write_sessions.begin() as session:
        key = await seed_access(session)
    auth = {"Authorization": f"Bearer {key}"}
    report = await client.get("/api/v1/rounds/DEMO-2026/satisfaction?unit=SH", headers=auth)
    assert report.status_code == 200, report.text
    previous = {c["code"]: c["previous"] for c in report.json()["children"]}
    assert previous["SH-XUANTHANH"]["boundary"] == "pooled"
    bac, nam = previous["SH-DONGBAC"], previous["SH-DONGNAM"]
    assert bac["boundary"] == nam["boundary"] == "shares"
    assert bac["share_variance"] == nam["share_variance"] == "shares_fixed"
    # Each successor takes a constant share of Đông Sơn's own responses: Đông Sơn's figure.
    assert bac["index"] is not None and abs(bac["index"] - nam["index"]) < 1e-9
    assert bac["se"] is not None and abs(bac["se"] - nam["se"]) < 1e-9
    then = await client.get("/api/v1/rounds/DEMO-2025/satisfaction?unit=SH", headers=auth)
    dong_son = {c["code"]: c for c in then.json()["children"]}["SH-DONGSON"]
    assert abs(dong_son["index"] - bac["index"]) < 1e-9
    trend = await client.get("/api/v1/rounds/DEMO-2026/trend?unit=SH-DONGNAM", headers=auth)
    first = trend.json()["points"][0]
    assert first["round"] == "DEMO-2025" and first["boundary"] == "shares"
    assert first["share_variance"] == "shares_fixed"
