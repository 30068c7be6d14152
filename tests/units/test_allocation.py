"""Allocation by shares where its variance cannot be estimated: flagged, never guessed."""

from __future__ import annotations

import math

from fastapi import FastAPI

from app.config import Settings
from app.reporting.comparisons import previous_result
from app.rounds.service import get_round
from app.statistics.load import round_engine
from app.units.service import load_tree
from tests.factories import add_response, make_province, ratings

PLAN = [("C11", 5), ("C11", 2), ("C11", 4), ("C12", 2), ("C12", 5), ("C12", 1)]


async def test_a_group_of_cells_cut_by_shares_has_no_variance(app: FastAPI, settings: Settings):
    """Cells are grouped by the domains an engine plans; a group holding units that an
    allocation weights differently cannot be scaled: the SE is null, the point still given
    (and equal to the one with a plan that separates them, whose SE is known)."""
    province = await make_province(app)
    for unit, level in PLAN:
        await add_response(app, province, unit, ratings({}, default=level))
    form = app.state.catalogue.get(province.round.form_code)
    shares = {province.units["C11"].id: 1.0, province.units["C12"].id: 0.25}
    found = {}
    async with app.state.db.sessions() as session:
        round_ = await get_round(session, province.round.code)
        tree = await load_tree(session)
        for name, plan in (("together", [set(shares)]), ("apart", [{u} for u in shares])):
            engine = await round_engine(
                session, round_, form, settings.timezone, tree, domains=plan, live=True
            )
            found[name] = engine.allocated(shares).overall
    together, apart = found["together"], found["apart"]
    assert together.se is None and together.ci95 is None
    assert apart.se is not None and apart.se > 0
    assert together.index is not None and apart.index is not None
    assert math.isclose(together.index, apart.index, rel_tol=1e-12)
    # The change from it says why its SE is missing.
    item = type("Item", (), {"se": 1.0})()
    flagged = previous_result(50.0, item, together, None, "shares")
    assert flagged.se is None and flagged.se_note == "allocation"
    assert flagged.share_variance == "not_estimable"
    estimated = previous_result(50.0, item, apart, None, "shares")
    assert estimated.se_note is None and estimated.share_variance == "shares_fixed"
    assert previous_result(50.0, item, apart, None, "same").share_variance is None
