"""Design-based estimates agree with R's survey package to 1e-8 (relative), for the designs a
round can declare: weights only; strata (unit, level, column) with and without fpc; clusters
(PSU column, counter-days); with N/A answers, unequal weights and a single-PSU stratum. Both
the maintained tallies and the live computation are checked against the same R run."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi import FastAPI

from app.config import Settings
from app.forms.schema import Aggregation, Instrument
from app.rounds.service import get_round
from app.statistics.inference import DomainEstimates, Estimate
from app.statistics.load import round_engine
from app.units.service import load_tree
from tests.statistics.design_data import CASES, DOMAINS, apply_case, layout_of, seed
from tests.statistics.r_design import Reference, export, reference
from tests.statistics.r_survey import close, require_r


def check_interval(ours: tuple[float, float] | None, low: float, high: float) -> None:
    """Ours is None exactly where R's interval is NaN."""
    if math.isnan(low) or math.isnan(high):
        assert ours is None
        return
    assert ours is not None
    close(ours[0] / 100, low)
    close(ours[1] / 100, high)


def check_se(ours: float | None, theirs: float) -> None:
    """R's SE, or 0 where R's is NaN: svycontrast's variance of a constant, rounded below 0
    (or none: lonely.psu "average" without a stratum of several PSUs)."""
    if ours is None:
        assert math.isnan(theirs)
        return
    close(ours / 100, 0.0 if math.isnan(theirs) else theirs)


def check_criterion(est: Estimate, r: list[float], method: str) -> None:
    index, se, low, high, deff, df, beta_low, beta_high, w_low, w_high = r
    assert est.index is not None
    close(est.index / 100, index)
    if math.isnan(se):  # lonely.psu "average" without a stratum of several PSUs
        assert est.se is None and est.ci95 is None
        return
    assert est.se is not None
    close(est.se / 100, se)
    if est.se == 0.0 or math.isnan(deff):  # no design effect without a variance
        assert est.deff is None and (math.isnan(deff) or deff < 1e-12)
    else:
        close(est.deff, deff)
    assert est.df == int(df)
    bounds = {"logit": (low, high), "beta": (beta_low, beta_high), "wilson": (w_low, w_high)}
    check_interval(est.ci95, *bounds[method])


def compare(ours: dict[str, DomainEstimates], r: Reference, method: str = "logit") -> int:
    checked = 0
    for (domain, kind, name), numbers in r.items():
        if kind == "fail" or kind.startswith("pooled"):
            continue
        if kind == "svyby":
            est = ours[domain].criteria[name]
            close((est.index or 0) / 100, numbers[0])
            close((est.se or 0) / 100, numbers[1])
        elif kind == "criterion":
            check_criterion(ours[domain].criteria[name], numbers, method)
        else:
            est = ours[domain].elements[name] if kind == "element" else ours[domain].overall
            close((est.index or 0) / 100, numbers[0])
            check_se(est.se, numbers[1])
        checked += 1
    return checked


def compare_pooled(ours: dict[str, DomainEstimates], r: Reference, overall: str) -> int:
    """Pooled elements and ``overall`` ("pooled_overall" or "pooled_mean") against R."""
    checked = 0
    for (domain, kind, name), numbers in r.items():
        if kind == "pooled_element":
            est = ours[domain].elements[name]
        elif kind == overall:
            est = ours[domain].overall
        else:
            continue
        close((est.index or 0) / 100, numbers[0])
        check_se(est.se, numbers[1])
        checked += 1
    return checked


def pooled(instrument: Instrument, overall: str) -> Instrument:
    """The instrument with pooled elements and ``overall`` as its overall rule."""
    rule = Aggregation(element="pooled", overall=overall)  # type: ignore[arg-type]
    return instrument.model_copy(update={"aggregation": rule})


@pytest.mark.parametrize("name", list(CASES))
async def test_estimates_and_standard_errors_match_r(
    app: FastAPI, settings: Settings, tmp_path: Path, name: str
):
    require_r()
    case = CASES[name]
    province = await seed(app)
    await apply_case(app, province, case)
    data = tmp_path / "data.csv"
    await export(app, layout_of(province, case), data, settings)
    instrument = app.state.catalogue.get("one-stop-counter").instrument
    found = await reference(data, instrument, DOMAINS, case[1:4], tmp_path)

    form = app.state.catalogue.get("one-stop-counter")
    for live in (False, True):
        async with app.state.db.sessions() as session:
            round_ = await get_round(session, "R2026")
            tree = await load_tree(session)
            engine = await round_engine(session, round_, form, settings.timezone, tree, live=live)
        for method in ("logit", "beta", "wilson"):
            engine.design = replace(engine.design, ci=method)
            ours = {
                d: engine.domain({province.units[u].id for u in units})
                for d, units in DOMAINS.items()
            }
            assert compare(ours, found, method) == len(DOMAINS) * (16 + 5 + 1) + 2 * 16
        for overall, kind in (("pooled", "pooled_overall"), ("mean_of_elements", "pooled_mean")):
            engine.instrument = pooled(instrument, overall)
            ours = {
                d: engine.domain({province.units[u].id for u in units})
                for d, units in DOMAINS.items()
            }
            assert compare_pooled(ours, found, kind) == len(DOMAINS) * (5 + 1)
        engine.instrument = instrument
