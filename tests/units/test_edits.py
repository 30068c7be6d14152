"""Unit edits outside events (the units import, the console's unit form) keep the history:
each becomes a dated version under an ``edit`` event, listed and revertible."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from fastapi import FastAPI

from tests.console.helpers import staff_client as console_client
from tests.factories import make_province, province_today
from tests.imports.test_units_import import upload
from tests.reporting.helpers import staff_client

TODAY = province_today()
YESTERDAY = TODAY - timedelta(days=1)
EDITS = """code,name,level,parent
C11,Quầy C11 (đổi tên),counter,D1
C12,Đơn vị C12,counter,D2
"""


async def tree(client: httpx.AsyncClient, day: date | str) -> dict[str, tuple[str, str | None]]:
    found = await client.get(f"/api/v1/units/hierarchy?as_of={day}")
    assert found.status_code == 200, found.text
    return {u["code"]: (u["name"], u["parent"]) for u in found.json()["units"]}


async def test_an_import_keeps_what_units_were_before_it(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    answer = await upload(client, EDITS)
    assert answer.status_code == 200 and answer.json()["counts"]["updated"] == 2, answer.text
    before, now = await tree(client, YESTERDAY), await tree(client, "now")
    assert before["C11"] == ("Đơn vị C11", "D1") and before["C12"] == ("Đơn vị C12", "D1")
    assert now["C11"] == ("Quầy C11 (đổi tên)", "D1") and now["C12"] == ("Đơn vị C12", "D2")
    events = (await client.get("/api/v1/units/events")).json()
    assert [(e["kind"], e["effective"]) for e in events] == [("edit", str(TODAY))]
    assert events[0]["details"] == {"source": "import", "count": 2, "units": ["C11", "C12"]}
    # A second import the same day follows the first; reverting goes back in order.
    again = await upload(client, "code,name,level,parent\nC11,Quầy C11 lần hai,counter,D1\n")
    assert again.status_code == 200
    assert (await tree(client, YESTERDAY))["C11"] == ("Đơn vị C11", "D1")
    latest = (await client.get("/api/v1/units/events")).json()[0]
    assert (await client.post(f"/api/v1/units/events/{latest['id']}/revert")).status_code == 200
    assert (await tree(client, "now"))["C11"] == ("Quầy C11 (đổi tên)", "D1")
    first = events[0]["id"]
    assert (await client.post(f"/api/v1/units/events/{first}/revert")).status_code == 200
    assert (await tree(client, "now"))["C12"] == ("Đơn vị C12", "D1")


async def test_an_edit_before_a_change_dated_later_is_refused(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    ahead = {
        "kind": "rename",
        "unit": "C11",
        "name": "Sau này",
        "effective": str(TODAY + timedelta(days=30)),
    }
    assert (await client.post("/api/v1/units/events", json=ahead)).status_code == 200
    refused = await upload(client, EDITS)
    assert refused.status_code == 409, refused.text
    assert (await tree(client, "now"))["C12"] == ("Đơn vị C12", "D1")  # nothing written
    assert [e["kind"] for e in (await client.get("/api/v1/units/events")).json()] == ["rename"]


async def test_the_console_unit_form_keeps_the_history(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    async with console_client(app, "p@x.vn", [("admin", "P")]) as (console, csrf):
        form = {"csrf_token": csrf, "name": "Quầy mới", "level": "counter", "parent": "D2"}
        assert (await console.post("/console/units/C12", data=form)).status_code == 303
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    assert (await tree(client, YESTERDAY))["C12"] == ("Đơn vị C12", "D1")
    assert (await tree(client, "now"))["C12"] == ("Quầy mới", "D2")
    events = (await client.get("/api/v1/units/events")).json()
    assert [(e["kind"], e["details"]["source"]) for e in events] == [("edit", "console")]
