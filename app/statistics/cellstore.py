"""A round's maintained tallies kept in memory per cell, re-read only where a fold changed them.

A report needs every cell's sums and the cross-products of the cells in its domains: about
250 pair rows per cell (22 criteria), most of them unchanged since the last report. Each fold
stamps the cells it touches (app.statistics.maintained), so a reader reads the round's stamps
(one index range), then the rows of the cells whose stamp differs from the one it holds, and
pools the cross-products in numpy with the cells' current multipliers.

Consistency: stamps are read before the rows they guard, so what is kept is never older than
its stamp; a cell changed after its stamp was read is re-read at the next report. Every
round's cells (their sums: ~1 KB each) are kept; pair sums (~16 KB a cell at 22 criteria) are
kept while the round's fit in MAX_ROUND_BYTES, beyond which a report pools the pairs of only
the cells it needs in SQL (app.statistics.sufficient: multipliers passed as one array, so any
number of cells). Per connection pool at most MAX_ENGINE_BYTES of pairs are kept, the least
recently read round first out. Kept per pool, not per engine object: a snapshot's engine
(``execution_options``) is a new object on every report and shares the parent's pool.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations_with_replacement
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np
from sqlalchemy import Engine, Pool, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.statistics.cells import CHUNK, Spec

CellKey = tuple[int, bool, str]
# 8 float64 per pair: 16 KB a cell at 22 criteria, so 10,000 cells (a national round's
# communes and counters) fit in a round's budget.
MAX_ROUND_BYTES = 192 * 2**20
MAX_ENGINE_BYTES = 384 * 2**20
STAMPS = text(
    "SELECT -unit_id, given, skey, n FROM tally_cell WHERE round_id = :round_id AND unit_id < 0"
)
CELL_COLUMNS = "unit_id, given, skey, question, n, n_sat, sw, sw_sat, psus"
PAIR_COLUMNS = "unit_id, given, skey, q1, q2, s_n, s_y1, s_y2, s_y12, g_n, g_y1, g_y2, g_y12"


@dataclass
class Cell:
    stamp: int
    t: np.ndarray  # (Q, 4): n, n_sat, Σf, Σf·y per question
    psus: np.ndarray  # (Q,)
    # (2, P, 4): the s sums then the g sums of each pair (Layout order), each block contiguous;
    # read when a report needs them
    pairs: np.ndarray | None = None


@dataclass(frozen=True)
class Layout:
    """The pairs q1 <= q2 of criteria (as stored) and their criterion indices."""

    index: dict[tuple[str, str], int]
    i: np.ndarray
    j: np.ndarray

    @classmethod
    def of(cls, spec: Spec) -> Layout:
        return _layout(spec.criteria)


@lru_cache(maxsize=64)
def _layout(criteria: tuple[str, ...]) -> Layout:
    pairs = list(combinations_with_replacement(sorted(criteria), 2))
    position = {c: k for k, c in enumerate(criteria)}
    return Layout(
        {p: k for k, p in enumerate(pairs)},
        np.array([position[a] for a, _ in pairs], dtype=int),
        np.array([position[b] for _, b in pairs], dtype=int),
    )


@dataclass(frozen=True)
class Stacked:
    """Pair sums of cells in one (K, 2, P, 4) array, with the cells' keys and stamps."""

    position: dict[CellKey, int]
    stamps: np.ndarray
    sums: np.ndarray

    def rows(self, keys: Sequence[CellKey], stamps: np.ndarray) -> np.ndarray | None:
        """Where the given cells are, if all are there as of these stamps."""
        at = np.array([self.position.get(k, -1) for k in keys], dtype=int)
        if (at < 0).any() or (self.stamps[at] != stamps).any():
            return None
        return at


