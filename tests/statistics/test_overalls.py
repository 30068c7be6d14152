"""Overall estimates of many domains at once (rankings) equal ``Engine.domain``'s, on every
design of the R cross-checks; the kept cells survive across reports on PostgreSQL; pair
pooling in SQL takes any number of cells."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.config import Settings
from app.rounds.service import get_round
from app.statistics import overalls as overalls_module
from app.statistics.inference import Engine, Estimate
from app.statistics.load import round_engine
from app.statistics.overalls import overall_points, overalls
from app.statistics.sufficient import S_AND_G, _pooled, _weight_chunks
from app.units.service import load_tree
from tests.statistics.design_data import CASES, apply_case, seed

LEVELS = {"counter": ["C11", "C12", "C21"], "department": ["D1", "D2"]}


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 1e-12 * max(abs(b), 1.0)


def assert_same(x: Estimate, y: Estimate) -> None:
    assert (x.n, x.df) == (y.n, y.df)
    for field in ("index", "unweighted", "weight", "se", "deff", "effective_n"):
        assert same(getattr(x, field), getattr(y, field)), (field, x, y)
    assert (x.ci95 is None) == (y.ci95 is None)
    if x.ci95 and y.ci95:
        assert same(x.ci95[0], y.ci95[0]) and same(x.ci95[1], y.ci95[1])


async def engines(app: FastAPI, settings: Settings, codes: list[str]) -> list[Engine]:
    form = app.state.catalogue.get("one-stop-counter")
    async with app.state.db.sessions() as session:
        round_ = await get_round(session, "R2026")
        tree = await load_tree(session)
        domains = [tree.subtree_ids(tree.get(c).id) for c in codes]
        return [
            await round_engine(
                session, round_, form, settings.timezone, tree, domains=domains, live=live
            )
            for live in (False, True)
        ]


@pytest.mark.parametrize("name", list(CASES))
async def test_overalls_equal_each_domain(app: FastAPI, settings: Settings, name: str):
    province = await seed(app)
    await apply_case(app, province, CASES[name])
    async with app.state.db.sessions() as session:
        tree = await load_tree(session)
    for codes in LEVELS.values():
        for engine in await engines(app, settings, codes):
            domains = [tree.subtree_ids(tree.get(c).id) for c in codes]
            assert overalls_module._vectorised(engine)  # not the one-by-one fallback
            cells = overalls_module._cell_domains(engine, domains)
            assert cells is not None
            assert overalls_module._domain_groups(engine, cells, len(domains)) is not None
            found = overalls(engine, domains)
            points = overall_points(engine, domains)
            for domain, index in zip(domains, points, strict=True):
                assert same(index, engine.points(domain).overall.index)
            for domain, got in zip(domains, found, strict=True):
                expected = engine.domain(domain)
                assert (got.respondents, got.weight) == (
                    expected.respondents,
                    pytest.approx(expected.weight, rel=1e-12),
                )
                assert_same(got.estimate, expected.overall)


async def test_overlapping_domains_are_estimated_one_by_one(app: FastAPI, settings: Settings):
    await seed(app)
    async with app.state.db.sessions() as session:
        tree = await load_tree(session)
    codes = ["D1", "C11"]  # C11 lies in D1
    domains = [tree.subtree_ids(tree.get(c).id) for c in codes]
    engine = (await engines(app, settings, codes))[0]
    assert overalls_module._cell_domains(engine, domains) is None
    for domain, got in zip(domains, overalls(engine, domains), strict=True):
        assert_same(got.estimate, engine.domain(domain).overall)
    for domain, index in zip(domains, overall_points(engine, domains), strict=True):
        assert same(index, engine.points(domain).overall.index)


async def test_kept_cells_are_reused_by_the_next_report(app: FastAPI, settings: Settings):
    # PostgreSQL reads a report in a REPEATABLE READ engine made by execution_options, a new
    # object every time: what is kept must outlive it (it is kept per connection pool).
    await seed(app)
    first, _ = await engines(app, settings, LEVELS["counter"])
    second, _ = await engines(app, settings, LEVELS["counter"])
    assert first.stats.cells and second.stats.cells
    assert all(a is b for a, b in zip(first.stats.cells, second.stats.cells, strict=True))
    assert second.stats.pairs_kept


async def test_pairs_pool_in_sql_for_any_number_of_cells(app: FastAPI):
    # 7,000 cells: 42,000 values, past asyncpg's 32,767 bound parameters of a VALUES list.
    weights = [(100_000 + k, False, "", k % 7, 1.5, 2.5) for k in range(7_000)]
    async with app.state.db.sessions() as session:
        dialect = session.get_bind().dialect.name
        rows = []
        for cte, params in _weight_chunks(weights, dialect):
            sql = f"WITH {cte} " + _pooled("tally_pair", "p.round_id = :round_id", S_AND_G)
            rows += (await session.execute(text(sql), params | {"round_id": 1})).all()
            count = f"WITH {cte} SELECT COUNT(*), SUM(grp), SUM(gm) FROM w"
            found = (await session.execute(text(count), params)).one()
            assert found[0] == len(weights) or dialect != "postgresql"
    assert rows == []  # no such cells: nothing pooled, and no error
    assert np.isclose(found[2], 1.5 * found[0])
