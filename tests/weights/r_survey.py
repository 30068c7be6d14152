"""Running R's survey package from tests: skip cleanly without it, unless SIPAS_REQUIRE_R=1."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest


@functools.cache
def _missing() -> str | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return "Rscript is not installed (Debian r-base-core)"
    check = subprocess.run(
        [rscript, "-e", "suppressMessages({library(survey); library(MASS)})"],
        capture_output=True,
        timeout=120,
    )
    if check.returncode:  # calibrate() needs MASS, which Debian's r-cran-survey only suggests
        return "R packages survey and MASS are not installed (Debian r-cran-survey r-cran-mass)"
    return None


def rscript_or_skip() -> str:
    reason = _missing()
    if reason is not None:
        if os.environ.get("SIPAS_REQUIRE_R") == "1":
            pytest.fail(f"{reason}, and SIPAS_REQUIRE_R=1 requires it")
        pytest.skip(f"{reason}: the comparison with R is skipped")
    return shutil.which("Rscript") or "Rscript"


def run_r(program: str, directory: Path, *args: str) -> dict[str, float]:
    """Run ``program`` with ``args``; it prints one JSON object of numbers."""
    script = directory / "check.R"
    script.write_text(program)
    done = subprocess.run(
        [rscript_or_skip(), str(script), *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    parsed: dict[str, float] = json.loads(done.stdout)
    return parsed
