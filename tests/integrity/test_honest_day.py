"""Honest days at a busy counter — citizens at its transaction rate, realistic completion
times, varied answers — raise flags on at most 1% of responses (fixed seed), and hold none."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import func, select

from app.collection.answers import ParsedAnswer
from app.collection.service import CounterForm, response_values, with_policy
from app.integrity.admission import admit
from app.integrity.screening import Paradata, answers_fingerprint, keyed_hash, screen
from app.integrity.tasks import refresh_reports
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


async def test_honest_days_raise_flags_on_at_most_one_percent(app: FastAPI):
    province = await make_province(app, volumes={"C11": VOLUME}, integrity=None)
    form = app.state.catalogue.get(province.round.form_code)
    target = with_policy(CounterForm(province.units["C11"], province.round, form), VOLUME)
    rate = VOLUME / target.policy.open_minutes(
        "C11", province.round.starts_on, province.round.ends_on
    )
    rng, zone = random.Random(2026), ZoneInfo(ZONE)
    secret = app.state.settings.secret_key
    for day in sorted(_open_days(province_today(), 5)):
        moment = datetime.combine(day, time(7, 35), zone).astimezone(UTC)
        closing = datetime.combine(day, time(17, 25), zone).astimezone(UTC)
        while True:
            moment += timedelta(minutes=rng.expovariate(rate))
            if moment >= closing:
                break
            if rng.random() > RESPONDING:
                continue
            answers = _answers(rng)
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
                "C11",
                target.burst_limit,
                moment,
                ZONE,
            )
            values = response_values(target, f"honest-{rng.getrandbits(64)}", "qr", answers)
            async with app.state.db.write_sessions.begin() as session:
                admission = await admit(session, values, answers, paradata, verdict)
            assert admission.outcome == "valid", admission
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
