"""Option shares of the other questions agree with R's survey package to 1e-8 (relative):
share, SE, logit 95% interval (and so its df) and design effect of every option, for the
designs of test_design_based (weights only; strata with and without fpc; PSU column with a
single-PSU stratum; counter-days). Questions: single choice (``svymean(~factor(q))``), a
conditional question, an expectation item (priority scale), a rating level with N/A, and a
multiple choice read as yes/no among its respondents."""

from __future__ import annotations

import random
from pathlib import Path

import anyio
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.reporting.question_schemas import Frequency
from app.reporting.questions import questions_report
from tests.factories import Province, make_province
from tests.statistics.design_data import (
    CASES,
    DOMAINS,
    SIZES,
    VOLUMES,
    answer_form,
    apply_case,
    layout_of,
)
from tests.statistics.r_design import Answers, design_flags, domains_file, export
from tests.statistics.r_survey import R_SETUP, close, require_r, run_r

R_PROGRAM = R_SETUP + (Path(__file__).parent / "questions.R").read_text()
FORM = "sipas-household"
SINGLE = ["gender", "education", "got_result", "MD01", "CS01"]
MULTIPLE = "policy_interest"
INTERESTS = ["education", "health", "poverty", "social", "land", "security"]


async def seed_household(app: FastAPI, seed: int = 11) -> Province:
    """Random demographics, a skip (got_result only after used_service = yes), priorities,
    a rating with 20% N/A and one to four policy interests."""
    province = await make_province(app, volumes=dict(VOLUMES), form_code=FORM)
    rng = random.Random(seed)
    education = ["primary", "lower_secondary", "upper_secondary", "vocational", "university"]
    for unit, n in SIZES.items():
        for _ in range(n):
            overrides = {
                "gender": [rng.choice(["male", "female"])],
                "education": [rng.choice(education)],
                "policy_interest": rng.sample(INTERESTS, rng.randint(1, 4)),
                "used_service": [rng.choice(["yes", "yes", "no"])],
                "got_result": [rng.choice(["yes", "no"])],
                "MD01": [str(rng.choice([1, 2, 3, 3]))],
                "CS01": ["na" if rng.random() < 0.2 else str(rng.randint(1, 5))],
            }
            await answer_form(app, FORM, unit, province, overrides)
    return province


def question_columns(answers: Answers) -> list[object]:
    """The single questions' stored answers (a level as an integer), then the multiple
    choice as 0/1 per option; NA where the question was not answered."""
    values: list[object] = []
    for code in SINGLE:
        stored = answers.get(code)
        if stored is None:
            values.append("NA")
        else:
            value, option = stored[0]
            values.append(f"{value:g}" if value is not None else option)
    chosen = {option for _, option in answers.get(MULTIPLE, [])}
    for option in INTERESTS:
        values.append("NA" if not chosen else int(option in chosen))
    return values


COLUMNS = (
    [f"q_{c}" for c in SINGLE] + [f"q_{MULTIPLE}__{o}" for o in INTERESTS],
    question_columns,
)


def check(ours: Frequency, r: list[float]) -> None:
    share, se, low, high, deff, _df, fit_low, fit_high = r
    assert ours.share is not None and ours.se is not None and ours.ci95 is not None
    close(ours.share / 100, share)
    close(ours.se / 100, se)
    close(ours.ci95[0] / 100, low)
    close(ours.ci95[1] / 100, high)
    # svyciprop(method="logit") reaches the same interval by IRLS, stopped at glm's epsilon
    assert ours.ci95 == pytest.approx([100 * fit_low, 100 * fit_high], rel=1e-6, abs=1e-9)
    if deff == deff:  # R gives NaN for a share of 0 or 1 (no variance either way)
        close(ours.deff, deff)
    else:
        assert ours.deff is None and ours.se == 0


@pytest.mark.parametrize("name", list(CASES))
async def test_option_shares_match_r(app: FastAPI, settings: Settings, tmp_path: Path, name: str):
    require_r()
    case = CASES[name]
    province = await seed_household(app)
    await apply_case(app, province, case)
    data = tmp_path / "data.csv"
    await export(app, layout_of(province, case), data, settings, COLUMNS)
    specs = [f"{c}:single" for c in SINGLE] + [f"{MULTIPLE}:{','.join(INTERESTS)}"]
    (tmp_path / "questions").write_text("\n".join(specs) + "\n")
    output = await anyio.to_thread.run_sync(
        lambda: run_r(
            R_PROGRAM,
            data,
            tmp_path / "questions",
            domains_file(tmp_path / "domains", DOMAINS),
            *design_flags(case[1:4]),
            workdir=tmp_path,
        )
    )
    checked = 0
    for domain in DOMAINS:
        async with app.state.db.sessions() as session:
            report = await questions_report(
                session, app.state.catalogue, "R2026", domain, settings=settings
            )
        assert report.design.strata == case[1] and report.design.psu == case[2]
        ours = {(q.code, f.value): f for q in report.questions for f in q.frequencies}
        for line in output.strip().splitlines():
            where, code, option, *numbers = line.split("\t")
            if where == domain:
                check(ours[(code, option)], [float(x) for x in numbers])
                checked += 1
    # every domain has every question; a single question lists the levels present
    assert checked > len(DOMAINS) * (len(SINGLE) * 2 + len(INTERESTS))
