"""An adapted instrument's figure says so in the report and the exports, and is not titled
SIPAS (issue #22): the QĐ 2640 opinion form is of the SIPAS family, but adapted."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from app.collection.answers import parse_submission
from tests.factories import add_response, make_province
from tests.forms.answering import fill
from tests.reporting.helpers import staff_client

ADAPTED = "Điều chỉnh từ phương pháp chỉ số SIPAS (Bộ Nội vụ)"


async def test_an_adapted_sipas_figure_is_labelled_adapted(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app, form_code="sipas-2017-opinion")
    form = app.state.catalogue.get("sipas-2017-opinion").instrument
    for level in ("5", "2", "4"):
        parsed = parse_submission(form, fill(form, {f"HL{k}": [level] for k in range(1, 6)}))
        assert parsed.ok, parsed.errors
        await add_response(app, province, "C11", parsed.answers)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])

    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    measure = report["measure"]
    assert (measure["kind"], measure["status"], measure["sipas"]) == ("sipas", "adapted", False)
    assert measure["label"].startswith(ADAPTED) and "2640/QĐ-BNV" in measure["source"]
    assert report["index"] == pytest.approx(200 / 3)  # 2 of 3 satisfied per element
    assert [e["code"] for e in report["elements"]] == [e.code for e in form.elements]

    answer = await client.get("/api/v1/rounds/R2026/satisfaction/export?unit=P&headers=vi")
    text = answer.content.decode("utf-8-sig")
    comments = [line for line in text.splitlines() if line.startswith("# ")]
    assert comments[0] == "# Satisfaction R2026 P"  # never "SIPAS …" for an adapted method
    assert any(c.startswith(f"# Loại số liệu / Measure: {ADAPTED}") for c in comments)
    english = await client.get("/api/v1/rounds/R2026/satisfaction/export?unit=P&lang=en")
    assert "Adapted from the method of" in english.content.decode("utf-8-sig")
