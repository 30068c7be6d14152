"""Importing units from CSV over the API: all or nothing, every problem by line and column."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.models import Unit
from tests.factories import make_province
from tests.reporting.helpers import audit_actions, staff_client


async def upload(client: httpx.AsyncClient, text: str, **params: str) -> httpx.Response:
    files = {"file": ("units.csv", text.encode(), "text/csv")}
    return await client.post("/api/v1/units/import", files=files, params=params)


async def parents(app: FastAPI) -> dict[str, str | None]:
    async with app.state.db.sessions() as session:
        rows = await session.execute(select(Unit.code, Unit.parent_id, Unit.id))
        found = list(rows)
    codes = {uid: code for code, _, uid in found}
    return {code: codes.get(pid) if pid else None for code, pid, _ in found}


async def unit_count(app: FastAPI) -> int:
    async with app.state.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Unit)) or 0)


GOOD = """code,name,level,parent
C13,Một cửa xã C13,counter,D3
D3,Huyện D3,department,P
C31,Một cửa C31,counter,D3
C11,Quầy C11 (đổi tên),counter,D1
"""


async def test_import_creates_children_before_their_parents_appear(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    answer = await upload(client, GOOD)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["written"] and body["rows"] == 4 and body["errors"] == []
    assert body["counts"] == {"created": 3, "updated": 1, "unchanged": 0}
    found = await parents(app)
    assert (found["D3"], found["C13"], found["C31"]) == ("P", "D3", "D3")
    assert await audit_actions(app, "unit.import") == 1
    assert await audit_actions(app, "unit.update") == 1
    async with app.state.db.sessions() as session:
        assert (
            await session.scalar(select(Unit.name).where(Unit.code == "C11"))
            == "Quầy C11 (đổi tên)"
        )

    again = (await upload(client, GOOD)).json()
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 4}


async def test_dry_run_previews_and_writes_nothing(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    before = await unit_count(app)
    body = (await upload(client, GOOD, dry_run="true")).json()
    assert body["dry_run"] and not body["written"]
    assert body["counts"] == {"create": 3, "update": 1, "unchanged": 0}
    assert [(r["line"], r["code"], r["action"]) for r in body["preview"]] == [
        (2, "C13", "create"),
        (3, "D3", "create"),
        (4, "C31", "create"),
        (5, "C11", "update"),
    ]
    assert body["preview"][3]["was"] == {"name": "Đơn vị C11", "level": "counter", "parent": "D1"}
    assert await unit_count(app) == before
    assert await audit_actions(app, "unit.import") == 0


async def test_every_problem_is_reported_and_nothing_is_written(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    before = await unit_count(app)
    text = (
        "code,name,level,parent\n"
        "X1,Fine,counter,D1\n"
        "bad code,Name,counter,D1\n"
        "X2,,counter,D1\n"
        "X1,Again,counter,D1\n"
        "X3,Orphan,counter,NOWHERE\n"
        '"X4","Quoted, with comma",counter\n'
    )
    answer = await upload(client, text)
    assert answer.status_code == 422
    body = answer.json()
    assert not body["written"]
    problems = [(e["line"], e["column"]) for e in body["errors"]]
    # In line order, though the unknown parent is found in a later pass than the rest.
    assert problems == [(3, "code"), (4, "name"), (5, "code"), (6, "parent"), (7, None)]
    assert "already appears on line 2" in next(
        e["reason"] for e in body["errors"] if e["line"] == 5
    )
    assert await unit_count(app) == before


async def test_cycles_are_rejected_also_through_stored_units(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    await staff_client(app, client, "root@x.vn", [("admin", "P")])
    within = "code,name,level,parent\nA,A,x,B\nB,B,x,A\n"
    body = (await upload(client, within)).json()
    assert {(e["line"], e["column"]) for e in body["errors"]} == {(2, "parent"), (3, "parent")}
    assert "cycle: " in body["errors"][0]["reason"]
    through_stored = "code,name,level,parent\nD1,Huyện D1,department,C11\n"
    body = (await upload(client, through_stored)).json()
    assert body["errors"][0]["reason"] == "cycle: D1 → C11 → D1"
    missing_column = (await upload(client, "code,name,level\nA,A,x\n")).json()
    assert missing_column["errors"] == [
        {"line": 1, "column": "parent", "reason": "required column is missing"}
    ]


async def test_an_admin_imports_only_inside_the_scope(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await staff_client(app, client, "d1-admin@x.vn", [("admin", "D1")])
    text = (
        "code,name,level,parent\n"
        "C14,Ok,counter,D1\n"  # inside D1
        "C22,No,counter,D2\n"  # under D2
        "C21,Steal,counter,D1\n"  # a stored unit of D2
        "TOP,No,province,\n"  # a new root
        "C15,Ok too,counter,C14\n"  # under a new unit inside D1
        "D1,Huyện D1 (tên mới),department,P\n"  # the scope's root, where it stays
        "C12,Moved out,counter,D2\n"  # a unit of D1 moved outside
    )
    body = (await upload(client, text)).json()
    assert {(e["line"], e["column"]) for e in body["errors"]} == {
        (3, "parent"),
        (4, "code"),
        (5, "parent"),
        (8, "parent"),
    }
    assert (await parents(app)).get("C14") is None


async def test_units_import_needs_csrf(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    del client.headers["X-CSRF-Token"]
    assert (await upload(client, GOOD)).status_code == 403


async def test_not_utf8_is_refused_with_its_line(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    files = {"file": ("u.csv", "code,name,level,parent\nA,Ré,x,\n".encode("latin-1"), "text/csv")}
    body = (await client.post("/api/v1/units/import", files=files)).json()
    assert body["errors"][0]["line"] == 2 and "UTF-8" in body["errors"][0]["reason"]
