"""Invitations sent in batches from a sample draw, through the fake provider on 127.0.0.1: the
request only records the batch; the worker issues one invitation per selected dossier with a
usable contact (none for no contact, an opt-out or a paper invitation), the sender delivers
them outside quiet hours with one reminder, an answered invitation gets no reminder, delivery
reports count, and no contact is left in the database afterwards."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.audit.service import CLI
from app.config import Settings
from app.messages.batch_worker import expand_batches
from app.messages.sending import send_due
from app.models import Dossier, OutboundMessage, SampleSelection
from app.sampling.invitations import issue_invitations
from tests.factories import form_body, make_province
from tests.messages.test_sending import CALLBACK, Provider, local, messaging, provider
from tests.sampling.helpers import BASE, in_period, upload
from tests.sampling.invitation_helpers import sid_of, signed_in_admin

__all__ = ["messaging", "provider"]  # fixtures used by name

LISTED = [  # dossier, unit, phone, email
    ("A1", "C11", "0912000001", ""),
    ("A2", "C11", "", "a2@x.vn"),
    ("A3", "C11", "0912000003", "a3@x.vn"),
    ("A4", "C11", "", ""),
    ("A5", "C11", "12", ""),
    ("A6", "C11", "0912000006", "a6@x.vn"),  # opted out before the batch
    ("A7", "C11", "0912000007", ""),  # invited on paper before the batch
    ("B1", "C12", "0912000011", ""),
    ("B2", "C12", "0912000012", ""),
]
EXPECTED = {  # what the batch sends (channels zalo, then email)
    ("zalo", "0912000001"),
    ("email", "a2@x.vn"),
    ("zalo", "0912000003"),
    ("zalo", "0912000011"),
    ("zalo", "0912000012"),
}


async def draw_with_contacts(client: httpx.AsyncClient, csrf: dict[str, str]) -> int:
    lines = ["dossier,unit,completed_on,field,phone,email"]
    lines += [f"{d},{u},{in_period(3)},land,{p},{e}" for d, u, p, e in LISTED]
    imported = await client.post(
        f"{BASE}/dossiers/import", files=upload("\n".join(lines) + "\n"), headers=csrf
    )
    assert imported.status_code == 200, imported.text
    assert (await client.put(f"{BASE}/plan", json={}, headers=csrf)).status_code == 200
    drawn = await client.post(f"{BASE}/draws", json={"seed": 7}, headers=csrf)
    assert drawn.status_code == 201, drawn.text
    return int(drawn.json()["id"])


async def test_a_draw_is_invited_in_a_batch_by_the_worker(
    app: FastAPI, client: httpx.AsyncClient, provider: Provider, messaging: Settings
):
    settings = messaging.model_copy(
        update={
            "message_gateways": {
                **messaging.message_gateways,
                "email": {"kind": "http", "url": provider.url, "token": "provider-token"},
            }
        }
    )
    app.state.settings = settings
    province = await make_province(app)
    csrf = await signed_in_admin(app, client)
    draw_id = await draw_with_contacts(client, csrf)
    async with app.state.db.write_sessions.begin() as session:
        query = select(Dossier.code, SampleSelection.id).join(
            SampleSelection, SampleSelection.dossier_id == Dossier.id
        )
        selected = {code: id_ for code, id_ in await session.execute(query)}
        assert set(selected) == {d for d, *_ in LISTED}  # small strata: every dossier drawn
        await issue_invitations(session, CLI, province.round, "C11", selection_ids=[selected["A7"]])
    stop = {"from": "0912000006", "text": "TU CHOI"}
    opted = await client.post("/api/v1/messages/callbacks/zalo", json=stop, headers=CALLBACK)
    assert opted.json() == {"result": "opted_out"}

    url = f"{BASE}/draws/{draw_id}/invitations"
    wrong = await client.post(url, json={"channels": ["zalo", "zalo"]}, headers=csrf)
    assert wrong.status_code == 422
    app.state.settings = messaging  # no e-mail gateway: refused, nothing recorded
    no_gateway = await client.post(url, json={"channels": ["email"]}, headers=csrf)
    assert no_gateway.status_code == 422 and "email" in no_gateway.text
    app.state.settings = settings
    assert (await client.post(url, json={"channels": ["zalo"]})).status_code == 403  # no CSRF
    asked = await client.post(url, json={"channels": ["zalo", "email"]}, headers=csrf)
    assert asked.status_code == 202, asked.text
    assert asked.json()["status"] == "pending" and asked.json()["queued"] == 0
    again = await client.post(url, json={"channels": ["sms"]}, headers=csrf)
    assert again.status_code == 409  # one pending batch per draw
    assert provider.received == []  # nothing is issued or sent inside the request

    assert await expand_batches(app.state.db, settings) == len(EXPECTED)
    assert await expand_batches(app.state.db, settings) == 0  # done: nothing more
    batch = (await client.get(url)).json()["batches"][0]
    counts = {k: batch[k] for k in ("queued", "no_contact", "opted_out", "already_invited")}
    assert batch["status"] == "done" and batch["done_at"]
    assert counts == {"queued": 5, "no_contact": 2, "opted_out": 1, "already_invited": 1}
    assert batch["messages"] == {"queued": 5}
    async with app.state.db.sessions() as session:
        query = select(Dossier.code, Dossier.contact_phone)
        left = {code: phone for code, phone in await session.execute(query)}
    assert left["A1"] is None and left["B1"] is None  # taken out of the list frame
    assert left["A6"] == "0912000006" and left["A7"] == "0912000007"  # not sent: kept

    assert await send_due(app.state.db, settings, local(22)) == 0  # quiet hours
    assert provider.received == []
    first = local(9, day=1)
    assert await send_due(app.state.db, settings, first) == 5
    sent = {(m["channel"], m["to"]) for m in provider.received}
    assert sent == EXPECTED and len(provider.received) == 5
    links = [m["params"]["link"] for m in provider.received]
    assert len(set(links)) == 5 and all("/t/" in link for link in links)
    assert all(
        link in m["text"] and "/tu-choi/" in m["text"]
        for link, m in zip(links, provider.received, strict=True)
    )

    # The citizen of A1 answers through the link; a delivery report comes back for another.
    a1 = next(m for m in provider.received if m["to"] == "0912000001")
    token = a1["params"]["link"].rsplit("/t/", 1)[1]
    sid = sid_of((await client.get(f"/t/{token}")).text)
    assert (await client.post(f"/t/{token}", data=form_body(sid))).status_code == 303
    b1 = provider.received.index(next(m for m in provider.received if m["to"] == "0912000011"))
    report = {"id": f"p{b1 + 1}", "status": "delivered"}
    delivered = await client.post("/api/v1/messages/callbacks/zalo", json=report, headers=CALLBACK)
    assert delivered.json() == {"result": "updated"}

    assert await send_due(app.state.db, settings, first + timedelta(hours=1)) == 0  # not due
    assert await send_due(app.state.db, settings, first + timedelta(hours=3)) == 4
    reminded = {(m["channel"], m["to"]) for m in provider.received[5:]}
    assert reminded == EXPECTED - {("zalo", "0912000001")}  # answered: no reminder
    assert all(m["text"].startswith("Nhắc lại") for m in provider.received[5:])
    assert await send_due(app.state.db, settings, first + timedelta(days=3)) == 0  # one only

    batch = (await client.get(url)).json()["batches"][0]
    assert batch["messages"] == {"done": 4, "answered": 1}
    assert batch["delivery"] == {"delivered": 1}
    async with app.state.db.sessions() as session:
        contacts = (await session.scalars(select(OutboundMessage.contact))).all()
        phones = set((await session.scalars(select(Dossier.contact_phone))).all())
        emails = set((await session.scalars(select(Dossier.contact_email))).all())
    assert contacts and all(c is None for c in contacts)  # erased once done
    assert not {to for _, to in EXPECTED} & (phones | emails)


async def test_the_console_sends_a_draw_and_shows_the_batch(
    app: FastAPI, client: httpx.AsyncClient, provider: Provider, messaging: Settings
):
    from tests.console.helpers import HTML, staff_client

    await make_province(app)
    csrf_header = await signed_in_admin(app, client)
    draw_id = await draw_with_contacts(client, csrf_header)
    page_url = f"/console/rounds/R2026/draws/{draw_id}"
    action = f"{page_url}/invitations"
    async with staff_client(app, "v@x.vn", [("viewer", "P")]) as (viewer, csrf):
        shown = await viewer.get(page_url, headers=HTML)
        assert 'id="sending"' in shown.text and 'name="channels"' not in shown.text
        refused = await viewer.post(action, data={"csrf_token": csrf, "channels": "zalo"})
        assert refused.status_code == 403  # a viewer sends nothing
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (admin, csrf):
        forged = await admin.post(action, data={"channels": "zalo"})
        assert forged.status_code == 403  # no CSRF token
        none = await admin.post(action, data={"csrf_token": csrf})
        assert none.status_code == 422 and "Chọn ít nhất một kênh gửi" in none.text
        sent = await admin.post(action, data={"csrf_token": csrf, "channels": ["zalo", "sms"]})
        assert sent.status_code == 303, sent.text
        assert sent.headers["location"] == f"{page_url}?done=invitations-requested"
        assert provider.received == []  # nothing sent inside the request
        assert await expand_batches(app.state.db, messaging) == 6  # phones A1 A3 A6 A7 B1 B2
        page = (await admin.get(page_url, headers=HTML)).text
    table = page.split('id="batches"', 1)[1].split("</table>", 1)[0]
    assert "zalo, sms" in table and "Đã xếp xong" in table
    cells = [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)
    ]
    assert cells[3:7] == ["6", "3", "0", "0"]  # A2 (e-mail only), A4 and A5 have no phone
