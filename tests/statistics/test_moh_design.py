"""The Ministry of Health's indicators of a health round (the satisfaction report's ``moh``
block, computed by the background worker and served through the API) agree with R's survey
package to 1e-8 (relative): the mean score (1–5) of every item, section and overall, the share
satisfied with every item rated, their SEs, 95% intervals and df, for the designs of
test_design_based (weights only; strata with and without fpc; PSU column with a single-PSU
stratum; counter-days) and for raked, trimmed-raked and post-stratified weights
(calibration-aware SEs, as R's for a rake()/calibrate()/postStratify() design). Other
instruments have no such block."""

from __future__ import annotations

import math
import random
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.improvement.tasks import refresh_figures
from app.reporting.moh import MOH
from tests.factories import Province, bearer, make_key, make_province
from tests.reporting.helpers import staff_client
from tests.statistics.design_data import (
    CASES,
    DOMAINS,
    SIZES,
    VOLUMES,
    answer_form,
    apply_case,
    layout_of,
)
from tests.statistics.edge_data import set_inference
from tests.statistics.r_design import Answers, design_flags, domains_file, export
from tests.statistics.r_survey import R_SETUP, close, require_r, run_r
from tests.statistics.test_calibrated_variance import calibration_file, weigh, weights_request

R_PROGRAM = R_SETUP + (Path(__file__).parent / "moh.R").read_text()
FORM = "health-outpatient"
GENDERS = ["male", "female"]
CHILDREN = {"P": ["D1", "D2"], "D1": ["C11", "C12"], "D2": ["C21"]}


def items_of(app: FastAPI) -> list[str]:
    return [q.code for q in app.state.catalogue.get(FORM).instrument.criteria]


async def computed(app: FastAPI) -> int:
    """The worker's run of the Ministry of Health blocks (every row due); the rows written."""
    state = app.state
    return await refresh_figures(state.db, state.catalogue, state.settings, 0, only={MOH})


async def seed_health(app: FastAPI, seed: int = 5) -> Province:
    """Outpatients: 40% rate every item 4–5, the others at random (skewed high); 15% of the
    ratings '0 — not used' (N/A); a few rate nothing at all; gender at random."""
    province = await make_province(app, volumes=dict(VOLUMES), form_code=FORM)
    rng = random.Random(seed)
    items = items_of(app)
    for unit, n in SIZES.items():
        for _ in range(n):
            happy, nothing = rng.random() < 0.4, rng.random() < 0.05
            levels = [4, 5] if happy else [1, 2, 3, 4, 4, 5, 5]
            overrides: dict[str, list[str] | None] = {
                c: ["na" if nothing or rng.random() < 0.15 else str(rng.choice(levels))]
                for c in items
            }
            overrides["gender"] = [rng.choice(GENDERS)]
            await answer_form(app, FORM, unit, province, overrides)
    return province


def moh_columns(items: list[str]) -> tuple[list[str], object]:
    """score_/ans_ per item (N/A: 0, 0), then allsat and rated per response, then gender."""

    def values(answers: Answers) -> list[object]:
        row: list[object] = []
        scores = []
        for c in items:
            value = answers.get(c, [(None, None)])[0][0]
            row += [f"{value:g}" if value is not None else 0, int(value is not None)]
            if value is not None:
                scores.append(value)
        rated = bool(scores)
        gender = answers.get("gender", [(None, None)])[0][1]
        return [*row, int(rated and min(scores) >= 4), int(rated), gender]

    header = [f"{k}_{c}" for c in items for k in ("score", "ans")] + ["allsat", "rated", "gender"]
    return header, values


def check(ours: dict, r: list[float], scale: float = 1.0) -> None:
    """Our figure (value, se, ci95, df) against R's (estimate, se, low, high, df)."""
    value, se, low, high, df = r
    close(ours["value"] / scale, value)
    close(ours["se"] / scale, 0.0 if math.isnan(se) else se)
    assert ours["df"] == int(df)
    if math.isnan(low):
        assert ours["ci95"] is None
    else:
        close(ours["ci95"][0] / scale, low)
        close(ours["ci95"][1] / scale, high)


async def r_reference(
    app: FastAPI,
    province: Province,
    case: tuple,
    settings: Settings,
    workdir: Path,
    extra: tuple[str, ...] = (),
) -> dict[tuple[str, str, str], list[float]]:
    """moh.R's figures; ``extra``: its lonely.psu and calibration file."""
    items = items_of(app)
    data = workdir / "data.csv"
    await export(app, layout_of(province, case), data, settings, moh_columns(items))  # type: ignore[arg-type]
    instrument = app.state.catalogue.get(FORM).instrument
    sections = workdir / "sections"
    sections.write_text(
        "".join(
            f"{e.code}:{','.join(q.code for q in instrument.criteria_of(e.code))}\n"
            for e in instrument.elements
        )
    )
    listed = domains_file(workdir / "domains", DOMAINS)
    args = [data, ",".join(items), sections, listed, *design_flags(case[1:4]), *extra]
    output = await anyio.to_thread.run_sync(lambda: run_r(R_PROGRAM, *args, workdir=workdir))
    found = {}
    for line in output.strip().splitlines():
        domain, kind, name, *numbers = line.split("\t")
        found[(domain, kind, name)] = [float(x) for x in numbers]
    return found


