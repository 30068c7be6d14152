"""A round whose variance method is a jackknife (JK1 without strata, JKn with level strata
and PSUs): criterion and overall SEs through the database agree with R's
as.svrepdesign(des, type = "JK1"/"JKn") (R's own factors) to 1e-8, and reports say so."""

from __future__ import annotations

import math
from pathlib import Path

import anyio
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.config import Settings
from app.rounds.service import get_round
from app.statistics.load import round_engine
from app.units.service import load_tree
from tests.statistics.design_data import DOMAINS, apply_case, layout_of, seed
from tests.statistics.r_design import design_flags, domains_file, export
from tests.statistics.r_survey import R_SETUP, close, require_r, run_r

R_PROGRAM = (
    R_SETUP
    + r"""
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1], stringsAsFactors = FALSE)
crit <- strsplit(a[2], ",")[[1]]
domains <- parse_lines(a[3])
rep <- as.svrepdesign(make_design(d, a[5:7]), type = a[4])
for (name in names(domains)) {
  sub <- subset(rep, unit %in% domains[[name]])
  answered <- crit[sapply(crit, function(c) sum(sub$variables[[paste0("ans_", c)]]) > 0)]
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

CASES = {
    # name: (variance, (weighting, strata, psu, fpc, spread))
    "jk1-weights-only": ("jk1", ("volume", None, None, False, False)),
    "jkn-level-strata-column-psu": ("jkn", ("as-given", "department", "column", False, True)),
}


@pytest.mark.parametrize("name", list(CASES))
async def test_jackknife_round_matches_r(
    app: FastAPI, settings: Settings, tmp_path: Path, name: str
):
    require_r()
    variance, case = CASES[name]
    province = await seed(app)
    await apply_case(app, province, case)
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(
            text("UPDATE round SET design_variance = :v WHERE id = :r"),
            {"v": variance, "r": province.round.id},
        )
    await app.state.db.engine.dispose()
    data = tmp_path / "data.csv"
    await export(app, layout_of(province, case), data, settings)
    instrument = app.state.catalogue.get("one-stop-counter").instrument
    criteria = ",".join(q.code for q in instrument.criteria)
    listed = domains_file(tmp_path / "domains", DOMAINS)
    flags = design_flags(case[1:4])
    output = await anyio.to_thread.run_sync(
        lambda: run_r(
            R_PROGRAM,
            data,
            criteria,
            listed,
            {"jk1": "JK1", "jkn": "JKn"}[variance],
            *flags,
            workdir=tmp_path,
        )
    )
    form = app.state.catalogue.get("one-stop-counter")
    async with app.state.db.sessions() as session:
        round_ = await get_round(session, "R2026")
        tree = await load_tree(session)
        engine = await round_engine(session, round_, form, settings.timezone, tree)
    assert engine.replicates is not None and engine.replicates.kind == variance
    described = engine.design.describe()
    assert described["variance"] == variance and "jackknife" in str(described["variance_method"])
    checked = 0
    for line in output.strip().splitlines():
        domain, kind, code, est, se = line.split("\t")
        ours = engine.domain({province.units[u].id for u in DOMAINS[domain]})
        found = ours.criteria[code] if kind == "criterion" else ours.overall
        close((found.index or 0) / 100, float(est))
        close((found.se or 0) / 100, 0.0 if math.isnan(float(se)) else float(se))
        checked += 1
    assert checked == len(DOMAINS) * (16 + 1)
