"""Calibration-aware (residual) variance of a round weighted by a raked or post-stratified
weight set, against R's survey package on a design calibrated the same way: ``rake()``,
``calibrate(calfun = "raking", bounds)`` (trimmed raking) and ``postStratify()``, to 1e-8
relative (1e-13 absolute where R's value is 0), with the edge cases (a one-respondent counter
that is a single-PSU stratum, a counter whose shares are all 0, df = 0) under the lonely PSU
options; the R program also checks that our weights are R's (1e-9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from app.audit.service import CLI
from app.config import Settings
from app.rounds.service import get_round
from app.statistics.inference import DomainEstimates, Engine
from app.statistics.load import round_engine
from app.units.service import load_tree
from app.weights.schemas import ComputeRequest
from app.weights.service import compute_weight_set
from tests.factories import CRITERIA, Province
from tests.statistics.design_data import set_design, spread_responses
from tests.statistics.edge_data import EDGE_DEPARTMENT, EDGE_DOMAINS, seed_edges, set_inference
from tests.statistics.r_design import Answers, Columns, Layout, criteria_columns, export, reference
from tests.statistics.r_survey import require_r
from tests.statistics.test_design_based import compare

DEPARTMENTS = {"D1": 2000.0, "D2": 1000.0}
FIELDS = {"land": 1300.0, "business": 800.0, "civil_status": 500.0, "": 400.0}
NONE = "none"  # the R label of "did not answer the field question"

CASES: dict[str, tuple[Any, ...]] = {
    # name: (kind, trim, strata, psu, spread, lonely_psu, ci)
    "rake-unit-strata-average": ("rake", None, "unit", None, False, "average", "wilson"),
    "calibrate-trim-levels": ("rake", (0.1, 20.0), "department", None, False, "adjust", "beta"),
    "poststratify-column-psu": ("poststratify", None, "column", "column", True, "adjust", "logit"),
}


Margin = tuple[str, dict[str, float]]  # a variable and its categories' totals


def weights_request(
    kind: str, trim: tuple[float, float] | None, other: Margin = ("field", FIELDS)
) -> dict[str, Any]:
    """The weight set's inputs: post-strata of ``other``, or raking on the departments and
    ``other``."""
    variable, totals = other
    if kind == "poststratify":
        cells = [{"cell": {variable: c}, "total": t} for c, t in totals.items()]
        return {"method": "poststratify", "cells": cells, "activate": True}
    margins = [
        {"variable": "unit@department", "category": c, "total": t} for c, t in DEPARTMENTS.items()
    ] + [{"variable": variable, "category": c, "total": t} for c, t in totals.items()]
    body: dict[str, Any] = {"method": "rake", "margins": margins, "activate": True}
    if trim:
        body["trim"] = {"lower": trim[0], "upper": trim[1], "scale": "factor"}
    return body


def calibration_file(
    path: Path, kind: str, trim: tuple[float, float] | None, other: Margin = ("field", FIELDS)
) -> Path:
    """survey_design.R's calibration file."""
    variable, totals = other
    r_kind = "poststratify" if kind == "poststratify" else ("calibrate" if trim else "rake")
    lines = [f"{r_kind}\t\t"]
    if kind != "poststratify":
        lines += [f"department\t{c}\t{t!r}" for c, t in DEPARTMENTS.items()]
    lines += [f"{variable}\t{c or NONE}\t{t!r}" for c, t in totals.items()]
    if trim:
        lines.append(f"bounds\t{trim[0]!r}\t{trim[1]!r}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _columns() -> Columns:
    header, values = criteria_columns(CRITERIA)

    def with_field(answers: Answers) -> list[object]:
        return [*values(answers), answers.get("field", [(None, None)])[0][1] or NONE]

    return [*header, "field"], with_field


async def weigh(app: FastAPI, province: Province, body: dict[str, Any]) -> None:
    async with app.state.db.write_sessions.begin() as session:
        instrument = app.state.catalogue.get(province.round.form_code).instrument
        request = ComputeRequest.model_validate(body)
        await compute_weight_set(session, CLI, province.round, instrument, request)
    await app.state.db.engine.dispose()


async def _engine(app: FastAPI, settings: Settings) -> Engine:
    form = app.state.catalogue.get("one-stop-counter")
    async with app.state.db.sessions() as session:
        round_ = await get_round(session, "R2026")
        tree = await load_tree(session)
        return await round_engine(session, round_, form, settings.timezone, tree)


@pytest.mark.parametrize("name", list(CASES))
async def test_calibrated_variance_matches_r(
    app: FastAPI, settings: Settings, tmp_path: Path, name: str
):
    require_r()
    kind, trim, strata, psu, spread, lonely, ci = CASES[name]
    province = await seed_edges(app)
    if spread:
        await spread_responses(app, province)
    await set_design(app, province, "raked", strata, psu, False)
    await set_inference(app, province, ci, lonely)
    await weigh(app, province, weights_request(kind, trim))
    codes = {u.id: code for code, u in province.units.items() if code in EDGE_DEPARTMENT}
    layout = Layout(province.round.id, codes, EDGE_DEPARTMENT, CRITERIA, strata, psu)
    data = tmp_path / "data.csv"
    await export(app, layout, data, settings, _columns())
    instrument = app.state.catalogue.get("one-stop-counter").instrument
    found = await reference(
        data,
        instrument,
        EDGE_DOMAINS,
        (strata, psu, False),
        tmp_path,
        lonely,
        calibration_file(tmp_path / "calibration", kind, trim),
    )
    engine = await _engine(app, settings)
    expected = {"poststratify": "poststratify", "rake": "calibrate" if trim else "rake"}[kind]
    assert engine.design.calibration == expected
    assert "calibration-aware" in str(engine.design.describe()["variance_method"])
    ids = {d: {province.units[u].id for u in units} for d, units in EDGE_DOMAINS.items()}
    ours: dict[str, DomainEstimates] = {d: engine.domain(units) for d, units in ids.items()}
    checked = compare(ours, found, ci)
    assert checked == 2 * 16 + sum(16 + 5 + 1 - 2 * (d == "C13") for d in ours)
    # exact zeros stay exact: C13's one answer per criterion, C22's unsatisfied answers
    for est in [*ours["C13"].criteria.values(), *ours["C22"].criteria.values()]:
        if est.index is not None:
            assert est.se == 0.0  # "average": every stratum counts, so C13 is averaged
    # and the calibration matters: the residual SE of the province differs from fixed weights
    engine.calibration = None
    fixed = engine.domain(ids["P"])
    assert all(
        abs((fixed.criteria[c].se or 0) - (ours["P"].criteria[c].se or 0)) > 1e-6
        for c in CRITERIA
        if ours["P"].criteria[c].se
    )
