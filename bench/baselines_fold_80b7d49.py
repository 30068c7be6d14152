"""BASELINE, not used by the app: app/statistics/maintained.py as of HEAD 80b7d49 (the fold
inside the first report, deleting the batch with IN (SELECT ...)), for bench/fold_time.py.

Maintained tallies: the queue of changed responses folded into per-cell sums and pairs.

Triggers on ``response`` (migration 0004_stats) queue every response that enters (+1) or
leaves (-1) a round's valid responses, with its weight, stratum, PSU and time as they were.
``refresh`` folds the queue in one write transaction: the queued rows are copied into a
temporary batch in one statement (one snapshot), aggregated with app.statistics.cells, added
to the tallies with INSERT … ON CONFLICT DO UPDATE, and deleted. A round whose design or
instrument changed, or that a trigger marked stale (a response deleted, an answer changed),
is rebuilt from its valid responses instead. Concurrent refreshes of a round queue behind a
PostgreSQL advisory lock (SQLite: BEGIN IMMEDIATE).

Invariant relied on: a response's answers are written in the transaction that stores it.
Derived weights are not stored (cells of unweighted responses hold counts), so volume changes
need no refresh.

Stamps: every fold gives each cell (unit, weight kind, stratum key) it touches a new random
stamp in the same transaction as its sums, kept in tally_cell at unit −u, question '#' (n = the
stamp), so that a round's stamps are one index range. Readers that keep cells in memory
(app.statistics.cellstore) re-read only cells whose stamp changed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.models.base import Timestamp, utcnow
from app.statistics.cells import CA_CTE, CELLS_SELECT, PAIRS_SELECT, Spec
from app.statistics.design import Design
from app.statistics.rebuild import batch_sums, usable

LOCK_CLASS = 4242  # pg_advisory_xact_lock(LOCK_CLASS, round id)
VACUUM_AFTER = 10_000  # folded rows (PostgreSQL): vacuum the queue they leave dead
CELL_KEY = "round_id, unit_id, given, skey, pkey, question"
CELL_SUMS = ("n", "n_sat", "sw", "sw_sat", "psus")
PAIR_KEY = "round_id, unit_id, given, skey, q1, q2"
PAIR_SUMS = ("s_n", "s_y1", "s_y2", "s_y12", "g_n", "g_y1", "g_y2", "g_y12")
BATCH_TABLE = """
CREATE TEMP TABLE tally_batch (
  qid BIGINT, response_id BIGINT, unit_id INTEGER, given BOOLEAN, skey VARCHAR(64),
  pkey VARCHAR(80), f FLOAT, sign INTEGER
)"""
QUEUED = "tally_queue"
SAVE_STATE = text(
    "INSERT INTO tally_state (round_id, signature, stale, built_at) "
    "VALUES (:r, :s, FALSE, :at) ON CONFLICT (round_id) DO UPDATE SET "
    "signature = excluded.signature, stale = FALSE, built_at = excluded.built_at"
).bindparams(bindparam("at", type_=Timestamp))
VALID = """(SELECT CAST(NULL AS BIGINT) AS id, id AS response_id, unit_id, base_weight,
           stratum, psu, submitted_at, 1 AS sign FROM response
           WHERE round_id = :round_id AND status = 'valid')"""
# Unclustered: cells are the summary rows (pkey ''), a response is its own PSU.
CELLS_WITH_PSUS = f"SELECT x.*, x.n AS psus FROM ({CELLS_SELECT}) x"
# Clustered: the batch's PSU-level changes, then old and new totals of every touched PSU.
DELTA_TABLE = f"CREATE TEMP TABLE tally_delta AS WITH {{crit}}, {CA_CTE} {CELLS_SELECT}"
CHANGE_TABLE = """
CREATE TEMP TABLE tally_change AS
SELECT unit_id, given, skey, pkey, question,
       SUM(o_n) AS o_n, SUM(o_sw) AS o_sw, SUM(o_sat) AS o_sat,
       SUM(o_n + d_n) AS n_n, SUM(o_sw + d_sw) AS n_sw, SUM(o_sat + d_sat) AS n_sat,
       SUM(d_n) AS d_n, SUM(d_ns) AS d_ns, SUM(d_sw) AS d_sw, SUM(d_sat) AS d_sat
