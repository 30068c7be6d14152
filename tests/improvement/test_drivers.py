"""Key drivers: the Shapley shares of the design-weighted R² equal an independent computation
in R (every subset's weighted least-squares fit with .lm.fit, the Shapley sum written out),
on a seeded data set with N/A answers (complete responses only) and volume weights."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.factories import CRITERIA, make_province, ratings
from tests.improvement.helpers import computed
from tests.reporting.helpers import api_client, respond
from tests.statistics.r_survey import run_r

VOLUMES: dict[str, int | None] = {"C11": 900, "C12": 300, "C21": 600}
PLAN = {"C11": 30, "C12": 25, "C21": 35}

R_PROGRAM = r"""
args <- commandArgs(TRUE)
d <- read.csv(args[1])
d <- d[complete.cases(d), ]
X <- as.matrix(d[, grep("^c", names(d))]); k <- ncol(X)
y <- 100 * rowMeans(X >= 4)  # the overall index of a response: mean of criteria satisfied
w <- d$weight; sw <- sqrt(w)
tss <- sum(w * (y - weighted.mean(y, w))^2)
r2 <- numeric(2^k)
for (m in 1:(2^k - 1)) {
  S <- which(bitwAnd(m, bitwShiftL(1L, 0:(k - 1))) > 0)
  fit <- .lm.fit(sw * cbind(1, X[, S, drop = FALSE]), sw * y)
  r2[m + 1] <- 1 - sum(fit$residuals^2) / tss
}
full <- summary(lm(y ~ X, weights = w))$r.squared
stopifnot(abs(full - r2[2^k]) < 1e-10)
size <- sapply(0:(2^k - 1), function(m) sum(bitwAnd(m, bitwShiftL(1L, 0:(k - 1))) > 0))
shap <- sapply(0:(k - 1), function(j) {
  m <- which(bitwAnd(0:(2^k - 1), bitwShiftL(1L, j)) == 0) - 1
  s <- size[m + 1]
  sum(factorial(s) * factorial(k - s - 1) / factorial(k) * (r2[m + 2^j + 1] - r2[m + 1]))
})
cat(sprintf("%.17g", c(nrow(d), full, shap)), sep = "\n")
"""


def _rating(rng: random.Random, mood: float, strength: float) -> int | str:
    if rng.random() < 0.04:
        return "na"
    return max(1, min(5, round(3.4 + strength * mood + rng.gauss(0, 0.9))))


async def test_shapley_shares_agree_with_r(app: FastAPI, tmp_path: Path):
    province = await make_province(app, volumes=VOLUMES)
    rng = random.Random(2026)
    strength = {c: 0.3 + 1.2 * i / len(CRITERIA) for i, c in enumerate(CRITERIA)}
    rows = []
    for unit, n in PLAN.items():
        for _ in range(n):
            mood = rng.gauss(0, 1)
            values = {c: _rating(rng, mood, strength[c]) for c in CRITERIA}
            await respond(app, province, unit, ratings(values))
            weight = (VOLUMES[unit] or 0) / n
            rows.append([weight] + ["NA" if v == "na" else v for v in values.values()])
    data = tmp_path / "data.csv"
    with data.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["weight", *(f"c{i}" for i in range(len(CRITERIA)))])
        writer.writerows(rows)
    await computed(app)  # the worker's figures (a request computes none)
    async with api_client(app) as client:
        answer = await client.get("/api/v1/rounds/R2026/drivers", params={"unit": "P"})
        chart = await client.get("/api/v1/rounds/R2026/drivers.svg", params={"unit": "P"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    out = run_r(R_PROGRAM, data, workdir=tmp_path).split()
    n, full, theirs = int(out[0]), float(out[1]), [float(v) for v in out[2:]]
    assert report["n"] == n < sum(PLAN.values())  # the N/A ones left out
    assert report["outcome"] == "overall_index" and not report["grouped"]
    assert report["r2"] == pytest.approx(full, rel=1e-8)
    ours = {d["code"]: d["importance"] for d in report["drivers"]}
    for code, value in zip(CRITERIA, theirs, strict=True):
        assert ours[code] == pytest.approx(value, rel=1e-7, abs=1e-12), code
    assert any("unstable" in w for w in report["warnings"])  # < 10 responses per criterion
    quadrants = {d["quadrant"] for d in report["drivers"]}
    assert quadrants <= {"fix_first", "keep_up", "low_priority", "possible_overkill"}
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert "<script" not in chart.text and chart.text.count("<circle") == len(CRITERIA)
    assert report["freshness"]["source"] == "worker"


async def test_too_few_responses_give_no_analysis(app: FastAPI):
    province = await make_province(app, volumes=VOLUMES)
    for _ in range(5):
        await respond(app, province, "C11", ratings({}))
    await computed(app)
    async with api_client(app) as client:
        report = (await client.get("/api/v1/rounds/R2026/drivers", params={"unit": "C11"})).json()
    assert report["r2"] is None and report["drivers"] == []
    assert report["warnings"]


async def test_a_large_group_is_read_as_a_systematic_subsample(app: FastAPI, monkeypatch):
    import app.improvement.drivers as drivers

    monkeypatch.setattr(drivers, "MAX_RESPONSES", 20)
    province = await make_province(app, volumes=VOLUMES)
    rng = random.Random(7)
    for i in range(45):
        mood = rng.gauss(0, 1)
        values = {c: max(1, min(5, round(3.5 + mood + rng.gauss(0, 1)))) for c in CRITERIA}
        await respond(app, province, ("C11", "C12", "C21")[i % 3], ratings(values))
    await computed(app)
    async with api_client(app) as client:
        report = (await client.get("/api/v1/rounds/R2026/drivers", params={"unit": "P"})).json()
    assert report["n"] <= 20 and any("1-in-3" in w for w in report["warnings"])
