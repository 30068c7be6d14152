"""The change from the previous round, design-based: each round's figures under its own
design, weights and instrument version, following a merge and a renamed criterion; the SE of
the change agrees with R (svyratio on each round's design separately) to 1e-8."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI
from sqlalchemy import select

from app.audit.service import CLI
from app.config import Settings
from app.forms.schema import Instrument
from app.models import Unit
from app.reporting.previous import answered_form
from app.statistics.comparisons import Z95
from app.units.lineage import MergeRequest, merge_units
from tests.factories import CRITERIA, Province, make_province, province_today, ratings
from tests.reporting.helpers import add_round, api_client, as_old, respond, revised_app
from tests.statistics.design_data import set_design, spread_responses
from tests.statistics.r_design import Layout, Reference, export, reference
from tests.statistics.r_survey import close, require_r

TODAY = province_today()
DEPARTMENT = {"C11": "D1", "C12": "D1", "C1X": "D1", "C21": "D2"}
# Satisfied (4 or 5) with probability 1/2 at the one-stop counters in both rounds; at C21
# with 1/5 last year and 5/6 this year.
SAME = [2, 3, 3, 4, 5, 5]
BEFORE, AFTER = [1, 2, 2, 3, 4], [3, 4, 5, 5, 5, 5]
OLD_DOMAINS = {"P": ["C11", "C12", "C21"], "D1": ["C11", "C12"], "D2": ["C21"]}
OLD_DOMAINS |= {"C1X": OLD_DOMAINS["D1"], "C21": ["C21"]}  # C1X then: its predecessors
NEW_DOMAINS = {"P": ["C1X", "C21"], "D1": ["C1X"], "D2": ["C21"], "C1X": ["C1X"], "C21": ["C21"]}


async def _answer(
    app: FastAPI, province: Province, plan: list[tuple[str, int, list[int]]], old: int | None
) -> None:
    """Random ratings from ``levels`` (10% N/A) over four days; ``old``: as 2024.1 answers."""
    rng = random.Random(11 if old else 13)
    start = datetime.combine(province.round.starts_on, datetime.min.time(), UTC)
    for unit, n, levels in plan:
        for _ in range(n):
            values: dict[str, int | str] = {
                c: "na" if rng.random() < 0.1 else rng.choice(levels) for c in CRITERIA
            }
            answers = as_old(ratings(values)) if old else ratings(values)
            when = start + timedelta(hours=rng.randint(2, 90))
            await respond(app, province, unit, answers, form_version_id=old, submitted_at=when)


async def _two_rounds(app: FastAPI, old_version: int | None) -> tuple[Province, Province]:
    """R2025 (2024.1, ACC1 named OLDACC1; ``old_version`` None: today's version): C11, C12,
    C21; given weights, column strata and PSUs. C11 and C12 then merge into C1X. R2026B: C1X
    and C21; volume weights, unit strata, counter-day PSUs."""
    volumes: dict[str, int | None] = {"C11": 1200, "C12": 400, "C21": 300}
    before = await make_province(app, round_code="R2025", volumes=volumes, status="closed")
    plan = [("C11", 18, SAME), ("C12", 12, SAME), ("C21", 12, BEFORE)]
    await _answer(app, before, plan, old_version)
    await spread_responses(app, before)
    await set_design(app, before, "as-given", "column", "column")
    async with app.state.db.write_sessions.begin() as session:
        merge = MergeRequest(["C11", "C12"], "C1X", TODAY, name="Một cửa liên xã")
        await merge_units(session, CLI, merge)
        c1x = await session.scalar(select(Unit).where(Unit.code == "C1X"))
    assert c1x is not None
    units = {**before.units, "C1X": c1x}
    now = await add_round(
        app,
        Province(before.round, units),
        "R2026B",
        TODAY + timedelta(days=1),
        {"C1X": 1500, "C21": 300},
        status="open",
    )
    await _answer(app, now, [("C1X", 24, SAME), ("C21", 15, AFTER)], None)
    await set_design(app, now, "volume", "unit", "day")
    return before, now


async def _reference(
    app: FastAPI, layout: Layout, instrument: Instrument, domains: dict[str, list[str]], at: Path
) -> Reference:
    await anyio.Path(at).mkdir()
    await export(app, layout, at / "data.csv", app.state.settings)
    flags = (layout.strata, layout.psu, False)
    return await reference(at / "data.csv", instrument, domains, flags, at)


def _check(item: dict[str, Any], then: list[float], now: list[float]) -> bool:
    """``item``'s previous figure and the SE of its change against R; its significance."""
    previous = item["previous"]
    close(previous["index"] / 100, then[0])
    close(previous["se"] / 100, then[1])
    close(item["se"] / 100, now[1])
    close(previous["delta_se"] / 100, math.sqrt(then[1] ** 2 + now[1] ** 2))
    close(previous["delta"] / 100, now[0] - then[0])
    significant = abs(now[0] - then[0]) > Z95 * math.sqrt(then[1] ** 2 + now[1] ** 2)
    assert previous["significant"] is significant
    return significant


async def test_the_change_and_its_standard_error_agree_with_r(
    app: FastAPI, settings: Settings, forms_dir: Path, tmp_path: Path
):
    require_r()
    async with revised_app(app, settings, forms_dir, tmp_path) as (revised, old_version):
        before, now = await _two_rounds(revised, old_version)
        codes = {u.id: code for code, u in now.units.items()}
        old_criteria = ["OLDACC1", *CRITERIA[1:]]
        then_layout = Layout(before.round.id, codes, DEPARTMENT, old_criteria, "column", "column")
        now_layout = Layout(now.round.id, codes, DEPARTMENT, CRITERIA, "unit", "day")
        async with revised.state.db.sessions() as session:
            old = await answered_form(session, revised.state.catalogue, before.round)
        assert old.version == "2024.1"
        then = await _reference(revised, then_layout, old.instrument, OLD_DOMAINS, tmp_path / "a")
        new = revised.state.catalogue.get("one-stop-counter").instrument
        found = await _reference(revised, now_layout, new, NEW_DOMAINS, tmp_path / "b")
        async with api_client(revised) as client:
            reports = {
                unit: (await client.get(f"/api/v1/rounds/R2026B/satisfaction?unit={unit}")).json()
                for unit in ("P", "D1", "D2")
            }
    outcomes: dict[tuple[str, str], bool] = {}
    for unit, report in reports.items():
        assert report["previous_round"] == "R2025"
        outcomes[(unit, "")] = _check(
            report, then[(unit, "overall", "")], found[(unit, "overall", "")]
        )
        for element in report["elements"]:
            key = (unit, "element", element["code"])
            outcomes[(unit, element["code"])] = _check(element, then[key], found[key])
            for c in element["criteria"]:
                old = "OLDACC1" if c["code"] == "ACC1" else c["code"]
                then_c, now_c = (
                    then[(unit, "criterion", old)],
                    found[(unit, "criterion", c["code"])],
                )
                outcomes[(unit, c["code"])] = _check(c, then_c, now_c)
        for child in report["children"]:
            code = child["code"]
            _check(child, then[(code, "overall", "")], found[(code, "overall", "")])
    # C21 (all of D2) rose from 1 in 5 satisfied to 5 in 6: significant; C1X (all of D1)
    # did not change its distribution: not significant.
    assert outcomes[("D2", "")] is True and outcomes[("D1", "")] is False
    assert len(outcomes) == 3 * (1 + 5 + 16)
