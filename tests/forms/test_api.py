"""The catalogue and per-question statistics over HTTP (read with an API key)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.factories import bearer, make_key, make_province


async def test_catalogue_lists_every_shipped_instrument(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    key = bearer(await make_key(app, "P"))
    assert (await client.get("/api/v1/forms")).status_code == 401
    forms = (await client.get("/api/v1/forms", headers=key)).json()
    assert {f["code"]: f["aggregation"] for f in forms} == {
        "education": "mean_of_elements",
        "education-pupil": "mean_of_elements",
        **{  # one form per school level and respondent (issue #22)
            f"education-{level}": "mean_of_elements"
            for level in (
                "preschool",
                "primary",
                "lower-secondary",
                "upper-secondary",
                "pupil-lower-secondary",
                "pupil-upper-secondary",
            )
        },
        "health-inpatient": "mean_of_criteria",
        "health-outpatient": "mean_of_criteria",
        "one-stop-counter": "mean_of_criteria",
        "one-stop-kiosk": "mean_of_elements",  # each element counts once (2026.1)
        "sipas-2017": "mean_of_elements",
        "sipas-2017-opinion": "mean_of_elements",
        "sipas-2017-organisation": "mean_of_elements",
        "sipas-household": "mean_of_criteria",
        "tt01-2018": "points_with_classes",
    }
    kinds = {f["code"]: (f["measure"]["kind"], f["measure"]["status"]) for f in forms}
    assert kinds["one-stop-counter"] == kinds["one-stop-kiosk"] == ("internal", "internal")
    assert kinds["sipas-household"] == ("sipas", "adapted")
    assert not any(f["measure"]["sipas"] for f in forms)  # no file holds the official text yet
    detail = (await client.get("/api/v1/forms/sipas-2017?lang=en", headers=key)).json()
    assert [len(e["criteria"]) for e in detail["elements"]] == [4, 5, 6, 3, 4]
    assert detail["elements"][0]["criteria"][0] == {
        "code": "TC01",
        "text": "There were enough waiting seats",
        "scale": None,
        "previous_codes": {},
    }
    assert detail["scale"]["satisfied"] == [4, 5] and "priority4" in detail["scales"]
    assert [v["current"] for v in detail["versions"]] == [True]
    tt01 = (await client.get("/api/v1/forms/tt01-2018", headers=key)).json()
    assert tt01["rules"]["classes"][0] == {
        "min": 15.0,
        "label": {"vi": "Xuất sắc", "en": "Excellent"},
    }
    missing = await client.get("/api/v1/forms/nope", headers=key)
    assert missing.status_code == 404


async def test_question_statistics_endpoint(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    key = bearer(await make_key(app, "P"))
    report = await client.get("/api/v1/rounds/R2026/questions?unit=C11", headers=key)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["form"] == "one-stop-counter" and body["unit"]["code"] == "C11"
    field = next(q for q in body["questions"] if q["code"] == "field")
    assert field["respondents"] == 0 and len(field["frequencies"]) == 8
    assert body["points"] is None
