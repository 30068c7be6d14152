"""One row per valid response of a round, with the design the standard errors use.

Columns: ``response`` (1..n, in order of submission; not the database id), the unit and its
ancestors' codes (``unit``, ``unit_<level>``), ``channel``, ``submitted_on`` (local date;
no time), ``weight`` (as the estimates use it: app.statistics.weighted), ``stratum``,
``psu`` and ``fpc`` (N_h; empty when no correction applies) as app.statistics.design defines
them, ``flags`` (integrity rules that fired) and ``over_quota``; then the answers: ratings as
their level (N/A and unanswered: missing) with ``sat_``/``ans_`` indicators for criteria,
single choices as the option's number (value labels name them), multiple choices as one 0/1
column per option, numbers as they are. Free text and dates are left out: they may hold
personal data (Decree 13/2023/NĐ-CP).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.forms.schema import Instrument, Question
from app.models import Answer, Response, ResponseFlag, Round
from app.models.base import as_utc
from app.reporting.numbers import tidy
from app.statistics.calibrated import ReplicateLayout
from app.statistics.design import Design
from app.statistics.load import round_replicates, round_volumes
from app.statistics.weighted import weighted_responses
from app.units.service import UnitTree

Value = str | float | int | None
# Stata: names of at most 32 characters, letters, digits and '_'
NAME = re.compile(r"[^A-Za-z0-9_]")


def column_name(text: str) -> str:
    return NAME.sub("_", text)[:32]


@dataclass
class Microdata:
    columns: list[str]
    labels: dict[str, str]  # column -> variable label (Vietnamese)
    values: dict[str, dict[int, str]]  # column -> value -> label
    rows: list[list[Value]] = field(default_factory=list)
    design: list[tuple[str, str]] = field(default_factory=list)  # codebook's method lines


def _answer_columns(instrument: Instrument) -> list[tuple[str, Question, object]]:
    """(column, question, what it holds): a level, sat/ans, an option number or a 0/1 flag."""
    found: list[tuple[str, Question, object]] = []
    criteria = {q.code for q in instrument.criteria}
    for q in instrument.questions:
        if q.type in ("text", "date"):
            continue  # free text and dates may hold personal data
        if q.type == "multiple":
            found += [(column_name(f"{q.code}_{o.value}"), q, o.value) for o in q.options]
            continue
        found.append((column_name(q.code), q, "value"))
        if q.code in criteria:
            found += [
                (column_name(f"sat_{q.code}"), q, "sat"),
                (column_name(f"ans_{q.code}"), q, "ans"),
            ]
    return found


def _labels(
    instrument: Instrument, cols: list[tuple[str, Question, object]]
) -> tuple[dict[str, str], dict[str, dict[int, str]]]:
    labels: dict[str, str] = {}
    values: dict[str, dict[int, str]] = {}
    for name, q, kind in cols:
        text = q.text.get("vi")
        if kind == "sat":
            labels[name] = (
                f"Hài lòng (mức {', '.join(map(str, instrument.scale_of(q).satisfied))}): {q.code}"
            )
            values[name] = {0: "Không", 1: "Có"}
        elif kind == "ans":
            labels[name] = f"Có trả lời (không tính 'không áp dụng'): {q.code}"
            values[name] = {0: "Không", 1: "Có"}
        elif kind == "value" and q.type == "single" and q.options:
            labels[name] = text
            values[name] = {i: o.label.get("vi") for i, o in enumerate(q.options, start=1)}
        elif kind == "value" and q.type in ("rating", "single"):
            labels[name] = text
            values[name] = {lvl.value: lvl.label.get("vi") for lvl in instrument.scale_of(q).levels}
        elif kind == "value":
            labels[name] = text
        else:
            option = next(o for o in q.options if o.value == kind)
            labels[name] = f"{text}: {option.label.get('vi')}"
            values[name] = {0: "Không chọn", 1: "Có chọn"}
    return labels, values


def _cell(
    q: Question, kind: object, given: list[tuple[float | None, str | None]], instrument: Instrument
) -> Value:
    first_value, first_text = given[0] if given else (None, None)
    if q.type == "multiple":
        return int(any(text == kind for _, text in given))
    if kind == "ans":
        return int(first_value is not None)
    if kind == "sat":
        return int(first_value is not None and int(first_value) in instrument.scale_of(q).satisfied)
    if q.type == "single" and q.options:
        numbers = {o.value: i for i, o in enumerate(q.options, start=1)}
        return numbers.get(first_text or "") if first_text else None
    return tidy(float(first_value)) if first_value is not None else None


def _stratum(design: Design, tree: UnitTree, unit_id: int, response: Response) -> str:
    unit = tree.by_id[unit_id]
    if design.strata is None:
        return "all"
    if design.strata == "unit":
        return unit.code
    if design.strata == "column":
        return response.stratum or ""
    above = next((a for a in tree.ancestors(unit_id) if a.level == design.strata), unit)
    return above.code


def _psu(design: Design, unit: str, response: Response, row: int, day: date) -> str:
    if design.psu == "column":
        return response.psu or f"#{row}"
    if design.psu == "day":
        return f"{unit}:{day.isoformat()}"
    return f"r{row}"  # each response its own PSU


async def _fpc(
    session: AsyncSession, design: Design, tree: UnitTree, round_: Round, sizes: dict[str, int]
) -> dict[str, float | None]:
    """N_h per stratum (None: a covered unit's volume is unknown); at least n_h (f_h ≤ 1)."""
    if not design.fpc:
        return {}
    totals: dict[str, float | None] = {}
    for unit_id, volume in (await round_volumes(session, round_.id)).items():
        h = _stratum(design, tree, unit_id, Response())
        before = totals.get(h, 0.0)
        totals[h] = None if before is None or volume is None else before + volume
    return {h: (max(n, sizes.get(h, 0)) if n is not None else None) for h, n in totals.items()}


async def _answers(
    session: AsyncSession, round_id: int
) -> dict[int, dict[str, list[tuple[float | None, str | None]]]]:
    found: dict[int, dict[str, list[tuple[float | None, str | None]]]] = {}
    stored = await session.execute(
        select(Answer.response_id, Answer.question, Answer.value, Answer.text)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.round_id == round_id, Response.status == "valid")
        .order_by(Answer.response_id, Answer.question, Answer.ordinal)
    )
    for rid, question, value, text in stored:
        found.setdefault(rid, {}).setdefault(question, []).append((value, text))
    return found


