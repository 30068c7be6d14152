"""What the report document says: the served report of one unit (the frozen revision when
there is one, exactly the API's figures), its comments' themes and handling, its method."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.comments.masking import mask
from app.comments.ontime import OnTimeFilter, on_time_report
from app.comments.schemas import OnTimeRow
from app.comments.themes import KEYS, OTHER, label
from app.config import Settings
from app.errors import Conflict
from app.forms.registry import Catalogue
from app.improvement.cache import served_drivers, served_gaps
from app.improvement.plans import list_actions
from app.improvement.schemas import DriverReport, GapReport, PendingFigures
from app.models import Answer, Comment, Round
from app.reporting.document.wording import Words, words
from app.reporting.exports import method
from app.reporting.published import served_report
from app.reporting.queries import Lang, ReportQuery
from app.reporting.schemas import SatisfactionReport
from app.units.service import UnitNode, load_tree

# The CLI reads every unit, as the service's own operator.
OPERATOR = Principal(kind="user", id=0, label="cli", is_superadmin=True)


@dataclass(frozen=True)
class Theme:
    """Comments about one theme (app.comments.themes) and one of them, masked."""

    key: str
    label: str
    comments: int
    example: str


@dataclass(frozen=True)
class Comments:
    handling: OnTimeRow
    themes: list[Theme] = field(default_factory=list)


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
    session: AsyncSession, round_: Round, unit_ids: set[int], lang: str
) -> list[Theme]:
    """Comments per theme of their content (app.comments.themes: set when each comment was
    made, so this is one grouped count), most frequent first, each with its latest comment
    as a masked example (one read per theme)."""
    in_scope = (Comment.round_id == round_.id, Comment.unit_id.in_(unit_ids))
    theme = func.coalesce(Comment.theme, OTHER)
    rows = await session.execute(
        select(theme, func.count(), func.max(Comment.id)).where(*in_scope).group_by(theme)
    )
    found = []
    for key, n, latest in rows:
        text = await session.scalar(
            select(Answer.text)
            .join(Comment, (Comment.response_id == Answer.response_id))
            .where(Comment.id == latest, Answer.question == Comment.question, Answer.ordinal == 0)
        )
        found.append(Theme(key, label(key, lang), int(n), mask(text or "").strip()))
    order = {key: i for i, key in enumerate(KEYS)}
    return sorted(found, key=lambda t: (-t.comments, order.get(t.key, len(order))))


def named(report: SatisfactionReport, w: Words) -> SatisfactionReport:
    """The report with its units' names in the document's language (a copy: the served
    report may be shared)."""
    if w.lang == "vi":
        return report
    report = report.model_copy(deep=True)
    report.unit.name = w.unit(report.unit.name)
    for child in report.children:
        child.name = w.unit(child.name)
    return report


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
    report, round_ = named(served.report, words(lang)), served.round
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
    themes = await _themes(session, round_, tree.subtree_ids(unit.id), lang)
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
    actions, w = [], words(lang)
    for a in rows:
        person = a.responsible_person
        if a.responsible_unit_id and a.responsible_unit_id != a.unit_id:
            person = f"{person} ({w.unit(tree.by_id[a.responsible_unit_id].name)})"
        actions.append(
            PlannedAction(
                w.unit(tree.by_id[a.unit_id].name),
                a.title,
                [str(c) for c in a.criteria],
                person,
                a.due_on,
                a.status,
                a.done_on,
            )
        )
    return Improvement(gaps, actions, settings.today(), drivers)
