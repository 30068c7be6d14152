"""Time a list-frame import of N dossiers (default 100,000) through the CLI and the API.

    python bench/list_frame_import.py [--rows 100000] [--db postgresql://...]   (default: a
    fresh SQLite file)

Seeds ten counters and a round with unique codes, writes a CSV (dossier, unit, field,
completed_on, and a phone for one row in three), then imports it (1) with `sipas frame import
ROUND FILE --kind dossiers` in a subprocess (wall clock, process start included) and (2) as a
multipart upload to POST /api/v1/rounds/{round}/dossiers/import in-process (httpx over ASGI,
signed in as a superadmin), each into its own round. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("land", "justice", "construction", "business", "transport")


def write_csv(path: Path, tag: str, rows: int, today: date) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("dossier,unit,field,completed_on,phone\n")
        for i in range(rows):
            unit = f"{tag}-C{i % 10}"
            when = today - timedelta(days=i % 28)
            phone = f"09{i:08d}" if i % 3 == 0 else ""
            out.write(f"{tag}-{i:07d},{unit},{FIELDS[i % 5]},{when.isoformat()},{phone}\n")


async def seed(url: str, tag: str, today: date) -> None:
    from app.audit.service import CLI
    from app.auth.service import create_user
    from app.config import Settings
    from app.db import standalone_session
    from app.rounds.service import create_round
    from app.units.service import upsert_unit

    async with standalone_session(Settings(database_url=url)) as session:
        await upsert_unit(session, CLI, tag, "Bench province", "province", None)
        for i in range(10):
            await upsert_unit(session, CLI, f"{tag}-C{i}", f"Counter {i}", "counter", tag)
        for suffix in ("CLI", "API"):
            await create_round(
                session,
                CLI,
                code=f"{tag}-{suffix}",
                name="bench",
                form_code="one-stop-counter",
                starts_on=today - timedelta(days=30),
                ends_on=today + timedelta(days=30),
            )
        await create_user(
            session,
            CLI,
            email=f"{tag.lower()}@bench.vn",
            password="bench password 1",
            superadmin=True,
        )


def via_cli(url: str, round_code: str, path: Path) -> dict[str, object]:
    env = {**os.environ, "SIPAS_DATABASE_URL": url, "SIPAS_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "frame",
            "import",
            round_code,
            str(path),
            "--kind",
            "dossiers",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return {"wall_s": round(time.perf_counter() - started, 2), "printed": done.stdout.strip()}


async def via_api(url: str, tag: str, body: bytes) -> dict[str, object]:
    import httpx

    from app.config import Settings
    from app.main import create_app

    app = create_app(
        Settings(
            database_url=url,
            environment="test",
            secret_key="bench-secret-key-0123456789",
            log_level="WARNING",
        )
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://bench") as client:
            page = (await client.get("/login")).text
            token = re.search(r'name="csrf_token" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
            await client.post(
                "/login",
                data={
                    "login": f"{tag.lower()}@bench.vn",
                    "password": "bench password 1",
                    "csrf_token": token,
                },
            )
            page = (await client.get("/account/password")).text
            csrf = re.search(r'name="csrf_token" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
            started = time.perf_counter()
            answer = await client.post(
                f"/api/v1/rounds/{tag}-API/dossiers/import",
                files={"file": ("list.csv", body, "text/csv")},
                headers={"x-csrf-token": csrf},
                timeout=600,
            )
            wall = time.perf_counter() - started
    answer.raise_for_status()
    return {"wall_s": round(wall, 2), "report": answer.json(), "bytes": len(body)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sipas-bench-"))
    url = args.db or f"sqlite:///{workdir / 'bench.db'}"
    from app.migrate import upgrade

    upgrade(url)
    tag, today = f"B{uuid.uuid4().hex[:6].upper()}", date.today()
    asyncio.run(seed(url, tag, today))
    path = workdir / "list.csv"
    write_csv(path, tag, args.rows, today)
    result = {
        "backend": url.split(":")[0],
        "rows": args.rows,
        "cli": via_cli(url, f"{tag}-CLI", path),
        "api": asyncio.run(via_api(url, tag, path.read_bytes())),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
