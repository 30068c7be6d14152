"""The beta quantile behind Korn–Graubard intervals agrees with R's qbeta (1e-8 relative,
1e-10 absolute near 0), over shapes from 0 to thousands, including the point where the
incomplete beta switches to its symmetric form (which once recursed without end)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from app.statistics.distributions import beta_quantile, beta_regularized
from tests.statistics.r_survey import require_r, run_r

PROGRAM = """
d <- read.csv(commandArgs(trailingOnly = TRUE)[1], header = FALSE)
cat(sprintf("%.17g", qbeta(d$V1, d$V2, d$V3)), sep = "\\n")
"""


def test_beta_quantile_matches_r(tmp_path: Path):
    require_r()
    rng = random.Random(5)
    cases = [(0.025, 0.0, 3.0), (0.975, 4.0, 0.0), (0.025, 1e-9, 5.0)]
    # an SE at rounding level: an effective sample size of 1e17 (once an OverflowError)
    cases += [(0.025, 5.764607523034236e17, 1.9215358410114122e17), (0.975, 3e8, 2e8)]
    for _ in range(300):
        n, p = rng.choice([rng.uniform(1, 20), rng.uniform(20, 5000)]), rng.uniform(0, 1)
        cases += [(0.025, n * p, n * (1 - p) + 1), (0.975, n * p + 1, n * (1 - p))]
    data = tmp_path / "q.csv"
    data.write_text("".join(f"{q!r},{a!r},{b!r}\n" for q, a, b in cases))
    theirs = [float(x) for x in run_r(PROGRAM, data, workdir=tmp_path).split()]
    for (q, a, b), r in zip(cases, theirs, strict=True):
        assert beta_quantile(q, a, b) == pytest.approx(r, rel=1e-8, abs=1e-10), (q, a, b)


def test_incomplete_beta_at_its_switch_point_returns():
    a, b = 80.0, 21.0
    x = (a + 1.0) / (a + b + 2.0)  # where it turns to I_x(a, b) = 1 − I_{1−x}(b, a)
    assert 0.0 < beta_regularized(a, b, x) < 1.0
