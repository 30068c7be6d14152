"""The weighted criterion indices agree with R's survey package (an independent implementation)."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import anyio
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import Answer
from app.statistics.estimates import estimate
from app.statistics.tally import tally_round, weighted_responses
from tests.factories import CRITERIA, add_response, make_province, ratings
from tests.statistics.r_survey import require_r

R_PROGRAM = r"""
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d$sat <- as.numeric(d$value >= 4)
des <- svydesign(ids = ~1, weights = ~weight, data = d)
out <- list()
for (code in unique(d$question)) {
  sub <- subset(des, question == code)
  out[[code]] <- 100 * unname(coef(svymean(~sat, sub)))
}
cat(paste0("{", paste0('"', names(out), '":', sprintf("%.17g", unlist(out)),
    collapse = ","), "}"))
"""


def run_r(script: Path, data: Path) -> dict[str, float]:
    result = subprocess.run(
        [require_r(), str(script), str(data)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    parsed: dict[str, float] = json.loads(result.stdout)
    return parsed


async def test_criterion_indices_match_r_survey(app: FastAPI, tmp_path: Path):
    import random

    require_r()
    province = await make_province(app, volumes={"C11": 1234, "C12": 77, "C21": None})
    rng = random.Random(7)
    for unit, n in [("C11", 23), ("C12", 9), ("C21", 14)]:
        for _ in range(n):
            values: dict[str, int | str] = {
                c: ("na" if rng.random() < 0.15 else rng.randint(1, 5)) for c in CRITERIA
            }
            await add_response(app, province, unit, ratings(values))

    async with app.state.db.sessions() as session:
        weighted = weighted_responses(province.round.id).subquery()
        rows = await session.execute(
            select(Answer.question, Answer.value, weighted.c.weight)
            .join(weighted, weighted.c.id == Answer.response_id)
            .where(Answer.question.in_(CRITERIA), Answer.value.is_not(None))
        )
        data = tmp_path / "answers.csv"
        with data.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["question", "value", "weight"])
            for question, value, weight in rows:
                writer.writerow([question, int(value), repr(float(weight))])
        tally = await tally_round(session, province.round.id, CRITERIA, [4, 5])

    script = tmp_path / "check.R"
    script.write_text(R_PROGRAM)
    from_r = await anyio.to_thread.run_sync(run_r, script, data)

    instrument = app.state.catalogue.get("one-stop-counter").instrument
    ours = estimate(instrument, tally, {u.id for u in province.units.values()})
    for element in ours.elements:
        for criterion in element.criteria:
            assert criterion.index == pytest.approx(from_r[criterion.code], rel=1e-12, abs=0)
