"""The document's later sections: targets and bands, comments and their handling, the
criteria losing points and the improvement plan, method and limitations; and the whole
outline in order."""

from __future__ import annotations

from datetime import date

from app.i18n import translate
from app.improvement.plans import OPEN, STATUS_LABELS
from app.improvement.schemas import DriverReport, Gap, GapReport, PendingFigures
from app.reporting.document.blocks import Block, Heading, Paragraph, Table
from app.reporting.document.content import PlannedAction, ReportContent
from app.reporting.document.outline import (
    cover,
    elements_section,
    revision_text,
    summary,
    target_text,
    units_section,
)
from app.reporting.document.wording import Words
from app.reporting.schemas import SatisfactionReport


def targets_and_bands(w: Words, r: SatisfactionReport) -> list[Block]:
    blocks: list[Block] = [Heading(w("s4"))]
    judged = [c for c in r.children if c.target is not None]
    below = [c for c in judged if c.target and c.target.status == "not_met"]
    open_ = [c for c in judged if c.target and c.target.status == "not_determinable"]
    if not judged:
        blocks.append(Paragraph(w("no_targets")))
    elif not below:
        blocks.append(Paragraph(w("none_below", n=len(judged))))
    else:
        blocks.append(Paragraph(w("below", n=len(below), of=len(judged))))
        rows = [
            [
                c.name,
                w.num(c.index),
                w.num(c.target.value if c.target else None),
                target_text(w, "not_met"),
            ]
            for c in below
        ]
        blocks.append(Table(w.columns("below_head"), rows, [5, 1.5, 1.5, 1.8], {1, 2}))
    if open_:
        names = ", ".join(c.name for c in open_)
        blocks.append(Paragraph(w("undetermined", n=len(open_), names=names)))
    if r.bands:
        counts = []
        for band in r.bands:
            members = [c.name for c in r.children if c.band == band.label]
            floor = w("band_floor", min=w.num(band.min)) if band.min is not None else None
            floor = floor or w("band_lowest")
            counts.append([f"{band.label} ({floor})", str(len(members)), _listed(w, members)])
        unbanded = [c.name for c in r.children if c.band is None]
        if unbanded:
            counts.append([w("withheld_band"), str(len(unbanded)), _listed(w, unbanded)])
        blocks.append(Paragraph(w("bands_lead")))
        blocks.append(Table(w.columns("bands_head"), counts, [2, 1, 7], {1}))
    else:
        blocks.append(Paragraph(w("no_bands")))
    return blocks


def comments_section(content: ReportContent) -> list[Block]:
    w, h = content.words, content.comments.handling
    blocks: list[Block] = [Heading(w("s5"))]
    if h.received == 0:
        blocks.append(Paragraph(w("no_comments")))
        return blocks
    share = f" ({w.num(h.share)}%)" if h.share is not None else ""
    text = w(
        "handling",
        received=h.received,
        due=h.due,
        on_time=h.on_time,
        share=share,
        late=h.late,
        overdue=h.open_overdue,
        pending=h.pending,
    )
    blocks.append(Paragraph(text))
    if content.comments.themes:
        rows = [[t.label, str(t.comments), t.example] for t in content.comments.themes]
        blocks.append(Paragraph(w("themes_lead")))
        blocks.append(Table(w.columns("themes_head"), rows, [3.5, 1.2, 5.5], {1}))
    return blocks


BAND_NAMES = 30  # names listed in a band's cell; more would not fit a page (section III has all)


def _listed(w: Words, names: list[str]) -> str:
    """The names, at most ``BAND_NAMES`` of them, then how many more."""
    if len(names) <= BAND_NAMES:
        return ", ".join(names) or "–"
    shown = ", ".join(names[:BAND_NAMES])
    return w("and_more", names=shown, n=len(names) - BAND_NAMES)


GAPS_SHOWN = 5  # the criteria that lose most points


def _reference(gap: Gap, ranked_by: str) -> float | None:
    if ranked_by == "target":
        return gap.target
    if ranked_by == "best":
        return gap.best.index if gap.best else None
    return gap.province.index


def _status(w: Words, action: PlannedAction, today: date) -> str:
    text = translate(w.lang, STATUS_LABELS[action.status])
    if action.status == "done" and action.done_on:
        text += w("done_on", day=w.day(action.done_on))
        if action.done_on > action.due_on:
            text += w("done_late")
    elif action.status in OPEN and action.due_on < today:
        text += w("overdue_action")
    return text


