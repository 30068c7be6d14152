"""SQL for a round's sufficient statistics, over any set of responses (a "batch").

A batch is a relation ``tally_batch(response_id, unit_id, given, skey, pkey, f, sign)``: the
maintained tallies fold queued responses (sign ±1, f = base weight or 1), the live path uses
every valid response with its current weight (f = weight, given). From a batch:

- cells: per (unit, given, stratum key, PSU key, question): n, n_sat, Σf, Σf·y over valid
  answers; pseudo-questions '*' (every response), '@' (any criterion answered) and
  '@<element>' (any criterion of the element answered);
- pairs: per (unit, given, stratum key, q1 <= q2) over responses that answered both:
  Σf·(1, y1, y2, y1·y2) and Σf²·(the same) — the cross-products that the variance of element
  and overall indices (linear combinations of criterion ratios) needs.

Every statement aggregates in the database; Python receives units × questions rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select

from app.forms.schema import Instrument
from app.models import Answer, Response
from app.statistics.design import Design
from app.statistics.weighted import weighted_responses

CHUNK = 10_000  # unit ids per statement (bound as an expanding list)

ANY = "@"
EVERY = "*"
CHANNEL = "channel"


@dataclass(frozen=True)
class Spec:
    """The criteria of an instrument as the tallies count them."""

    criteria: tuple[str, ...]
    element_of: dict[str, str]
    elements: tuple[str, ...]
    satisfied: dict[str, tuple[float, ...]]

    @classmethod
    def of(cls, instrument: Instrument) -> Spec:
        criteria = tuple(q.code for q in instrument.criteria)
        return cls(
            criteria=criteria,
            element_of={q.code: q.element or "" for q in instrument.criteria},
            elements=tuple(e.code for e in instrument.elements),
            satisfied={
                q.code: tuple(float(v) for v in instrument.scale_of(q).satisfied)
                for q in instrument.criteria
            },
        )

    @property
    def questions(self) -> tuple[str, ...]:
        """Criteria first (index c), then '*', '@' and '@<element>' in element order."""
        return (*self.criteria, EVERY, ANY, *(ANY + e for e in self.elements))

    def ctes(self) -> tuple[str, dict[str, Any]]:
        """``crit(question, element)`` and ``satlev(question, level)``: the criteria, their
        elements and the levels that count as satisfied."""
        params: dict[str, Any] = {}
        crit = []
        for i, code in enumerate(self.criteria):
            params[f"c{i}"], params[f"e{i}"] = code, self.element_of[code]
            crit.append(f"(:c{i}, :e{i})")
        levels = ["(CAST(NULL AS TEXT), CAST(NULL AS FLOAT))"]
        for i, code in enumerate(self.criteria):
            for j, level in enumerate(self.satisfied[code]):
                params[f"s{i}_{j}"], params[f"l{i}_{j}"] = code, level
                levels.append(f"(:s{i}_{j}, CAST(:l{i}_{j} AS FLOAT))")
        sql = f"""
        crit(question, element) AS (VALUES {", ".join(crit)}),
        satlev(question, level) AS (VALUES {", ".join(levels)})"""
        return sql, params


# The batch's valid criterion answers, y = 1 when satisfied at the criterion's own levels.
CA_CTE = """
ca AS MATERIALIZED (
  SELECT a.response_id, a.question, c.element,
         CASE WHEN s.question IS NULL THEN 0 ELSE 1 END AS y
  FROM answer a
  JOIN crit c ON c.question = a.question
  LEFT JOIN satlev s ON s.question = a.question AND s.level = a.value
  WHERE a.value IS NOT NULL
    AND a.response_id IN (SELECT response_id FROM tally_batch)
)"""

CELLS_SELECT = f"""
SELECT b.unit_id, b.given, b.skey, b.pkey, x.question,
       SUM(b.sign) AS n, SUM(b.sign * x.y) AS n_sat,
       SUM(b.sign * b.f) AS sw, SUM(b.sign * b.f * x.y) AS sw_sat
