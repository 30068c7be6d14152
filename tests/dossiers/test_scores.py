"""Decision 766 point scores (adapted rules, app/dossiers/scores.py) per unit and period, beside
the percentages: equal to a hand computation from a fed sample and dossier-rated responses."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from tests.dossiers.helpers import feeder_key
from tests.dossiers.test_indicators import SAMPLE, feed_sample, hand
from tests.dossiers.test_rating import CODES, answers, rate, refresh
from tests.factories import bearer, make_key, make_province

URL = "/api/v1/dossiers/indicators"
# Rated: criterion answers (answered, satisfied) of each dossier's response (16 criteria).
RATED = {"C11-1": (5, 0), "C11-3": (2, 0), "C12-1": (4, 8), "C12-2": (5, 0)}


def expected(units: set[str]) -> dict[str, float]:
    """The adapted rules of docs/dossiers.md applied to the sample, by hand."""
    counts = hand(SAMPLE, units)
    timely = 100 * (counts["early"] + counts["on_time"]) / counts["with_due"]
    online = 100 * counts["online"] / counts["transactions"]
    answered = satisfied = 0
    for number, (level, low) in RATED.items():
        if number.split("-")[0] in units:
            answered += 16
            satisfied += 0 if level < 4 else 16 - low
    share = 100 * satisfied / answered
    return {
        "progress_points": 20 * timely / 100,
        "online_points": 22 * online / 100,
        "satisfaction_share": share,
        "satisfaction_points": 18 * share / 100,
    }


async def test_points_equal_a_hand_computation(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await feed_sample(app, client)
    key = bearer(await feeder_key(app, "D1"))
    issued = (await client.post(CODES, json={"numbers": list(RATED)}, headers=key)).json()
    for code, (number, (level, low)) in zip(issued["codes"], RATED.items(), strict=True):
        assert await rate(app, client, code["code"], answers(level, low)) == 303, number
    client.headers.update(bearer(await make_key(app, "P")))

    before = (await client.get(URL, params={"round": "R2026"})).json()
    assert before["ratings_as_of"] is None and before["total"]["satisfaction_points"] is None
    assert before["total"]["progress_points"] == pytest.approx(20 * 4 / 6)
    await refresh(app)
    report = (await client.get(URL, params={"round": "R2026"})).json()
    assert report["ratings_as_of"] is not None
    assert [c["code"] for c in report["components"]] == ["progress", "online", "satisfaction"]
    assert {c["basis"] for c in report["components"]} == {"adapted"}
    rows = {r["unit"]: r for r in report["rows"]}
    for unit in ("C11", "C12"):
        want = expected({unit})
        assert {k: rows[unit][k] for k in want} == pytest.approx(want), unit
    # Written out: C11 2 of 3 by the due day, 2 of 4 online, 16 of 32 answers satisfied.
    assert rows["C11"]["progress_points"] == pytest.approx(40 / 3)
    assert rows["C11"]["online_points"] == pytest.approx(11.0)
    assert rows["C11"]["satisfaction_points"] == pytest.approx(9.0)
    assert rows["C21"]["satisfaction_points"] is None  # no rated dossier: no score
    total = report["total"]
    assert total["satisfaction_points"] == pytest.approx(18 * 40 / 64)
    assert total["progress_points"] == pytest.approx(20 * 4 / 6)

    by_channel = (await client.get(URL, params={"round": "R2026", "by": "channel"})).json()
    cells = {(r["unit"], r["group"]): r["satisfaction_points"] for r in by_channel["rows"]}
    assert cells[("C11", "online")] == pytest.approx(18.0)
    assert cells[("C11", "postal")] == pytest.approx(0.0)
    assert cells[("C12", "online")] == pytest.approx(9.0)

    day = app.state.settings.today()
    earlier = {"from": str(day - timedelta(days=40)), "to": str(day - timedelta(days=1))}
    past = (await client.get(URL, params=earlier)).json()  # rated today: not in this period
    assert past["total"]["satisfaction_points"] is None
    assert past["total"]["progress_points"] == pytest.approx(20 * 4 / 6)

    exported = await client.get(f"{URL}.csv", params={"round": "R2026"})
    notes = [line for line in exported.text.splitlines() if line.startswith("#")]
    assert any(n.startswith("# progress_points (adapted; Decision 766") for n in notes)
    table = list(
        csv.DictReader(
            io.StringIO(
                "\n".join(line for line in exported.text.splitlines() if not line.startswith("#"))
            )
        )
    )
    c11 = next(r for r in table if r["unit"] == "C11")
    assert float(c11["satisfaction_points"]) == pytest.approx(9.0)
    assert float(c11["progress_points"]) == pytest.approx(40 / 3)
