"""Time the CSV imports at scale, beside a raw COPY / executemany of the same rows.

    python bench/imports.py sqlite:////tmp/sipas-imports.db [--rows 100000] [--units 10000]
    python bench/imports.py postgresql://postgres@127.0.0.1:5432/sipas_imp --repeat 3

The database is set up once (emptied first): `sipas db upgrade`, `sipas units import`
(``--units`` units: 100 districts × counters, children listed before their parents), `sipas
rounds create` over the root. Then, interleaved and repeated (min/median/max):

- ``import``: ``import_responses`` in process (what `sipas responses import` runs after its
  start-up) of ``--rows`` rows (16 ratings, a field, a weight each), in a transaction that is
  rolled back afterwards, so that every repetition writes the same rows;
- ``raw``: the same responses and answers, prepared in memory before the clock starts, written
  with nothing checked: PostgreSQL `COPY` (asyncpg ``copy_records_to_table``, ids drawn from
  the sequence), SQLite ``executemany``; also rolled back.

Finally the CLI once end to end (committed; its wall clock includes the process start-up)
and the same file again (nothing new). `/proc/loadavg` is printed before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from app.audit.service import CLI
from app.config import Settings
from app.db import Database
from app.forms.loader import load_file
from app.forms.registry import Catalogue
from app.imports.responses import ANSWERS, COPIED, RESPONSES, import_responses
from app.instruments.registry import register_forms
from app.models import RoundUnit, Unit
from app.rounds.service import get_round

ROOT = Path(__file__).resolve().parent.parent
INSTRUMENT = load_file(ROOT / "survey_forms" / "one-stop-counter.yaml").instrument
CRITERIA = [q.code for q in INSTRUMENT.criteria]


def write_files(tmp: Path, rows: int, units: int) -> tuple[Path, Path]:
    rng = random.Random(7)
    lines = ["code,name,level,parent"]
    counters = []
    for i in range(units - 101):  # children first: parents appear later in the file
        district = f"BD{i % 100:03d}"
        counters.append(f"BC{i:06d}")
        lines.append(f"BC{i:06d},Quầy {i},counter,{district}")
    lines += [f"BD{d:03d},Huyện {d},district,BP" for d in range(100)]
    lines.append("BP,Tỉnh thử,province,")
    unit_file = tmp / f"bench-units-{units}.csv"
    unit_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    header = ",".join(["unit", "submitted_at", "channel", "weight", "field", *CRITERIA])
    out = [header]
    for _ in range(rows):
        ratings = ",".join(rng.choice("123455") for _ in CRITERIA)
        day = f"2026-03-{rng.randint(1, 28):02d}T{rng.randint(7, 16):02d}:{rng.randint(0, 59):02d}"
        out.append(f"{rng.choice(counters)},{day},paper,{rng.randint(1, 9)},land,{ratings}")
    response_file = tmp / f"bench-responses-{rows}-{units}.csv"
    response_file.write_text("\n".join(out) + "\n", encoding="utf-8")
    return unit_file, response_file


def cli(db: str, *args: str) -> float:
    env = {"SIPAS_DATABASE_URL": db, "SIPAS_LOG_LEVEL": "WARNING"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env={**dict(__import__("os").environ), **env},
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{args}: {done.stderr[-2000:]}")
    print(f"{took:7.1f} s  sipas {' '.join(args[:2])}: {done.stdout.strip()[:100]}", flush=True)
    return took


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def summary(values: list[float]) -> dict[str, float]:
    return {
        "min": round(min(values), 2),
        "median": round(statistics.median(values), 2),
        "max": round(max(values), 2),
    }


class InProcess:
    """The import and the raw baseline, each in a transaction rolled back afterwards."""

    def __init__(self, url: str, data: bytes) -> None:
        self.settings = Settings(database_url=url)
        self.db = Database(self.settings)
        self.catalogue = Catalogue.from_directory(self.settings.forms_dir)
        self.data = data

    async def imported(self) -> tuple[float, float, int]:
        async with self.db.write_sessions() as session:
            await register_forms(session, self.catalogue)
            round_ = await get_round(session, "BENCH")
            form = self.catalogue.get(round_.form_code)
            zone = ZoneInfo(self.settings.timezone)
            wall, cpu = time.perf_counter(), time.process_time()
            result = await import_responses(session, CLI, round_, form, self.data, zone)
            await session.flush()
            took = (time.perf_counter() - wall, time.process_time() - cpu)
            await session.rollback()
        assert result.written and not result.error_count, result.errors[:3]
        return *took, result.counts["imported"]

    async def prepare(self) -> None:
        """The rows the import writes, as plain tuples (nothing checked, not timed)."""
        async with self.db.write_sessions.begin() as session:
            await register_forms(session, self.catalogue)
            round_ = await get_round(session, "BENCH")
            units = dict(
                (
                    await session.execute(
                        select(Unit.code, Unit.id)
                        .join(RoundUnit, RoundUnit.unit_id == Unit.id)
                        .where(RoundUnit.round_id == round_.id)
                    )
                ).all()
            )
            form_version = self.catalogue.get(round_.form_code).version_id
        lines = self.data.decode().splitlines()
        header = lines[0].split(",")
        self.responses, self.answers = [], []
        for i, line in enumerate(lines[1:]):
            cells = dict(zip(header, line.split(","), strict=True))
            at = datetime.fromisoformat(cells["submitted_at"]).replace(tzinfo=UTC)
            self.responses.append(
                (
                    f"raw-{i}",
                    round_.id,
                    units[cells["unit"]],
                    form_version,
                    "paper",
                    "valid",
                    float(cells["weight"]),
                    None,
                    None,
                    at,
                    False,
                    True,
                )
            )
            self.answers.append(
                [("field", 0, None, "land")] + [(c, 0, float(cells[c]), None) for c in CRITERIA]
            )

    async def raw(self) -> tuple[float, float, int]:
        async with self.db.write_sessions() as session:
            await session.execute(select(1))  # begins the transaction the COPY joins
            wall, cpu = time.perf_counter(), time.process_time()
            if self.db.engine.dialect.name == "postgresql":
                await self._copy(session)
            else:
                await self._executemany(session)
            took = (time.perf_counter() - wall, time.process_time() - cpu)
            await session.rollback()
        return *took, len(self.responses)

    async def _copy(self, session: Any) -> None:
        raw = await (await session.connection()).get_raw_connection()
        driver = raw.driver_connection
        ids = await driver.fetch(
            "SELECT nextval(pg_get_serial_sequence('response', 'id')) "
            "FROM generate_series(1, $1::int)",
            len(self.responses),
        )
        responses = [(i, *r) for (i,), r in zip(ids, self.responses, strict=True)]
        answers = [(i, *a) for (i,), rows in zip(ids, self.answers, strict=True) for a in rows]
        await driver.copy_records_to_table("response", columns=COPIED, records=responses)
        columns = ("response_id", "question", "ordinal", "value", "text")
        await driver.copy_records_to_table("answer", columns=columns, records=answers)

    async def _executemany(self, session: Any) -> None:
        names = COPIED[1:]
        inserted = await session.execute(
            insert(RESPONSES).returning(RESPONSES.c.id),
            [dict(zip(names, r, strict=True)) for r in self.responses],
        )
        ids = [i for (i,) in inserted]
        names = ("response_id", "question", "ordinal", "value", "text")
        rows = [
            dict(zip(names, (i, *a), strict=True))
            for i, answers in zip(ids, self.answers, strict=True)
            for a in answers
        ]
        await session.execute(insert(ANSWERS), rows)


async def compare(url: str, data: bytes, repeat: int) -> dict[str, Any]:
    bench = InProcess(url, data)
    try:
        await bench.prepare()
        runs: dict[str, list[tuple[float, float, int]]] = {"import": [], "raw": []}
        for _ in range(repeat):  # interleaved: import, raw, import, raw, ...
            runs["import"].append(await bench.imported())
            runs["raw"].append(await bench.raw())
            print(json.dumps({k: v[-1] for k, v in runs.items()}), flush=True)
    finally:
        await bench.db.dispose()
    out: dict[str, Any] = {}
    for name, rs in runs.items():
        walls = [w for w, _, _ in rs]
        out[name] = {
            "wall_s": summary(walls),
            "cpu_s": summary([c for _, c, _ in rs]),
            "responses_per_s": round(rs[0][2] / statistics.median(walls)),
        }
    out["ratio"] = round(out["import"]["wall_s"]["median"] / out["raw"]["wall_s"]["median"], 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cli", action="store_true", help="skip the end-to-end CLI runs")
    parser.add_argument("--no-setup", action="store_true", help="units and round are there")
    args = parser.parse_args()
    unit_file, response_file = write_files(Path("/tmp"), args.rows, args.units)
    print(f"loadavg before: {loadavg()}", flush=True)
    if not args.no_setup:
        cli(args.url, "db", "upgrade")
        cli(args.url, "units", "import", str(unit_file))
        cli(
            args.url,
            "rounds",
            "create",
            "BENCH",
            "--form",
            "one-stop-counter",
            "--unit",
            "BP",
            "--starts",
            "2026-03-01",
            "--ends",
            "2026-03-31",
            "--weighting",
            "as-given",
        )
    result = asyncio.run(compare(args.url, response_file.read_bytes(), args.repeat))
    print(json.dumps({"rows": args.rows, **result}, indent=1), flush=True)
    if not args.no_cli:
        cli(args.url, "responses", "import", "BENCH", str(response_file))
        cli(args.url, "responses", "import", "BENCH", str(response_file))
    print(f"loadavg after: {loadavg()}", flush=True)


if __name__ == "__main__":
    main()
