"""`sipas sample-size`, `sipas frame import` and `sipas draw` through typer's CliRunner, on the
test database (the command opens its own connection, as it would in production)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from click.testing import Result
from fastapi import FastAPI
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings, get_settings
from app.db import Database
from app.models import Dossier, SampleSelection
from tests.factories import make_province
from tests.sampling.helpers import dossier_csv, in_period, volumes

runner = CliRunner()


@pytest.fixture
def on_test_database(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SIPAS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SIPAS_ENVIRONMENT", "test")
    monkeypatch.setenv("SIPAS_SECRET_KEY", settings.secret_key)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def sipas(*args: str) -> Result:
    """Run the command in a worker thread: it runs its own event loop, as from a shell."""
    return await anyio.to_thread.run_sync(lambda: runner.invoke(cli, list(args)))


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        (["--frame", "1200"], "300"),
        (["--frame", "50"], "45"),
        (["--frame", "1200", "--method", "cochran"], "292"),
        (["--frame", "1000", "--margin", "0.1"], "91"),
    ],
)
def test_sample_size(args: list[str], printed: str):
    result = runner.invoke(cli, ["sample-size", *args])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == printed


def test_sample_size_refuses_nonsense():
    assert runner.invoke(cli, ["sample-size", "--frame", "-1"]).exit_code == 2
    assert runner.invoke(cli, ["sample-size", "--frame", "9", "--method", "x"]).exit_code == 2


async def count(app: FastAPI, model: type) -> int:
    db: Database = app.state.db
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_import_volumes_and_dossiers_then_draw(
    app: FastAPI, on_test_database: None, tmp_path: Path
):
    await make_province(app)
    frame = tmp_path / "volumes.csv"
    frame.write_text("unit;transactions\nC11;140\nC12;70\nC21;35\n", encoding="utf-8-sig")
    done = await sipas("frame", "import", "R2026", str(frame))
    assert done.exit_code == 0, done.output
    assert "imported 3 row(s) of volumes for 3 unit(s), total 245" in done.stdout
    assert await volumes(app) == {"C11": 140, "C12": 70, "C21": 35}

    listed = tmp_path / "dossiers.csv"
    listed.write_text(dossier_csv({"C11": 140, "C12": 70, "C21": 35}))
    done = await sipas("frame", "import", "R2026", str(listed), "--kind", "dossiers")
    assert done.exit_code == 0, done.output
    assert await count(app, Dossier) == 245

    planned = await sipas("plan", "R2026", "--total", "20")
    assert planned.exit_code == 0, planned.output
    # proportional: 20 · (140, 70, 35) / 245 = (11.43, 5.71, 2.86) → largest remainders 11, 6, 3
    assert planned.stdout.splitlines() == [
        "plan v1 (dossiers): n = 20 of N = 245",
        "  C11: N = 140, n = 11",
        "  C12: N = 70, n = 6",
        "  C21: N = 35, n = 3",
    ]
    refused = await sipas("plan", "R2026", "--allocation", "random")
    assert refused.exit_code == 2 and "allocation" in refused.stderr

    first = await sipas("draw", "R2026", "--seed", "99", "--method", "systematic")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("draw 1: 20 dossier(s) from 3 stratum/strata")
    assert "systematic, seed 99" in first.stdout
    assert await count(app, SampleSelection) == 20


async def test_a_rejected_import_prints_the_rows_and_fails(
    app: FastAPI, on_test_database: None, tmp_path: Path
):
    await make_province(app)
    listed = tmp_path / "dossiers.csv"
    listed.write_text(dossier_csv({"C11": 3}) + f"HS-X,NOPE,land,{in_period()}\n")
    done = await sipas("frame", "import", "R2026", str(listed), "--kind", "dossiers")
    assert done.exit_code == 1
    assert "line 5, unit: unknown unit 'NOPE'" in done.stderr
    assert "nothing was imported" in done.stderr
    assert await count(app, Dossier) == 0
    missing = await sipas("draw", "NOPE")
    assert missing.exit_code == 1 and "unknown round" in missing.stderr
