"""The round page's estimation settings (interval method, single-PSU strata rule): admins of
every unit of the round change them with CSRF, audited as round.design, as the API's PUT
/api/v1/rounds/{code}/inference; others see the settings but no form."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select

from app.models import AuditEvent, Round
from tests.console.helpers import HTML, staff_client
from tests.factories import make_province

URL = "/console/rounds/R2026/inference"


async def _settings(app: FastAPI) -> tuple[str | None, ...]:
    async with app.state.db.sessions() as session:
        round_ = await session.scalar(select(Round).where(Round.code == "R2026"))
        assert round_ is not None
        return round_.design_ci, round_.design_lonely_psu, round_.design_variance


async def test_admin_sets_the_estimation_settings_and_it_is_audited(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        page = await client.get("/console/rounds/R2026", headers=HTML)
        assert page.status_code == 200 and f'action="{URL}"' in page.text
        assert 'name="ci" value="logit" checked' in page.text
        saved = await client.post(
            URL,
            data={"csrf_token": csrf, "ci": "beta", "lonely_psu": "average", "variance": "jkn"},
        )
        assert saved.status_code == 303
        assert saved.headers["location"].endswith("?done=round-inference")
        shown = await client.get(saved.headers["location"], headers=HTML)
        assert "Đã lưu phương pháp ước lượng" in shown.text
        assert '<dd id="ci"><code>beta</code></dd>' in shown.text
        assert 'name="lonely_psu" value="average" checked' in shown.text
        assert '<dd id="variance"><code>jkn</code></dd>' in shown.text
        # the same values again: nothing changed, nothing audited
        again = await client.post(
            URL, data={"csrf_token": csrf, "ci": "beta", "lonely_psu": "average"}
        )
        assert again.status_code == 303
    assert await _settings(app) == ("beta", "average", "jkn")
    async with app.state.db.sessions() as session:
        events = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "round.design"))
        ).all()
    assert [e.changes for e in events] == [
        {
            "ci": {"from": "logit", "to": "beta"},
            "lonely_psu": {"from": "adjust", "to": "average"},
            "variance": {"from": "linearisation", "to": "jkn"},
        }
    ]
    assert events[0].object_id == "R2026" and events[0].actor.endswith("a@x.vn")


async def test_bad_values_are_refused_per_field(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        bad = await client.post(
            URL,
            data={"csrf_token": csrf, "ci": "normal", "lonely_psu": "", "variance": "brr"},
            headers=HTML,
        )
        assert bad.status_code == 422
        assert bad.text.count("Hãy chọn một trong các phương án.") >= 3
        assert '<details class="edit" id="inference" open>' in bad.text
    assert await _settings(app) == ("logit", "adjust", "linearisation")


async def test_only_admins_of_every_unit_with_csrf(app: FastAPI):
    await make_province(app)
    body = {"ci": "wilson", "lonely_psu": "remove"}
    async with staff_client(app, "m@x.vn", [("manager", "P")]) as (client, csrf):
        page = await client.get("/console/rounds/R2026", headers=HTML)
        assert f'action="{URL}"' not in page.text and '<dd id="ci">' in page.text
        refused = await client.post(URL, data={"csrf_token": csrf, **body})
        assert refused.status_code == 403
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (client, csrf):
        partial = await client.post(URL, data={"csrf_token": csrf, **body})
        assert partial.status_code == 403  # R2026 also covers C21
    async with staff_client(app, "p@x.vn", [("admin", "P")]) as (client, _):
        forged = await client.post(URL, data={"csrf_token": "forged", **body})
        assert forged.status_code == 403
    assert await _settings(app) == ("logit", "adjust", "linearisation")
