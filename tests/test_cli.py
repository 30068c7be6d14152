"""The `sipas` command, run as a user would, in a subprocess."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def sipas_in(
    db: str, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `sipas ARGS` in a subprocess on database ``db``, as a user would."""
    full_env = {**os.environ, "SIPAS_DATABASE_URL": db, "SIPAS_LOG_LEVEL": "WARNING", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def sipas(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    return sipas_in(db, *args)


def test_demo_seeds_once_and_prints_urls(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    first = sipas("demo", "--no-serve", "--port", "8123", db=db)
    assert first.returncode == 0, first.stderr
    assert "Demo data created" in first.stdout
    assert "http://127.0.0.1:8123/s/SH-HOALAC-MC" in first.stdout
    assert "/api/v1/rounds/DEMO-2026/satisfaction?unit=SH" in first.stdout
    assert "http://127.0.0.1:8123/public/DEMO-2025" in first.stdout
    created = int(first.stdout.split("Demo data created: ")[1].split()[0])
    assert 200 <= created <= 600
    with sqlite3.connect(tmp_path / "demo.db") as conn:  # comments to triage in the console
        comments = [
            t for (t,) in conn.execute("SELECT text FROM answer WHERE question = 'comment'")
        ]
    assert 10 <= len(comments) <= created // 5 and any("0912 345 678" in t for t in comments)

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


def test_users_and_api_keys(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'access.db'}"
    assert sipas("demo", "--no-serve", db=db).returncode == 0
    created = sipas_in(
        db,
        "users",
        "create",
        "--email",
        "Clerk@X.vn",
        "--role",
        "viewer",
        "--unit",
        "SH-ANBINH",
        "--password-stdin",
        stdin="a long password\n",
    )
    assert created.returncode == 0, created.stderr
    assert "created Clerk@X.vn (viewer on SH-ANBINH)" in created.stdout
    again = sipas_in(
        db,
        "users",
        "create",
        "--email",
        "clerk@x.vn",
        "--password-stdin",
        stdin="a long password\n",
    )
    assert again.returncode == 1 and "exists" in again.stderr
    short = sipas_in(db, "users", "create", "--email", "b@x.vn", "--password-stdin", stdin="x\n")
    assert short.returncode == 1 and "10 ký tự" in short.stderr
    granted = sipas_in(
        db, "users", "grant", "--email", "clerk@x.vn", "--role", "admin", "--unit", "SH"
    )
    assert granted.returncode == 0, granted.stderr
    revoked = sipas_in(
        db, "users", "revoke", "--email", "clerk@x.vn", "--role", "admin", "--unit", "SH"
    )
    assert revoked.returncode == 0, revoked.stderr
    for command, active in (("deactivate", 0), ("reactivate", 1)):
        changed = sipas_in(db, "users", command, "--email", "clerk@x.vn")
        assert changed.returncode == 0 and f"{command}d clerk@x.vn" in changed.stdout
        with sqlite3.connect(tmp_path / "access.db") as stored:
            row = stored.execute(
                "SELECT is_active FROM user_account WHERE email = 'clerk@x.vn'"
            ).fetchone()
            events = stored.execute(
                "SELECT count(*) FROM audit_event WHERE action = ?", (f"user.{command}",)
            ).fetchone()
        assert row == (active,) and events == (1,)
    unknown = sipas_in(db, "users", "deactivate", "--email", "nobody@x.vn")
    assert unknown.returncode == 1 and "no user" in unknown.stderr

    key = sipas_in(db, "api-keys", "create", "--name", "Báo cáo tỉnh", "--unit", "SH")
    assert key.returncode == 0, key.stderr
    secret = key.stdout.strip()
    assert secret.startswith("sk_") and len(secret) > 40 and "not shown again" in key.stderr
    listed = sipas_in(db, "api-keys", "list")
    prefix = "_".join(secret.split("_")[:2])
    assert prefix in listed.stdout and secret not in listed.stdout
    assert sipas_in(db, "api-keys", "revoke", prefix).returncode == 0
    assert "revoked" in sipas_in(db, "api-keys", "list").stdout
    missing = sipas_in(db, "api-keys", "create", "--name", "x", "--unit", "NOPE")
    assert missing.returncode == 1 and "unknown unit" in missing.stderr
    past = sipas_in(
        db, "api-keys", "create", "--name", "x", "--unit", "SH", "--expires", "2020-01-01"
    )
    assert (
        past.returncode == 1 and "Ngày hết hạn đã qua" in past.stderr and "sk_" not in past.stdout
    )


def test_serve_refuses_a_placeholder_secret_outside_development(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'prod.db'}"
    refused = sipas_in(
        db, "serve", env={"SIPAS_ENVIRONMENT": "production", "SIPAS_SECRET_KEY": "change-me"}
    )
    assert refused.returncode != 0
    assert "SIPAS_SECRET_KEY" in refused.stderr
    assert "Traceback" not in refused.stderr
