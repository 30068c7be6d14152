"""What the report document says: the served report of one unit (the frozen revision when
there is one, exactly the API's figures), its comments' themes and handling, its method."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.comments.ontime import OnTimeFilter, on_time_report
from app.comments.schemas import OnTimeRow
from app.config import Settings
from app.errors import Conflict
from app.forms.registry import Catalogue
from app.improvement.cache import served_drivers, served_gaps
from app.improvement.plans import list_actions
from app.improvement.schemas import DriverReport, GapReport, PendingFigures
from app.models import Comment, Round
from app.reporting.document.wording import Words, words
from app.reporting.exports import method
from app.reporting.published import served_report
from app.reporting.queries import Lang, ReportQuery
from app.reporting.schemas import SatisfactionReport
from app.units.service import UnitNode, load_tree

# The CLI reads every unit, as the service's own operator.
OPERATOR = Principal(kind="user", id=0, label="cli", is_superadmin=True)


@dataclass(frozen=True)
class Comments:
    handling: OnTimeRow
    themes: list[tuple[str, int]] = field(default_factory=list)  # question text, comments


@dataclass(frozen=True)
class PlannedAction:
    unit: str  # the unit's name
    title: str
    criteria: list[str]
    responsible: str  # the person, and the unit responsible when another
    due_on: date
    status: str
    done_on: date | None


@dataclass(frozen=True)
class Improvement:
    """The unit's largest gaps (as the worker last computed them, app.improvement.cache;
    None: a points instrument, which has none) and its plan's actions (its subtree's)."""

    gaps: GapReport | PendingFigures | None
    actions: list[PlannedAction]
    today: date
    drivers: DriverReport | PendingFigures | None = None


@dataclass(frozen=True)
class ReportContent:
    report: SatisfactionReport
    round: Round
    comments: Comments
    method: list[tuple[str, str]]
    generated_at: datetime
    improvement: Improvement | None = None
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
    improvement = await improvement_of(session, catalogue, settings, round_, unit, principal, lang)
    comments = Comments(handling.total, themes)
    return ReportContent(report, round_, comments, lines, now, improvement, lang)


async def improvement_of(
    session: AsyncSession,
    catalogue: Catalogue,
    settings: Settings,
    round_: Round,
    unit: UnitNode,
    principal: Principal | None,
    lang: Lang = "vi",
) -> Improvement:
    """The unit's gaps (served: no answer is read once the worker has been by) and the
    actions of its subtree's plans for the round, by due date."""
    gaps: GapReport | PendingFigures | None
    drivers: DriverReport | PendingFigures | None
    try:
        gaps = await served_gaps(session, catalogue, round_.code, unit.code, principal, lang)
        drivers = await served_drivers(session, catalogue, round_.code, unit.code, principal, lang)
    except Conflict:  # scored in points: no satisfaction gaps
        gaps = drivers = None
    tree = await load_tree(session)
    rows = await list_actions(session, principal or OPERATOR, tree, round_.code, unit.code)
    actions = []
    for a in rows:
        person = a.responsible_person
        if a.responsible_unit_id and a.responsible_unit_id != a.unit_id:
            person = f"{person} ({tree.by_id[a.responsible_unit_id].name})"
        actions.append(
            PlannedAction(
                tree.by_id[a.unit_id].name,
                a.title,
                [str(c) for c in a.criteria],
                person,
                a.due_on,
                a.status,
                a.done_on,
            )
        )
    return Improvement(gaps, actions, settings.today(), drivers)
