"""Conditions on the public form, decided by the server: hidden answers and missing answers."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.collection.answers import MSG_NOT_APPLICABLE, MSG_REQUIRED, parse_submission
from app.models import Answer
from tests.collection.test_form import token_of
from tests.factories import make_province
from tests.forms.answering import fill

FORM_TYPE = {"content-type": "application/x-www-form-urlencoded"}


async def post(client: httpx.AsyncClient, raw: dict[str, list[str]]) -> httpx.Response:
    token = token_of((await client.get("/s/C11")).text)
    body = urlencode([("sid", token), *((k, v) for k, vs in raw.items() for v in vs)])
    return await client.post("/s/C11", content=body, headers=FORM_TYPE)


async def test_kiosk_why_follows_a_low_score_only(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app, form_code="one-stop-kiosk")
    page = (await client.get("/s/C11")).text
    shown_if = r'data-show-if=\'\{"in": \["1", "2"\], "question": "K1"\}\''
    assert re.search(r'id="q-K1_why" data-type="text" ' + shown_if, page)
    kiosk = app.state.catalogue.get("one-stop-kiosk").instrument

    low = await post(client, fill(kiosk, {"K1": ["2"], "K1_why": ["Phải chờ lâu"]}))
    assert low.status_code == 303
    async with app.state.db.sessions() as session:
        why = await session.scalar(select(Answer.text).where(Answer.question == "K1_why"))
    assert why == "Phải chờ lâu"

    high = await post(client, fill(kiosk, {"K1": ["5"]}) | {"K1_why": ["Không có gì"]})
    assert high.status_code == 422
    assert MSG_NOT_APPLICABLE in high.text
    # Re-rendered without JavaScript: the follow-up is hidden, disabled and emptied.
    assert re.search(r'id="q-K1_why"[^>]* hidden', high.text)
    assert "Không có gì</textarea>" not in high.text


async def test_household_skip_logic(app: FastAPI):
    household = app.state.catalogue.get("sipas-household").instrument
    no_service = fill(household, {"used_service": ["no"]})
    assert "DV01" not in no_service and parse_submission(household, no_service).ok
    no_service["DV01"] = ["4"]
    assert parse_submission(household, no_service).errors == {"DV01": MSG_NOT_APPLICABLE}

    served = fill(household, {"used_service": ["yes"], "got_result": ["no"], "DV05": None})
    assert "DV11" not in served  # result items only after a result was received
    assert parse_submission(household, served).errors == {"DV05": MSG_REQUIRED}
    served |= {"DV05": ["4"], "DV11": ["5"]}
    assert parse_submission(household, served).errors == {"DV11": MSG_NOT_APPLICABLE}


async def test_ranges_dates_and_percentages(app: FastAPI):
    catalogue = app.state.catalogue
    household = catalogue.get("sipas-household").instrument
    minor = parse_submission(household, fill(household, {"age": ["17"]}))
    assert minor.errors == {"age": "Xin Ông/Bà ghi một số từ 18 đến 110."}
    tt01 = catalogue.get("tt01-2018").instrument
    bad_date = parse_submission(tt01, fill(tt01, {"received_on": ["31/02/2025"]}))
    assert list(bad_date.errors) == ["received_on"]
    health = catalogue.get("health-outpatient").instrument
    assert not parse_submission(health, fill(health, {"expectation_met": ["120"]})).errors
    over = parse_submission(health, fill(health, {"expectation_met": ["250"]}))
    assert list(over.errors) == ["expectation_met"]
    no_opinion = parse_submission(health, fill(health, {"NGA1": ["na"]}))
    assert [a.text for a in no_opinion.answers if a.question == "NGA1"] == ["na"]


async def test_school_level_screens_items(app: FastAPI):
    education = app.state.catalogue.get("education").instrument
    preschool = fill(education, {"level": ["preschool"]})
    assert "CS5" in preschool and "HD4" in preschool and "HD5" not in preschool
    assert "respondent" not in preschool
    upper = fill(education, {"level": ["upper_secondary"]})
    assert "CS6" in upper and "HD5" in upper and "CS5" not in upper
    assert parse_submission(education, upper).ok
