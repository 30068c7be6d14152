"""`sipas tokens`: printable invitations from the command line (typer's CliRunner)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from typer.testing import CliRunner, Result

from app.cli import cli
from app.config import Settings, get_settings
from app.models import AuditEvent, Invitation
from app.sampling.invitations import token_hash
from tests.factories import make_province
from tests.sampling.invitation_helpers import HTML, count_rows, open_pdf


@pytest.fixture
def on_test_database(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI reads its settings from the environment: point it at the test database."""
    monkeypatch.setenv("SIPAS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SIPAS_PUBLIC_BASE_URL", settings.public_base_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def run(*args: str) -> Result:
    # In a worker thread: the command runs its own event loop (asyncio.run).
    return await anyio.to_thread.run_sync(lambda: CliRunner().invoke(cli, list(args)))


async def test_tokens_writes_a_pdf_and_a_csv_of_working_links(
    app: FastAPI, client: httpx.AsyncClient, on_test_database: None, tmp_path: Path
):
    await make_province(app)
    pdf, sheet = tmp_path / "c11.pdf", tmp_path / "c11.csv"
    done = await run("tokens", "R2026", "--unit", "C11", "--count", "5", "--pdf", str(pdf))
    assert done.exit_code == 0, done.output
    assert f"issued 5 invitations for C11 in R2026: {pdf}" in done.output
    opened = open_pdf(pdf.read_bytes())
    assert opened.pages == 1 and len(set(opened.qr_texts)) == 5
    assert all(url in opened.text for url in opened.qr_texts)
    assert opened.text.count("Đơn vị C11") == 5

    args = ["--count", "3", "--stratum", "Hộ kinh doanh", "--csv", str(sheet)]
    done = await run("tokens", "R2026", "--unit", "C12", *args)
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(sheet.read_text("utf-8-sig"))))
    assert {(r["unit_code"], r["unit_name"], r["stratum"]) for r in rows} == {
        ("C12", "Đơn vị C12", "Hộ kinh doanh")
    }
    urls = [r["url"] for r in rows] + opened.qr_texts
    assert all(u.startswith("https://khaosat.example.vn/t/") for u in urls)
    async with app.state.db.sessions() as session:
        hashes = set(await session.scalars(select(Invitation.token_hash)))
        actors = set(
            await session.scalars(
                select(AuditEvent.actor).where(AuditEvent.action == "invitation.issue")
            )
        )
    assert hashes == {token_hash(u.rsplit("/", 1)[1]) for u in urls}
    assert actors == {"cli"}
    page = await client.get(urls[0].removeprefix("https://khaosat.example.vn"), headers=HTML)
    assert page.status_code == 200 and "Đơn vị C12" in page.text


async def test_tokens_refuses_without_output_or_with_bad_input(
    app: FastAPI, on_test_database: None, tmp_path: Path
):
    await make_province(app)
    no_output = await run("tokens", "R2026", "--unit", "C11", "--count", "2")
    assert no_output.exit_code == 2 and "--pdf" in no_output.output
    out = ["--count", "2", "--csv", str(tmp_path / "x.csv")]
    unknown = await run("tokens", "NOPE", "--unit", "C11", *out)
    assert unknown.exit_code == 1 and "unknown round" in unknown.output
    missing_dir = await run(
        "tokens", "R2026", "--unit", "C11", "--count", "2", "--pdf", str(tmp_path / "no/x.pdf")
    )
    assert missing_dir.exit_code == 2
    zero = await run("tokens", "R2026", "--unit", "C11", "--count", "0", "--csv", "x.csv")
    assert zero.exit_code == 2
    assert await count_rows(app, Invitation) == 0
    assert not (tmp_path / "x.csv").exists()
