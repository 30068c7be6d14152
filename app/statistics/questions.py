"""Per-question statistics of a round, aggregated in the database (HTTP-free).

For each question answered in a unit's subtree: weighted frequencies of each option or level,
the number of respondents who answered (and their weight), and for numbers and percentages
the weighted mean. Weights are those of the satisfaction statistics (app.statistics.weighted).
The sums are read per cell (unit, stratum key) together with the PSU sums of squares that
the shares' standard errors need (app.statistics.frequencies), under the round's design.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.statistics.cells import CHUNK, live_batch
from app.statistics.design import Design, Strata
from app.statistics.frequencies import OptionKey, QuestionCells, share_estimates
from app.statistics.inference import Estimate
from app.units.service import UnitTree

Cell = tuple[int, str]  # unit, stratum key
# The PSU of a batch row: its PSU key, or the response itself (key '').
PSU_BATCH = """,
psu_batch AS (
  SELECT response_id, unit_id, skey, pkey, f,
         CASE WHEN pkey = '' THEN response_id ELSE 0 END AS rid
  FROM tally_batch {where}
)"""
CELL_PSUS = """
SELECT unit_id, skey, COUNT(*) FROM (SELECT DISTINCT unit_id, skey, pkey, rid FROM psu_batch) p
GROUP BY unit_id, skey"""
# Per PSU and question: respondents (an answer's first row) and options; then per cell.
QUESTION_CELLS = """,
psu_x AS MATERIALIZED (
  SELECT b.unit_id, b.skey, b.pkey, b.rid, a.question, COUNT(*) AS n, SUM(b.f) AS x
  FROM psu_batch b JOIN answer a ON a.response_id = b.response_id AND a.ordinal = 0
  GROUP BY b.unit_id, b.skey, b.pkey, b.rid, a.question
),
psu_y AS (
  SELECT b.unit_id, b.skey, b.pkey, b.rid, a.question, a.value, a.text,
         COUNT(*) AS n, SUM(b.f) AS y
  FROM psu_batch b JOIN answer a ON a.response_id = b.response_id
  WHERE a.question IN :grouped
  GROUP BY b.unit_id, b.skey, b.pkey, b.rid, a.question, a.value, a.text
)
SELECT 'q', unit_id, skey, question, CAST(NULL AS FLOAT), CAST(NULL AS TEXT),
       SUM(n), SUM(x), SUM(x * x), COUNT(*)
FROM psu_x GROUP BY unit_id, skey, question
UNION ALL
SELECT 'o', y.unit_id, y.skey, y.question, y.value, y.text,
       SUM(y.n), SUM(y.y), SUM(y.y * y.y), SUM(y.y * x.x)
FROM psu_y y JOIN psu_x x ON x.unit_id = y.unit_id AND x.skey = y.skey AND x.pkey = y.pkey
  AND x.rid = y.rid AND x.question = y.question
GROUP BY y.unit_id, y.skey, y.question, y.value, y.text"""


@dataclass(frozen=True)
class Count:
    n: int
    weight: float


@dataclass
class QuestionTally:
    """Answers to one question: respondents, and counts by stored value or option."""

    respondents: Count = Count(0, 0.0)
    by_value: dict[float, Count] = field(default_factory=dict)  # levels, numbers
    by_option: dict[str, Count] = field(default_factory=dict)  # options, 'na'
    cells: QuestionCells | None = None
    strata: Strata | None = None
    ci: str = "logit"  # the round's interval method

    def weighted_mean(self) -> float | None:
        weight = sum(c.weight for c in self.by_value.values())
        if not weight:
            return None
        return sum(v * c.weight for v, c in self.by_value.items()) / weight

    def count(self, key: OptionKey) -> Count:
        """The count of a stored value (float) or option text."""
        found = self.by_value.get(key) if isinstance(key, float) else self.by_option.get(key)
        return found or Count(0, 0.0)

    def share(self, count: Count) -> float | None:
        """Weighted percent of the respondents to this question."""
        if not self.respondents.weight:
            return None
        return 100.0 * count.weight / self.respondents.weight

    def estimates(self, keys: list[OptionKey]) -> dict[OptionKey, Estimate]:
        """Design-based shares of these options (levels as floats, options as text)."""
        if self.cells is None or self.strata is None:
            return {}
        return share_estimates(self.cells, self.strata, keys, self.ci)


async def tally_questions(
    session: AsyncSession,
    round_id: int,
    design: Design,
    tree: UnitTree,
    volumes: Mapping[int, int | None],
    unit_ids: Collection[int],
    grouped: Iterable[str],
) -> dict[str, QuestionTally]:
    """Tallies of the round's answers in ``unit_ids``; ``grouped``: questions to count by
    value or option (with the sums of their shares' SEs)."""
    dialect = session.get_bind().dialect
    params: dict[str, Any] = {"tz": design.tz_param(dialect.name)} if design.psu == "day" else {}
    head = f"WITH {live_batch(round_id, design, dialect)}"
    every = await session.execute(text(head + PSU_BATCH.format(where="") + CELL_PSUS), params)
    cells = {(int(u), str(s)): float(p) for u, s, p in every}
    index = {cell: k for k, cell in enumerate(cells)}
    psus = np.array(list(cells.values()), dtype=float)
    strata = Strata.of(design, tree, list(cells), psus, volumes)
    sql = text(head + PSU_BATCH.format(where="WHERE unit_id IN :units") + QUESTION_CELLS)
    sql = sql.bindparams(bindparam("units", expanding=True), bindparam("grouped", expanding=True))
    found: dict[str, QuestionCells] = {}
    ids, questions = sorted(unit_ids), list(grouped) or [""]
    for start in range(0, len(ids), CHUNK):
        chosen = {"units": ids[start : start + CHUNK], "grouped": questions}
        for row in await session.execute(sql, params | chosen):
            _add(found, index, row)
    return {code: _tally(c, strata, design.ci) for code, c in found.items()}


def _add(found: dict[str, QuestionCells], index: dict[Cell, int], row: Any) -> None:
    kind, unit, skey, code, value, option, *sums = row
    cells = found.get(code)
    if cells is None:
        cells = found[code] = QuestionCells(np.zeros((len(index), 4)), {})
    k = index[(int(unit), str(skey))]
    if kind == "q":
        cells.respondents[k] = [float(s) for s in sums]
        return
    key: OptionKey = float(value) if value is not None else str(option)
    target = cells.options.setdefault(key, np.zeros((len(index), 4)))
    target[k] = [float(s) for s in sums]


def _tally(cells: QuestionCells, strata: Strata, ci: str) -> QuestionTally:
    def count(sums: np.ndarray) -> Count:
        return Count(round(float(sums[:, 0].sum())), float(sums[:, 1].sum()))

    tally = QuestionTally(count(cells.respondents), cells=cells, strata=strata, ci=ci)
    for key, sums in cells.options.items():
        if isinstance(key, float):
            tally.by_value[key] = count(sums)
        else:
            tally.by_option[key] = count(sums)
    return tally
