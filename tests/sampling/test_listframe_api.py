"""The list frame through the API: import all-or-nothing, contacts kept out of sight."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.db import Database
from app.models import AuditEvent, Dossier
from tests.factories import make_province, province_today
from tests.sampling.helpers import (
    BASE,
    audit_actions,
    dossier_csv,
    in_period,
    signed_in,
    upload,
    volumes,
    xlsx,
)


async def stored(app: FastAPI) -> list[Dossier]:
    db: Database = app.state.db
    async with db.sessions() as session:
        return list((await session.scalars(select(Dossier).order_by(Dossier.code))).all())


async def summary(client: httpx.AsyncClient) -> dict:  # type: ignore[type-arg]
    answer = await client.get(f"{BASE}/dossiers")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_import_stores_contacts_only_when_given_and_never_shows_them(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    d1, d2 = in_period(1), in_period(2)
    text = (
        "Dossier;Unit;Field;Completed_on;Name;Phone;Other\n"
        f"HS-001;C11;land;{d1};Nguyễn Văn An;0912345678;x\n"
        f"HS-002;C11;land;{d2};;;\n"
        f"HS-003;C11;justice;{date.fromisoformat(d2).strftime('%d/%m/%Y')};;0987654321;\n"
        f"HS-004;C21;;{d1};;;\n"
    )
    answer = await client.post(f"{BASE}/dossiers/import", files=upload(text), headers=csrf)
    assert answer.status_code == 200, answer.text
    assert {k: answer.json()[k] for k in ("kind", "rows", "units", "total", "added_units")} == {
        "kind": "dossiers",
        "rows": 4,
        "units": 2,
        "total": 4,
        "added_units": [],
    }
    rows = await stored(app)
    assert [(d.code, d.field, d.completed_on.isoformat()) for d in rows] == [
        ("HS-001", "land", d1),
        ("HS-002", "land", d2),
        ("HS-003", "justice", d2),
        ("HS-004", "", d1),
    ]
    assert [(d.contact_name, d.contact_phone, d.contact_email) for d in rows] == [
        ("Nguyễn Văn An", "0912345678", None),
        (None, None, None),
        (None, "0987654321", None),
        (None, None, None),
    ]
    shown = await summary(client)
    assert shown["total"] == 4
    assert [(c["unit"], c["field"], c["dossiers"], c["with_contact"]) for c in shown["counts"]] == [
        ("C11", "justice", 1, 1),
        ("C11", "land", 2, 1),
        ("C21", "", 1, 0),
    ]
    db: Database = app.state.db
    async with db.sessions() as session:
        trail = json.dumps([e.changes for e in (await session.scalars(select(AuditEvent))).all()])
    for secret in ("0912345678", "Nguyễn", "0987654321"):
        assert secret not in json.dumps(shown) and secret not in trail
    assert (await audit_actions(app))[-1] == "dossiers.import"


async def test_rejections_list_every_bad_row_and_store_nothing(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    too_early = (province_today() - timedelta(days=31)).isoformat()
    text = (
        "dossier,unit,completed_on,phone\n"
        f"HS-1,C11,{in_period()},\n"
        f"HS-2,NOPE,{in_period()},\n"
        f"HS-1,C12,{in_period()},\n"
        f"HS-3,C12,{too_early},\n"
        "HS-4,C12,31/02/2026,\n"
        f",C12,{in_period()},\n"
        f"HS-5,C12,{in_period()},{'9' * 40}\n"
    )
    answer = await client.post(f"{BASE}/dossiers/import", files=upload(text), headers=csrf)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert (error["rows"], error["rejected_count"]) == (7, 6)
    assert [(r["line"], r["column"]) for r in error["rejected"]] == [
        (3, "unit"),
        (4, "dossier"),
        (5, "completed_on"),
        (6, "completed_on"),
        (7, "dossier"),
        (8, "phone"),
    ]
    reasons = [r["reason"] for r in error["rejected"]]
    assert reasons[1] == "duplicate dossier code HS-1 (line 2)"
    assert "outside the round period" in reasons[2]
    assert "not a date" in reasons[3]
    assert await stored(app) == []


async def test_missing_columns_are_named(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    answer = await client.post(
        f"{BASE}/dossiers/import", files=upload("code,unit\nHS-1,C11\n"), headers=csrf
    )
    assert answer.status_code == 422
    assert [(r["line"], r["column"], r["reason"]) for r in answer.json()["error"]["rejected"]] == [
        (1, "dossier", "missing column"),
        (1, "completed_on", "missing column"),
    ]


async def test_codes_already_listed_are_duplicates_unless_replaced(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    first = dossier_csv({"C11": 3})
    assert (
        await client.post(f"{BASE}/dossiers/import", files=upload(first), headers=csrf)
    ).status_code == 200
    again = await client.post(f"{BASE}/dossiers/import", files=upload(first), headers=csrf)
    assert again.status_code == 422
    assert again.json()["error"]["rejected"][0]["reason"] == (
        "duplicate dossier code HS-C11-00000 (already in the list frame)"
    )
    replaced = await client.post(
        f"{BASE}/dossiers/import",
        files=upload(dossier_csv({"C12": 2})),
        data={"replace": "true"},
        headers=csrf,
    )
    assert replaced.status_code == 200, replaced.text
    assert [d.code for d in await stored(app)] == ["HS-C12-00000", "HS-C12-00001"]


async def test_xlsx_with_dates_and_numeric_codes(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app, volumes={"C11": 1000})
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    when = datetime.combine(date.fromisoformat(in_period(3)), datetime.min.time())
    book = xlsx(
        [
            ["Mã hồ sơ (ignored)", "dossier", "unit", "completed_on", "field"],
            ["x", 100234, "C11", when, "land"],
            ["x", "HS-9", "C12", in_period(4), None],
        ]
    )
    answer = await client.post(
        f"{BASE}/dossiers/import", files=upload(book, "list.xlsx"), headers=csrf
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["added_units"] == ["C12"]  # added to the round, N = its count
    assert (await volumes(app))["C12"] == 1
    assert [(d.code, d.completed_on) for d in await stored(app)] == [
        ("100234", when.date()),
        ("HS-9", date.fromisoformat(in_period(4))),
    ]


async def test_a_large_list_imports_in_one_go(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    csrf = await signed_in(app, client, "admin@x.vn", [("admin", "P")])
    text = dossier_csv({"C11": 12_000, "C12": 6_000, "C21": 2_000})
    started = time.perf_counter()
    answer = await client.post(f"{BASE}/dossiers/import", files=upload(text), headers=csrf)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    assert answer.json()["total"] == 20_000
    assert (await summary(client))["total"] == 20_000
    assert elapsed < 60, elapsed  # measured ~2 s; see docs/performance.md for 100,000 rows
