"""Design-based estimates agree with R's survey package to 1e-8 (relative), for the designs a
round can declare: weights only; strata (unit, level, column) with and without fpc; clusters
(PSU column, counter-days); with N/A answers, unequal weights and a single-PSU stratum. Both
the maintained tallies and the live computation are checked against the same R run."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from app.config import Settings
from app.rounds.service import get_round
from app.statistics.inference import DomainEstimates, Estimate
from app.statistics.load import round_engine
from app.units.service import load_tree
from tests.statistics.design_data import CASES, DOMAINS, apply_case, layout_of, seed
from tests.statistics.r_design import Reference, export, reference
from tests.statistics.r_survey import close, require_r


def check_criterion(est: Estimate, r: list[float]) -> None:
    index, se, low, high, deff, df, *_ = r
    assert est.index is not None and est.se is not None and est.ci95 is not None
    close(est.index / 100, index)
    close(est.se / 100, se)
    close(est.ci95[0] / 100, low)
    close(est.ci95[1] / 100, high)
    close(est.deff, deff)
    assert est.df == int(df)


def compare(ours: dict[str, DomainEstimates], r: Reference) -> int:
    checked = 0
    for (domain, kind, name), numbers in r.items():
        if kind == "svyby":
            est = ours[domain].criteria[name]
            close((est.index or 0) / 100, numbers[0])
            close((est.se or 0) / 100, numbers[1])
        elif kind == "criterion":
            check_criterion(ours[domain].criteria[name], numbers)
        else:
            est = ours[domain].elements[name] if kind == "element" else ours[domain].overall
            close((est.index or 0) / 100, numbers[0])
            close((est.se or 0) / 100, numbers[1])
        checked += 1
    return checked


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
        ours = {
            d: engine.domain({province.units[u].id for u in units}) for d, units in DOMAINS.items()
        }
        assert compare(ours, found) == len(DOMAINS) * (16 + 5 + 1) + 2 * 16
