"""Importing responses: validated like the form, all or nothing, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from app.models import Answer, Response, Round
from app.models.base import as_utc
from tests.factories import CRITERIA, make_province, province_today
from tests.reporting.helpers import audit_actions, staff_client
from tests.sampling.helpers import xlsx

TODAY = province_today()
HEADER = ",".join(
    ["unit", "submitted_at", "channel", "stratum", "psu", "weight", "field", *CRITERIA]
)


def row(
    unit: str = "C11",
    level: str = "5",
    channel: str = "paper",
    weight: str = "",
    day: date = TODAY,
    field: str = "land",
    **cells: str,
) -> str:
    values = {
        "unit": unit,
        "submitted_at": day.isoformat(),
        "channel": channel,
        "stratum": cells.pop("stratum", ""),
        "psu": cells.pop("psu", ""),
        "weight": weight,
        "field": field,
        **dict.fromkeys(CRITERIA, level),
        **cells,
    }
    return ",".join(values[c] for c in HEADER.split(","))


def csv_of(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


async def upload(client: httpx.AsyncClient, text: str, **params: str) -> httpx.Response:
    files = {"file": ("responses.csv", text.encode(), "text/csv")}
    return await client.post("/api/v1/rounds/R2026/responses/import", files=files, params=params)


async def responses(app: FastAPI) -> list[Response]:
    async with app.state.db.sessions() as session:
        return list((await session.scalars(select(Response).order_by(Response.id))).all())


async def test_import_stores_validated_responses_once(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await staff_client(app, client, "manager@x.vn", [("manager", "P")])
    text = csv_of(
        row("C11", "5", weight="2.5", stratum="urban", psu="village-7"),
        row("C11", "na", channel="interviewer", ACC2="4", ACC3="4"),
        row("C12", "1", channel="kiosk", day=TODAY - timedelta(days=3)),
        row("C12", "1", channel="kiosk", day=TODAY - timedelta(days=3)),  # a second identical form
    )
    answer = await upload(client, text)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["written"] and body["counts"] == {"imported": 4, "already_imported": 0}
    stored = await responses(app)
    assert [r.channel for r in stored] == ["paper", "interviewer", "kiosk", "kiosk"]
    assert (stored[0].base_weight, stored[0].stratum, stored[0].psu) == (2.5, "urban", "village-7")
    assert stored[1].base_weight is None and stored[2].submission_id != stored[3].submission_id
    async with app.state.db.sessions() as session:
        answers = await session.scalar(select(func.count()).select_from(Answer))
        na = await session.scalar(
            select(func.count()).select_from(Answer).where(Answer.text == "na")
        )
    assert answers == 4 * 17 and na == 14
    assert await audit_actions(app, "response.import") == 1

    again = (await upload(client, text)).json()
    assert again["counts"] == {"imported": 0, "already_imported": 4}
    assert len(await responses(app)) == 4
    more = (await upload(client, text + row("C21", "4") + "\n")).json()
    assert more["counts"] == {"imported": 1, "already_imported": 4}

    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=C12")).json()
    assert report["respondents"] == 2 and report["index"] == 0.0


async def test_an_id_column_keeps_edited_rows_from_being_imported_again(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    await staff_client(app, client, "manager@x.vn", [("manager", "P")])
    header = HEADER + ",id"
    first = (await upload(client, csv_of(row() + ",paper-001", header=header))).json()
    assert first["counts"] == {"imported": 1, "already_imported": 0}
    edited = (await upload(client, csv_of(row(level="2") + ",paper-001", header=header))).json()
    assert edited["counts"] == {"imported": 0, "already_imported": 1}
    twice = await upload(client, csv_of(row() + ",p-2", row() + ",p-2", header=header))
    assert twice.status_code == 422
    assert twice.json()["errors"] == [
        {"line": 3, "column": "id", "reason": "already used on line 2"}
    ]


async def test_rejected_rows_are_named_and_nothing_is_written(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    await staff_client(app, client, "manager@x.vn", [("manager", "P")])
    good = [row("C11", "5") for _ in range(1500)]  # more than one written batch
    bad = [
        row("NOPE"),
        row(channel="fax"),
        row(weight="-1"),
        row(ACC1="7"),
        row(field=""),
        row(day=TODAY + timedelta(days=90)),
    ]
    answer = await upload(client, csv_of(*good, *bad, "C11,yesterday,qr,,,,land" + ",5" * 16))
    assert answer.status_code == 422
    errors = [(e["line"], e["column"]) for e in answer.json()["errors"]]
    first = len(good) + 2
    assert errors == [
        (first, "unit"),
        (first + 1, "channel"),
        (first + 2, "weight"),
        (first + 3, "ACC1"),
        (first + 4, "field"),
        (first + 5, "submitted_at"),
        (first + 6, "submitted_at"),
    ]
    # The form's own message, in English as every reason the API gives.
    assert answer.json()["errors"][3]["reason"] == "Invalid choice, please choose again."
    assert await responses(app) == []
    assert await audit_actions(app, "response.import") == 0


async def test_header_problems(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await staff_client(app, client, "manager@x.vn", [("manager", "P")])
    answer = await upload(client, csv_of(header="unit,submitted_at,ACCX,field"))
    assert answer.json()["errors"] == [
        {"line": 1, "column": "channel", "reason": "required column is missing"},
        {"line": 1, "column": "ACCX", "reason": "unknown column"},
    ]


async def test_dry_run_counts_without_writing(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await staff_client(app, client, "manager@x.vn", [("manager", "P")])
    body = (await upload(client, csv_of(row(), row("C12")), dry_run="true")).json()
    assert body["dry_run"] and not body["written"]
    assert body["counts"] == {"new": 2, "already_imported": 0}
    assert [(p["line"], p["unit"], p["ok"]) for p in body["preview"]] == [
        (2, "C11", True),
        (3, "C12", True),
    ]
    assert await responses(app) == []


async def test_given_weights_are_required_when_the_round_says_so(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(update(Round).values(weighting="as-given"))
    await staff_client(app, client, "manager@x.vn", [("manager", "P")])
    answer = await upload(client, csv_of(row(weight="3"), row()))
    assert answer.json()["errors"] == [
        {
            "line": 3,
            "column": "weight",
            "reason": "this round's weights are given with each response",
        }
    ]


@pytest.mark.parametrize(
    ("grants", "status"), [([("manager", "D1")], 403), ([("viewer", "P")], 403)]
)
async def test_import_needs_a_manager_of_the_whole_round(
    app: FastAPI, client: httpx.AsyncClient, grants: list[tuple[str, str]], status: int
):
    await make_province(app)
    await staff_client(app, client, "someone@x.vn", grants)
    assert (await upload(client, csv_of(row()))).status_code == status


async def test_an_xlsx_workbook_is_read_with_its_dates_and_times(
    app: FastAPI, client: httpx.AsyncClient
):
    """Spreadsheet cells: numbers for ratings, a date-time cell keeps its time, a date cell
    reads as the date alone (as in CSV); line numbers are the sheet's rows."""
    await make_province(app)
    await staff_client(app, client, "manager@x.vn", [("manager", "P")])
    at = datetime.combine(TODAY, time(9, 30))
    midnight = datetime.combine(TODAY, time(0))
    header = HEADER.split(",")
    rows = [
        ["C11", at, "paper", None, None, None, "land", *[5] * len(CRITERIA)],
        ["C12", midnight, "paper", None, None, None, "land", *[4] * len(CRITERIA)],
        ["C12", midnight, "fax", None, None, None, "land", *[4] * len(CRITERIA)],
    ]
    url = "/api/v1/rounds/R2026/responses/import"

    async def send(book: bytes, **params: str) -> dict:
        files = {"file": ("responses.xlsx", book, "application/octet-stream")}
        return (await client.post(url, files=files, params=params)).json()

    checked = await send(xlsx([header, *rows[:2]]), dry_run="true")
    assert [(r["line"], r["submitted_at"]) for r in checked["preview"]] == [
        (2, f"{TODAY.isoformat()}T09:30:00"),
        (3, TODAY.isoformat()),
    ]
    assert (await send(xlsx([header, *rows[:2]])))["counts"]["imported"] == 2
    refused = await send(xlsx([header, *rows]))
    reason = "one of qr, kiosk, token, interviewer, paper"
    assert refused["errors"] == [{"line": 4, "column": "channel", "reason": reason}]
    assert len(await responses(app)) == 2


async def test_times_are_local_and_stored_as_instants(app: FastAPI, client: httpx.AsyncClient):
    """A date alone is noon local time, a date-time without offset is local time, one with an
    offset is that instant: read back, each is the same moment on both databases."""
    await make_province(app)
    await staff_client(app, client, "manager@x.vn", [("manager", "P")])
    day = TODAY.isoformat()
    given = [day, f"{day}T09:30", f"{day}T09:30:00+00:00"]
    text = csv_of(*(row("C11").replace(day, moment, 1) for moment in given))
    assert (await upload(client, text)).json()["counts"]["imported"] == 3
    zone = ZoneInfo(app.state.settings.timezone)
    stored = [as_utc(r.submitted_at) for r in await responses(app)]
    assert stored == [
        datetime.combine(TODAY, time(12), zone),
        datetime.combine(TODAY, time(9, 30), zone),
        datetime.combine(TODAY, time(9, 30), UTC),
    ]