async def _flags(session: AsyncSession, round_id: int) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    rows = await session.execute(
        select(ResponseFlag.response_id, ResponseFlag.rule)
        .join(Response, Response.id == ResponseFlag.response_id)
        .where(Response.round_id == round_id)
        .order_by(ResponseFlag.response_id, ResponseFlag.rule)
    )
    for rid, rule in rows:
        found.setdefault(rid, []).append(rule)
    return found


def _levels(tree: UnitTree, unit_ids: set[int]) -> list[str]:
    """Levels of the units' ancestors, top first (the unit's own code is ``unit``)."""
    depth: dict[str, int] = {}
    for unit_id in unit_ids:
        chain = tree.ancestors(unit_id)[1:]
        for i, node in enumerate(reversed(chain)):
            depth.setdefault(node.level, i)
    return sorted(depth, key=lambda level: depth[level])


BASE = ["response", "unit", "channel", "submitted_on", "weight", "stratum", "psu", "fpc"]
BASE_LABELS = {
    "response": "Số thứ tự phiếu (theo thời điểm nộp; không phải mã trong cơ sở dữ liệu)",
    "unit": "Mã đơn vị (nơi tiếp nhận phiếu)",
    "channel": "Kênh (qr, kiosk, link, paper, import...)",
    "submitted_on": "Ngày nộp phiếu (giờ địa phương)",
    "weight": "Trọng số (như khi tính chỉ số)",
    "stratum": "Tầng (theo thiết kế của đợt)",
    "psu": "Đơn vị mẫu bậc một (PSU)",
    "fpc": "Cỡ tổng thể của tầng N_h (hiệu chỉnh tổng thể hữu hạn; trống: không hiệu chỉnh)",
    "flags": "Quy tắc kiểm soát chất lượng đã gắn cờ (mã, cách nhau bởi dấu phẩy)",
    "over_quota": "Vượt chỉ tiêu mẫu (1: có)",
}


