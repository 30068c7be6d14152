"""A round's responses as design.R reads them, R's reference estimates, and the comparison.

One CSV row per valid response: its weight (as the estimates use it), stratum and PSU labels
as the round's design defines them, and sat_/ans_ indicators per criterion (N/A: both 0).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.config import Settings
from app.forms.schema import Instrument
from app.models import Answer, Response
from app.models.base import as_utc
from app.statistics.tally import weighted_responses
from tests.statistics.r_survey import run_r

R_PROGRAM = (Path(__file__).parent / "design.R").read_text()


@dataclass(frozen=True)
class Layout:
    """What to write for one round: its units (id -> code), each unit's department, the
    criteria and the design's strata and PSU kinds (as Round.design_strata / design_psu)."""

    round_id: int
    units: dict[int, str]
    department: dict[str, str]
    criteria: list[str]
    strata: str | None = None
    psu: str | None = None
    volumes: dict[str, int | None] = field(default_factory=dict)  # the fpc column
    # 'channel' or a single-choice question: the unit column reads "<unit>/<answer>", so
    # that a domain "subtree and category" is a set of such labels
    split_by: str | None = None


def _stratum(layout: Layout, unit: str, response: Response) -> str:
    if layout.strata == "unit":
        return unit
    if layout.strata == "column":
        return response.stratum or ""
    return layout.department[unit] if layout.strata == "department" else "all"


def _psu(layout: Layout, unit: str, response: Response, zone: ZoneInfo) -> str:
    if layout.psu == "column":
        return response.psu or f"#{response.id}"
    if layout.psu == "day":
        return f"{unit}:{as_utc(response.submitted_at).astimezone(zone).date()}"
    return str(response.id)


async def export(app: FastAPI, layout: Layout, path: Path, settings: Settings) -> None:
    zone = ZoneInfo(settings.timezone)
    questions = [*layout.criteria, layout.split_by or ""]
    async with app.state.db.sessions() as session:
        weighted = weighted_responses(layout.round_id).subquery()
        rows = await session.execute(
            select(Response, weighted.c.weight).join(weighted, weighted.c.id == Response.id)
        )
        answers = await session.execute(
            select(Answer.response_id, Answer.question, Answer.value, Answer.text)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id == layout.round_id, Answer.question.in_(questions))
        )
        values = {(rid, q): (v, t) for rid, q, v, t in answers}
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["unit", "department", "weight", "stratum", "psu", "fpc"]
            + [f"{k}_{c}" for c in layout.criteria for k in ("sat", "ans")]
        )
        for response, weight in rows:
            unit = layout.units[response.unit_id]
            flags = []
            for c in layout.criteria:
                v = values.get((response.id, c), (None, None))[0]
                flags += [int(v is not None and v >= 4), int(v is not None)]
            label = unit
            if layout.split_by == "channel":
                label = f"{unit}/{response.channel}"
            elif layout.split_by:
                label = f"{unit}/{values.get((response.id, layout.split_by), (None, ''))[1]}"
            out.writerow(
                [
                    label,
                    layout.department[unit],
                    repr(float(weight)),
                    _stratum(layout, unit, response),
                    _psu(layout, unit, response, zone),
                    layout.volumes.get(unit),
                    *flags,
                ]
            )


Reference = dict[tuple[str, str, str], list[float]]


def parse(output: str) -> Reference:
    parsed = {}
    for line in output.strip().splitlines():
        domain, kind, name, *numbers = line.split("\t")
        parsed[(domain, kind, name)] = [float(x) for x in numbers]
    return parsed


async def reference(
    data: Path,
    instrument: Instrument,
    domains: dict[str, list[str]],
    flags: tuple[object, object, object],
    workdir: Path,
) -> Reference:
    """design.R's estimates for ``domains`` (name -> unit labels); flags: strata, psu, fpc."""
    elements = workdir / "elements"
    elements.write_text(
        "".join(
            f"{e.code}:{','.join(q.code for q in instrument.criteria_of(e.code))}\n"
            for e in instrument.elements
        )
    )
    listed = workdir / "domains"
    listed.write_text("".join(f"{d}:{','.join(units)}\n" for d, units in domains.items()))
    criteria = ",".join(q.code for q in instrument.criteria)
    args = [str(int(bool(x))) for x in flags]
    output = await anyio.to_thread.run_sync(
        lambda: run_r(R_PROGRAM, data, criteria, elements, listed, *args, workdir=workdir)
    )
    return parse(output)


def close(ours: float | None, theirs: float) -> None:
    assert ours is not None
    assert ours == pytest.approx(theirs, rel=1e-8, abs=1e-13)
