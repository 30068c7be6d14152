"""The report document as blocks: the administrative Vietnamese of a provincial report, or
English (``--lang en``); the words are in app/reporting/document/wording.py.

Figures are the served report's (the API's, for the same revision), shown to one decimal
(a decimal comma in Vietnamese: app/reporting/numbers.py); standard errors to two.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.reporting.document.blocks import Block, Heading, Image, PageBreak, Paragraph, Table
from app.reporting.document.chart import bar_chart
from app.reporting.document.content import ReportContent
from app.reporting.document.wording import Words
from app.reporting.schemas import ChildResult, ElementResult, SatisfactionReport

MAX_CHART_UNITS = 40  # more units: the table's bar column is the chart


def ci_text(w: Words, item: object) -> str:
    ci = getattr(item, "ci95", None)
    return f"{w.num(ci[0])}–{w.num(ci[1])}" if ci else "–"


def signed(w: Words, value: float | None) -> str:
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + w.num(value)


def target_text(w: Words, status: str) -> str:
    return w(f"target_{status}")


def revision_text(content: ReportContent) -> str:
    w, snap = content.words, content.report.snapshot
    if snap is None:
        return w("live")
    lead = w("provisional") if snap.provisional else ""
    day = w.day(snap.frozen_at)
    return lead + w("revision", revision=snap.revision, day=day, hash=snap.content_hash)


def cover(content: ReportContent) -> list[Block]:
    w, r, round_ = content.words, content.report, content.round
    start, end = w.day(round_.starts_on), w.day(round_.ends_on)
    return [
        Paragraph(r.unit.name.upper(), bold=True, align="center"),
        Paragraph(w("nation"), bold=True, align="center"),
        Paragraph(w("motto"), italic=True, align="center"),
        Paragraph(" "),
        Heading(w("title"), 0),
        Paragraph(
            w("round_line", name=round_.name, code=round_.code, start=start, end=end),
            align="center",
        ),
        Paragraph(w("scope_line", name=r.unit.name, code=r.unit.code), align="center"),
        Paragraph(revision_text(content), italic=True, align="center", size=9),
        Paragraph(w("made_on", day=w.day(content.generated_at.date())), align="center"),
        PageBreak(),
    ]


def headline(w: Words, r: SatisfactionReport) -> str:
    if r.index is None:
        return w("headline_withheld", unit=r.unit.name, n=r.respondents)
    text = w("headline", unit=r.unit.name, index=w.num(r.index), ci=ci_text(w, r), n=r.respondents)
    if r.band:
        text += w("headline_band", band=r.band)
    if r.target:
        status = target_text(w, r.target.status).lower()
        text += w("headline_target", target=w.num(r.target.value), status=status)
    if r.rank is not None and r.rank_of:
        text += w("headline_rank", rank=r.rank, of=r.rank_of)
    return text + "."


def change_sentence(w: Words, r: SatisfactionReport) -> str | None:
    p = r.previous
    if p is None or p.index is None or p.delta is None:
        return None
    verb = w("up") if p.delta > 0 else w("down") if p.delta < 0 else w("same")
    amount = w("points", n=w.num(abs(p.delta))) if p.delta else ""
    meaning = {True: w("significant"), False: w("not_significant")}
    tail = f" ({meaning[p.significant]})" if p.significant is not None else ""
    places = w("places", places=w.places(p.rank_change)) if p.rank_change is not None else ""
    if p.rank_change is None and r.rank is None and r.rank_of is None:
        places = w("unranked")  # the top unit has no peers in its round
    return w(
        "change",
        round=r.previous_round,
        index=w.num(p.index),
        verb=verb,
        amount=amount,
        tail=tail,
        places=places,
    )


def movers(w: Words, children: Sequence[ChildResult]) -> str | None:
    moved = [c for c in children if _gain(c)]
    if not moved:
        return None
    ups = sorted((c for c in moved if _gain(c) > 0), key=_gain, reverse=True)
    downs = sorted((c for c in moved if _gain(c) < 0), key=_gain)

    def names(group: list[ChildResult]) -> str:
        return "; ".join(f"{c.name} ({w.places(_gain(c))})" for c in group[:3])

    parts = []
    if ups:
        parts.append(w("movers_up", names=names(ups)))
    if downs:
        parts.append(w("movers_down", names=names(downs)))
    return w("movers", parts="; ".join(parts))


def _gain(c: ChildResult) -> int:
    return (c.previous.rank_change or 0) if c.previous else 0


def summary(content: ReportContent) -> list[Block]:
    w, r = content.words, content.report
    blocks: list[Block] = [Heading(w("s1")), Paragraph(headline(w, r))]
    for sentence in (change_sentence(w, r), movers(w, r.children)):
        if sentence:
            blocks.append(Paragraph(sentence))
    target_status = target_text(w, r.target.status) if r.target else "–"
    rows = [
        [w("t_index"), w.num(r.index) if r.index is not None else w("withheld")],
        [w("t_ci"), ci_text(w, r)],
        [w("t_se"), w.num(r.se, 2)],
        [w("t_n"), str(r.respondents)],
        [w("t_band"), r.band or "–"],
        [w("t_target"), w.num(r.target.value) if r.target else "–"],
        [w("t_target_status"), target_status],
        [
            w("t_previous", round=r.previous_round or "–"),
            w.num(r.previous.index if r.previous else None),
        ],
        [w("t_delta"), signed(w, r.previous.delta if r.previous else None)],
    ]
    blocks.append(Table(w.columns("t_head"), rows, [3, 2], {1}))
    return blocks


def element_rows(w: Words, elements: Sequence[ElementResult]) -> list[list[str]]:
    rows = []
    for e in elements:
        rows.append(_figure_row(w, e.name.upper(), e))
        rows.extend(_figure_row(w, f"   {c.code}. {c.name}", c) for c in e.criteria)
    return rows


def _figure_row(w: Words, label: str, item: ElementResult | object) -> list[str]:
    index = getattr(item, "index", None)
    previous = getattr(item, "previous", None)
    return [
        label,
        w.num(index) if index is not None else w("withheld"),
        ci_text(w, item),
        str(getattr(item, "respondents", "")),
        w.num(previous.index if previous else None),
        signed(w, previous.delta if previous else None),
    ]


def elements_section(w: Words, r: SatisfactionReport) -> list[Block]:
    blocks: list[Block] = [Heading(w("s2")), Paragraph(w("s2_lead"))]
    if r.elements:
        bars = [(e.name, e.index) for e in r.elements]
        target = r.target.value if r.target else None
        blocks.append(Image(bar_chart(bars, target), 170, w("chart1")))
    widths = [6, 1.4, 1.8, 1.2, 1.4, 1.4]
    rows = element_rows(w, r.elements)
    blocks.append(Table(w.columns("s2_head"), rows, widths, {1, 2, 3, 4, 5}))
    return blocks


def bar_cell(value: float | None) -> str:
    return "" if value is None else "█" * round(max(0.0, min(value, 100.0)) / 10)


def unit_rows(w: Words, children: Sequence[ChildResult]) -> list[list[str]]:
    ordered = sorted(children, key=lambda c: (c.rank is None, c.rank or 0, c.code))
    return [
        [
            str(c.rank) if c.rank is not None else "–",
            w.places(c.previous.rank_change if c.previous else None) or "–",
            c.name,
            w.num(c.index) if c.index is not None else w("withheld"),
            bar_cell(c.index),
            ci_text(w, c),
            str(c.respondents),
            c.band or "–",
            signed(w, c.previous.delta if c.previous else None),
        ]
        for c in ordered
    ]


def units_section(w: Words, r: SatisfactionReport) -> list[Block]:
    if not r.children:
        return []
    blocks: list[Block] = [Heading(w("s3")), Paragraph(w("s3_lead", n=len(r.children)))]
    if len(r.children) <= MAX_CHART_UNITS:
        bars = [(c.name, c.index) for c in sorted(r.children, key=lambda c: -(c.index or -1))]
        target = r.target.value if r.target else None
        blocks.append(Image(bar_chart(bars, target), 170, w("chart2")))
    widths = [1.1, 1.6, 3.9, 1.4, 1.6, 1.8, 1.1, 1.2, 1.3]
    rows = unit_rows(w, r.children)
    blocks.append(Table(w.columns("s3_head"), rows, widths, {0, 3, 5, 6, 8}))
    return blocks
