"""The `sipas` command, run as a user would, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def sipas(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SIPAS_DATABASE_URL": db, "SIPAS_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_seeds_once_and_prints_urls(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    first = sipas("demo", "--no-serve", "--port", "8123", db=db)
    assert first.returncode == 0, first.stderr
    assert "Demo data created" in first.stdout
    assert "http://127.0.0.1:8123/s/SH-HOALAC-MC" in first.stdout
    assert "/api/v1/rounds/DEMO-2026/satisfaction?unit=SH" in first.stdout
    created = int(first.stdout.split("Demo data created: ")[1].split()[0])
    assert 200 <= created <= 600

    again = sipas("demo", "--no-serve", db=db)
    assert again.returncode == 0, again.stderr
    assert f"Demo data already present: {created} responses" in again.stdout


def test_db_upgrade(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'fresh.db'}"
    done = sipas("db", "upgrade", db=db)
    assert done.returncode == 0, done.stderr
    assert "schema is at head" in done.stdout
    assert (tmp_path / "fresh.db").exists()


@pytest.mark.parametrize(
    ("args", "mentions"),
    [(["--help"], "serve"), (["serve", "--help"], "--port"), (["demo", "--help"], "--no-serve")],
)
def test_help(args: list[str], mentions: str, tmp_path: Path):
    shown = sipas(*args, db=f"sqlite:///{tmp_path / 'x.db'}")
    assert shown.returncode == 0, shown.stderr
    assert mentions in shown.stdout
