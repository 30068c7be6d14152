"""A round with replicate variance exports its replicate factors with the microdata (columns
repw_1 … repw_R) and the codebook states R's svrepdesign call; R, running exactly that call on
the exported CSV, reproduces every criterion, element, overall and pooled SE, and R's degf
of every domain is the round's df, to 1e-8 (JK1, JKn, and the Rao–Wu bootstrap)."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import replace
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.config import Settings
from app.rounds.service import get_round
from app.statistics.inference import DomainEstimates, Estimate
from app.statistics.load import round_engine
from app.units.service import load_tree
from tests.reporting.helpers import staff_client
from tests.statistics.design_data import DOMAINS, apply_case, seed
from tests.statistics.r_design import domains_file
from tests.statistics.r_survey import R_SETUP, close, require_r, run_r
from tests.statistics.test_design_based import check_interval, pooled

PATH = "/api/v1/rounds/R2026/microdata"
R_PROGRAM = (
    R_SETUP
    + r"""
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1], stringsAsFactors = FALSE)
elements <- parse_lines(a[3])
domains <- parse_lines(a[4])
crit <- sub("^sat_", "", grep("^sat_", names(d), value = TRUE))
for (e in names(elements)) {
  d[[paste0("psat_", e)]] <- rowSums(d[paste0("sat_", elements[[e]])])
  d[[paste0("pans_", e)]] <- rowSums(d[paste0("ans_", elements[[e]])])
}
d$psat_all <- rowSums(d[paste0("sat_", crit)])
d$pans_all <- rowSums(d[paste0("ans_", crit)])
# the codebook's own lines: the design, then the replicate design
for (line in readLines(a[2])) eval(parse(text = line))
ratios <- function(num, den, sub) {
  r <- suppressWarnings(svyratio(as.formula(paste("~", paste(num, collapse = "+"))),
                                 as.formula(paste("~", paste(den, collapse = "+"))),
                                 sub, covmat = TRUE))
  nm <- paste0(num, "/", den)
  structure(coef(r)[nm], var = vcov(r)[nm, nm, drop = FALSE], statistic = "ratio",
            class = "svystat")
}
mean_of <- function(stat, idx) {
  nm <- names(coef(stat))[idx]
  expr <- paste0("(", paste0("`", nm, "`", collapse = " + "), ")/", length(nm))
  svycontrast(stat, parse(text = expr)[[1]])
}
for (name in names(domains)) {
  sub <- subset(rep, unit %in% domains[[name]])
  df <- degf(sub)
  answered <- crit[sapply(crit, function(c) sum(sub$variables[[paste0("ans_", c)]]) > 0)]
  # one svyratio per estimate: a replicate without an answer to a criterion (NaN) is left
  # out of the estimates that use that criterion only (na.omit of the call's replicates)
  for (c in answered) {
    stat <- ratios(paste0("sat_", c), paste0("ans_", c), sub)
    p <- coef(stat)[1]
    se <- sqrt(max(vcov(stat)[1, 1], 0))
    ci <- if (p > 0 && p < 1) {
      q <- qt(0.975, df) * se / (p * (1 - p))
      plogis(qlogis(p) + c(-q, q))
    } else c(NaN, NaN)
    emit(name, "criterion", c, f(p), f(se), df, f(ci[1]), f(ci[2]))
  }
  for (e in names(elements)) {
    cs <- intersect(elements[[e]], answered)
    if (length(cs)) {
      x <- mean_of(ratios(paste0("sat_", cs), paste0("ans_", cs), sub), seq_along(cs))
      emit(name, "element", e, f(coef(x)), f(SE(x)), df)
    }
  }
  stat <- ratios(paste0("sat_", answered), paste0("ans_", answered), sub)
  x <- mean_of(stat, seq_along(answered))
  emit(name, "overall", "", f(coef(x)), f(SE(x)), df)
  es <- names(elements)[sapply(names(elements), function(e)
    sum(sub$variables[[paste0("pans_", e)]]) > 0)]
  for (e in es) {
    pe <- ratios(paste0("psat_", e), paste0("pans_", e), sub)
    emit(name, "pooled_element", e, f(coef(pe)[1]), f(sqrt(max(vcov(pe)[1, 1], 0))), df)
  }
  ps <- ratios(paste0("psat_", es), paste0("pans_", es), sub)
  x <- mean_of(ps, seq_along(es))
  emit(name, "pooled_mean", "", f(coef(x)), f(SE(x)), df)
  all <- ratios("psat_all", "pans_all", sub)
  emit(name, "pooled_overall", "", f(coef(all)), f(sqrt(max(vcov(all), 0))), df)
}
"""
)

CASES = {
    # name: (variance, replicates, (weighting, strata, psu, fpc, spread))
    "jk1-weights-only": ("jk1", 80, ("volume", None, None, False, False)),
    "jkn-level-strata-column-psu": ("jkn", 80, ("as-given", "department", "column", False, True)),
    "bootstrap-unit-strata-day-psu": ("bootstrap", 25, ("volume", "unit", "day", False, True)),
}


def check(est: Estimate, numbers: list[str]) -> None:
    value, se, df = float(numbers[0]), float(numbers[1]), int(numbers[2])
    close((est.index or 0) / 100, value)
    assert est.se is not None
    close(est.se / 100, 0.0 if math.isnan(se) else se)
    assert est.df == df


@pytest.mark.parametrize("name", list(CASES))
async def test_r_reproduces_the_replicate_ses_from_the_exported_file(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, tmp_path: Path, name: str
):
    require_r()
    variance, replicates, case = CASES[name]
    province = await seed(app)
    await apply_case(app, province, case)
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(
            text("UPDATE round SET design_variance = :v, design_replicates = :n WHERE id = :r"),
            {"v": variance, "n": replicates, "r": province.round.id},
        )
    await app.state.db.engine.dispose()
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    got = {f: await client.get(PATH, params={"format": f}) for f in ("csv", "codebook", "sav")}
    assert all(r.status_code == 200 for r in got.values()), got
    rows = list(csv.DictReader(io.StringIO(got["csv"].text)))
    factors = [c for c in rows[0] if c.startswith("repw_")]
    psus = len({(r["stratum"], r["psu"]) for r in rows})
    assert len(factors) == (replicates if variance == "bootstrap" else psus)
    again = await client.get(PATH, params={"format": "csv"})
    assert again.text == got["csv"].text  # the bootstrap is seeded: the same factors again
    codebook = got["codebook"].content.decode("utf-8-sig").splitlines()
    calls = [x.split(": ", 1)[1] for x in codebook if x.startswith(("# R: ", "# R replicates: "))]
    assert len(calls) == 2 and "svrepdesign(" in calls[1]
    (tmp_path / "design.R").write_text("\n".join(calls) + "\n")
    data = tmp_path / "data.csv"
    data.write_text(got["csv"].text)
    instrument = app.state.catalogue.get("one-stop-counter").instrument
    members = {
        e.code: [q.code for q in instrument.criteria if q.element == e.code]
        for e in instrument.elements
    }
    elements = domains_file(tmp_path / "elements", members)
    listed = domains_file(tmp_path / "domains", DOMAINS)
    output = await anyio.to_thread.run_sync(
        lambda: run_r(R_PROGRAM, data, tmp_path / "design.R", elements, listed, workdir=tmp_path)
    )
    reference = {tuple(x.split("\t")[:3]): x.split("\t")[3:] for x in output.strip().splitlines()}

    form = app.state.catalogue.get("one-stop-counter")
    async with app.state.db.sessions() as session:
        round_ = await get_round(session, "R2026")
        engine = await round_engine(
            session, round_, form, settings.timezone, await load_tree(session)
        )
    assert engine.replicates is not None and engine.replicates.kind == variance
    assert "rank of the domain's replicate weights" in str(engine.design.describe()["df_method"])
    engine.design = replace(engine.design, ci="logit")
    domains = {d: {province.units[u].id for u in units} for d, units in DOMAINS.items()}
    ours: dict[str, DomainEstimates] = {d: engine.domain(units) for d, units in domains.items()}
    checked = 0
    for (domain, kind, code), numbers in reference.items():
        if kind == "criterion":
            est = ours[domain].criteria[code]
            check(est, numbers)
            check_interval(est.ci95, float(numbers[3]), float(numbers[4]))
        elif kind == "element":
            check(ours[domain].elements[code], numbers)
        elif kind == "overall":
            check(ours[domain].overall, numbers)
        else:
            continue
        checked += 1
    assert checked == len(DOMAINS) * (16 + 5 + 1)
    for overall, kind in (("pooled", "pooled_overall"), ("mean_of_elements", "pooled_mean")):
        engine.instrument = pooled(instrument, overall)
        ours = {d: engine.domain(units) for d, units in domains.items()}
        pooled_checked = 0
        for (domain, found, code), numbers in reference.items():
            if found == "pooled_element":
                check(ours[domain].elements[code], numbers)
            elif found == kind:
                check(ours[domain].overall, numbers)
            else:
                continue
            pooled_checked += 1
        assert pooled_checked == len(DOMAINS) * (5 + 1)
