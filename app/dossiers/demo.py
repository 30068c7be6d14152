"""Dossiers of the demo province, as the one-stop system would feed them (no personal data)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import DossierEvent, Unit

PROCEDURES = [
    ("1.001193", "Đăng ký khai sinh", "Hộ tịch"),
    ("1.001022", "Chứng thực bản sao từ bản chính", "Chứng thực"),
    ("1.004227", "Đăng ký biến động đất đai", "Đất đai"),
    ("2.000889", "Cấp giấy phép xây dựng", "Xây dựng"),
]
CHANNELS = ("in_person", "online", "postal")


async def feed_demo_dossiers(
    session: AsyncSession, units: list[Unit], today: date, per_unit: int = 40
) -> int:
    """Returned dossiers of the last 50 days at each unit: mostly on time, some early or late."""
    rng, count = random.Random(15), 0
    for unit in units:
        for i in range(per_unit):
            code, name, field = rng.choice(PROCEDURES)
            received = today - timedelta(days=rng.randint(8, 50))
            due = received + timedelta(days=rng.choice((3, 5, 7)))
            back = due + timedelta(days=rng.choice((-2, -1, 0, 0, 0, 0, 1, 3)))
            session.add(
                DossierEvent(
                    number=f"{unit.code}-{received:%y%m%d}-{i:04d}",
                    kind="returned",
                    unit_id=unit.id,
                    procedure_code=code,
                    procedure_name=name,
                    field=field,
                    channel=rng.choices(CHANNELS, weights=(6, 3, 1))[0],
                    received_on=received,
                    due_on=due,
                    returned_on=min(max(back, received), today - timedelta(days=1)),
                )
            )
            count += 1
    await session.flush()
    return count
