"""Honest days at a busy counter — citizens at its transaction rate, realistic completion
times, varied answers — raise flags on at most 1% of responses (fixed seed), and hold none."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import func, select, text

from app.collection.answers import ParsedAnswer
from app.collection.service import CounterForm, response_values, with_policy
from app.integrity.admission import admit
from app.integrity.report import local_day
from app.integrity.screening import Paradata, answers_fingerprint, keyed_hash, screen
from app.integrity.tasks import refresh_reports, refresh_round
from app.models import Response, ResponseFlag
from tests.factories import CRITERIA, make_province, province_today

ZONE = "Asia/Ho_Chi_Minh"
VOLUME = 3000  # transactions at the counter over the round (~61 days): ~57 an open day
RESPONDING = 0.5  # half the citizens served answer


def _answers(rng: random.Random) -> list[ParsedAnswer]:
    propensity = rng.betavariate(8, 2)
    answers = []
    for code in CRITERIA:
        if rng.random() < 0.05:
            answers.append(ParsedAnswer(code, 0, None, "na"))
        elif rng.random() < propensity:
            answers.append(ParsedAnswer(code, 0, float(rng.choice((4, 5))), None))
        else:
            answers.append(ParsedAnswer(code, 0, float(rng.choice((1, 2, 3))), None))
    answers.append(ParsedAnswer("field", 0, None, rng.choice(("land", "business"))))
    return answers


def _open_days(today: date, count: int) -> list[date]:
    days, day = [], today - timedelta(days=1)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days


async def _serve_day(
    app: FastAPI,
    target: CounterForm,
    day: date,
    rng: random.Random,
    answers_of: Callable[[random.Random], list[ParsedAnswer]] = _answers,
) -> None:
    """Citizens at the counter's transaction rate over one open day, half of them answering
    (realistic completion times, each on their own phone); every response is admitted valid."""
    rate = VOLUME / target.policy.open_minutes(
        target.unit.code, target.round.starts_on, target.round.ends_on
    )
    zone, secret = ZoneInfo(ZONE), app.state.settings.secret_key
    moment = datetime.combine(day, time(7, 35), zone).astimezone(UTC)
    closing = datetime.combine(day, time(17, 25), zone).astimezone(UTC)
    while True:
        moment += timedelta(minutes=rng.expovariate(rate))
        if moment >= closing:
            break
        if rng.random() > RESPONDING:
            continue
        answers = answers_of(rng)
        seconds = math.exp(rng.gauss(math.log(100), 0.4))  # median 100 s
        paradata = Paradata(
            "qr",
            moment - timedelta(seconds=seconds),
            keyed_hash(secret, "device", f"phone-{rng.getrandbits(64)}"),
            answers_fingerprint(answers),
        )
        verdict = screen(
            target.policy,
            paradata,
            answers,
            target.criteria,
            target.unit.code,
            target.burst_limit,
            moment,
            ZONE,
        )
        values = response_values(target, f"honest-{rng.getrandbits(64)}", "qr", answers)
        async with app.state.db.write_sessions.begin() as session:
            admission = await admit(session, values, answers, paradata, verdict)
        assert admission.outcome == "valid", admission


async def _busy_counter(app: FastAPI) -> CounterForm:
    province = await make_province(app, volumes={"C11": VOLUME}, integrity=None)
    form = app.state.catalogue.get(province.round.form_code)
    return with_policy(CounterForm(province.units["C11"], province.round, form), VOLUME)


async def test_honest_days_raise_flags_on_at_most_one_percent(app: FastAPI):
    target = await _busy_counter(app)
    rng = random.Random(2026)
    for day in sorted(_open_days(province_today(), 5)):
        await _serve_day(app, target, day, rng)
    await refresh_reports(app.state.db, app.state.catalogue, ZONE)  # day_shift runs here
    async with app.state.db.sessions() as session:
        responses = await session.scalar(select(func.count()).select_from(Response))
        flagged = await session.scalar(select(func.count(func.distinct(ResponseFlag.response_id))))
        held = await session.scalar(
            select(func.count()).select_from(Response).where(Response.status != "valid")
        )
    print(f"honest days: {flagged} of {responses} responses flagged, {held} held")
    assert responses is not None and responses > 120  # five busy days
    assert held == 0
    assert (flagged or 0) <= 0.01 * responses, (flagged, responses)


def _unhappy(rng: random.Random) -> list[ParsedAnswer]:
    """Varied answers (no straight-lining), none of them satisfied."""
    answers = [ParsedAnswer(code, 0, float(rng.choice((1, 2, 3))), None) for code in CRITERIA]
    return [*answers, ParsedAnswer("field", 0, None, "land")]


async def test_a_day_unlike_the_others_is_flagged_once_in_the_database(app: FastAPI):
    """The day whose scores depart from the unit's other days: each of its responses gets one
    ``day_shift`` flag, written by the database (INSERT ... SELECT); a recomputed report adds
    none twice, and the other days get none."""
    target = await _busy_counter(app)
    rng = random.Random(7)
    days = sorted(_open_days(province_today(), 5))
    for day in days[:-1]:
        await _serve_day(app, target, day, rng)
    await _serve_day(app, target, days[-1], rng, _unhappy)
    db, catalogue = app.state.db, app.state.catalogue
    for _ in range(2):  # the second time the report is recomputed over the same responses
        async with db.writing() as session:
            await refresh_round(session, target.round, catalogue, ZONE, force=True)
    day_sql, params = local_day(db.engine.dialect.name, ZONE)
    flags_of = (
        "SELECT count(*) FROM response_flag f WHERE f.response_id = response.id"
        " AND f.rule = 'day_shift'"
    )
    async with db.sessions() as session:
        rows = (
            await session.execute(text(f"SELECT {day_sql}, ({flags_of}) FROM response"), params)
        ).all()
    by_day: dict[str, list[int]] = {}
    for day, flags in rows:
        by_day.setdefault(str(day), []).append(int(flags))
    assert sorted(by_day) == [str(d) for d in days]
    last_day = by_day.pop(str(days[-1]))
    assert len(last_day) >= 10  # enough responses for the rule (day_shift_min_n)
    assert set(last_day) == {1}, last_day  # each flagged, once
    assert {d: set(f) for d, f in by_day.items()} == {d: {0} for d in by_day}