@pytest.mark.parametrize("name", list(CASES))
async def test_moh_indicators_match_r(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, tmp_path: Path, name: str
):
    require_r()
    case = CASES[name]
    province = await seed_health(app)
    await apply_case(app, province, case)
    found = await r_reference(app, province, case, settings, tmp_path)
    client.headers.update(bearer(await make_key(app, "P")))
    await computed(app)
    checked = await compare_moh(client, case, found)
    assert checked == len(DOMAINS) * len(items_of(app))
    # the share is not trivial: some respondents are satisfied with everything, some are not
    share = found[("P", "all_satisfied", "share")][0]
    assert 0.2 < share < 0.8


CALIBRATED = {
    # name: (design case as CASES, weighting kind, trim, lonely_psu)
    "rake-unit-strata-average": (("raked", "unit", None, False, False), "rake", None, "average"),
    "calibrate-trim-level-strata": (
        ("raked", "department", None, False, False),
        "rake",
        (0.1, 20.0),
        "adjust",
    ),
    "poststratify-column-psu": (
        ("raked", "column", "column", False, True),
        "poststratify",
        None,
        "adjust",
    ),
}
GENDER_TOTALS = ("gender", {"male": 1400.0, "female": 1600.0})


@pytest.mark.parametrize("name", list(CALIBRATED))
async def test_moh_calibrated_match_r(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, tmp_path: Path, name: str
):
    """A raked, trimmed-raked or post-stratified round: the residual (calibration-aware) SEs
    of R's design from rake(), calibrate() or postStratify(), which differ from fixed
    weights'."""
    require_r()
    case, kind, trim, lonely = CALIBRATED[name]
    province = await seed_health(app)
    await apply_case(app, province, case)
    await set_inference(app, province, "logit", lonely)
    await weigh(app, province, weights_request(kind, trim, GENDER_TOTALS))
    spec = calibration_file(tmp_path / "calibration", kind, trim, GENDER_TOTALS)
    extra = (lonely, str(spec))
    found = await r_reference(app, province, case, settings, tmp_path, extra)
    client.headers.update(bearer(await make_key(app, "P")))
    await computed(app)
    assert await compare_moh(client, case, found) == len(DOMAINS) * len(items_of(app))
    # the calibration matters: R's SE of the same weights taken as fixed is another
    fixed = await r_reference(app, province, case, settings, tmp_path, (lonely, "-"))
    key = ("P", "overall", "mean")
    assert abs(fixed[key][1] - found[key][1]) > 1e-6 * found[key][1]


async def compare_moh(client: httpx.AsyncClient, case: tuple, found: dict) -> int:
    """Every domain's served block against R's figures; the items checked."""
    checked = 0
    for domain in DOMAINS:
        answer = await client.get("/api/v1/rounds/R2026/satisfaction", params={"unit": domain})
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert report["design"]["strata"] == case[1] and report["design"]["psu"] == case[2]
        moh = report["moh"]
        assert moh["freshness"]["source"] == "worker" and not moh["freshness"]["stale"]
        check(moh["mean"], found[(domain, "overall", "mean")])
        check(moh["all_satisfied"], found[(domain, "all_satisfied", "share")], scale=100.0)
        for section in moh["sections"]:
            check(section, found[(domain, "section", section["code"])])
            for item in section["items"]:
                check(item, found[(domain, "item", item["code"])])
                checked += 1
        for child in moh["children"]:
            check(child["mean"], found[(child["code"], "overall", "mean")])
            check(child["all_satisfied"], found[(child["code"], "all_satisfied", "share")], 100)
        assert [c["code"] for c in moh["children"]] == CHILDREN.get(domain, [])
    return checked


