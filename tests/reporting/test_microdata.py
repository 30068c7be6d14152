"""Analysts' formats: SPSS, Stata and CSV read back (pyreadstat), and R's survey package on
the exported CSV reproduces the API's estimates and standard errors to 1e-8."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import anyio
import httpx
import pyreadstat
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from app.models import Response, Round
from tests.comment_factories import respond as respond_with_text
from tests.factories import add_response, make_province, ratings
from tests.reporting.helpers import staff_client
from tests.reporting.test_report_polish import dust_free
from tests.statistics.r_survey import R_SETUP, close, run_r

PATH = "/api/v1/rounds/R2026/microdata"
SECRET = "Số điện thoại của tôi 0912 345 678"
LEVELS = {
    "C11": [5, 4, 2, 5, "na"],
    "C12": [3, 5, 4, 1],
    "C21": [2, 4, 5, 3],
}
R_PROGRAM = """
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1], stringsAsFactors = FALSE)
options(survey.lonely.psu = a[2])
fpc <- if (all(is.na(d$fpc))) NULL else ~fpc
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, fpc = fpc, data = d,
                 nest = TRUE)
crit <- sub("^sat_", "", grep("^sat_", names(d), value = TRUE))
for (name in c("all", "D1", "D2")) {
  sub <- if (name == "all") des else subset(des, unit_department == name)
  answered <- crit[sapply(crit, function(c) sum(sub$variables[[paste0("ans_", c)]]) > 0)]
  r <- svyratio(as.formula(paste("~", paste0("sat_", answered, collapse = "+"))),
                as.formula(paste("~", paste0("ans_", answered, collapse = "+"))),
                sub, covmat = TRUE)
  nm <- paste0("sat_", answered, "/ans_", answered)
  for (i in seq_along(answered)) {
    emit(name, answered[i], f(coef(r)[nm[i]]), f(sqrt(vcov(r)[nm[i], nm[i]])))
  }
  stat <- structure(coef(r)[nm], var = vcov(r)[nm, nm, drop = FALSE],
                    statistic = "ratio", class = "svystat")
  expr <- paste0("(", paste0("`", nm, "`", collapse = " + "), ")/", length(nm))
  overall <- svycontrast(stat, parse(text = expr)[[1]])
  emit(name, "overall", f(coef(overall)), f(SE(overall)))
}
"""


STRATIFIED = {"design_strata": "department", "design_fpc": True}
CLUSTERED = {"design_psu": "column"}


async def seed(
    app: FastAPI, client: httpx.AsyncClient, design: dict[str, object] = STRATIFIED
) -> None:
    """STRATIFIED: strata by department with fpc (N_h = the counters' volumes); CLUSTERED: no
    strata, PSUs from the responses' psu column (two per counter). Levels vary by criterion."""
    province = await make_province(app)
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(update(Round).values(**design))
    for unit, levels in LEVELS.items():
        for i, level in enumerate(levels):
            values: dict[str, int | str] = {"ACC1": "na"} if i == 0 else {}
            values |= {"PRO1": 5 if level != 5 else 3, "ACC2": level}
            await add_response(app, province, unit, ratings(values, default=level))
    await respond_with_text(app, province, "C21", SECRET)
    if design is CLUSTERED:
        async with app.state.db.write_sessions.begin() as session:
            found = (await session.execute(select(Response.id, Response.unit_id))).all()
            for rid, unit_id in found:
                psu = f"{unit_id}-{rid % 2}"
                await session.execute(update(Response).where(Response.id == rid).values(psu=psu))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("design", [STRATIFIED, CLUSTERED], ids=["strata-fpc", "psu-column"])
async def test_files_read_back_and_r_reproduces_the_api(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, design: dict[str, object]
):
    await seed(app, client, design)
    answers = {
        fmt: await client.get(PATH, params={"format": fmt})
        for fmt in ("csv", "sav", "dta", "codebook")
    }
    for fmt, answer in answers.items():
        assert answer.status_code == 200, (fmt, answer.text)
        assert SECRET.encode() not in answer.content and b"0912" not in answer.content
    assert 'filename="sipas-R2026-microdata.sav"' in answers["sav"].headers["content-disposition"]
    rows = rows_of(answers["csv"].text)
    assert len(rows) == 14 and "comment" not in rows[0]
    if design is STRATIFIED:
        assert {r["stratum"] for r in rows} == {"D1", "D2"}
        assert {r["fpc"] for r in rows} == {"1500.0", "300.0"}
    else:
        assert {r["stratum"] for r in rows} == {"all"} and {r["fpc"] for r in rows} == {""}
        assert len({r["psu"] for r in rows}) == 6
    assert [r["response"] for r in rows] == [str(i) for i in range(1, 15)]
    numbers = [v for r in rows for v in r.values() if v and v[0].isdigit() and "." in v]
    assert numbers and all(dust_free(float(v)) for v in numbers if v.count(".") == 1)

    for fmt, read in (("sav", pyreadstat.read_sav), ("dta", pyreadstat.read_dta)):
        path = tmp_path / f"data.{fmt}"
        path.write_bytes(answers[fmt].content)
        frame, meta = read(str(path))
        assert list(frame.columns) == list(rows[0]), fmt
        for column in ("weight", "ACC1", "sat_ACC1", "ans_ACC1"):
            theirs = [float(r[column]) if r[column] else math.nan for r in rows]
            ours = [float(v) for v in frame[column]]
            assert all(
                (math.isnan(a) and math.isnan(b)) or a == b
                for a, b in zip(ours, theirs, strict=True)
            ), (fmt, column)
        assert list(frame["unit"]) == [r["unit"] for r in rows]
        assert meta.variable_value_labels["ACC1"][5] == "Rất hài lòng", fmt
        assert meta.variable_value_labels["field"], fmt
        labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
        assert labels["weight"].startswith("Trọng số"), fmt
    codebook = answers["codebook"].content.decode("utf-8-sig")
    assert "# R: options(survey.lonely.psu" in codebook
    assert ("fpc = ~fpc" in codebook) is (design is STRATIFIED)

    data = tmp_path / "data.csv"
    data.write_bytes(answers["csv"].content)
    output = await anyio.to_thread.run_sync(
        lambda: run_r(R_SETUP + R_PROGRAM, data, "adjust", workdir=tmp_path)
    )
    reference = {}
    for line in output.strip().splitlines():
        domain, name, est, se = line.split("\t")
        reference[(domain, name)] = (float(est), float(se))
    checked = 0
    for domain, unit in (("all", "P"), ("D1", "D1"), ("D2", "D2")):
        report = (
            await client.get("/api/v1/rounds/R2026/satisfaction", params={"unit": unit})
        ).json()
        est, se = reference[(domain, "overall")]
        close(report["index"], 100 * est)
        close(report["se"], 100 * se)
        for element in report["elements"]:
            for criterion in element["criteria"]:
                if criterion["index"] is None:
                    continue
                est, se = reference[(domain, criterion["code"])]
                close(criterion["index"], 100 * est)
                close(criterion["se"], 100 * se)
                checked += 1
    assert checked >= 3 * 15


async def test_the_console_offers_the_files(app: FastAPI, client: httpx.AsyncClient):
    await seed(app, client)
    page = await client.get("/console/rounds/R2026/revisions")
    assert 'href="/console/rounds/R2026/microdata?format=dta"' in page.text
    got = await client.get("/console/rounds/R2026/microdata", params={"format": "codebook"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    lines = got.content.decode("utf-8-sig").splitlines()
    variables = [r["variable"] for r in rows_of("\n".join(x for x in lines if x[:2] != "# "))]
    assert variables[:3] == ["response", "unit", "unit_province"]


async def test_microdata_need_a_reader_of_the_whole_round(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    assert (await client.get(PATH)).status_code == 401
    await staff_client(app, client, "v@x.vn", [("viewer", "D1")])
    assert (await client.get(PATH)).status_code == 403  # D2's responses are in the round too
    assert (await client.get(PATH, params={"format": "xls"})).status_code == 422