@dataclass
class Held:
    """What one process keeps of one round's tallies."""

    round_id: int
    signature: str
    layout: Layout
    cells: dict[CellKey, Cell] = field(default_factory=dict)
    # the pair sums of the cells last asked for together, stacked (K, 2, P, 4): the cells'
    # ``pairs`` are views into it, so that the next report asking the same cells (a ranking,
    # a province) takes it as it is, without a copy
    stacked: Stacked | None = None

    @property
    def size(self) -> int:
        """Bytes of the pair sums it may keep."""
        return len(self.cells) * len(self.layout.index) * 64 if self.pairs_kept else 0

    @property
    def pairs_kept(self) -> bool:
        return len(self.cells) * len(self.layout.index) * 64 <= MAX_ROUND_BYTES


_HELD: WeakKeyDictionary[Pool, OrderedDict[int, Held]] = WeakKeyDictionary()


def _held(session: AsyncSession, round_id: int, signature: str, spec: Spec) -> Held:
    bind = session.get_bind()
    pool = (bind if isinstance(bind, Engine) else bind.engine).pool
    rounds = _HELD.setdefault(pool, OrderedDict())
    held = rounds.get(round_id)
    if held is None or held.signature != signature:
        held = rounds[round_id] = Held(round_id, signature, Layout.of(spec))
    rounds.move_to_end(round_id)
    while sum(h.size for h in rounds.values()) > MAX_ENGINE_BYTES and len(rounds) > 1:
        rounds.popitem(last=False)
    return held


async def current_cells(
    session: AsyncSession, round_id: int, spec: Spec, signature: str, clustered: bool
) -> tuple[dict[CellKey, Cell], Held] | None:
    """Every cell of the round as of its stamp, sorted, and what the process keeps of the
    round (whose ``pairs_kept`` says whether cell_pairs may be used); None when its tallies
    carry no stamps."""
    stamps = {
        (int(u), bool(g), str(s)): int(n)
        for u, g, s, n in await session.execute(STAMPS, {"round_id": round_id})
    }
    if not stamps:
        return None
    held = _held(session, round_id, signature, spec)
    for key in set(held.cells) - set(stamps):
        del held.cells[key]
    changed = {k: s for k, s in stamps.items() if k not in held.cells or held.cells[k].stamp != s}
    if changed:
        everything = 2 * len(changed) >= len(stamps)
        rows = await _read(session, "tally_cell", CELL_COLUMNS, round_id, changed, everything)
        fresh = cell_arrays(spec, clustered, rows)
        empty = (np.zeros((len(spec.questions), 4)), np.zeros(len(spec.questions)))
        for key, stamp in changed.items():
            held.cells[key] = Cell(stamp, *fresh.get(key, empty))
    if not held.pairs_kept:
        held.stacked = None
        for cell in held.cells.values():
            cell.pairs = None
    return {key: held.cells[key] for key in sorted(stamps)}, held


async def cell_pairs(
    session: AsyncSession,
    held: Held,
    cells: Sequence[Cell],
    keys: list[CellKey],
    total: int,
) -> np.ndarray:
    """(K, 2, P, 4) pair sums of the given cells (of ``total`` in the round): s then g sums,
    reading those not yet in memory."""
    stamps = np.array([cell.stamp for cell in cells], dtype=np.int64)
    if held.stacked is not None:
        at = held.stacked.rows(keys, stamps)
        if at is not None:  # all there: the array itself when it is exactly those cells
            whole = len(at) == len(held.stacked.stamps) and (at == np.arange(len(at))).all()
            return held.stacked.sums if whole else held.stacked.sums[at]
    missing = {key: cell.stamp for key, cell in zip(keys, cells, strict=True) if cell.pairs is None}
    if missing:
        everything = 2 * len(missing) >= total
        rows = await _read(session, "tally_pair", PAIR_COLUMNS, held.round_id, missing, everything)
        read = _pair_arrays(held.layout, rows)
        for key, cell in zip(keys, cells, strict=True):
            if cell.pairs is None:
                cell.pairs = read.get(key, np.zeros((2, len(held.layout.index), 4)))
    sums = np.stack([c.pairs for c in cells if c.pairs is not None])
    if held.stacked is None or len(cells) >= len(held.stacked.stamps):
        for k, cell in enumerate(cells):
            cell.pairs = sums[k]  # a view: the cell's own array is freed
        held.stacked = Stacked({key: k for k, key in enumerate(keys)}, stamps, sums)
    return sums


