"""Frames through the API: cells, volume in step with N_h, CSV/XLSX imports all-or-nothing."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.audit.service import CLI
from app.rounds.service import create_round, set_volume
from tests.factories import make_province
from tests.sampling.helpers import BASE, audit_actions, signed_in, upload, volumes, xlsx


async def frame(client: httpx.AsyncClient) -> dict[str, tuple[int | None, dict[str, int]]]:
    answer = await client.get(f"{BASE}/frame")
    assert answer.status_code == 200, answer.text
    return {
        u["unit"]: (u["volume"], {c["field"]: c["transactions"] for c in u["cells"]})
        for u in answer.json()["units"]
    }


async def test_put_cells_sets_n_h_and_is_audited(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    cells = [
        {"unit": "C11", "field": "land", "transactions": 600},
        {"unit": "C11", "field": "justice", "transactions": 550},
        {"unit": "C21", "transactions": 280},
    ]
    answer = await client.put(f"{BASE}/frame", json={"cells": cells}, headers=csrf)
    assert answer.status_code == 200, answer.text
    assert answer.json()["total"] == 1150 + 500 + 280
    assert await frame(client) == {
        "C11": (1150, {"justice": 550, "land": 600}),
        "C12": (500, {}),  # untouched: its volume, no cells
        "C21": (280, {"": 280}),
    }
    actions = await audit_actions(app)
    assert actions[-3:] == ["round.volume", "round.volume", "frame.set"]


async def test_a_unit_served_by_another_open_round_is_not_added(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app, volumes={"C11": 1000})
    async with app.state.db.write_sessions.begin() as session:
        other = await create_round(
            session,
            CLI,
            code="R-B",
            name="Đợt B",
            form_code=province.round.form_code,
            starts_on=province.round.ends_on,
            ends_on=province.round.ends_on,
            status="open",
        )
        await set_volume(session, CLI, other, province.units["C21"], 10)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    cells = [{"unit": "C11", "transactions": 900}, {"unit": "C21", "transactions": 280}]
    answer = await client.put(f"{BASE}/frame", json={"cells": cells}, headers=csrf)
    assert answer.status_code == 409
    day = province.round.ends_on.isoformat()
    assert answer.json()["error"] == {
        "code": "conflict",
        "message": f"round R2026 overlaps open round R-B ({day} – {day}) at C21: "
        "a counter serves one open round at a time",
    }
    assert await frame(client) == {"C11": (1000, {})}  # nothing written


async def test_import_csv_with_bom_semicolons_and_thousands(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    text = "\ufeffUnit;Transactions;Field\r\nC11;1.200;land\r\nC11;300;justice\r\n\r\nC12;45;\r\n"
    answer = await client.post(f"{BASE}/frame/import", files=upload(text), headers=csrf)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["rows"], report["units"], report["total"]) == (3, 2, 1545)
    assert report["added_units"] == []
    assert (await frame(client))["C11"] == (1500, {"land": 1200, "justice": 300})
    assert (await frame(client))["C12"] == (45, {"": 45})


async def test_import_xlsx(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    book = xlsx([["unit", "transactions"], ["C11", 1234], ["C21", 56.0], [None, None]])
    answer = await client.post(f"{BASE}/frame/import", files=upload(book, "f.xlsx"), headers=csrf)
    assert answer.status_code == 200, answer.text
    assert (await frame(client))["C11"][0] == 1234
    assert (await frame(client))["C21"][0] == 56


async def test_a_rejected_import_stores_nothing(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    before = await frame(client)
    events = len(await audit_actions(app))
    text = (
        "unit,transactions,field\n"
        "C11,900,land\n"  # fine, but must not be stored
        "NOPE,10,land\n"
        "C12,-3,\n"
        "C12,1.5,\n"
        "C11,5,land\n"
        "C21,10,\n"
        "C21,10,land\n"
    )
    answer = await client.post(f"{BASE}/frame/import", files=upload(text), headers=csrf)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "unprocessable"
    assert "nothing was imported" in error["message"]
    assert [(r["line"], r["column"]) for r in error["rejected"]] == [
        (4, "transactions"),
        (5, "transactions"),
        (3, "unit"),
        (6, "field"),
        (8, "field"),
    ]
    assert error["rejected"][2]["reason"] == "unknown unit 'NOPE'"
    assert "repeats line 2" in error["rejected"][3]["reason"]
    assert "mixes rows with and without a field" in error["rejected"][4]["reason"]
    assert await frame(client) == before
    assert len(await audit_actions(app)) == events


async def test_a_missing_column_is_reported(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    answer = await client.post(
        f"{BASE}/frame/import", files=upload("unit,count\nC11,5\n"), headers=csrf
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["rejected"] == [
        {"line": 1, "column": "transactions", "reason": "missing column"}
    ]


async def test_a_unit_not_in_the_round_is_added(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app, volumes={"C11": 1000, "C21": 300})
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    answer = await client.post(
        f"{BASE}/frame/import", files=upload("unit,transactions\nC12,77\n"), headers=csrf
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["added_units"] == ["C12"]
    assert (await frame(client))["C12"] == (77, {"": 77})


async def test_scope_an_admin_of_d1_cannot_reach_d2(app: FastAPI, client: httpx.AsyncClient):
    # R2026 covers D1's counters only: a D1 admin may change it, but not extend it into D2
    await make_province(app, volumes={"C11": 1000, "C12": 500})
    csrf = await signed_in(app, client, "d1@x.vn", [("admin", "D1")])
    ok = await client.put(
        f"{BASE}/frame", json={"cells": [{"unit": "C11", "transactions": 5}]}, headers=csrf
    )
    assert ok.status_code == 200, ok.text
    refused = await client.post(
        f"{BASE}/frame/import", files=upload("unit,transactions\nC21,9\n"), headers=csrf
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["rejected"][0]["reason"] == (
        "unit C21 is not in the round and outside your scope"
    )
    assert "C21" not in await frame(client)


async def test_scope_a_round_covering_d2_is_refused_to_a_d1_admin(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)  # C11, C12 and C21
    csrf = await signed_in(app, client, "d1@x.vn", [("admin", "D1")])
    body = {"cells": [{"unit": "C11", "transactions": 5}]}
    answer = await client.put(f"{BASE}/frame", json=body, headers=csrf)
    assert answer.status_code == 403
    assert "C21" not in answer.json()["error"]["message"]  # never named: not the caller's
    imported = await client.post(
        f"{BASE}/frame/import", files=upload("unit,transactions\nC11,9\n"), headers=csrf
    )
    assert imported.status_code == 403
    assert (await volumes(app))["C11"] == 1000


async def test_csrf_token_is_required(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    body = {"cells": [{"unit": "C11", "transactions": 5}]}
    assert (await client.put(f"{BASE}/frame", json=body)).status_code == 403
    wrong = {"x-csrf-token": "not-the-token"}
    assert (await client.put(f"{BASE}/frame", json=body, headers=wrong)).status_code == 403
    files = upload("unit,transactions\nC11,9\n")
    assert (await client.post(f"{BASE}/frame/import", files=files)).status_code == 403
    assert (await frame(client))["C11"] == (1000, {})


async def test_bad_input_is_a_clear_4xx(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])

    async def post(content: bytes | str, name: str = "f.csv") -> httpx.Response:
        return await client.post(f"{BASE}/frame/import", files=upload(content, name), headers=csrf)

    cases = {
        "not UTF-8": await post("unit,transactions\nC11,9\nĐà Lạt,1\n".encode("utf-16")),
        "empty": await post(b""),
        "old xls": await post(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "f.xls"),
        "broken xlsx": await post(b"PK\x03\x04 not really a zip", "f.xlsx"),
        "bad quoting": await post('unit,transactions\n"C11,9\n'),
    }
    for case, answer in cases.items():
        assert answer.status_code == 422, (case, answer.status_code, answer.text)
        assert answer.json()["error"]["message"], case
    assert "UTF-8" in cases["not UTF-8"].json()["error"]["message"]
    assert ".xlsx or CSV" in cases["old xls"].json()["error"]["message"]

    no_file = await client.post(f"{BASE}/frame/import", headers=csrf)
    assert no_file.status_code == 422
    negative = {"cells": [{"unit": "C11", "transactions": -1}]}
    assert (await client.put(f"{BASE}/frame", json=negative, headers=csrf)).status_code == 422
    assert (await client.put(f"{BASE}/frame", json={"cells": []}, headers=csrf)).status_code == 422
    unknown = {"cells": [{"unit": "NOPE", "transactions": 1}]}
    answer = await client.put(f"{BASE}/frame", json=unknown, headers=csrf)
    assert answer.status_code == 422 and answer.json()["error"]["rejected"][0]["line"] == 1
    body = {"cells": [{"unit": "C11", "transactions": 1}]}
    missing = await client.put("/api/v1/rounds/NOPE/frame", json=body, headers=csrf)
    assert missing.status_code == 404
    assert (await frame(client))["C11"] == (1000, {})