FROM (
  SELECT o.unit_id, o.given, o.skey, o.pkey, o.question, o.n AS o_n, o.sw AS o_sw,
         o.sw_sat AS o_sat, 0 AS d_n, 0 AS d_ns, 0.0 AS d_sw, 0.0 AS d_sat
  FROM tally_cell o
  JOIN (SELECT DISTINCT unit_id, given, skey, pkey FROM tally_delta) k
    ON o.round_id = :round_id AND o.unit_id = k.unit_id AND o.given = k.given
   AND o.skey = k.skey AND o.pkey = k.pkey
  UNION ALL
  SELECT unit_id, given, skey, pkey, question, 0, 0.0, 0.0, n, n_sat, sw, sw_sat
  FROM tally_delta
) u
GROUP BY unit_id, given, skey, pkey, question"""
# New minus old products of PSU totals: the change of Σ_j V_j·V_j'.
GRAM_CHANGE = """
SELECT b1.unit_id, b1.given, b1.skey, b1.question AS q1, b2.question AS q2,
       0.0 AS s_n, 0.0 AS s_y1, 0.0 AS s_y2, 0.0 AS s_y12,
       SUM(b1.n_sw * b2.n_sw - b1.o_sw * b2.o_sw) AS g_n,
       SUM(b1.n_sat * b2.n_sw - b1.o_sat * b2.o_sw) AS g_y1,
       SUM(b1.n_sw * b2.n_sat - b1.o_sw * b2.o_sat) AS g_y2,
       SUM(b1.n_sat * b2.n_sat - b1.o_sat * b2.o_sat) AS g_y12
FROM tally_change b1
JOIN tally_change b2 ON b2.unit_id = b1.unit_id AND b2.given = b1.given
  AND b2.skey = b1.skey AND b2.pkey = b1.pkey AND b1.question <= b2.question
WHERE b1.question IN (SELECT question FROM crit) AND b2.question IN (SELECT question FROM crit)
GROUP BY b1.unit_id, b1.given, b1.skey, b1.question, b2.question"""
SUMMARY_CHANGE = """
SELECT unit_id, given, skey, '' AS pkey, question, SUM(d_n) AS n, SUM(d_ns) AS n_sat,
       SUM(d_sw) AS sw, SUM(d_sat) AS sw_sat,
       SUM(CASE WHEN n_n > 0 THEN 1 ELSE 0 END - CASE WHEN o_n > 0 THEN 1 ELSE 0 END) AS psus