async def _read(
    session: AsyncSession,
    table: str,
    columns: str,
    round_id: int,
    cells: dict[CellKey, int],
    everything: bool,
) -> list[Any]:
    """Rows of the cells' units, or (``everything``) of the whole round; cells of tally_cell
    are its summary rows (PSU key '')."""
    where = " AND pkey = ''" if table == "tally_cell" else ""
    sql = f"SELECT {columns} FROM {table} WHERE round_id = :round_id AND unit_id > 0{where}"
    if everything:
        return list((await session.execute(text(sql), {"round_id": round_id})).all())
    units = sorted({unit for unit, _, _ in cells})
    stmt = text(sql + " AND unit_id IN :units").bindparams(bindparam("units", expanding=True))
    rows: list[Any] = []
    for start in range(0, len(units), CHUNK):
        part = {"round_id": round_id, "units": units[start : start + CHUNK]}
        rows += (await session.execute(stmt, part)).all()
    return rows


def cell_arrays(
    spec: Spec, clustered: bool, rows: Iterable[Sequence[Any]]
) -> dict[CellKey, tuple[np.ndarray, np.ndarray]]:
    """Per cell, (Q, 4) sums and (Q,) PSUs from rows (unit, given, skey, question, n, n_sat,
    Σf, Σf·y, PSUs); PSUs are the answers when each response is its own PSU."""
    index = {q: i for i, q in enumerate(spec.questions)}
    arrays: dict[CellKey, tuple[np.ndarray, np.ndarray]] = {}
    for unit, given, skey, question, n, n_sat, sw, sw_sat, kept in rows:
        q = index.get(question)
        if q is None:
            continue
        key = (int(unit), bool(given), str(skey))
        found = arrays.get(key)
        if found is None:
            found = arrays[key] = (np.zeros((len(index), 4)), np.zeros(len(index)))
        found[0][q] = (n, n_sat, sw, sw_sat)
        found[1][q] = kept if clustered else n
    return arrays


def pair_positions(layout: Layout, q1: Sequence[str], q2: Sequence[str]) -> np.ndarray:
    """The Layout position of each pair (q1, q2) as stored (q1 <= q2); -1: not a pair of the
    instrument's criteria."""
    index = layout.index
    return np.fromiter((index.get(p, -1) for p in zip(q1, q2, strict=True)), int, len(q1))


def _pair_arrays(layout: Layout, rows: Sequence[Sequence[Any]]) -> dict[CellKey, np.ndarray]:
    """Per cell its (2, P, 4) pair sums from rows (unit, given, skey, q1, q2, 8 sums): columns
    at a time (a round's first read is a million rows), one array for all cells."""
    if not rows:
        return {}
    unit, given, skey, q1, q2, *sums = zip(*rows, strict=True)
    keys: dict[CellKey, int] = {}
    cell = np.fromiter(
        (
            keys.setdefault((int(u), bool(g), str(k)), len(keys))
            for u, g, k in zip(unit, given, skey, strict=True)
        ),
        int,
        len(unit),
    )
    at = pair_positions(layout, q1, q2)
    keep = at >= 0
    found = np.zeros((len(keys), len(layout.index), 8))
    found[cell[keep], at[keep]] = np.array(sums, dtype=float).T[keep]
    stacked = np.ascontiguousarray(found.reshape(len(keys), -1, 2, 4).transpose(0, 2, 1, 3))
    return {key: stacked[k] for key, k in keys.items()}
