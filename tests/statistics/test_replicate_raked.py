"""A raked round with replicate variance rakes every replicate again, as R's ``rake()`` does
on a replicate design: criterion, element and overall SEs and every domain's df agree with
``rake(as.svrepdesign(des, type = "JK1"/"JKn"), …)`` to 1e-8 (R's raked weights equal ours
to 1e-9), on SQLite and PostgreSQL; and the exported factors (each replicate's raked weight /
the final weight) give R's svrepdesign the same SEs."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.config import Settings
from app.statistics.inference import DomainEstimates, Estimate
from tests.factories import CRITERIA
from tests.reporting.helpers import staff_client
from tests.statistics.design_data import DEPARTMENT, DOMAINS, seed, set_design, spread_responses
from tests.statistics.r_design import Layout, domains_file, export
from tests.statistics.r_survey import R_SETUP, close, require_r, run_r
from tests.statistics.test_calibrated_variance import (
    DEPARTMENTS,
    FIELDS,
    NONE,
    _columns,
    _engine,
    weigh,
    weights_request,
)
from tests.statistics.test_replicate_export import R_PROGRAM as EXPORT_PROGRAM

R_PROGRAM = (
    R_SETUP
    + r"""
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1], stringsAsFactors = FALSE)
crit <- strsplit(a[2], ",")[[1]]
elements <- parse_lines(a[3])
domains <- parse_lines(a[4])
d$department <- factor(d$department)
d$field <- factor(d$field)
final <- d$weight
d$weight <- d$base
rep <- as.svrepdesign(make_design(d, a[6:8]), type = a[5])
tab <- function(v, totals) {
  out <- data.frame(names(totals), as.numeric(totals))
  names(out) <- c(v, "Freq")
  out
}
# rake() stops sweeping when the full-sample weights meet epsilon, which leaves the replicates
# less converged (their SE still moves by 1e-8 after it stops); epsilon = 0 sweeps maxit times
rep <- suppressWarnings(rake(rep, list(~department, ~field),
            list(tab("department", c(D1 = 2000, D2 = 1000)),
                 tab("field", c(land = 1300, business = 800, civil_status = 500, none = 400))),
            control = list(maxit = 300, epsilon = 0)))
