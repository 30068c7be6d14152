"""Edge cases against R's survey package (1e-8 relative; 1e-13 absolute where R's value is
0): one-respondent domains, shares of 0 and 100, constant elements, single-PSU strata under
each survey.lonely.psu option, df = 0, and the fpc per stratum of single-stage designs (no
strata, unit strata, strata at a unit level). Both the maintained and the live paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from app.config import Settings
from app.rounds.service import get_round
from app.statistics.inference import DomainEstimates, Engine, LonelyStratum
from app.statistics.load import round_engine
from app.units.service import load_tree
from tests.factories import CRITERIA, Province
from tests.statistics.design_data import set_design, spread_responses
from tests.statistics.edge_data import (
    EDGE_DEPARTMENT,
    EDGE_DOMAINS,
    seed_edges,
    set_inference,
    stratum_sizes,
)
from tests.statistics.r_design import Layout, Reference, export, reference
from tests.statistics.r_survey import require_r
from tests.statistics.test_design_based import compare

CASES = {
    # name: (weighting, strata, psu, fpc, spread, lonely_psu, ci)
    "no-strata-fpc": ("volume", None, None, True, False, "adjust", "beta"),
    "unit-strata-fpc-adjust": ("volume", "unit", None, True, False, "adjust", "wilson"),
    "unit-strata-fpc-average": ("volume", "unit", None, True, False, "average", "beta"),
    "unit-strata-certainty": ("volume", "unit", None, False, False, "certainty", "logit"),
    "unit-strata-remove": ("volume", "unit", None, False, False, "remove", "beta"),
    "unit-strata-fail": ("volume", "unit", None, False, False, "fail", "beta"),
    "level-strata-fpc": ("as-given", "department", None, True, True, "adjust", "beta"),
    "column-psu-average": ("as-given", "column", "column", False, True, "average", "wilson"),
    "column-psu-fail": ("as-given", "column", "column", False, True, "fail", "logit"),
}


async def _engine(app: FastAPI, settings: Settings, live: bool) -> Engine:
    form = app.state.catalogue.get("one-stop-counter")
    async with app.state.db.sessions() as session:
        round_ = await get_round(session, "R2026")
        tree = await load_tree(session)
        return await round_engine(session, round_, form, settings.timezone, tree, live=live)


def _ours(engine: Engine, province: Province, failed: set[str]) -> dict[str, DomainEstimates]:
    """Every domain's estimates; those R refuses ("fail") must be refused here too."""
    found = {}
    for name, units in EDGE_DOMAINS.items():
        ids = {province.units[u].id for u in units}
        if name in failed:
            with pytest.raises(LonelyStratum, match="only one PSU"):
                engine.domain(ids)
        else:
            found[name] = engine.domain(ids)
    return found


def _check_edges(ours: dict[str, DomainEstimates], ci: str, averaged_alone: bool) -> None:
    """Exact zeros where the truth is 0 (none where C13 is a single-PSU stratum under
    "average": R has no stratum to average), honest intervals at 0 and 100."""
    if "C13" in ours:
        lone = ours["C13"]
        zero = None if averaged_alone else 0.0
        for est in [*lone.criteria.values(), *lone.elements.values(), lone.overall]:
            if est.index is not None:
                assert est.se == zero and est.deff is None and est.df == 0 and est.ci95 is None
    if "C22" in ours:
        for est in ours["C22"].criteria.values():
            assert est.index == 0.0 and est.se == 0.0 and est.deff is None
            if ci == "logit" or est.df < 1:  # no logit at 0; no t on 0 df
                assert est.ci95 is None
            else:  # [0, upper]: the upper bound > 0 however small n
                assert est.ci95 is not None and est.ci95[0] == 0.0 and est.ci95[1] > 1


@pytest.mark.parametrize("name", list(CASES))
async def test_edge_estimates_match_r(app: FastAPI, settings: Settings, tmp_path: Path, name: str):
    require_r()
    weighting, strata, psu, fpc, spread, lonely, ci = CASES[name]
    province = await seed_edges(app)
    if spread:
        await spread_responses(app, province)
    await set_design(app, province, weighting, strata, psu, fpc)
    await set_inference(app, province, ci, lonely)
    codes = {u.id: code for code, u in province.units.items() if code in EDGE_DEPARTMENT}
    layout = Layout(
        province.round.id, codes, EDGE_DEPARTMENT, CRITERIA, strata, psu, stratum_sizes(strata)
    )
    data = tmp_path / "data.csv"
    await export(app, layout, data, settings)
    instrument = app.state.catalogue.get("one-stop-counter").instrument
    found: Reference = await reference(
        data, instrument, EDGE_DOMAINS, (strata, psu, fpc), tmp_path, lonely
    )
    failed = {domain for domain, kind, _ in found if kind == "fail"}
    assert (lonely == "fail") == bool(failed)
    for live in (False, True):
        ours = _ours(await _engine(app, settings, live), province, failed)
        checked = compare(ours, found, ci)
        svyby = 0 if lonely == "fail" else 2 * 16
        # C13 has no answer to ACC1 and FBK3
        assert checked == svyby + sum(16 + 5 + 1 - 2 * (d == "C13") for d in ours)
        _check_edges(ours, ci, lonely == "average" and strata == "unit")
