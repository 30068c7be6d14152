"""The breakdown by channel under replicate variance: each category's SE is the replicate
variance of its estimates (not linearised), as R's ``svyby(…, svyratio)`` and
``subset(rep, unit %in% D1 & channel == v)`` on the ``svrepdesign`` of the round's exported
microdata (its codebook's own R lines) give them, to 1e-8 through the API, for JKn with
strata and clusters, the Rao–Wu bootstrap, and a raked round whose replicates are raked
again; on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.config import Settings
from tests.factories import bearer, make_key
from tests.reporting.helpers import staff_client
from tests.statistics.design_data import apply_case, seed
from tests.statistics.r_design import domains_file
from tests.statistics.r_survey import close, require_r, run_r
from tests.statistics.test_calibrated_variance import weigh, weights_request
from tests.statistics.test_replicate_export import R_PROGRAM as EXPORT_PROGRAM

CHANNELS = ["qr", "paper", "kiosk"]
D1 = 'c("C11", "C12")'
R_PROGRAM = EXPORT_PROGRAM.replace(
    "sub <- subset(rep, unit %in% domains[[name]])",
    f"sub <- subset(rep, unit %in% {D1} & channel == name)",
) + (
    f"top <- subset(rep, unit %in% {D1})\n"
    + r"""
for (c in crit) {
  b <- tryCatch(suppressWarnings(svyby(as.formula(paste0("~sat_", c)), ~channel, top,
                svyratio, denominator = as.formula(paste0("~ans_", c)))),
                error = function(e) NULL)
  if (!is.null(b)) for (i in seq_len(nrow(b)))
    emit(as.character(b$channel[i]), "svyby", c, f(b[i, 2]), f(b[i, 3]))
}
"""
)
CASES = {
    # name: (variance, replicates, (weighting, strata, psu, fpc, spread), raked)
    "jkn-level-strata-column-psu": (
        "jkn",
        80,
        ("as-given", "department", "column", False, True),
        0,
    ),
    "bootstrap-unit-strata-day-psu": ("bootstrap", 30, ("volume", "unit", "day", False, True), 0),
    "jk1-raked": ("jk1", 80, ("raked", None, None, False, False), 1),
}


def _se(item: dict[str, Any], se: float) -> None:
    if math.isnan(se):  # a zero variance R's rounding put below 0
        assert item["se"] == pytest.approx(0.0, abs=1e-9)
    else:
        close(item["se"] / 100, se)


def _compare(categories: dict[str, dict[str, Any]], output: str) -> int:
    checked = 0
    for line in output.strip().splitlines():
        name, kind, code, *numbers = line.split("\t")
        category = categories[name]
        items = {c["code"]: c for e in category["elements"] for c in e["criteria"]}
        if kind in ("criterion", "svyby"):
            item = items[code]
        elif kind == "element":
            item = next(e for e in category["elements"] if e["code"] == code)
        elif kind == "overall":
            item = category
        else:
            continue
        p, se = float(numbers[0]), float(numbers[1])
        if math.isnan(p):
            continue
        close(item["index"] / 100, p)
        _se(item, se)
        if kind == "criterion" and 0 < p < 1 and not math.isnan(float(numbers[3])):
            close(item["ci95"][0] / 100, float(numbers[3]))  # logit on R's degf
            close(item["ci95"][1] / 100, float(numbers[4]))
        checked += 1
    return checked


@pytest.mark.parametrize("name", list(CASES))
async def test_breakdown_under_replicates_matches_r(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, tmp_path: Path, name: str
):
    require_r()
    variance, replicates, case, raked = CASES[name]
    province = await seed(app)
    await apply_case(app, province, case)
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(
            text("UPDATE round SET design_variance = :v, design_replicates = :n WHERE id = :r"),
            {"v": variance, "n": replicates, "r": province.round.id},
        )
        await session.execute(
            text("UPDATE response SET channel = CASE id % 3 WHEN 0 THEN 'paper' ELSE 'qr' END")
        )
        await session.execute(text("UPDATE response SET channel = 'kiosk' WHERE id % 7 = 0"))
    await app.state.db.engine.dispose()
    if raked:
        await weigh(app, province, weights_request("rake", None))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    path = "/api/v1/rounds/R2026/microdata"
    got = {f: await client.get(path, params={"format": f}) for f in ("csv", "codebook")}
    codebook = got["codebook"].content.decode("utf-8-sig").splitlines()
    calls = [x.split(": ", 1)[1] for x in codebook if x.startswith(("# R: ", "# R replicates: "))]
    (tmp_path / "design.R").write_text("\n".join(calls) + "\n")
    data = tmp_path / "data.csv"
    data.write_text(got["csv"].text)
    instrument = app.state.catalogue.get("one-stop-counter").instrument
    members = {
        e.code: [q.code for q in instrument.criteria if q.element == e.code]
        for e in instrument.elements
    }
    elements = domains_file(tmp_path / "elements", members)
    listed = domains_file(tmp_path / "domains", {c: ["-"] for c in CHANNELS})
    output = await anyio.to_thread.run_sync(
        lambda: run_r(R_PROGRAM, data, tmp_path / "design.R", elements, listed, workdir=tmp_path)
    )

    client.headers.clear()
    client.headers.update(bearer(await make_key(app, "P")))
    url = "/api/v1/rounds/R2026/satisfaction/breakdown"
    report = (await client.get(url, params={"unit": "D1", "by": "channel"})).json()
    assert report["design"]["variance"] == variance
    assert report["design"]["replicates_as_of"] is not None
    categories = {c["value"]: c for c in report["categories"]}
    assert set(CHANNELS) <= set(categories)
    checked = _compare(categories, output)
    svyby = sum(1 for x in output.splitlines() if "\tsvyby\t" in x)
    assert svyby >= 3 * 10 and checked >= 3 * (1 + 5 + 14) + svyby
