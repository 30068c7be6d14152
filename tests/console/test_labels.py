"""Codes the data stores are shown in words in the page's language: unit levels, response
channels and aggregation rules (the weighting strata: test_round_weights.py)."""

from __future__ import annotations

from fastapi import FastAPI

from app.audit.service import CLI
from app.units.service import upsert_unit
from tests.comment_factories import respond
from tests.console.helpers import HTML, staff_client
from tests.factories import make_province


async def test_levels_channels_and_rules_are_shown_in_words(app: FastAPI):
    province = await make_province(app)
    await respond(app, province, "C11")  # channel qr
    async with app.state.db.write_sessions.begin() as session:
        await upsert_unit(session, CLI, "W1", "Phường W1", "ward", "P")  # a level of its own
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, _):
        units = (await client.get("/console/units", headers=HTML)).text
        qr = (await client.get("/console/qr", headers=HTML)).text
        responses = (await client.get("/console/responses", headers=HTML)).text
        instrument = await client.get("/console/instruments/one-stop-counter", headers=HTML)
        client.cookies.set("sipas_lang", "en")
        english = (await client.get("/console/units", headers=HTML)).text
    for page in (units, qr):
        assert '<span class="level">Quầy</span>' in page
        assert '<span class="level">Sở, ban, ngành</span>' in page
        assert '<span class="level">ward</span>' in page  # unknown: as it is
        assert '<span class="level">counter</span>' not in page
    assert '<span class="level">Counter</span>' in english
    assert ">Mã QR tại quầy</td>" in responses and ">qr</td>" not in responses
    assert "<dd>Trung bình của các tiêu chí</dd>" in instrument.text
    assert "mean_of_criteria" not in instrument.text
