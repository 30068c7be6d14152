"""Running R's survey package from tests: skip with a message where R is absent, unless
SIPAS_REQUIRE_R=1 (CI), where its absence fails the test."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest

RSCRIPT = shutil.which("Rscript")
# The design and output helpers that every R program here starts with.
R_SETUP = (Path(__file__).parent / "survey_design.R").read_text()


@lru_cache
def _survey_missing() -> str | None:
    if RSCRIPT is None:
        return "Rscript is not installed (Debian r-base-core)"
    check = subprocess.run(
        [RSCRIPT, "-e", "suppressMessages(library(survey))"], capture_output=True, timeout=120
    )
    return "R's survey package is not installed (r-cran-survey)" if check.returncode else None


def require_r() -> str:
    """The Rscript path, or skip (fail when SIPAS_REQUIRE_R=1)."""
    missing = _survey_missing()
    if missing:
        if os.environ.get("SIPAS_REQUIRE_R") == "1":
            pytest.fail(f"SIPAS_REQUIRE_R=1 but {missing}")
        pytest.skip(missing)
    assert RSCRIPT is not None
    return RSCRIPT


def run_r(program: str, *args: Path | str, workdir: Path) -> str:
    script = workdir / "check.R"
    script.write_text(program)
    result = subprocess.run(
        [require_r(), str(script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def close(ours: float | None, theirs: float) -> None:
    """Equal to R's figure within 1e-8 relative (1e-13 absolute for zeros)."""
    assert ours is not None
    assert ours == pytest.approx(theirs, rel=1e-8, abs=1e-13)