FROM tally_change GROUP BY unit_id, given, skey, question"""
PSU_CELLS = "SELECT tally_delta.*, 0 AS psus FROM tally_delta"
RESPONSE_PAIRS = (
    "SELECT unit_id, given, skey, q1, q2, s_n, s_y1, s_y2, s_y12, 0.0 AS g_n, 0.0 AS g_y1, "
    f"0.0 AS g_y2, 0.0 AS g_y12 FROM ({PAIRS_SELECT}) p"
)


STAMP = "#"
STAMP_CELLS = f"""
INSERT INTO tally_cell (round_id, unit_id, given, skey, pkey, question, n, n_sat, sw, sw_sat, psus)
SELECT :round_id, -c.unit_id, c.given, c.skey, '', '{STAMP}', :stamp, 0, 0, 0.0, 0.0
FROM ({{cells}}) c WHERE TRUE
ON CONFLICT ({CELL_KEY}) DO UPDATE SET n = excluded.n"""
BATCH_CELLS = "SELECT DISTINCT unit_id, given, skey FROM tally_batch"
EVERY_CELL = """SELECT DISTINCT unit_id, given, skey FROM tally_cell
WHERE round_id = :round_id AND unit_id > 0"""


def uses_maintained(design: Design) -> bool:
    """Weights the tallies can reproduce: base weights and volume-derived weights."""
    return design.weighting in ("volume", "as-given")


def _upsert(table: str, key: str, sums: tuple[str, ...], select_sql: str) -> str:
    columns = key.split(", ")[1:]
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in sums)
    return (
        f"INSERT INTO {table} ({key}, {', '.join(sums)}) "
        f"SELECT :round_id, {', '.join('d.' + c for c in (*columns, *sums))} "
        f"FROM ({select_sql}) d WHERE TRUE "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )


def _fill_batch(design: Design, dialect: str, source: str) -> str:
    where = " WHERE q.round_id = :round_id" if source == QUEUED else ""
    return (
        "INSERT INTO tally_batch SELECT q.id, q.response_id, q.unit_id, "
        f"q.base_weight IS NOT NULL, {design.skey_sql('q')}, {design.pkey_sql('q', dialect)}, "
        f"COALESCE(q.base_weight, 1.0), q.sign FROM {source} q{where}"
    )


@dataclass(frozen=True)
class _State:
    signature: str | None
    stale: bool
    queued: bool  # responses wait in the queue
    stamped: bool  # the cells carry stamps (tallies built before stamps existed do not)

    def current(self, signature: str) -> bool:
        return self.signature == signature and not self.stale and not self.queued


STATE = text(
    "SELECT (SELECT signature FROM tally_state WHERE round_id = :r), "
    "(SELECT stale FROM tally_state WHERE round_id = :r), "
    # ordered as its index, so that no stale statistics make this a scan of the queue
    "(SELECT id FROM tally_queue WHERE round_id = :r ORDER BY round_id, id LIMIT 1), "
    # the lowest unit of the round's cells: negative once stamped (an index's first entry)
    "(SELECT MIN(unit_id) FROM tally_cell WHERE round_id = :r)"
)


async def _state(session: AsyncSession, round_id: int) -> _State:
    """The round's tallies as stored, in one round trip."""
    signature, stale, queued, lowest = (await session.execute(STATE, {"r": round_id})).one()
    stamped = lowest is None or lowest < 0
    if signature is None:
        return _State(None, True, queued is not None, stamped)
    return _State(signature, bool(stale), queued is not None, stamped)


async def _stamp(session: AsyncSession, params: dict[str, Any], cells: str) -> None:
    stamp = secrets.randbits(62)
    await session.execute(text(STAMP_CELLS.format(cells=cells)), params | {"stamp": stamp})


async def _fill(
    session: AsyncSession, params: dict[str, Any], design: Design, rebuild: bool
) -> None:
    """The temporary batch: the queue, or (rebuild) every valid response of the round."""
    dialect = session.get_bind().dialect.name
    await session.execute(text(BATCH_TABLE))
    if not rebuild:
        await session.execute(text(_fill_batch(design, dialect, QUEUED)), params)
        if dialect == "postgresql":  # a small batch: let the planner use answer's index
            await session.execute(text("ANALYZE tally_batch"))
        return
    tables = ("tally_cell", "tally_pair") + (() if dialect == "postgresql" else (QUEUED,))
    for table in tables:
        await session.execute(text(f"DELETE FROM {table} WHERE round_id = :round_id"), params)
    # PostgreSQL: the queue is emptied in the statement (snapshot) that reads the responses.
    gone = "WITH gone AS (DELETE FROM tally_queue WHERE round_id = :round_id) "
    fill = _fill_batch(design, dialect, VALID)
    await session.execute(text(gone + fill if dialect == "postgresql" else fill), params)


