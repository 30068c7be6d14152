"""`sipas weights ROUND ...` run as an operator would, in a subprocess on the test database."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from fastapi import FastAPI

from tests.test_cli import ROOT, sipas
from tests.weights.people import seed_people


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


async def test_rake_from_csv_prints_the_summary_and_is_idempotent(
    app: FastAPI, database_url: str, tmp_path: Path
):
    await seed_people(app, sizes={"C11": 6, "C12": 4, "C21": 5})
    margins = write(
        tmp_path / "margins.csv",
        "variable,category,total\n"
        "gender,female,1300\ngender,male,1200\n"
        "unit@department,D1,1500\nunit@department,D2,1000\n",
    )
    args = ["weights", "R2026", "--rake", str(margins), "--trim", "0.2:5", "--name", "main"]
    first = sipas(*args, db=database_url)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("weight set main v1 (id ") and "new), method rake" in lines[0]
    assert "15 responses" in lines[0]
    overall = lines[2].split()
    assert overall[0] == "all" and overall[1] == "15" and float(overall[2]) == 2500.0
    assert [line.split()[0] for line in lines[4:]] == ["C11", "C12", "C21"]
    assert first.stderr == ""  # no progress bar when not on a terminal

    again = sipas(*args, db=database_url)
    assert again.returncode == 0 and "v1" in again.stdout and "unchanged" in again.stdout


async def test_cells_nonresponse_and_errors(app: FastAPI, database_url: str, tmp_path: Path):
    await seed_people(app, sizes={"C11": 4, "C12": 3, "C21": 6}, list_sample=False)
    cells = write(
        tmp_path / "cells.csv",
        "unit@department,gender,total\nD1,female,500\nD1,male,400\nD2,female,300\nD2,male,200\n",
    )
    eligible = write(tmp_path / "eligible.csv", "stratum,count\nC11,6\nC12,3\nC21,9\n")
    done = sipas(
        "weights",
        "R2026",
        "--poststratify",
        str(cells),
        "--nonresponse",
        str(eligible),
        db=database_url,
    )
    assert done.returncode == 0, done.stderr
    assert "method poststratify" in done.stdout and " 1400.00 " in done.stdout

    bad = write(
        tmp_path / "bad.csv",
        "variable,category,total\ngender,female,5\ngender,male,5\nunit,C11,6\nunit,C12,3\nunit,C21,3\n",
    )
    failed = sipas("weights", "R2026", "--rake", str(bad), db=database_url)
    assert failed.returncode == 1
    assert failed.stderr.startswith("error: ") and "different populations" in failed.stderr

    unreadable = sipas("weights", "R2026", "--trim", "3", db=database_url)
    assert unreadable.returncode == 2 and "LOW:HIGH" in unreadable.stderr


def _read(leader: int, process: subprocess.Popen[bytes]) -> bytes:
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            shown += chunk
        elif process.poll() is not None:
            break
    return shown


def on_terminal(database_url: str, *args: str) -> tuple[int, bytes, bytes]:
    """Run `sipas ARGS` with stderr on a pseudo-terminal: (exit code, terminal, stdout).

    The terminal is read while the command runs: a full pty would block it.
    """
    leader, follower = pty.openpty()
    env = {**os.environ, "SIPAS_DATABASE_URL": database_url, "SIPAS_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env={**env, "TERM": "xterm", "COLUMNS": "100"},
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    try:
        shown = _read(leader, process)
        out, _ = process.communicate(timeout=120)
    finally:
        os.close(leader)
    return process.returncode, shown, out


async def test_a_terminal_gets_a_progress_bar(app: FastAPI, database_url: str):
    await seed_people(app, sizes={"C11": 3, "C12": 2, "C21": 2}, list_sample=False)
    code, shown, out = on_terminal(database_url, "weights", "R2026")
    assert code == 0
    assert b"reading responses" in shown and b"storing weights" in shown
    assert b"weight set base v1" in out
