"""An idempotent demo data set: a fictional province, its counters, an open round, responses."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import CLI
from app.auth.keys import create_key, list_keys, revoke_key
from app.auth.service import create_user, find_user, grant_role
from app.collection.answers import ParsedAnswer
from app.collection.service import CounterForm, store_response
from app.dossiers.demo import feed_demo_dossiers
from app.dossiers.tally import fold_batch
from app.forms.registry import Catalogue
from app.models import Response, Round
from app.reporting.targets import set_bands, set_targets
from app.rounds.service import create_round, set_volume
from app.statistics.comparisons import Band
from app.units.service import upsert_unit

ROUND_CODE = "DEMO-2026"
FORM_CODE = "one-stop-counter"

# code, name, level, parent, (volume, share satisfied) for counters
UNITS: list[tuple[str, str, str, str | None, tuple[int, float] | None]] = [
    ("SH", "Tỉnh Sơn Hà (dữ liệu minh hoạ)", "province", None, None),
    ("SH-TTHCC", "Trung tâm Phục vụ hành chính công tỉnh", "center", "SH", None),
    ("SH-TTHCC-TP", "Quầy Sở Tư pháp", "counter", "SH-TTHCC", (1200, 0.93)),
    ("SH-TTHCC-XD", "Quầy Sở Xây dựng", "counter", "SH-TTHCC", (800, 0.78)),
    ("SH-TTHCC-NNMT", "Quầy Sở Nông nghiệp và Môi trường", "counter", "SH-TTHCC", (2500, 0.84)),
    ("SH-ANBINH", "Xã An Bình", "commune", "SH", None),
    ("SH-ANBINH-MC", "Bộ phận Một cửa xã An Bình", "counter", "SH-ANBINH", (600, 0.9)),
    ("SH-HOALAC", "Phường Hòa Lạc", "commune", "SH", None),
    ("SH-HOALAC-MC", "Bộ phận Một cửa phường Hòa Lạc", "counter", "SH-HOALAC", (1500, 0.87)),
    ("SH-TANTIEN", "Xã Tân Tiến", "commune", "SH", None),
    ("SH-TANTIEN-MC", "Bộ phận Một cửa xã Tân Tiến", "counter", "SH-TANTIEN", (300, 0.72)),
]


# The demo province's score bands (best first) and its target for every unit, in percent.
BANDS = (Band("Tốt", 90.0), Band("Khá", 80.0), Band("Trung bình", 65.0), Band("Yếu", None))
TARGET = 85.0


# What citizens write in the comment box (about one response in ten), so that the console's
# comments pages have something to triage; one leaves a phone number, masked when shown.
COMMENTS = [
    "Cán bộ hướng dẫn tận tình, thủ tục nhanh hơn lần trước.",
    "Phòng chờ đông, nên có thêm ghế và máy lấy số thứ tự.",
    "Hồ sơ của tôi bị trả lại hai lần vì thiếu giấy tờ mà lần đầu không được dặn.",
    "Đề nghị niêm yết rõ phí, lệ phí ngay tại quầy.",
    "Trả kết quả trễ hẹn 3 ngày, không ai báo trước. Xin liên hệ 0912 345 678.",
    "Nhân viên thân thiện, nhưng nên mở thêm quầy vào sáng thứ Hai.",
    "Cổng dịch vụ công trực tuyến hay bị lỗi khi tải tệp lên.",
    "Rất hài lòng, cảm ơn Bộ phận Một cửa.",
]


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    responses: int


def _answers(catalogue: Catalogue, rng: random.Random, p: float) -> list[ParsedAnswer]:
    instrument = catalogue.get(FORM_CODE).instrument
    answers = []
    for q in instrument.criteria:
        if q.element == "feedback" and rng.random() < 0.35:
            answers.append(ParsedAnswer(q.code, 0, None, "na"))
            continue
        level = rng.choice((4, 5)) if rng.random() < p else rng.choice((1, 2, 3, 3))
        answers.append(ParsedAnswer(q.code, 0, float(level), None))
    for code, options in (
        ("field", ["land", "civil_status", "certification", "construction", "business", "other"]),
        ("gender", ["male", "female"]),
        ("age_band", ["18_24", "25_34", "35_49", "50_60", "over_60"]),
    ):
        answers.append(ParsedAnswer(code, 0, None, rng.choice(options)))
    return answers


async def seed(session: AsyncSession, catalogue: Catalogue, today: date) -> DemoSummary:
    """Create the demo province once; running it again changes nothing."""
    existing = await session.scalar(select(Round).where(Round.code == ROUND_CODE))
    if existing is not None:
        count = await session.scalar(
            select(func.count()).select_from(Response).where(Response.round_id == existing.id)
        )
        return DemoSummary(False, int(count or 0))

    units = {}
    for code, name, level, parent, _ in UNITS:
        units[code] = await upsert_unit(session, CLI, code, name, level, parent)
    round_ = await create_round(
        session,
        CLI,
        code=ROUND_CODE,
        name="Khảo sát mức độ hài lòng tại Bộ phận Một cửa năm 2026 (minh hoạ)",
        form_code=FORM_CODE,
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=305),
        status="open",
    )
    # The demo's volumes are given (its weights stay as they were); the feed below shows the
    # progress indicators on the statistics page (app/dossiers).
    round_.volumes_fixed = True
    rng = random.Random(2026)
    commenting = random.Random(7)  # apart from rng: the answers stay what they were
    timing = random.Random(11)  # when each response came in (apart too)
    registered = catalogue.get(FORM_CODE)
    total = 0
    for code, *_, counter in UNITS:
        if counter is None:
            continue
        volume, p = counter
        await set_volume(session, CLI, round_, units[code], volume)
        target = CounterForm(units[code], round_, registered)
        for _ in range(rng.randint(30, 90)):
            submission_id = str(uuid.UUID(int=rng.getrandbits(128)))
            answers = _answers(catalogue, rng, p)
            if commenting.random() < 0.1:
                answers.append(ParsedAnswer("comment", 0, None, commenting.choice(COMMENTS)))
            extra = _when(timing, today)
            await store_response(session, target, submission_id, answers, extra=extra)
            total += 1
    counters = [units[code] for code, *_, counter in UNITS if counter is not None]
    await feed_demo_dossiers(session, counters, today)
    while await fold_batch(session):  # the worker's count, done here so reports show it at once
        pass
    total += await seed_reform(session, catalogue, today, round_)
    # The province's plan: score bands, and 85 % for the province and each of its units, so
    # that reports show a band and whether each unit meets its target (app/reporting/targets).
    await set_bands(session, CLI, round_, list(BANDS))
    goals = [(code, TARGET) for code, _, level, *_ in UNITS if level != "counter"]
    await set_targets(session, CLI, catalogue, round_, goals)
    return DemoSummary(True, total)


# The reorganisation (app/units/events.py): in the previous year's round DEMO-2025 three
# communes answered; 300 days ago Xuân Lộc and Xuân Hòa merged into Xuân Thành and Đông Sơn
# split into Đông Bắc (60 %) and Đông Nam (40 %). DEMO-2026 reports roll up with the new
# communes and compare Xuân Thành with Xuân Lộc and Xuân Hòa pooled, and Đông Bắc and Đông
# Nam with Đông Sơn's responses allocated by those shares (docs/reform.md): Đông Sơn had no
# counter of its own in 2025 (its people answered at the commune's desk, the commune itself),
# so its responses are its *own* data, which a split divides; DEMO-2025 keeps its own.
PREVIOUS_ROUND = "DEMO-2025"
SPLIT_SOURCE = "SH-DONGSON"
OLD_COMMUNES = [
    ("SH-XUANLOC", "Xã Xuân Lộc", 700, 0.8),
    ("SH-XUANHOA", "Xã Xuân Hòa", 400, 0.7),
    ("SH-DONGSON", "Xã Đông Sơn", 600, 0.75),
]


async def seed_reform(
    session: AsyncSession, catalogue: Catalogue, today: date, current: Round
) -> int:
    """The previous round over the old communes, the merge and the split; the responses
    stored in the current round (as the demo counts them)."""
    total = 0
    from app.units.events import SplitRequest, Successor, split_unit
    from app.units.lineage import MergeRequest, merge_units

    units = {}
    for code, name, *_ in OLD_COMMUNES:
        units[code] = await upsert_unit(session, CLI, code, name, "commune", "SH")
        if code != SPLIT_SOURCE:  # the split commune answered at its own desk
            units[code] = await upsert_unit(
                session, CLI, f"{code}-MC", f"Bộ phận Một cửa {name.lower()}", "counter", code
            )
    before = today - timedelta(days=425)
    previous = await create_round(
        session,
        CLI,
        code=PREVIOUS_ROUND,
        name="Khảo sát mức độ hài lòng năm 2025 (minh hoạ, trước sắp xếp đơn vị)",
        form_code=FORM_CODE,
        starts_on=before,
        ends_on=before + timedelta(days=60),
        status="open",
    )
    rng, timing = random.Random(2025), random.Random(12)
    registered = catalogue.get(FORM_CODE)
    for code, _, volume, p in OLD_COMMUNES:
        await set_volume(session, CLI, previous, units[code], volume)
        target = CounterForm(units[code], previous, registered)
        for _ in range(rng.randint(25, 40)):
            submission_id = str(uuid.UUID(int=rng.getrandbits(128)))
            extra = _when(timing, before + timedelta(days=60))
            await store_response(
                session, target, submission_id, _answers(catalogue, rng, p), extra=extra
            )
    previous.status = "closed"
    effective = today - timedelta(days=300)
    merge = MergeRequest(
        ["SH-XUANLOC", "SH-XUANHOA"],
        "SH-XUANTHANH",
        effective,
        "Xã Xuân Thành",
        move_children=True,
    )
    await merge_units(session, CLI, merge)
    split = SplitRequest(
        SPLIT_SOURCE,
        [Successor("SH-DONGBAC", 0.6, "Xã Đông Bắc"), Successor("SH-DONGNAM", 0.4, "Xã Đông Nam")],
        effective,
        {},
    )
    await split_unit(session, CLI, split)
    bac, nam = [
        await upsert_unit(session, CLI, f"{code}-MC", f"Bộ phận Một cửa xã {name}", "counter", code)
        for code, name in (("SH-DONGBAC", "Đông Bắc"), ("SH-DONGNAM", "Đông Nam"))
    ]
    now = [(units["SH-XUANLOC"], 1100, 0.85), (bac, 360, 0.8), (nam, 240, 0.7)]
    for unit, volume, p in now:
        await set_volume(session, CLI, current, unit, volume)
        target = CounterForm(unit, current, registered)
        for _ in range(rng.randint(25, 40)):
            submission_id = str(uuid.UUID(int=rng.getrandbits(128)))
            extra = _when(timing, today)
            await store_response(
                session, target, submission_id, _answers(catalogue, rng, p), extra=extra
            )
            total += 1
    return total


def _when(rng: random.Random, today: date) -> dict[str, datetime]:
    """A past opening hour (Monday–Saturday, 7:30–17:00 local) to submit at, after one to
    three minutes on the form: the demo's responses came in over the round so far, as a
    counter's do, so its integrity report shows ordinary days and no burst."""
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    while True:
        day = today - timedelta(days=rng.randint(1, 59))
        if day.weekday() < 6:
            break
    minutes = rng.randint(7 * 60 + 30, 17 * 60 - 1)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), zone)
    submitted = local.astimezone(UTC)
    return {
        "submitted_at": submitted,
        "issued_at": submitted - timedelta(seconds=rng.randint(60, 180)),
    }


DEMO_ADMIN = "admin@demo.sipas.vn"
DEMO_PASSWORD = "sipas-demo-2026"  # demo data only: `sipas demo` refuses to run in production
DEMO_KEY_NAME = "Demo reporting system"


async def seed_access(session: AsyncSession) -> str:
    """A demo admin on the province (once), and a fresh demo API key (the old one revoked)."""
    if await find_user(session, DEMO_ADMIN) is None:
        user = await create_user(
            session, CLI, email=DEMO_ADMIN, password=DEMO_PASSWORD, name="Quản trị (minh hoạ)"
        )
        await grant_role(session, CLI, user, "admin", "SH")
    for key in await list_keys(session):
        if key.name == DEMO_KEY_NAME and key.revoked_at is None:
            await revoke_key(session, CLI, key.prefix)
    return (await create_key(session, CLI, DEMO_KEY_NAME, "SH", None)).key
