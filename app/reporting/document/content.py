"""What the report document says: the served report of one unit (the frozen revision when
there is one, exactly the API's figures), its comments' themes and handling, its method."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.comments.ontime import OnTimeFilter, on_time_report
from app.comments.schemas import OnTimeRow
from app.config import Settings
from app.forms.registry import Catalogue
from app.models import Comment, Round
from app.reporting.document.wording import Words, words
from app.reporting.exports import method
from app.reporting.published import served_report
from app.reporting.queries import Lang, ReportQuery
from app.reporting.schemas import SatisfactionReport
from app.units.service import load_tree

# The CLI reads every unit, as the service's own operator.
OPERATOR = Principal(kind="user", id=0, label="cli", is_superadmin=True)


@dataclass(frozen=True)
class Comments:
    handling: OnTimeRow
    themes: list[tuple[str, int]] = field(default_factory=list)  # question text, comments


@dataclass(frozen=True)
class ReportContent:
    report: SatisfactionReport
    round: Round
    comments: Comments
    method: list[tuple[str, str]]
    generated_at: datetime
    lang: str = "vi"

    @property
    def words(self) -> Words:
        return words(self.lang)

    @property
    def frozen(self) -> bool:
        return self.report.snapshot is not None


async def _themes(
    session: AsyncSession, catalogue: Catalogue, round_: Round, unit_ids: set[int], lang: str
) -> list[tuple[str, int]]:
    """Comments per free-text question (the instrument's themes), most frequent first."""
    rows = await session.execute(
        select(Comment.question, func.count())
        .where(Comment.round_id == round_.id, Comment.unit_id.in_(unit_ids))
        .group_by(Comment.question)
    )
    instrument = catalogue.get(round_.form_code).instrument
    texts = {q.code: q.text.get(lang) for q in instrument.questions}
    for q in instrument.questions:
        follow = q.followup_question()
        if follow is not None:
            texts[follow.code] = f"{follow.text.get(lang)} ({q.text.get(lang)})"
    counts = Counter({texts.get(code, code): int(n) for code, n in rows})
    return counts.most_common()


async def report_content(
    session: AsyncSession,
    catalogue: Catalogue,
    settings: Settings,
    round_code: str,
    unit_code: str | None,
    principal: Principal | None,
    revision: int | None = None,
    lang: Lang = "vi",
) -> ReportContent:
    """The unit's served report (latest revision, or ``revision``), comments and method, in
    ``lang`` (vi or en: the revision holds both)."""
    query = ReportQuery(unit_code, lang, revision, False)
    served = await served_report(session, catalogue, round_code, query, principal, settings)
    report, round_ = served.report, served.round
    tree = await load_tree(session)
    unit = tree.get(report.unit.code)
    now = datetime.now(UTC)
    today = settings.today()
    handling = await on_time_report(
        session,
        principal or OPERATOR,
        settings,
        today,
        OnTimeFilter(round=round_.code, unit=unit.code),
    )
    themes = await _themes(session, catalogue, round_, tree.subtree_ids(unit.id), lang)
    subject = f"{report.unit.code} — {report.unit.name}"
    lines = method(report, round_, subject, report.snapshot, served.last_modified)
    return ReportContent(report, round_, Comments(handling.total, themes), lines, now, lang)