async def round_microdata(
    session: AsyncSession, round_: Round, instrument: Instrument, tree: UnitTree, timezone: str
) -> Microdata:
    """The round's valid responses as analysts' rows (see the module docstring)."""
    design = Design.of(round_, timezone)
    weighted = weighted_responses(round_.id).subquery()
    rows = (
        await session.execute(
            select(Response, weighted.c.weight)
            .join(weighted, weighted.c.id == Response.id)
            .order_by(Response.submitted_at, Response.id)
        )
    ).all()
    answers = await _answers(session, round_.id)
    flags = await _flags(session, round_.id)
    levels = _levels(tree, {r.unit_id for r, _ in rows})
    found = await round_replicates(session, round_, instrument, tree=tree, timezone=timezone)
    layout = None if found is None else found[0]
    factors = _factors(found, [r.id for r, _ in rows], [float(w) for _, w in rows])
    rep_cols = [f"repw_{i}" for i in range(1, factors.shape[1] + 1)]
    cols = _answer_columns(instrument)
    labels, values = _labels(instrument, cols)
    level_cols = [column_name(f"unit_{level}") for level in levels]
    out = Microdata(
        columns=BASE[:2]
        + level_cols
        + BASE[2:]
        + ["flags", "over_quota"]
        + [c for c, _, _ in cols]
        + rep_cols,
        labels=BASE_LABELS
        | {c: f"Hệ số trọng số lặp {c[5:]} (nhân với weight)" for c in rep_cols}
        | {c: f"Mã đơn vị cấp {lv}" for c, lv in zip(level_cols, levels, strict=True)}
        | labels,
        values=values | {"over_quota": {0: "Không", 1: "Có"}},
    )
    zone = ZoneInfo(timezone)
    strata = [_stratum(design, tree, r.unit_id, r) for r, _ in rows]
    sizes: dict[str, int] = {}
    for h in strata:
        sizes[h] = sizes.get(h, 0) + 1
    fpc = await _fpc(session, design, tree, round_, sizes)
    for row, ((response, weight), h) in enumerate(zip(rows, strata, strict=True), start=1):
        unit = tree.by_id[response.unit_id]
        above = {a.level: a.code for a in tree.ancestors(unit.id)[1:]}
        day = as_utc(response.submitted_at).astimezone(zone).date()
        given = answers.get(response.id, {})
        out.rows.append(
            [
                row,
                unit.code,
                *(above.get(level) for level in levels),
                response.channel,
                day.isoformat(),
                tidy(float(weight)),
                h,
                _psu(design, unit.code, response, row, day),
                fpc.get(h),
                ",".join(flags.get(response.id, [])),
                int(response.over_quota),
                *(_cell(q, kind, given.get(q.code, []), instrument) for _, q, kind in cols),
                *factors[row - 1].tolist(),  # full precision: R must rebuild the replicates
            ]
        )
    again = found is not None and found[1] is not None
    out.design = design_lines(design, instrument) + replicate_lines(design, layout, again)
    return out