async def test_moh_counts_and_definitions(app: FastAPI, client: httpx.AsyncClient):
    """n of each figure: an item's valid answers; the overall's and the share's respondents
    who rated at least one item (a response rating nothing is in neither); the definitions
    are stated."""
    province = await make_province(app, volumes={"C11": 10, "C12": 10, "C21": 10}, form_code=FORM)
    items = items_of(app)
    everything_4 = {c: ["4"] for c in items}
    one_low = {c: ["5"] for c in items} | {items[0]: ["2"], items[1]: ["na"]}
    nothing: dict[str, list[str] | None] = {c: ["na"] for c in items}
    for overrides in (everything_4, one_low, nothing):
        await answer_form(app, FORM, "C11", province, overrides)  # type: ignore[arg-type]
    client.headers.update(bearer(await make_key(app, "P")))
    url = "/api/v1/rounds/R2026/satisfaction"
    before = (await client.get(url, params={"unit": "C11"})).json()
    assert before["moh"] is None and before["moh_pending"]  # a request computes nothing
    assert await computed(app) >= 3  # every reported unit: C11 and its ancestors at least
    answer = await client.get(url, params={"unit": "C11"})
    assert not answer.json()["moh_pending"]
    moh = answer.json()["moh"]
    assert moh["all_satisfied"]["value"] == pytest.approx(50.0)
    assert moh["all_satisfied"]["respondents"] == 2 and moh["mean"]["respondents"] == 2
    first, second = moh["sections"][0]["items"][:2]
    assert (first["code"], first["respondents"], first["value"]) == (items[0], 2, 3.0)
    assert (second["respondents"], second["value"]) == (1, 4.0)
    means = [(4.0 + 5.0) / 2] * len(items)
    means[0], means[1] = 3.0, 4.0
    assert moh["mean"]["value"] == pytest.approx(sum(means) / len(means))
    assert "0 / 'not used'" in moh["mean_definition"]
    assert "every item they rated" in moh["all_satisfied_definition"]


async def test_no_moh_block_for_other_instruments(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app, volumes={"C11": 10, "C12": 10, "C21": 10})
    client.headers.update(bearer(await make_key(app, "P")))
    await computed(app)
    answer = await client.get("/api/v1/rounds/R2026/satisfaction", params={"unit": "P"})
    assert answer.status_code == 200
    assert answer.json()["moh"] is None and not answer.json()["moh_pending"]


async def test_export_states_the_moh_definitions(app: FastAPI, client: httpx.AsyncClient):
    """A health round's CSV export states the two definitions and the unit's figures in its
    method block; a one-stop counter round's does not."""
    province = await make_province(app, volumes={"C11": 10, "C12": 10, "C21": 10}, form_code=FORM)
    items = items_of(app)
    for level in ("4", "5", "2"):
        await answer_form(app, FORM, "C11", province, {c: [level] for c in items})
    client.headers.update(bearer(await make_key(app, "P")))
    await computed(app)
    answer = await client.get("/api/v1/rounds/R2026/satisfaction/export", params={"unit": "P"})
    assert answer.status_code == 200, answer.text
    method = [line for line in answer.text.splitlines() if line.startswith("#")]
    moh = answer.text.split("MoH figures of the unit", 1)[1].splitlines()[0]
    assert any("MoH mean score" in line and "0 / 'not used'" in line for line in method)
    assert any("MoH all satisfied" in line and "4 or 5" in line for line in method)
    assert "mean score 3.66666666667" in moh and "all items satisfied 66.6666666667 %" in moh
    assert any("MoH figures computed at" in line and "background worker" in line for line in method)


async def test_export_of_other_instruments_has_no_moh_lines(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app, volumes={"C11": 10, "C12": 10, "C21": 10})
    client.headers.update(bearer(await make_key(app, "P")))
    answer = await client.get("/api/v1/rounds/R2026/satisfaction/export", params={"unit": "P"})
    assert answer.status_code == 200 and "MoH" not in answer.text


async def test_a_frozen_health_round_serves_its_moh_block(app: FastAPI, client: httpx.AsyncClient):
    """Freezing stores every unit's block (the responses read once for all units); the
    revision serves it, unmoved by a later response, while live figures move."""
    province = await make_province(
        app, status="closed", volumes={"C11": 10, "C12": 10, "C21": 10}, form_code=FORM
    )
    items = items_of(app)
    for unit, level in (("C11", "5"), ("C11", "2"), ("C21", "4")):
        await answer_form(app, FORM, unit, province, {c: [level] for c in items})
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    frozen = await client.post("/api/v1/rounds/R2026/freeze", json={"note": "công bố"})
    assert frozen.status_code == 200, frozen.text
    await answer_form(app, FORM, "C21", province, {c: ["1"] for c in items})
    for unit, mean in (("C11", 3.5), ("C21", 4.0)):
        served = (await client.get(f"/api/v1/rounds/R2026/satisfaction?unit={unit}")).json()
        assert served["snapshot"]["revision"] == 1
        assert served["moh"]["mean"]["value"] == pytest.approx(mean)
    served = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    assert [c["code"] for c in served["moh"]["children"]] == ["D1", "D2"]
    assert served["moh"]["all_satisfied"]["respondents"] == 3
    live_url = "/api/v1/rounds/R2026/satisfaction?unit=C21&live=true"
    await computed(app)
    live = (await client.get(live_url)).json()
    assert live["moh"]["mean"]["value"] == pytest.approx(2.5)
    assert live["moh"]["freshness"]["source"] == "worker"