def _gaps_blocks(w: Words, gaps: GapReport | PendingFigures | None) -> list[Block]:
    if gaps is None:
        return [Paragraph(w("gaps_points_only"))]
    if isinstance(gaps, PendingFigures):
        return [Paragraph(w("figures_pending"))]
    losing = [g for g in gaps.criteria if (getattr(g.gains, gaps.ranked_by) or 0) > 0]
    when = w("gaps_when", day=w.day(gaps.freshness.as_of)) if gaps.freshness else ""
    reference = w(f"ref_{gaps.ranked_by}")
    if not losing:
        return [Paragraph(w("gaps_none", reference=reference, when=when))]
    rows = [
        [
            f"{g.code} – {g.name}",
            w.num(g.unit.index) if g.unit.index is not None else "–",
            w.num(_reference(g, gaps.ranked_by)),
            w.num(getattr(g.gains, gaps.ranked_by)),
        ]
        for g in losing[:GAPS_SHOWN]
    ]
    return [
        Paragraph(w("gaps_lead", reference=reference, when=when)),
        Table(w.columns("gaps_head"), rows, [6, 1.5, 1.5, 1.5], {1, 2, 3}),
    ]


DRIVERS_SHOWN = 5  # the most important criteria


def _drivers_blocks(w: Words, drivers: DriverReport | PendingFigures | None) -> list[Block]:
    """The strongest drivers with their importance's bootstrap interval."""
    if not isinstance(drivers, DriverReport) or not drivers.drivers or drivers.r2 is None:
        return []
    replicates = drivers.interval.replicates if drivers.interval else 0
    lead = w("drivers_lead", n=drivers.n, r2=w.num(drivers.r2, 3), replicates=replicates)
    rows = [
        [
            f"{d.code} – {d.name}",
            w.num(d.importance, 3),
            f"{w.num(d.ci95[0], 3)}–{w.num(d.ci95[1], 3)}" if d.ci95 else "–",
            w.num(d.performance) if d.performance is not None else "–",
        ]
        for d in drivers.drivers[:DRIVERS_SHOWN]
    ]
    blocks: list[Block] = [Paragraph(lead)]
    blocks.append(Table(w.columns("drivers_head"), rows, [6, 1.5, 2, 1.5], {1, 2, 3}))
    if drivers.interval is None:
        blocks.append(Paragraph(w("drivers_no_interval"), italic=True, size=9))
    return blocks


def improvement_section(content: ReportContent) -> list[Block]:
    """VI: where the unit loses points (its largest gaps) and its plan's actions."""
    found, w = content.improvement, content.words
    if found is None:
        return []
    blocks: list[Block] = [Heading(w("s6")), *_gaps_blocks(w, found.gaps)]
    blocks += _drivers_blocks(w, found.drivers)
    if not found.actions:
        blocks.append(Paragraph(w("no_plan")))
        return blocks
    done = sum(a.status == "done" for a in found.actions)
    late = sum(a.status in OPEN and a.due_on < found.today for a in found.actions)
    blocks.append(Paragraph(w("plan_lead", n=len(found.actions), done=done, late=late)))
    rows = [
        [
            a.unit,
            a.title,
            ", ".join(a.criteria) or "–",
            a.responsible,
            w.day(a.due_on),
            _status(w, a, found.today),
        ]
        for a in found.actions
    ]
    blocks.append(Table(w.columns("plan_head"), rows, [2, 4, 1.5, 2.5, 1.5, 2.5]))
    return blocks


def method_section(content: ReportContent) -> list[Block]:
    w = content.words
    rows = [[label, text] for label, text in content.method]
    return [
        Heading(w("s7")),
        Table(w.columns("method_head"), rows, [2.5, 7.5]),
        Paragraph(w("limitations")),
        Paragraph(revision_text(content), italic=True, size=9),
    ]


def outline(content: ReportContent) -> list[Block]:
    """The whole document, cover to method."""
    w, r = content.words, content.report
    return [
        *cover(content),
        *summary(content),
        *elements_section(w, r),
        *units_section(w, r),
        *targets_and_bands(w, r),
        *comments_section(content),
        *improvement_section(content),
        *method_section(content),
    ]
