"""A round's responses as design.R reads them, R's reference estimates, and the comparison.

One CSV row per valid response: its weight (as the estimates use it), stratum and PSU labels
as the round's design defines them, and sat_/ans_ indicators per criterion (N/A: both 0) or
the columns a test asks for (e.g. the answers to other questions).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
from fastapi import FastAPI
from sqlalchemy import select

from app.config import Settings
from app.forms.schema import Instrument
from app.models import Answer, Response
from app.models.base import as_utc
from app.statistics.weighted import weighted_responses
from tests.statistics.r_survey import R_SETUP, run_r

R_PROGRAM = R_SETUP + (Path(__file__).parent / "design.R").read_text()
# A response's answers: question -> [(value, text)] in ordinal order
Answers = dict[str, list[tuple[float | None, str | None]]]
# Extra CSV columns: their header, and their values from a response's answers
Columns = tuple[list[str], Callable[[Answers], list[object]]]


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


def criteria_columns(criteria: list[str]) -> Columns:
    """sat_/ans_ indicators per criterion (N/A and unanswered: both 0)."""

    def values(answers: Answers) -> list[object]:
        flags: list[object] = []
        for c in criteria:
            v = answers.get(c, [(None, None)])[0][0]
            flags += [int(v is not None and v >= 4), int(v is not None)]
        return flags

    return [f"{k}_{c}" for c in criteria for k in ("sat", "ans")], values


async def _answers(app: FastAPI, round_id: int) -> dict[int, Answers]:
    found: dict[int, Answers] = {}
    async with app.state.db.sessions() as session:
        stored = await session.execute(
            select(Answer.response_id, Answer.question, Answer.value, Answer.text)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id == round_id)
            .order_by(Answer.response_id, Answer.question, Answer.ordinal)
        )
        for rid, question, value, option in stored:
            found.setdefault(rid, {}).setdefault(question, []).append((value, option))
    return found


def _label(layout: Layout, unit: str, response: Response, answers: Answers) -> str:
    if layout.split_by == "channel":
        return f"{unit}/{response.channel}"
    if layout.split_by:
        return f"{unit}/{answers.get(layout.split_by, [(None, '')])[0][1]}"
    return unit


async def export(
    app: FastAPI, layout: Layout, path: Path, settings: Settings, columns: Columns | None = None
) -> None:
    """The round's valid responses with their design labels, then ``columns`` (default: the
    layout's criteria as sat_/ans_ indicators)."""
    zone = ZoneInfo(settings.timezone)
    header, values = columns or criteria_columns(layout.criteria)
    answers = await _answers(app, layout.round_id)
    async with app.state.db.sessions() as session:
        weighted = weighted_responses(layout.round_id).subquery()
        base = weighted_responses(layout.round_id, calibrated=False).subquery()
        rows = await session.execute(
            select(Response, weighted.c.weight, base.c.weight)
            .join(weighted, weighted.c.id == Response.id)
            .join(base, base.c.id == Response.id)
        )
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["unit", "department", "weight", "stratum", "psu", "fpc", "base", *header])
        for response, weight, base_weight in rows:
            unit = layout.units[response.unit_id]
            given = answers.get(response.id, {})
            out.writerow(
                [
                    _label(layout, unit, response, given),
                    layout.department[unit],
                    repr(float(weight)),
                    _stratum(layout, unit, response),
                    _psu(layout, unit, response, zone),
                    layout.volumes.get(unit),
                    repr(float(base_weight)),
                    *values(given),
                ]
            )


def domains_file(path: Path, domains: dict[str, list[str]]) -> Path:
    """name:label,label,... per line, as the R programs read domains."""
    path.write_text("".join(f"{d}:{','.join(units)}\n" for d, units in domains.items()))
    return path


def design_flags(flags: tuple[object, object, object]) -> list[str]:
    """R's strata, psu and fpc switches ("0"/"1")."""
    return [str(int(bool(x))) for x in flags]


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
    lonely_psu: str = "adjust",
    calibration: Path | None = None,
) -> Reference:
    """design.R's estimates for ``domains`` (name -> unit labels); flags: strata, psu, fpc;
    ``lonely_psu``: R's survey.lonely.psu; ``calibration``: design.R's calibration file."""
    elements = workdir / "elements"
    elements.write_text(
        "".join(
            f"{e.code}:{','.join(q.code for q in instrument.criteria_of(e.code))}\n"
            for e in instrument.elements
        )
    )
    listed = domains_file(workdir / "domains", domains)
    criteria = ",".join(q.code for q in instrument.criteria)
    args = [*design_flags(flags), lonely_psu, str(calibration or "-")]
    output = await anyio.to_thread.run_sync(
        lambda: run_r(R_PROGRAM, data, criteria, elements, listed, *args, workdir=workdir)
    )
    return parse(output)