FROM tally_batch b
JOIN (
  SELECT response_id, question, y FROM ca
  UNION ALL SELECT response_id, '{ANY}' || element, 0 FROM ca GROUP BY response_id, element
  UNION ALL SELECT response_id, '{ANY}', 0 FROM ca GROUP BY response_id
  UNION ALL SELECT DISTINCT response_id, '{EVERY}', 0 FROM tally_batch
) x ON x.response_id = b.response_id
GROUP BY b.unit_id, b.given, b.skey, b.pkey, x.question"""

PAIRS_SELECT = """
SELECT b.unit_id, b.given, b.skey, a1.question AS q1, a2.question AS q2,
       SUM(b.sign * b.f) AS s_n, SUM(b.sign * b.f * a1.y) AS s_y1,
       SUM(b.sign * b.f * a2.y) AS s_y2, SUM(b.sign * b.f * a1.y * a2.y) AS s_y12,
       SUM(b.sign * b.f * b.f) AS g_n, SUM(b.sign * b.f * b.f * a1.y) AS g_y1,
       SUM(b.sign * b.f * b.f * a2.y) AS g_y2, SUM(b.sign * b.f * b.f * a1.y * a2.y) AS g_y12
FROM tally_batch b
JOIN ca a1 ON a1.response_id = b.response_id
JOIN ca a2 ON a2.response_id = b.response_id AND a1.question <= a2.question
GROUP BY b.unit_id, b.given, b.skey, a1.question, a2.question"""


def cells_read(source: str) -> str:
    """Cells summed over PSU keys; ``psus``: PSU keys with at least one valid answer."""
    return f"""
    SELECT unit_id, given, skey, question, SUM(n), SUM(n_sat), SUM(sw), SUM(sw_sat),
           SUM(CASE WHEN n > 0 THEN 1 ELSE 0 END)
    FROM {source} GROUP BY unit_id, given, skey, question"""


def psu_gram_read(source: str, where: str) -> str:
    """Σ over PSUs of products of PSU totals (clustered designs), from PSU-level cells.
    ``source`` is joined to itself on the cell and PSU keys (an index prefix of tally_cell)."""
    return f"""
    SELECT c1.unit_id, c1.given, c1.skey, c1.question AS q1, c2.question AS q2,
           SUM(c1.sw * c2.sw) AS g_n, SUM(c1.sw_sat * c2.sw) AS g_y1,
           SUM(c1.sw * c2.sw_sat) AS g_y2, SUM(c1.sw_sat * c2.sw_sat) AS g_y12
    FROM {source} c1
    JOIN {source} c2 ON c2.unit_id = c1.unit_id AND c2.given = c1.given
      AND c2.skey = c1.skey AND c2.pkey = c1.pkey AND c1.question <= c2.question
    WHERE c1.question IN (SELECT question FROM crit)
      AND c2.question IN (SELECT question FROM crit) AND {where}
    GROUP BY c1.unit_id, c1.given, c1.skey, c1.question, c2.question"""


@dataclass(frozen=True)
class Split:
    """A response-level split of some units' responses: by channel or by the answer to a
    single-choice question. Its cells carry the category in the stratum key (``split_key``),
    so every cell, pair and PSU product is per (unit, stratum, category)."""

    by: str  # CHANNEL or a question code
    unit_ids: frozenset[int]

    def category(self) -> ColumnElement[Any]:
        if self.by == CHANNEL:
            return Response.channel.expression
        answer = select(Answer.text).where(
            Answer.response_id == Response.id, Answer.question == self.by
        )
        return answer.scalar_subquery()

    def skey_sql(self, stratum: str, alias: str) -> str:
        """The stratum key, the separator and '=' + the category ('' when not answered)."""
        return f"{stratum} || CAST(:part_sep AS TEXT) || COALESCE('=' || {alias}.part, '')"


def live_batch(round_id: int, design: Design, dialect: Any, split: Split | None = None) -> str:
    """``tally_batch`` as a CTE: every valid response with its current weight (``split``:
    those of its units, keyed by category as well)."""
    weighted = weighted_responses(round_id).subquery("w")
    source = select(
        weighted.c.id.label("response_id"),
        weighted.c.unit_id,
        weighted.c.weight,
        Response.stratum,
        Response.psu,
        Response.submitted_at,
    ).join(Response, Response.id == weighted.c.id)
    skey = design.skey_sql("s")
    if split is not None:
        source = source.add_columns(split.category().label("part")).where(
            weighted.c.unit_id.in_(sorted(split.unit_ids))
        )
        skey = split.skey_sql(skey, "s")
    compiled = source.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return f"""
    tally_src AS MATERIALIZED ({compiled}),
    tally_batch AS MATERIALIZED (
      SELECT s.response_id, s.unit_id, TRUE AS given, {skey} AS skey,
             {design.pkey_sql("s", dialect.name)} AS pkey, s.weight AS f, 1 AS sign
      FROM tally_src s
    )"""
