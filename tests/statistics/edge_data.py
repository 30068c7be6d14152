"""The design-based seed (tests.statistics.design_data) and the edge cases a statistician
checks: a counter with one respondent (C13: every criterion 100, a single-PSU stratum when
strata are units, a domain with df = 0) and one whose answers are all unsatisfied (C22: every
share 0, constant elements), both with N/A answers."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

from app.audit.service import CLI
from app.rounds.service import set_volume
from app.units.service import upsert_unit
from tests.factories import CRITERIA, Province, add_response, ratings
from tests.statistics.design_data import DEPARTMENT, VOLUMES, seed

EDGE_DEPARTMENT = DEPARTMENT | {"C13": "D1", "C22": "D2"}
EDGE_VOLUMES = VOLUMES | {"C13": 40, "C22": 61}
EDGE_DOMAINS = (
    {"P": list(EDGE_DEPARTMENT)}
    | {d: [c for c, p in EDGE_DEPARTMENT.items() if p == d] for d in ("D1", "D2")}
    | {c: [c] for c in EDGE_DEPARTMENT}
)


async def seed_edges(app: FastAPI) -> Province:
    """The design seed, then C13 (one response, all satisfied but two N/A) and C22 (three
    responses, none satisfied, a few N/A)."""
    province = await seed(app)
    async with app.state.db.write_sessions.begin() as session:
        for code, parent in (("C13", "D1"), ("C22", "D2")):
            unit = await upsert_unit(session, CLI, code, f"Đơn vị {code}", "counter", parent)
            province.units[code] = unit
            await set_volume(session, CLI, province.round, unit, EDGE_VOLUMES[code])
    await add_response(app, province, "C13", ratings({"ACC1": "na", "FBK3": "na"}, default=5))
    for k in range(3):
        values: dict[str, int | str] = {c: 1 + (i + k) % 3 for i, c in enumerate(CRITERIA)}
        values[CRITERIA[k]] = "na"
        await add_response(app, province, "C22", ratings(values))
    return province


async def set_inference(app: FastAPI, province: Province, ci: str, lonely_psu: str) -> None:
    """The round's interval method and single-PSU strata option."""
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(
            text("UPDATE round SET design_ci = :c, design_lonely_psu = :l WHERE id = :r"),
            {"c": ci, "l": lonely_psu, "r": province.round.id},
        )
    await app.state.db.engine.dispose()


def stratum_sizes(strata: str | None) -> dict[str, int | None]:
    """Each counter's fpc column: N_h of its stratum (the volumes of the units in it)."""
    if strata == "unit":
        return dict(EDGE_VOLUMES)
    group = EDGE_DEPARTMENT if strata == "department" else dict.fromkeys(EDGE_DEPARTMENT, "all")
    total: dict[str, int] = {}
    for unit, label in group.items():
        total[label] = total.get(label, 0) + (EDGE_VOLUMES[unit] or 0)
    return {unit: total[group[unit]] for unit in EDGE_DEPARTMENT}