def _factors(
    found: tuple[ReplicateLayout, np.ndarray | None] | None, ids: list[int], weights: list[float]
) -> np.ndarray:
    """(responses, R): each response's replicate factors, in the file's order (none: (n, 0));
    for a calibrated round, each replicate's calibrated weight / the final weight."""
    if found is None:
        return np.zeros((len(ids), 0))
    layout, recalibrated = found
    at = np.searchsorted(layout.responses, ids)
    if len(ids) and (at.max() >= len(layout.responses) or (layout.responses[at] != ids).any()):
        raise RuntimeError("a response of the file has no replicate factors (changed meanwhile)")
    if recalibrated is None:
        factors: np.ndarray = layout.response_factors()[at]
        return factors
    final = np.array(weights)
    ratio: np.ndarray = recalibrated[:, at].T / np.where(final > 0, final, 1.0)[:, None]
    return ratio


def replicate_lines(
    design: Design, layout: ReplicateLayout | None, recalibrated: bool = False
) -> list[tuple[str, str]]:
    """The replicate design of the file (columns repw_1 … repw_R) and R's svrepdesign call
    that reproduces the standard errors."""
    if layout is None:
        return []
    reps = layout.reps
    count = reps.factors.shape[0]
    if reps.kind == "jk1":
        kind, scale, rscales = "JK1", f"({count} - 1) / {count}", f"rep(1, {count})"
    elif reps.kind == "jkn":
        kind, scale = "JKn", "1"
        rscales = "c(" + ", ".join(repr(float(x)) for x in reps.rscales) + ")"
    else:
        kind, scale, rscales = "bootstrap", f"1 / ({count} - 1)", f"rep(1, {count})"
    seed = f"; Rao–Wu, seed {layout.seed} (numpy default_rng)" if reps.kind == "bootstrap" else ""
    if recalibrated:
        seed += "; each replicate calibrated again as the weight set (factor = w_r / weight)"
    return [
        (
            "replicates",
            f"{design.variance}: {count} replicates in columns repw_1 … repw_{count} "
            f"(factors multiplying weight){seed}; variance scale·Σ rscale·(θ_r − θ̄)²",
        ),
        (
            "R replicates",
            f'rep <- svrepdesign(data = d, repweights = "^repw_", weights = ~weight, '
            f'type = "{kind}", scale = {scale}, rscales = {rscales}, '
            "combined.weights = FALSE, mse = FALSE)",
        ),
        (
            "R replicate estimates",
            "svyratio(~sat_X, ~ans_X, subset(rep, unit %in% D)); df: degf(subset(rep, …)) "
            "(the rank of the replicate weights − 1)",
        ),
    ]


def design_lines(design: Design, instrument: Instrument) -> list[tuple[str, str]]:
    """How to reproduce the published estimates from the file (R's survey package)."""
    fpc = ", fpc = ~fpc" if design.fpc else ""
    criteria = [q.code for q in instrument.criteria]
    first = criteria[0] if criteria else "X"
    return [
        ("weighting", design.weighting),
        ("strata", str(design.strata or "none (one stratum: all)")),
        ("psu", str(design.psu or "none (each response its own PSU)")),
        ("fpc", "applied (N_h in column fpc)" if design.fpc else "not applied"),
        ("lonely_psu", design.lonely_psu),
        (
            "aggregation",
            f"element: {instrument.aggregation.element}; overall: {instrument.aggregation.overall}",
        ),
        (
            "R",
            f'options(survey.lonely.psu = "{design.lonely_psu}"); '
            f"des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight{fpc}, "
            "data = d, nest = TRUE)",
        ),
        ("R criterion", f"svyratio(~sat_{first}, ~ans_{first}, des)  # index = 100 × ratio"),
        (
            "R overall",
            "mean_of_criteria: svycontrast of the mean of the criteria's svyratio "
            "(covmat = TRUE); pooled: svyratio of the sums of sat_ and ans_",
        ),
        (
            "missing",
            "a rating's level is missing when answered 'not applicable' or not asked; "
            "its ans_ is then 0",
        ),
    ]
