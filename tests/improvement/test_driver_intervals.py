"""Intervals of the key-driver importances (app.improvement.bootstrap): they cover the
population's importances at about their level on a clustered design, are reproducible (same
seed, same interval), and, through the API, equal an independent computation in R from the
same replicate factors (cov.wt, every subset's R² by solve, the Shapley sum, quantile type 7)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.improvement import bootstrap
from app.improvement.bootstrap import factors, importance_interval
from app.improvement.shapley import shapley, weighted_correlation
from app.models import Round, Unit
from tests.factories import CRITERIA, make_province, ratings
from tests.improvement.helpers import computed
from tests.reporting.helpers import api_client, respond
from tests.statistics.r_survey import run_r

R_PROGRAM = r"""
args <- commandArgs(TRUE)
d <- read.csv(args[1]); f <- as.matrix(read.csv(args[2]))
X <- as.matrix(d[, grep("^c", names(d))]); k <- ncol(X)
y <- 100 * rowMeans(X >= 4)
bits <- function(m) which(bitwAnd(m, bitwShiftL(1L, 0:(k - 1))) > 0)
size <- sapply(0:(2^k - 1), function(m) length(bits(m)))
shares <- function(w) {
  R <- cov2cor(cov.wt(cbind(y, X), wt = w)$cov)
  r2 <- numeric(2^k)
  for (m in 1:(2^k - 1)) {
    S <- bits(m) + 1
    r2[m + 1] <- drop(R[1, S] %*% solve(R[S, S], R[S, 1]))
  }
  sapply(0:(k - 1), function(j) {
    m <- which(bitwAnd(0:(2^k - 1), bitwShiftL(1L, j)) == 0) - 1
    s <- size[m + 1]
    sum(factorial(s) * factorial(k - s - 1) / factorial(k) * (r2[m + 2^j + 1] - r2[m + 1]))
  })
}
reps <- sapply(seq_len(ncol(f)), function(r) shares(d$weight * f[, r]))
ci <- apply(reps, 1, quantile, probs = c(0.025, 0.975), type = 7)
cat(sprintf("%.17g", c(ci[1, ], ci[2, ])), sep = "\n")
"""


def _population(rng: np.random.Generator, clusters: int, size: int) -> np.ndarray:
    """Outcome and three predictors, correlated within clusters (rows grouped by cluster)."""
    shared = np.repeat(rng.normal(0, 1, (clusters, 3)), size, axis=0)
    x = 0.6 * shared + rng.normal(0, 1, (clusters * size, 3))
    x[:, 1] += 0.5 * x[:, 0]
    y = x @ np.array([0.8, 0.4, 0.15]) + rng.normal(0, 1.2, clusters * size)
    return np.column_stack([y, x])


def test_intervals_cover_the_population_importances_and_are_reproducible():
    rng = np.random.default_rng(18)
    size, drawn = 4, 60  # clusters of 4 responses, 60 clusters a sample (240 responses)
    population = _population(rng, 20_000, size)
    truth = shapley(weighted_correlation(population, np.ones(len(population))))
    covered, trials = np.zeros(3), 80
    for t in range(trials):
        picked = rng.choice(20_000, drawn, replace=False)
        rows = (picked[:, None] * size + np.arange(size)).ravel()
        psus = np.repeat(np.arange(drawn), size)
        found = importance_interval(
            population[rows], np.ones(len(rows)), np.zeros(len(rows), int), psus, (1, t)
        )
        covered += (found.low <= truth) & (truth <= found.high)
    # 95 % nominal; with 80 trials a rate below 85 % would be a real shortfall.
    assert (covered / trials >= 0.85).all(), covered / trials
    sample = population[:400]
    psus = np.repeat(np.arange(100), size)
    strata = np.zeros(400, int)
    once = importance_interval(sample, np.ones(400), strata, psus, (7, 3))
    again = importance_interval(sample, np.ones(400), strata, psus, (7, 3))
    other = importance_interval(sample, np.ones(400), strata, psus, (7, 4))
    assert (once.low == again.low).all() and (once.high == again.high).all()
    assert not (once.low == other.low).all()
    assert once.replicates == bootstrap.REPLICATES == 100


def test_factors_resample_psus_within_strata():
    strata = np.array([0, 0, 0, 0, 1, 1, 1, 2])
    psus = np.array([0, 0, 1, 2, 3, 4, 5, 6])  # stratum 2: one PSU
    f = factors(strata, psus, 500, (1, 1))
    assert (f[0] == f[1]).all()  # a PSU's responses move together
    assert (f[7] == 1).all()  # a single-PSU stratum adds no variation
    # Rao–Wu: n_h − 1 draws scaled by n_h / (n_h − 1): each PSU's factor averages 1, and the
    # factors of a stratum's PSUs sum to n_h.
    assert np.allclose(f[[0, 2, 3]].sum(axis=0), 3) and np.allclose(f[[4, 5, 6]].sum(axis=0), 3)
    assert f[[0, 2, 3, 4, 5, 6]].mean(axis=1) == pytest.approx(np.ones(6), abs=0.1)


async def test_api_intervals_equal_r_from_the_same_replicates(
    app: FastAPI, tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(bootstrap, "REPLICATES", 8)  # R does 2^16 solves a replicate
    volumes: dict[str, int | None] = {"C11": 900, "C12": 300, "C21": 600}
    plan = {"C11": 70, "C12": 50, "C21": 60}  # 180 complete responses, 16 predictors
    province = await make_province(app, volumes=volumes)
    rng = random.Random(1818)
    strength = {c: 0.3 + 1.2 * i / len(CRITERIA) for i, c in enumerate(CRITERIA)}
    rows = []
    for unit, n in plan.items():
        for _ in range(n):
            mood = rng.gauss(0, 1)
            values = {
                c: max(1, min(5, round(3.4 + strength[c] * mood + rng.gauss(0, 0.9))))
                for c in CRITERIA
            }
            await respond(app, province, unit, ratings(values))
            rows.append([(volumes[unit] or 0) / n, *values.values()])
    await computed(app)
    async with api_client(app) as client:
        answer = await client.get("/api/v1/rounds/R2026/drivers", params={"unit": "P"})
        again = await client.get("/api/v1/rounds/R2026/drivers", params={"unit": "P"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report == again.json()
    assert report["n"] == len(rows) and report["interval"]["replicates"] == 8
    async with app.state.db.sessions() as session:
        round_id = await session.scalar(select(Round.id).where(Round.code == "R2026"))
        unit_id = await session.scalar(select(Unit.id).where(Unit.code == "P"))
    assert report["interval"]["seed"] == [round_id, unit_id]
    # The design: no strata, each response its own PSU, in order of response id (= posting).
    f = factors(np.zeros(len(rows), int), np.arange(len(rows)), 8, (round_id, unit_id))
    data, reps = tmp_path / "data.csv", tmp_path / "factors.csv"
    with data.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["weight", *(f"c{i}" for i in range(len(CRITERIA)))])
        writer.writerows(rows)
    np.savetxt(reps, f, delimiter=",", header=",".join(f"r{i}" for i in range(8)), comments="")
    theirs = [float(v) for v in run_r(R_PROGRAM, data, reps, workdir=tmp_path).split()]
    k = len(CRITERIA)
    low, high = (
        dict(zip(CRITERIA, theirs[:k], strict=True)),
        dict(zip(CRITERIA, theirs[k:], strict=True)),
    )
    for d in report["drivers"]:
        assert d["ci95"] == pytest.approx([low[d["code"]], high[d["code"]]], rel=1e-6, abs=1e-10)
        assert d["ci95"][0] <= d["ci95"][1]
