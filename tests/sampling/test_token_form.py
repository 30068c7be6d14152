"""A citizen's invitation link: the round's form, answered exactly once."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from app.models import Answer, Invitation, Response, Round
from app.sampling.invitations import AlreadyAnswered
from tests.conftest import LiveServer
from tests.factories import CRITERIA, form_body, make_province
from tests.sampling.invitation_helpers import (
    HTML,
    count_rows,
    invite,
    opened_together,
    redeem_now,
    sid_of,
)


async def test_token_opens_the_form_and_the_first_answer_redeems_it(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    [token] = await invite(app, province, "C11", 1, stratum="Đất đai")
    page = await client.get(f"/t/{token}", headers=HTML)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert f'action="/t/{token}"' in page.text and "Đơn vị C11" in page.text
    assert "Gửi đánh giá" in page.text

    posted = await client.post(f"/t/{token}", data=form_body(sid_of(page.text), {"ACC1": "2"}))
    assert posted.status_code == 303
    assert posted.headers["location"] == f"/t/{token}/thanks"
    thanks = await client.get(posted.headers["location"], headers=HTML)
    assert thanks.status_code == 200 and "Xin cảm ơn" in thanks.text

    async with app.state.db.sessions() as session:
        response = (await session.scalars(select(Response))).one()
        invitation = (await session.scalars(select(Invitation))).one()
        acc1 = await session.scalar(
            select(Answer.value).where(Answer.response_id == response.id, Answer.question == "ACC1")
        )
    assert response.channel == "token" and response.status == "valid"
    assert response.invitation_id == invitation.id and response.stratum == "Đất đai"
    assert response.unit_id == province.units["C11"].id
    assert invitation.redeemed_at is not None and acc1 == 2.0

    again = await client.get(f"/t/{token}", headers=HTML)
    assert again.status_code == 410
    assert "Ông/Bà đã trả lời khảo sát này" in again.text and "cảm ơn" in again.text
    repost = await client.post(f"/t/{token}", data=form_body(sid_of(page.text)))
    assert repost.status_code == 410 and "đã trả lời" in repost.text
    assert await count_rows(app, Response) == 1


async def test_invalid_answers_re_render_with_answers_kept_and_redeem_nothing(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    [token] = await invite(app, province, "C12", 1)
    sid = sid_of((await client.get(f"/t/{token}")).text)
    body = form_body(sid, {"ACC2": "3", "ACC1": "9", "age_band": "nonsense"})
    del body["PRO1"]
    posted = await client.post(f"/t/{token}", data=body)
    assert posted.status_code == 422
    assert f'action="/t/{token}"' in posted.text
    assert 'name="ACC2" value="3" checked' in posted.text  # what was answered stays
    assert 'href="#q-PRO1"' in posted.text and 'href="#q-ACC1"' in posted.text
    assert await count_rows(app, Response) == 0
    assert await count_rows(app, Invitation, Invitation.redeemed_at.is_not(None)) == 0
    # ... and the corrected form goes through with the same token.
    fixed = await client.post(f"/t/{token}", data=form_body(sid_of(posted.text)))
    assert fixed.status_code == 303
    assert await count_rows(app, Response, Response.channel == "token") == 1


@pytest.mark.parametrize(
    "token", ["x" * 24, "short", "A" * 65, "%00%ff", "' OR 1=1 --xxxxxxxxxxxxxx"]
)
async def test_unknown_or_garbage_tokens_are_a_friendly_404(
    app: FastAPI, client: httpx.AsyncClient, token: str
):
    await make_province(app)
    page = await client.get(f"/t/{token}", headers=HTML)
    assert page.status_code == 404
    assert "Không tìm thấy phiếu khảo sát" in page.text
    posted = await client.post(f"/t/{token}", data=form_body("whatever"))
    assert posted.status_code == 404
    assert (await client.get(f"/t/{token}/thanks", headers=HTML)).status_code == 404


async def test_a_forged_or_foreign_submission_id_is_refused(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    first, second = await invite(app, province, "C11", 2)
    foreign = sid_of((await client.get(f"/t/{second}")).text)
    counter = sid_of((await client.get("/s/C11")).text)
    for sid in (foreign, counter, "forged"):
        posted = await client.post(f"/t/{first}", data=form_body(sid))
        assert posted.status_code == 400, sid
    assert await count_rows(app, Response) == 0


async def test_closed_or_not_yet_open_rounds_get_a_friendly_page(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    [token] = await invite(app, province, "C11", 1)
    sid = sid_of((await client.get(f"/t/{token}")).text)
    today = app.state.settings.today()  # the province's day, not the machine's
    tomorrow = today + timedelta(days=1)
    cases = [
        ({"status": "closed"}, 410, "đã kết thúc"),
        ({"ends_on": today - timedelta(days=1)}, 410, "đã kết thúc"),
        ({"status": "draft"}, 409, "chưa bắt đầu"),
        ({"starts_on": tomorrow, "ends_on": tomorrow}, 409, "chưa bắt đầu"),
    ]
    for values, status, text in cases:
        async with app.state.db.write_sessions.begin() as session:
            original = {"status": "open", "starts_on": province.round.starts_on}
            original["ends_on"] = province.round.ends_on
            await session.execute(update(Round).values(original))
            await session.execute(update(Round).values(values))
        page = await client.get(f"/t/{token}", headers=HTML)
        assert (page.status_code, text in page.text) == (status, True), values
        posted = await client.post(f"/t/{token}", data=form_body(sid))
        assert posted.status_code == status, values
    assert await count_rows(app, Response) == 0


async def test_request_log_never_shows_the_token(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
):
    province = await make_province(app)
    [token] = await invite(app, province, "C11", 1)
    caplog.set_level(logging.INFO, logger="sipas.request")
    await client.get(f"/t/{token}")
    await client.get(f"/t/{token}/thanks")
    logged = [r.getMessage() for r in caplog.records if r.name == "sipas.request"]
    assert any("/t/<token>/thanks" in line for line in logged), logged
    assert not any(token in line for line in logged)


async def test_twenty_concurrent_posts_for_one_token_store_one_response(
    app: FastAPI, live_server: LiveServer
):
    province = await make_province(app)
    [token] = await invite(app, province, "C21", 1)
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as client:
        pages = await asyncio.gather(*(client.get(f"/t/{token}") for _ in range(20)))
        sids = {sid_of(page.text) for page in pages}
        assert len(sids) == 20  # different forms, different submission ids
        answers = await asyncio.gather(
            *(client.post(f"/t/{token}", data=form_body(sid)) for sid in sids)
        )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [303] + [410] * 19
    assert await count_rows(app, Response) == 1
    assert await count_rows(app, Answer) == len(CRITERIA) + 1
    assert await count_rows(app, Invitation, Invitation.redeemed_at.is_not(None)) == 1


async def test_the_conditional_update_decides_when_both_saw_an_open_invitation(app: FastAPI):
    """Two submissions that both found the invitation unanswered (the race the page check
    cannot close): the first to redeem stores its response, the second is "already answered"."""
    province = await make_province(app)
    [token] = await invite(app, province, "C11", 1)
    seen = await opened_together(app, [token, token])
    await redeem_now(app, seen[0])
    with pytest.raises(AlreadyAnswered):
        await redeem_now(app, seen[1])
    assert await count_rows(app, Response) == 1
