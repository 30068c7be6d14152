"""A round's inference settings (interval method, single-PSU strata) through the API and the
CLI: validated, audited, stated in every report, and followed by the estimates."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from tests.auth_helpers import csrf_of, sign_in
from tests.factories import add_response, bearer, make_key, make_province, make_user, ratings
from tests.imports.test_cli import prepared
from tests.statistics.design_data import set_design
from tests.test_cli import sipas

URL = "/api/v1/rounds/R2026/inference"
REPORT = "/api/v1/rounds/R2026/satisfaction?unit=P"


async def _admin(app: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
    await make_user(app, "admin@x.vn", [("admin", "P")])
    await sign_in(client, "admin@x.vn")
    return {"X-CSRF-Token": await csrf_of(client)}


async def _seed(app: FastAPI):
    province = await make_province(app)
    for unit, n in (("C11", 4), ("C12", 3), ("C21", 1)):
        for k in range(n):
            await add_response(app, province, unit, ratings({"ACC1": 1 + k % 5}, default=5))
    return province


async def test_settings_change_audited_and_followed(app: FastAPI, client: httpx.AsyncClient):
    await _seed(app)
    csrf = await _admin(app, client)
    before = (await client.get(REPORT)).json()
    assert before["design"]["ci"] == "logit" and before["design"]["lonely_psu"] == "adjust"
    acc2 = before["elements"][0]["criteria"][1]
    assert acc2["index"] == 100.0 and acc2["se"] == 0.0 and acc2["ci95"] is None  # no logit

    changed = await client.put(URL, json={"ci": "beta", "lonely_psu": "remove"}, headers=csrf)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["ci"], changed.json()["lonely_psu"]) == ("beta", "remove")
    listed = (await client.get("/api/v1/rounds")).json()
    assert (listed[0]["ci"], listed[0]["lonely_psu"]) == ("beta", "remove")

    after = (await client.get(REPORT)).json()
    assert after["design"]["ci"] == "beta" and "Korn" in after["design"]["ci_method"]
    assert "degf(subset(design, domain))" in after["design"]["df_method"]
    low, high = after["elements"][0]["criteria"][1]["ci95"]
    assert low < 100.0 and high == 100.0  # an honest interval at 100: [lower, 100]

    audit = (await client.get("/api/v1/audit", params={"action": "round.design"})).json()
    assert audit[0]["changes"] == {
        "ci": {"from": "logit", "to": "beta"},
        "lonely_psu": {"from": "adjust", "to": "remove"},
    }


async def test_refusals(app: FastAPI, client: httpx.AsyncClient):
    province = await _seed(app)
    key = await make_key(app, "P")
    body = {"ci": "beta", "lonely_psu": "adjust"}
    assert (await client.put(URL, json=body, headers=bearer(key))).status_code in (401, 403)
    csrf = await _admin(app, client)
    wrong = await client.put(URL, json={"ci": "exact", "lonely_psu": "adjust"}, headers=csrf)
    assert wrong.status_code == 422
    # C21 holds one response: with strata = unit, a single-PSU stratum; "fail" refuses it
    await set_design(app, province, "volume", "unit")
    await sign_in(client, "admin@x.vn")
    csrf = {"X-CSRF-Token": await csrf_of(client)}
    failing = {"ci": "logit", "lonely_psu": "fail"}
    assert (await client.put(URL, json=failing, headers=csrf)).status_code == 200
    refused = await client.get(REPORT)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "lonely_psu"
    assert error["message"].startswith("stratum C21 has only one PSU")


REFUSED = [
    (["--psu", "day", "--fpc", "--strata", "unit"], "two-stage"),
    (["--strata", "column", "--fpc"], "stratum column have none"),
    (["--ci", "exact"], "ci is one of logit, beta, wilson"),
    (["--lonely-psu", "drop"], "lonely_psu is one of adjust, average"),
]


def test_cli_sets_inference_and_refuses_unsupported_designs(tmp_path: Path):
    db = prepared(tmp_path)
    for extra, message in REFUSED:
        refused = sipas(
            "rounds", "create", "R1", "--form", "one-stop-counter", "--unit", "P", *extra, db=db
        )
        assert refused.returncode == 1 and message in refused.stderr, refused.stderr
    created = sipas(
        "rounds", "create", "R1", "--form", "one-stop-counter", "--unit", "P",
        "--strata", "district", "--fpc", "--ci", "wilson", "--lonely-psu", "remove", db=db,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    changed = sipas("rounds", "inference", "R1", "--ci", "beta", "--lonely-psu", "average", db=db)
    assert changed.returncode == 0, changed.stderr
    assert "intervals beta, single-PSU strata average" in changed.stdout
    wrong = sipas("rounds", "inference", "R1", "--ci", "x", "--lonely-psu", "average", db=db)
    assert wrong.returncode == 1 and "ci is one of" in wrong.stderr
