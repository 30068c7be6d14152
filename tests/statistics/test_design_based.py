"""Design-based estimates agree with R's survey package to 1e-8 (relative), for the designs a
round can declare: weights only; strata (unit, level, column) with and without fpc; clusters
(PSU column, counter-days); with N/A answers, unequal weights and a single-PSU stratum. Both
the maintained tallies and the live computation are checked against the same R run."""

from __future__ import annotations

import csv
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.config import Settings
from app.models import Answer, Response
from app.models.base import as_utc
from app.rounds.service import get_round
from app.statistics.inference import DomainEstimates, Estimate
from app.statistics.load import round_engine
from app.statistics.tally import weighted_responses
from app.units.service import load_tree
from tests.factories import CRITERIA, Province
from tests.statistics.design_data import VOLUMES, seed, set_design, spread_responses
from tests.statistics.r_survey import require_r, run_r

R_PROGRAM = (Path(__file__).parent / "design.R").read_text()
DEPARTMENT = {"C11": "D1", "C12": "D1", "C21": "D2"}
DOMAINS = {"P": ["C11", "C12", "C21"], "D1": ["C11", "C12"], "D2": ["C21"]} | {
    c: [c] for c in DEPARTMENT
}
CASES = {
    # name: (weighting, strata, psu, fpc, base weights and design columns)
    "weights-only": ("volume", None, None, False, False),
    "unit-strata-fpc": ("volume", "unit", None, True, False),
    "unit-strata-base-weights": ("as-given", "unit", None, False, True),
    "level-strata": ("as-given", "department", None, False, True),
    "column-strata-column-psu-lonely": ("as-given", "column", "column", False, True),
    "unit-strata-day-psu": ("volume", "unit", "day", False, True),
}


def _stratum(strata: str | None, unit: str, response: Response) -> str:
    if strata == "unit":
        return unit
    if strata == "column":
        return response.stratum or ""
    return DEPARTMENT[unit] if strata == "department" else "all"


def _psu(psu: str | None, unit: str, response: Response, zone: ZoneInfo) -> str:
    if psu == "column":
        return response.psu or f"#{response.id}"
    if psu == "day":
        return f"{unit}:{as_utc(response.submitted_at).astimezone(zone).date()}"
    return str(response.id)


async def export(
    app: FastAPI, province: Province, case: tuple, path: Path, settings: Settings
) -> None:
    """One row per valid response: weight (tally.weighted_responses), design labels, and
    sat_/ans_ indicators per criterion (N/A: both 0)."""
    _weighting, strata, psu, _fpc, _spread = case
    code = {u.id: c for c, u in province.units.items()}
    zone = ZoneInfo(settings.timezone)
    async with app.state.db.sessions() as session:
        weighted = weighted_responses(province.round.id).subquery()
        rows = await session.execute(
            select(Response, weighted.c.weight).join(weighted, weighted.c.id == Response.id)
        )
        answers = await session.execute(
            select(Answer.response_id, Answer.question, Answer.value).where(
                Answer.question.in_(CRITERIA), Answer.value.is_not(None)
            )
        )
        values = {(rid, q): v for rid, q, v in answers}
        with path.open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(
                ["unit", "department", "weight", "stratum", "psu", "fpc"]
                + [f"{k}_{c}" for c in CRITERIA for k in ("sat", "ans")]
            )
            for response, weight in rows:
                unit = code[response.unit_id]
                flags = []
                for c in CRITERIA:
                    v = values.get((response.id, c))
                    flags += [int(v is not None and v >= 4), int(v is not None)]
                out.writerow(
                    [
                        unit,
                        DEPARTMENT[unit],
                        repr(float(weight)),
                        _stratum(strata, unit, response),
                        _psu(psu, unit, response, zone),
                        VOLUMES[unit],
                        *flags,
                    ]
                )


def parse(output: str) -> dict[tuple[str, str, str], list[float]]:
    parsed = {}
    for line in output.strip().splitlines():
        domain, kind, name, *numbers = line.split("\t")
        parsed[(domain, kind, name)] = [float(x) for x in numbers]
    return parsed


def close(ours: float | None, theirs: float) -> None:
    assert ours is not None
    assert ours == pytest.approx(theirs, rel=1e-8, abs=1e-13)


def check_criterion(est: Estimate, r: list[float]) -> None:
    index, se, low, high, deff, df = r
    assert est.index is not None and est.se is not None and est.ci95 is not None
    close(est.index / 100, index)
    close(est.se / 100, se)
    close(est.ci95[0] / 100, low)
    close(est.ci95[1] / 100, high)
    close(est.deff, deff)
    assert est.df == int(df)


def compare(ours: dict[str, DomainEstimates], r: dict[tuple[str, str, str], list[float]]) -> int:
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
    weighting, strata, psu, fpc, spread = case
    province = await seed(app)
    if spread:
        await spread_responses(app, province)
    await set_design(app, province, weighting, strata, psu, fpc)
    data = tmp_path / "data.csv"
    await export(app, province, case, data, settings)
    instrument = app.state.catalogue.get("one-stop-counter").instrument
    (tmp_path / "elements").write_text(
        "\n".join(
            f"{e.code}:{','.join(q.code for q in instrument.criteria_of(e.code))}"
            for e in instrument.elements
        )
        + "\n"
    )
    (tmp_path / "domains").write_text(
        "\n".join(f"{d}:{','.join(units)}" for d, units in DOMAINS.items()) + "\n"
    )
    flags = [str(int(bool(x))) for x in (strata, psu, fpc)]
    output = await anyio.to_thread.run_sync(
        lambda: run_r(
            R_PROGRAM,
            data,
            ",".join(CRITERIA),
            tmp_path / "elements",
            tmp_path / "domains",
            *flags,
            workdir=tmp_path,
        )
    )
    reference = parse(output)

    form = app.state.catalogue.get("one-stop-counter")
    for live in (False, True):
        async with app.state.db.sessions() as session:
            round_ = await get_round(session, "R2026")
            tree = await load_tree(session)
            engine = await round_engine(session, round_, form, settings.timezone, tree, live=live)
        ours = {
            d: engine.domain({province.units[u].id for u in units}) for d, units in DOMAINS.items()
        }
        assert compare(ours, reference) == len(DOMAINS) * (16 + 5 + 1) + 2 * 16
