"""The demo's published story: DEMO-2025 public with bands and a withheld commune, and the
current round compared with it."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.demo import seed
from app.public.demo import seed_provisional, seed_published
from app.rounds.service import get_round
from tests.public.test_pages import text_of


async def test_demo_publishes_last_years_round(app: FastAPI, anonymous: httpx.AsyncClient):
    settings = app.state.settings
    async with app.state.db.write_sessions.begin() as session:
        await seed(session, app.state.catalogue, settings.today())
    async with app.state.db.write_sessions.begin() as session:
        assert await seed_published(session, app.state.catalogue, settings, settings.today())
    async with app.state.db.write_sessions.begin() as session:  # once only
        assert not await seed_published(session, app.state.catalogue, settings, settings.today())

    page = text_of((await anonymous.get("/public/DEMO-2025")).text)
    assert "Tỉnh Sơn Hà" in page and "Xếp loại" in page
    commune = text_of((await anonymous.get("/public/DEMO-2025/units/SH-TANTIEN")).text)
    assert "Chưa đủ tin cậy" in commune
    assert (await anonymous.get("/public/DEMO-2026")).status_code == 404  # nothing public yet

    # The current round, still open, publishes provisional figures (labelled "tạm tính").
    async with app.state.db.write_sessions.begin() as session:
        assert await seed_provisional(session, app.state.catalogue, settings)
    async with app.state.db.write_sessions.begin() as session:  # once only
        assert not await seed_provisional(session, app.state.catalogue, settings)
    current = await anonymous.get("/public/DEMO-2026")
    assert current.status_code == 200 and 'id="provisional"' in current.text
    assert "Tỉnh Sơn Hà" in text_of(current.text)
    async with app.state.db.sessions() as session:
        assert (await get_round(session, "DEMO-2026")).status == "open"
    package = (await anonymous.get("/open-data/DEMO-2025/1/datapackage.json")).json()
    assert package["sipas"]["revision"] == 1