async def _fold(
    session: AsyncSession, params: dict[str, Any], design: Design, spec: Spec, rebuild: bool
) -> int:
    """Fold the batch into the tallies; the number of queued changes or responses in it."""
    await _fill(session, params, design, rebuild)
    size = int(await session.scalar(text("SELECT COUNT(*) FROM tally_batch")) or 0)
    crit, spec_params = spec.ctes()
    values = {**params, **spec_params}

    async def upsert(table: str, key: str, sums: tuple[str, ...], select_sql: str) -> None:
        sql = _upsert(table, key, sums, select_sql)
        await session.execute(text(f"WITH {crit}, {CA_CTE} {sql}"), values)

    if design.clustered:
        await session.execute(text(DELTA_TABLE.format(crit=crit)), values)
        await session.execute(text(CHANGE_TABLE), params)
        await session.execute(
            text("CREATE INDEX ix_tally_change ON tally_change (unit_id, given, skey, pkey)")
        )
        await upsert("tally_pair", PAIR_KEY, PAIR_SUMS, GRAM_CHANGE)
        await upsert("tally_cell", CELL_KEY, CELL_SUMS, SUMMARY_CHANGE)
        await upsert("tally_cell", CELL_KEY, CELL_SUMS, PSU_CELLS)
        if rebuild and usable(spec):
            await batch_sums(session, spec, params, response_level_g=False, cells=False)
        else:
            await upsert("tally_pair", PAIR_KEY, PAIR_SUMS, RESPONSE_PAIRS)
        for table in ("tally_change", "tally_delta"):
            await session.execute(text(f"DROP TABLE {table}"))
    else:
        await upsert("tally_cell", CELL_KEY, CELL_SUMS, CELLS_WITH_PSUS)
        if rebuild and usable(spec):
            await batch_sums(session, spec, params, response_level_g=True, cells=False)
        else:
            await upsert("tally_pair", PAIR_KEY, PAIR_SUMS, PAIRS_SELECT)
    if not rebuild:
        await session.execute(
            text("DELETE FROM tally_queue WHERE id IN (SELECT qid FROM tally_batch)")
        )
    await _stamp(session, params, BATCH_CELLS)
    await session.execute(text("DROP TABLE tally_batch"))
    return size


async def refresh(
    engine: AsyncEngine, round_id: int, design: Design, spec: Spec, instrument_hash: str
) -> None:
    """Fold the round's queue into its tallies, or rebuild them; no-op when up to date."""
    signature = design.signature(instrument_hash)
    async with AsyncSession(engine) as session:
        state = await _state(session, round_id)
    if state.current(signature) and state.stamped:
        return
    folded = await _refresh(engine, round_id, design, spec, signature)
    if engine.dialect.name == "postgresql" and folded >= VACUUM_AFTER:
        # The queue rows just deleted would otherwise slow every report's look at the queue
        # until autovacuum comes by.
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM (ANALYZE) tally_queue"))


async def _refresh(
    engine: AsyncEngine, round_id: int, design: Design, spec: Spec, signature: str
) -> int:
    """In one write transaction: fold or rebuild, and stamp; the number of rows folded."""
    writer = engine.execution_options(sqlite_begin="IMMEDIATE")
    folded = 0
    async with AsyncSession(writer) as session, session.begin():
        if engine.dialect.name == "postgresql":
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:c, :r)"), {"c": LOCK_CLASS, "r": round_id}
            )
        state = await _state(session, round_id)
        rebuild = state.signature != signature or state.stale
        params: dict[str, Any] = {"round_id": round_id}
        if rebuild or state.queued:
            if design.psu == "day":
                params["tz"] = design.tz_param(engine.dialect.name)
            folded = await _fold(session, params, design, spec, rebuild)
            await session.execute(SAVE_STATE, {"r": round_id, "s": signature, "at": utcnow()})
        if not (rebuild or state.stamped):  # tallies from before stamps: stamp every cell
            await _stamp(session, params, EVERY_CELL)
    return folded