gap <- max(abs(unname(weights(rep, "sampling")) / final - 1))
if (gap > 1e-9) stop("weights differ from R by ", gap)
ratios <- function(cs, sub) {
  r <- suppressWarnings(svyratio(as.formula(paste("~", paste0("sat_", cs, collapse = "+"))),
                                 as.formula(paste("~", paste0("ans_", cs, collapse = "+"))),
                                 sub, covmat = TRUE))
  nm <- paste0("sat_", cs, "/ans_", cs)
  structure(coef(r)[nm], var = vcov(r)[nm, nm, drop = FALSE], statistic = "ratio",
            class = "svystat")
}
mean_of <- function(stat) {
  nm <- names(coef(stat))
  svycontrast(stat, parse(text = paste0("(", paste0("`", nm, "`", collapse = " + "), ")/",
                                        length(nm)))[[1]])
}
for (name in names(domains)) {
  sub <- subset(rep, unit %in% domains[[name]])
  df <- degf(sub)
  answered <- crit[sapply(crit, function(c) sum(sub$variables[[paste0("ans_", c)]]) > 0)]
  for (c in answered) {
    s <- ratios(c, sub)
    emit(name, "criterion", c, f(coef(s)), f(sqrt(max(vcov(s)[1, 1], 0))), df)
  }
  for (e in names(elements)) {
    cs <- intersect(elements[[e]], answered)
    if (length(cs)) {
      x <- mean_of(ratios(cs, sub))
      emit(name, "element", e, f(coef(x)), f(SE(x)), df)
    }
  }
  x <- mean_of(ratios(answered, sub))
  emit(name, "overall", "", f(coef(x)), f(SE(x)), df)
}
"""
)

CASES = {
    # name: (variance, strata, psu, spread)
    "jk1-weights-only": ("jk1", None, None, False),
    "jkn-level-strata-column-psu": ("jkn", "department", "column", True),
}


def check(est: Estimate, numbers: list[str]) -> None:
    close((est.index or 0) / 100, float(numbers[0]))
    assert est.se is not None
    se = float(numbers[1])
    close(est.se / 100, 0.0 if math.isnan(se) else se)
    assert est.df == int(numbers[2])


def compare(ours: dict[str, DomainEstimates], output: str, pooled: bool = False) -> int:
    checked = 0
    for line in output.strip().splitlines():
        domain, kind, code, *numbers = line.split("\t")
        if kind == "criterion":
            check(ours[domain].criteria[code], numbers)
        elif kind == "element":
            check(ours[domain].elements[code], numbers)
        elif kind == "overall":
            check(ours[domain].overall, numbers)
        else:
            continue
        checked += 1
    return checked


@pytest.mark.parametrize("name", list(CASES))
async def test_each_replicate_is_raked_again_as_r_does(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, tmp_path: Path, name: str
):
    require_r()
    variance, strata, psu, spread = CASES[name]
    province = await seed(app)
    if spread:
        await spread_responses(app, province)
    await set_design(app, province, "raked", strata, psu, False)
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(
            text("UPDATE round SET design_variance = :v WHERE id = :r"),
            {"v": variance, "r": province.round.id},
        )
    await app.state.db.engine.dispose()
    await weigh(app, province, weights_request("rake", None))
    codes = {u.id: code for code, u in province.units.items() if code in DEPARTMENT}
    layout = Layout(province.round.id, codes, DEPARTMENT, CRITERIA, strata, psu)
    data = tmp_path / "data.csv"
    await export(app, layout, data, settings, _columns())
    instrument = app.state.catalogue.get("one-stop-counter").instrument
    members = {
        e.code: [q.code for q in instrument.criteria if q.element == e.code]
        for e in instrument.elements
    }
    elements = domains_file(tmp_path / "elements", members)
    listed = domains_file(tmp_path / "domains", DOMAINS)
    flags = [str(int(strata is not None)), str(int(psu is not None)), "0"]
    kind = {"jk1": "JK1", "jkn": "JKn"}[variance]
    assert set(FIELDS) == {"land", "business", "civil_status", ""} and NONE == "none"
    assert DEPARTMENTS == {"D1": 2000.0, "D2": 1000.0}
    output = await anyio.to_thread.run_sync(
        lambda: run_r(
            R_PROGRAM, data, ",".join(CRITERIA), elements, listed, kind, *flags, workdir=tmp_path
        )
    )
    engine = await _engine(app, settings)
    assert engine.replicate_weights is not None and engine.design.calibration == "rake"
    assert "raked again" in str(engine.design.describe()["variance_method"])
    ids = {d: {province.units[u].id for u in units} for d, units in DOMAINS.items()}
    ours = {d: engine.domain(units) for d, units in ids.items()}
    assert compare(ours, output) == len(DOMAINS) * (16 + 5 + 1)

    # the export: R's svrepdesign on the file's factors gives the same SEs and df
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    got = {
        f: await client.get("/api/v1/rounds/R2026/microdata", params={"format": f})
        for f in ("csv", "codebook")
    }
    codebook = got["codebook"].content.decode("utf-8-sig").splitlines()
    assert any("calibrated again" in line for line in codebook)
    calls = [x.split(": ", 1)[1] for x in codebook if x.startswith(("# R: ", "# R replicates: "))]
    (tmp_path / "design.R").write_text("\n".join(calls) + "\n")
    exported = tmp_path / "microdata.csv"
    exported.write_text(got["csv"].text)
    assert (
        len(list(csv.DictReader(io.StringIO(got["csv"].text)))) == sum(1 for _ in data.open()) - 1
    )
    again = await anyio.to_thread.run_sync(
        lambda: run_r(
            EXPORT_PROGRAM, exported, tmp_path / "design.R", elements, listed, workdir=tmp_path
        )
    )
    assert compare(ours, again) == len(DOMAINS) * (16 + 5 + 1)
