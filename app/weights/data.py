"""The responses a weight set is computed from, read in one streamed, ordered pass.

Variables a response is classified by: ``unit`` (the code of the unit it was collected at),
``unit@LEVEL`` (that unit's ancestor at LEVEL, e.g. ``unit@department``), ``stratum`` (the
response's own stratum column) or the code of a single-choice question (its chosen option;
no answer is the category '').
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.forms.schema import Instrument
from app.models import Answer, Response, Round
from app.statistics.weighted import weighted_responses
from app.units.service import UnitTree, load_tree
from app.weights.calibration import NO_ANSWER, FloatArray
from app.weights.errors import WeightingError

Progress = Callable[[str, int, int], None]  # (phase, done, total)
CHUNK = 10_000


@dataclass
class ResponseData:
    ids: list[int]
    base: FloatArray
    values: dict[str, list[str]]
    fingerprint: str  # of ids, base weights and categories: equal data, equal fingerprint


@dataclass
class _Units:
    """unit id -> category, per unit variable (the tree is small; responses are many)."""

    tree: UnitTree
    cache: dict[tuple[str, int], str] = field(default_factory=dict)

    def label(self, variable: str, unit_id: int) -> str:
        key = (variable, unit_id)
        if key not in self.cache:
            self.cache[key] = self._resolve(variable, unit_id)
        return self.cache[key]

    def _resolve(self, variable: str, unit_id: int) -> str:
        level = variable.partition("@")[2]
        chain = self.tree.ancestors(unit_id)
        for node in chain:
            if not level or node.level == level:
                return node.code
        raise WeightingError(f"{variable}: unit {chain[0].code} has no ancestor at level {level}")


def strata_variable(round_: Round) -> str:
    """The variable the round's design stratifies by (for per-stratum summaries)."""
    strata = round_.design_strata
    if strata in (None, "unit"):
        return "unit"
    return "stratum" if strata == "column" else f"unit@{strata}"


def is_unit_variable(variable: str) -> bool:
    return variable == "unit" or variable.startswith("unit@")


def check_variables(instrument: Instrument, variables: Sequence[str]) -> list[str]:
    """The question variables, each a single-choice question of the round's instrument."""
    types = {q.code: q.type for q in instrument.questions}
    questions = [v for v in variables if not is_unit_variable(v) and v != "stratum"]
    for code in questions:
        if types.get(code) != "single":
            kind = f"a {types[code]} question" if code in types else "not a question"
            raise WeightingError(
                f"variable {code!r}: {kind} of this round's form; use unit, unit@LEVEL, "
                "stratum or a single-choice question"
            )
    return questions


def _statement(round_id: int, questions: Sequence[str]) -> Select[Any]:
    base = weighted_responses(round_id, calibrated=False).subquery("base")
    stmt = select(base.c.id, base.c.unit_id, base.c.weight, Response.stratum).join(
        Response, Response.id == base.c.id
    )
    for i, code in enumerate(questions):
        answer = aliased(Answer, name=f"answer_{i}")
        stmt = stmt.outerjoin(
            answer,
            (answer.response_id == base.c.id) & (answer.question == code) & (answer.ordinal == 0),
        ).add_columns(answer.text)
    return stmt.order_by(base.c.id)


async def _count(session: AsyncSession, round_id: int) -> int:
    stmt = select(func.count()).select_from(weighted_responses(round_id, False).subquery())
    return int(await session.scalar(stmt) or 0)


def _columns(
    rows: Sequence[Sequence[Any]], variables: Sequence[str], questions: Sequence[str], units: _Units
) -> dict[str, list[str]]:
    """Each variable's category per row (rows: id, unit id, weight, stratum, answers...)."""
    if not rows:
        return {v: [] for v in variables}
    columns = list(zip(*rows, strict=True))
    unit_ids, strata = columns[1], columns[3]
    answers = dict(zip(questions, columns[4:], strict=True))
    values: dict[str, list[str]] = {}
    for v in variables:
        if is_unit_variable(v):
            labels = {u: units.label(v, u) for u in set(unit_ids)}
            values[v] = [labels[u] for u in unit_ids]
        else:
            values[v] = [c or NO_ANSWER for c in (strata if v == "stratum" else answers[v])]
    return values


async def load_responses(
    session: AsyncSession,
    round_: Round,
    instrument: Instrument,
    variables: Sequence[str],
    progress: Progress | None = None,
) -> ResponseData:
    """Every valid response's id, base weight and category per variable, in id order."""
    questions = check_variables(instrument, variables)
    units = _Units(await load_tree(session))
    total = await _count(session, round_.id) if progress else 0
    rows: list[Sequence[Any]] = []
    result = await session.stream(_statement(round_.id, questions))
    async for part in result.partitions(CHUNK):
        rows.extend(part)
        if progress:
            progress("reading responses", len(rows), total)
    values = _columns(rows, variables, questions, units)
    ids = [int(row[0]) for row in rows]
    base = np.array([row[2] for row in rows], dtype=np.float64)
    columns = [list(map(str, ids)), list(map(repr, base.tolist()))]
    keys = zip(*columns, *(values[v] for v in variables), strict=True)
    fingerprint = hashlib.sha256("\n".join(map("\t".join, keys)).encode()).hexdigest()
    return ResponseData(ids, base, values, fingerprint)
