"""E-mail reminders of improvement actions due within 7 days or late, through the real SMTP
server of the alerts tests (aiosmtpd on 127.0.0.1): the owner and the responsible unit's heads
get one e-mail, once per action per day; an opted-out head gets none; a failed send is retried."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from email.message import Message

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.alerts.service import set_alerts
from app.config import Settings
from app.improvement.reminders import send_reminders
from app.models import AlertSent
from app.worker.tasks import load_tasks
from tests.alerts.test_alerts import Inbox, smtp  # noqa: F401  (the SMTP server fixture)
from tests.factories import make_province, make_user, province_today
from tests.improvement.helpers import plan
from tests.reporting.helpers import staff_client


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver")


def body_of(message: Message) -> str:
    return message.get_payload(decode=True).decode()  # type: ignore[union-attr]


def subject_of(message: Message) -> str:
    return str(email.message_from_bytes(message.as_bytes(), policy=email.policy.default)["Subject"])


async def test_owners_and_heads_get_one_reminder_per_action_a_day(
    app: FastAPI,
    settings: Settings,
    smtp: tuple[Inbox, int],  # noqa: F811
):
    inbox, port = smtp
    settings = settings.model_copy(
        update={"smtp_url": f"smtp://127.0.0.1:{port}", "smtp_from": "sipas@tinh.gov.vn"}
    )
    await make_province(app)
    today = province_today()
    async with _client(app) as c11, _client(app) as province:
        await staff_client(app, c11, "c11@x.vn", [("manager", "C11")])
        await staff_client(app, province, "so@x.vn", [("manager", "P")])
        soon = await plan(c11, "C11", "Bổ sung ghế chờ", today + timedelta(days=3))
        await plan(c11, "C11", "Sơn lại quầy", today + timedelta(days=30))  # not due soon
        done = await plan(c11, "C11", "Niêm yết thủ tục", today - timedelta(days=1))
        finished = await c11.patch(f"/api/v1/improvement/actions/{done}", json={"status": "done"})
        assert finished.status_code == 200
        late = await plan(province, "C21", "Sửa máy lấy số", today - timedelta(days=4))
    await make_user(app, "d1@x.vn", [("manager", "D1")])  # C11 has its own head: not D1
    off = await make_user(app, "c21@x.vn", [("manager", "C21")])
    async with app.state.db.write_sessions.begin() as session:
        await set_alerts(session, off, False)

    assert "improvement.reminders" in load_tasks()  # the worker sends them
    assert await send_reminders(app.state.db, settings, today) == 2
    got = {m["To"]: m for m in inbox.messages}
    # C21's head opted out: the reminder goes to the owner (the province's manager), whose
    # unit is also C21's nearest headed ancestor.
    assert sorted(got) == ["c11@x.vn", "so@x.vn"]
    c11_text = body_of(got["c11@x.vn"])
    assert "Bổ sung ghế chờ" in c11_text and "còn 3 ngày" in c11_text
    assert "Sơn lại quầy" not in c11_text and "Niêm yết thủ tục" not in c11_text
    assert subject_of(got["c11@x.vn"]) == "[SIPAS] 1 hành động cải thiện sắp đến hạn"
    so_text = body_of(got["so@x.vn"])
    assert "Sửa máy lấy số" in so_text and "quá hạn 4 ngày" in so_text
    assert "Bổ sung ghế chờ" not in so_text
    assert subject_of(got["so@x.vn"]) == "[SIPAS] 1 hành động cải thiện sắp đến hạn (1 quá hạn)"

    assert await send_reminders(app.state.db, settings, today) == 0  # once per action a day
    assert len(inbox.messages) == 2
    async with app.state.db.write_sessions.begin() as session:
        await set_alerts(session, off, True)  # back on: C21's head is reminded (new today)
    assert await send_reminders(app.state.db, settings, today) == 1
    assert inbox.messages[-1]["To"] == "c21@x.vn" and "Sửa máy lấy số" in body_of(
        inbox.messages[-1]
    )
    assert await send_reminders(app.state.db, settings, today + timedelta(days=1)) == 3
    keys = {f"improvement:{soon}:{today}", f"improvement:{late}:{today}"}
    async with app.state.db.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(AlertSent).where(AlertSent.key.in_(keys))
        )
    assert count == 3  # c11 (soon), so@ and c21 (late)


async def test_a_failed_send_is_retried(
    app: FastAPI,
    settings: Settings,
    smtp: tuple[Inbox, int],  # noqa: F811
):
    inbox, port = smtp
    await make_province(app)
    today = province_today()
    async with _client(app) as c11:
        await staff_client(app, c11, "c11@x.vn", [("manager", "C11")])
        await plan(c11, "C11", "Bổ sung ghế chờ", today)
    closed = settings.model_copy(update={"smtp_url": "smtp://127.0.0.1:1"})  # nothing listens
    with pytest.raises(OSError):
        await send_reminders(app.state.db, closed, today)
    working = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}"})
    assert await send_reminders(app.state.db, working, today) == 1
    assert "đến hạn hôm nay" in body_of(inbox.messages[0])
