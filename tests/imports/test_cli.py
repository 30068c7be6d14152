"""The import, round and merge commands, run as an operator would, in a subprocess."""

from __future__ import annotations

from pathlib import Path

from tests.factories import CRITERIA
from tests.test_cli import sipas

UNITS = """code,name,level,parent
C11,Một cửa C11,counter,D1
C12,Một cửa C12,counter,D1
D1,Huyện D1,district,P
P,Tỉnh P,province,
"""


def prepared(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert sipas("db", "upgrade", db=db).returncode == 0
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    done = sipas("units", "import", str(tmp_path / "units.csv"), db=db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "4 row(s) imported: created 4, updated 0, unchanged 0"
    assert done.stderr == ""  # no progress bar when not on a terminal
    return db


def test_units_import_rejects_a_bad_file_whole(tmp_path: Path):
    db = prepared(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,level,parent\nC13,X,counter,D1\nC14,Y,counter,NOPE\n", encoding="utf-8"
    )
    refused = sipas("units", "import", str(bad), db=db)
    assert refused.returncode == 1
    assert f"{bad}:3: parent: unknown parent NOPE" in refused.stderr
    assert "nothing was written" in refused.stderr
    dry = sipas("units", "import", "--dry-run", str(tmp_path / "units.csv"), db=db)
    assert dry.returncode == 0 and "dry run" in dry.stdout


def test_round_responses_merge_and_freeze(tmp_path: Path):
    db = prepared(tmp_path)
    created = sipas(
        "rounds",
        "create",
        "R1",
        "--form",
        "one-stop-counter",
        "--unit",
        "P",
        "--starts",
        "2026-01-01",
        "--ends",
        "2026-12-31",
        "--status",
        "open",
        "--strata",
        "unit",
        "--psu",
        "day",
        db=db,
    )
    assert created.returncode == 0, created.stderr
    assert "covering 2 unit(s) under P" in created.stdout and "open" in created.stdout
    june = ["--starts", "2026-06-01", "--ends", "2026-06-30"]  # inside R1's year
    overlapping = sipas(
        "rounds",
        "create",
        "R3",
        "--form",
        "one-stop-counter",
        "--unit",
        "D1",
        *june,
        "--status",
        "open",
        db=db,
    )
    assert overlapping.returncode == 1
    assert "R3 overlaps open round R1 (2026-01-01 – 2026-12-31) at C11, C12" in overlapping.stderr
    drafted = sipas(
        "rounds", "create", "R3", "--form", "one-stop-counter", "--unit", "D1", *june, db=db
    )
    assert drafted.returncode == 0, drafted.stderr
    opening = sipas("rounds", "status", "R3", "open", db=db)
    assert opening.returncode == 1 and "overlaps open round R1" in opening.stderr
    refused = sipas(
        "rounds",
        "create",
        "R2",
        "--form",
        "one-stop-counter",
        "--unit",
        "P",
        "--strata",
        "commune",
        db=db,
    )
    assert refused.returncode == 1 and "strata" in refused.stderr

    header = ",".join(["unit", "submitted_at", "channel", "field", *CRITERIA])
    rows = [f"C11,2026-03-0{d},paper,land," + ",".join(["5"] * 16) for d in (1, 2)]
    (tmp_path / "r.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    imported = sipas("responses", "import", "R1", str(tmp_path / "r.csv"), db=db)
    assert imported.returncode == 0, imported.stderr
    assert "2 row(s) imported: imported 2, already_imported 0" in imported.stdout
    again = sipas("responses", "import", "R1", str(tmp_path / "r.csv"), db=db)
    assert "imported 0, already_imported 2" in again.stdout

    merged = sipas(
        "units",
        "merge",
        "C11",
        "C12",
        "--into",
        "C1X",
        "--name",
        "Liên xã",
        "--date",
        "2026-07-01",
        db=db,
    )
    assert merged.returncode == 0, merged.stderr
    assert merged.stdout.strip() == "merged C11, C12 into C1X (created)"

    early = sipas("rounds", "freeze", "R1", db=db)
    assert early.returncode == 1 and "R1 is open: close it before freezing" in early.stderr
    closed = sipas("rounds", "status", "R1", "closed", db=db)
    assert closed.returncode == 0, closed.stderr
    assert closed.stdout.strip() == "round R1: open → closed"
    frozen = sipas("rounds", "freeze", "R1", db=db)
    assert frozen.returncode == 0, frozen.stderr
    assert "frozen as revision 1 (sha256 " in frozen.stdout
    unchanged = sipas("rounds", "freeze", "R1", db=db)
    assert "unchanged since revision 1" in unchanged.stdout
