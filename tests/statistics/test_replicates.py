"""Replicate-weight variance (app.statistics.replicates) against R's survey package: JK1 and
JKn from R's own as.svrepdesign (independent factors), the Rao–Wu bootstrap from svrepdesign
with our exported factors; criterion ratios and the mean of criteria per domain, to 1e-8
relative, on seeded data with a one-respondent domain (its jackknife replicate without it is
undefined: left out, as R's na.omit), a constant criterion (SE exactly 0) and unequal PSUs."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from app.statistics.replicates import (
    ReplicateError,
    Replicates,
    domain_thetas,
    group_totals,
    jk1,
    jkn,
    rao_wu,
    variance,
)
from tests.statistics.r_survey import R_SETUP, close, require_r, run_r

C = 4
DOMAINS = {"A": [0], "B": [1], "C": [2], "LONE": [3], "AB": [0, 1], "ALL": [0, 1, 2, 3, 4, 5]}

R_PROGRAM = (
    R_SETUP
    + r"""
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1])
kind <- a[2]
domains <- parse_lines(a[3])
crit <- paste0("c", 1:4)
if (kind == "jk1") {
  rep <- as.svrepdesign(svydesign(ids = ~psu, weights = ~w, data = d), type = "JK1")
} else if (kind == "jkn") {
  rep <- as.svrepdesign(svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d,
                                  nest = TRUE), type = "JKn")
} else {
  factors <- as.matrix(read.csv(a[4]))
  rep <- svrepdesign(data = d, repweights = factors, weights = ~w, type = "bootstrap",
                     combined.weights = FALSE)
}
for (name in names(domains)) {
  sub <- subset(rep, unit %in% as.integer(domains[[name]]))
  inside <- weights(sub, "sampling") > 0
  answered <- crit[sapply(crit, function(c) sum(sub$variables[[paste0("ans_", c)]][inside]) > 0)]
  for (c in answered) {
    r <- suppressWarnings(svyratio(as.formula(paste0("~sat_", c)),
                                   as.formula(paste0("~ans_", c)), sub))
    emit(name, "criterion", c, f(coef(r)), f(sqrt(as.numeric(vcov(r)))))
  }
  r <- suppressWarnings(svyratio(as.formula(paste("~", paste0("sat_", answered, collapse = "+"))),
                                 as.formula(paste("~", paste0("ans_", answered, collapse = "+"))),
                                 sub, covmat = TRUE))
  nm <- paste0("sat_", answered, "/ans_", answered)
  stat <- structure(coef(r)[nm], var = vcov(r)[nm, nm, drop = FALSE], statistic = "ratio",
                    class = "svystat")
  expr <- paste0("(", paste0("`", nm, "`", collapse = " + "), ")/", length(nm))
  x <- svycontrast(stat, parse(text = expr)[[1]])
  emit(name, "overall", "", f(coef(x)), f(SE(x)))
}
"""
)


def _data(seed: int = 5) -> dict[str, np.ndarray]:
    """Responses in PSUs nested in units and strata: unit 3 is one respondent in a PSU of its
    own; criterion c1 is always satisfied in unit 2."""
    rng = np.random.default_rng(seed)
    rows = []
    psu = 0
    # (unit, stratum, responses per PSU)
    layout = [(0, 0, [9, 12]), (1, 0, [7]), (2, 1, [10, 6, 8]), (3, 1, [1]), (4, 2, [11, 9]),
              (5, 2, [5, 13, 7])]  # fmt: skip
    for unit, stratum, sizes in layout:
        for size in sizes:
            for _ in range(size):
                answered = rng.random(C) > 0.15
                satisfied = answered & (rng.random(C) < 0.3 + 0.1 * unit)
                if unit == 2:
                    satisfied[0] = answered[0]
                rows.append((unit, stratum, psu, rng.uniform(0.5, 3.0), satisfied, answered))
            psu += 1
    return {
        "unit": np.array([r[0] for r in rows]),
        "stratum": np.array([r[1] for r in rows]),
        "psu": np.array([r[2] for r in rows]),
        "w": np.array([r[3] for r in rows]),
        "sat": np.array([r[4] for r in rows], dtype=float),
        "ans": np.array([r[5] for r in rows], dtype=float),
    }


def _ours(reps: Replicates, data: dict[str, np.ndarray]) -> dict[tuple[str, str, str], tuple]:
    psus = int(data["psu"].max()) + 1
    v = np.concatenate([data["sat"], data["ans"]], axis=1) * data["w"][:, None]
    x = np.zeros((psus, 2 * C))
    np.add.at(x, data["psu"], v)
    unit_of_psu = np.zeros(psus, dtype=int)
    unit_of_psu[data["psu"]] = data["unit"]
    per_unit = group_totals(reps, x, unit_of_psu, 6)
    found = {}
    for name, units in DOMAINS.items():
        totals = per_unit[units].sum(axis=0)  # (R, 2C)
        member = np.isin(data["unit"], units)
        full = v[member].sum(axis=0)
        available = full[C:] > 0
        a = np.vstack([np.diag(available.astype(float)), available / available.sum()])
        point = domain_thetas(full[None, :], a, available)[0]
        se = np.sqrt(variance(reps, domain_thetas(totals, a, available)))
        for c in range(C):
            if available[c]:
                found[(name, "criterion", f"c{c + 1}")] = (point[c], se[c])
        found[(name, "overall", "")] = (point[-1], se[-1])
    return found


def _write(path: Path, data: dict[str, np.ndarray]) -> None:
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["unit", "stratum", "psu", "w"]
            + [f"{k}_c{c + 1}" for c in range(C) for k in ("sat", "ans")]
        )
        for i in range(len(data["w"])):
            flags = [int(data[k][i, c]) for c in range(C) for k in ("sat", "ans")]
            out.writerow(
                [
                    data["unit"][i],
                    data["stratum"][i],
                    data["psu"][i],
                    repr(float(data["w"][i])),
                    *flags,
                ]
            )


@pytest.mark.parametrize("kind", ["jk1", "jkn", "bootstrap"])
def test_replicate_variance_matches_r(tmp_path: Path, kind: str):
    require_r()
    data = _data()
    psus = int(data["psu"].max()) + 1
    stratum_of_psu = np.zeros(psus, dtype=int)
    stratum_of_psu[data["psu"]] = data["stratum"]
    if kind == "jk1":
        reps = jk1(psus)
    elif kind == "jkn":
        reps = jkn(stratum_of_psu)
    else:
        reps = rao_wu(stratum_of_psu, 40, seed=11)
    _write(tmp_path / "data.csv", data)
    (tmp_path / "domains").write_text(
        "".join(f"{d}:{','.join(map(str, u))}\n" for d, u in DOMAINS.items())
    )
    factors = tmp_path / "factors.csv"
    with factors.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow([f"r{r}" for r in range(reps.factors.shape[0])])
        out.writerows([[repr(float(f)) for f in reps.factors[:, p]] for p in data["psu"]])
    output = run_r(
        R_PROGRAM, tmp_path / "data.csv", kind, tmp_path / "domains", factors, workdir=tmp_path
    )
    theirs = {}
    for line in output.strip().splitlines():
        domain, what, name, est, se = line.split("\t")
        theirs[(domain, what, name)] = (float(est), float(se))
    ours = _ours(reps, data)
    assert set(ours) == set(theirs)
    for key, (est, se) in theirs.items():
        close(float(ours[key][0]), est)
        close(float(ours[key][1]), 0.0 if math.isnan(se) else se)
    # the constant criterion: exactly 0 in every replicate
    assert ours[("C", "criterion", "c1")][1] == 0.0
    # the one-respondent domain's criteria: their jackknife replicate without it is left out
    assert all(abs(ours[k][1]) < 1e-12 for k in ours if k[0] == "LONE")


def test_replicate_refusals():
    with pytest.raises(ReplicateError, match="single PSU"):
        jkn(np.array([0, 0, 1]))
    with pytest.raises(ReplicateError, match="single PSU"):
        rao_wu(np.array([0, 1, 1]), 10, seed=1)
    with pytest.raises(ReplicateError, match="use the bootstrap"):
        jk1(6000)
