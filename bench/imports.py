"""Time the CSV imports at scale: 100,000 units, then 100,000 responses, through the CLI.

    python bench/imports.py sqlite:////tmp/sipas-imports.db
    python bench/imports.py postgresql://postgres@127.0.0.1:5432/sipas_reports   (emptied first)

Writes the files under /tmp, runs `sipas db upgrade`, `sipas units import` (100 districts ×
~1,000 counters), `sipas rounds create` over the root, `sipas responses import` (100,000 rows,
16 ratings each, ~1.7 million answers), then the same responses file again (nothing new), and
prints the wall time of each step.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

from app.forms.loader import load_file

ROOT = Path(__file__).resolve().parent.parent
INSTRUMENT = load_file(ROOT / "survey_forms" / "one-stop-counter.yaml").instrument
CRITERIA = [q.code for q in INSTRUMENT.criteria]
N = int(os.environ.get("BENCH_ROWS", "100000"))


def write_files(tmp: Path) -> tuple[Path, Path]:
    rng = random.Random(7)
    units = ["code,name,level,parent"]
    counters = []
    for i in range(N - 101):  # children first: parents appear later in the file
        district = f"BD{i % 100:03d}"
        counters.append(f"BC{i:06d}")
        units.append(f"BC{i:06d},Quầy {i},counter,{district}")
    units += [f"BD{d:03d},Huyện {d},district,BP" for d in range(100)]
    units.append("BP,Tỉnh thử,province,")
    unit_file = tmp / "bench-units.csv"
    unit_file.write_text("\n".join(units) + "\n", encoding="utf-8")
    header = ",".join(["unit", "submitted_at", "channel", "weight", "field", *CRITERIA])
    rows = [header]
    for _ in range(N):
        ratings = ",".join(rng.choice("123455") for _ in CRITERIA)
        day = f"2026-03-{rng.randint(1, 28):02d}T{rng.randint(7, 16):02d}:{rng.randint(0, 59):02d}"
        rows.append(f"{rng.choice(counters)},{day},paper,{rng.randint(1, 9)},land,{ratings}")
    response_file = tmp / "bench-responses.csv"
    response_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return unit_file, response_file


def run(db: str, *args: str) -> float:
    env = {**os.environ, "SIPAS_DATABASE_URL": db, "SIPAS_LOG_LEVEL": "WARNING"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{args}: {done.stderr[-2000:]}")
    print(f"{took:7.1f} s  sipas {' '.join(args[:2])}: {done.stdout.strip()[:100]}")
    return took


def main() -> None:
    db = sys.argv[1]
    tmp = Path("/tmp")
    unit_file, response_file = write_files(tmp)
    print(
        f"{unit_file.stat().st_size / 1e6:.1f} MB units, "
        f"{response_file.stat().st_size / 1e6:.1f} MB responses"
    )
    run(db, "db", "upgrade")
    run(db, "units", "import", str(unit_file))
    run(
        db,
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
    run(db, "responses", "import", "BENCH", str(response_file))
    run(db, "responses", "import", "BENCH", str(response_file))


if __name__ == "__main__":
    main()
