"""CSV and XLSX files of the satisfaction report and the ranking, with the method stated.

The numbers are those of the JSON report, unrounded. The method (instrument version,
aggregation rule, weights, design, interval method, the revision served) is a block of "# "
comment lines at the top of a CSV file and a sheet named "Phương pháp" in an XLSX file.
Headers are English column keys, or Vietnamese labels with ``vi=True``.

Numbers follow app/reporting/numbers.py: full precision without float dust (12 significant
digits). XLSX cells carry a number format (indices to two decimals, counts with thousands
separators), column widths fitted to their contents and a frozen header row; a CSV file may
use a decimal comma and ``;`` separators (``decimal="comma"``) for Vietnamese-locale
spreadsheet programs, which read ``86.4`` as text or a date.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.forms.method import FigureKind
from app.integrity.policy import describe, policy_of
from app.models import Round
from app.reporting.comparison_schemas import BandOut, PreviousResult, SnapshotRef, TargetResult
from app.reporting.comparisons import ci_of, se_of
from app.reporting.moh_schemas import MohFigure, MohIndicators
from app.reporting.numbers import tidy
from app.reporting.schemas import SatisfactionReport, ScreeningCounts
from app.reporting.table_schemas import RankingReport

Format = Literal["csv", "xlsx"]
Decimal = Literal["dot", "comma"]
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
METHOD_SHEET = "Phương pháp"

HEADERS_VI = {
    "kind": "Loại",
    "code": "Mã",
    "name": "Tên",
    "element": "Yếu tố",
    "parent": "Đơn vị cấp trên",
    "index": "Chỉ số (%)",
    "respondents": "Số phiếu hợp lệ",
    "weighted_respondents": "Số phiếu theo trọng số",
    "rank": "Xếp hạng",
    "rank_of": "Trên tổng số",
    "band": "Xếp loại",
    "target": "Chỉ tiêu",
    "target_status": "Đánh giá chỉ tiêu",
    "previous_index": "Kỳ trước",
    "previous_rank": "Xếp hạng kỳ trước",
    "rank_change": "Thay đổi thứ hạng (bậc)",
    "delta": "Thay đổi (điểm)",
    "significant": "Thay đổi có ý nghĩa thống kê",
    "se": "Sai số chuẩn",
    "ci95_low": "Cận dưới KTC 95%",
    "ci95_high": "Cận trên KTC 95%",
    "held": "Phiếu đang tạm giữ",
    "accepted": "Phiếu tạm giữ đã chấp nhận",
    "rejected": "Phiếu đã loại",
}
VALUES_VI: dict[str | bool, str] = {
    "unit": "Đơn vị",
    "element": "Yếu tố",
    "criterion": "Tiêu chí",
    "child": "Đơn vị trực thuộc",
    "met": "Đạt",
    "not_met": "Không đạt",
    "not_determinable": "Chưa xác định được",
    True: "Có",
    False: "Không",
}
VALUES_EN: dict[str | bool, str] = {True: "yes", False: "no"}


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[dict[str, Any]]
    method: list[tuple[str, str]]


def _comparison_cells(item: Any) -> dict[str, Any]:
    previous: PreviousResult | None = getattr(item, "previous", None)
    target: TargetResult | None = getattr(item, "target", None)
    ci = ci_of(item)
    return {
        "band": getattr(item, "band", None),
        "target": target.value if target else None,
        "target_status": target.status if target else None,
        "previous_index": previous.index if previous else None,
        "previous_rank": previous.rank if previous else None,
        "rank_change": previous.rank_change if previous else None,
        "delta": previous.delta if previous else None,
        "significant": previous.significant if previous else None,
        "se": se_of(item),
        "ci95_low": ci[0] if ci else None,
        "ci95_high": ci[1] if ci else None,
    }


def _screening_cells(item: Any) -> dict[str, Any]:
    """Held (awaiting review), accepted and rejected responses of a unit's subtree; empty
    for elements and criteria, and before the worker has first screened the round."""
    found: ScreeningCounts | None = getattr(item, "screening", None)
    if found is None:
        return {}
    return {"held": found.held, "accepted": found.accepted, "rejected": found.rejected}


def _row(kind: str, item: Any, figures: Any, **extra: Any) -> dict[str, Any]:
    """A row for ``item`` (code, name) with the figures and comparisons of ``figures``."""
    counts = _counts(figures) if hasattr(figures, "respondents") else {"index": figures.index}
    head = {"kind": kind, "code": item.code, "name": item.name, **extra}
    return {**head, **counts, **_comparison_cells(figures), **_screening_cells(figures)}


def _report_rows(report: SatisfactionReport) -> list[dict[str, Any]]:
    rows = [{**_row("unit", report.unit, report), **_screening_cells(report)}]
    for e in report.elements:
        rows.append(_row("element", e, e))
        rows.extend(_row("criterion", c, c, element=e.code) for c in e.criteria)
    rows.extend(
        _row("child", child, child, rank=child.rank, rank_of=child.rank_of)
        for child in report.children
    )
    return rows


def _counts(item: Any) -> dict[str, Any]:
    return {
        "index": item.index,
        "respondents": item.respondents,
        "weighted_respondents": item.weighted_respondents,
    }


REPORT_COLUMNS = ["kind", "code", "name", "element", "index", "respondents"]
REPORT_COLUMNS += ["weighted_respondents", "rank", "rank_of", "band", "target", "target_status"]
REPORT_COLUMNS += ["previous_index", "delta", "previous_rank", "rank_change", "significant"]
RANKING_COLUMNS = ["rank", "rank_of", "code", "name", "parent", "index", "respondents"]
RANKING_COLUMNS += ["weighted_respondents", "band", "target", "target_status"]
RANKING_COLUMNS += ["previous_index", "delta", "previous_rank", "rank_change", "significant"]
STAT_COLUMNS = ["se", "ci95_low", "ci95_high"]
SCREENING_COLUMNS = ["held", "accepted", "rejected"]


def _with_stats(columns: list[str], rows: list[dict[str, Any]]) -> list[str]:
    """The interval columns appear when the statistics provide them, the screening counts
    once the round has been screened."""
    optional = STAT_COLUMNS + SCREENING_COLUMNS
    present = [c for c in optional if any(r.get(c) is not None for r in rows)]
    return columns + present


def _screening_text(report: Any) -> str:
    """When the held/accepted/rejected columns were counted (the integrity report's as_of)."""
    items = [getattr(report, "screening", None)]
    items += [getattr(r, "screening", None) for r in getattr(report, "children", [])]
    items += [getattr(r, "screening", None) for r in getattr(report, "rows", [])]
    found = [s for s in items if s is not None]
    if not found:
        return "not yet screened: no held/accepted/rejected counts"
    as_of = max(s.as_of for s in found)
    return (
        "held: awaiting review, in no figure; accepted: counted as valid; rejected: excluded "
        f"(integrity report as of {as_of.isoformat(timespec='seconds')})"
    )


WEIGHTING = {
    "volume": "N_h / n_h: the unit's transaction volume over its valid responses (1 if unknown)",
    "as-given": "the weight given with each response (base_weight)",
    "raked": "the round's raked weight set",
}


def _design(round_: Round) -> str:
    strata = {None: "none", "unit": "the round's units", "column": "the response's stratum"}
    psu = {None: "each response", "column": "the response's psu", "day": "unit × day"}
    level = round_.design_strata
    stratum_text = strata.get(level) or f"the ancestor unit at level {level}"
    fpc = "with" if round_.design_fpc else "without"
    return (
        f"strata: {stratum_text}; PSU: {psu.get(round_.design_psu, '?')}; {fpc} fpc; "
        f"intervals: {round_.design_ci}; single-PSU strata: {round_.design_lonely_psu}"
    )


def _weights_text(report: Any, round_: Round) -> str:
    found = getattr(report, "weight_set", None)
    if found is None:
        return WEIGHTING.get(round_.weighting, round_.weighting)
    return (
        f"weight set {found.name} version {found.version} (id {found.id}, {found.method}, "
        f"created {found.created_at.isoformat(timespec='seconds')})"
    )


def _bands_text(bands: Sequence[BandOut] | None) -> str:
    if not bands:
        return "none"
    return "; ".join(
        f"{b.label} ≥ {b.min:g}" if b.min is not None else f"{b.label}: below" for b in bands
    )


def _measure_text(report: Any) -> str:
    """The report's measure line; a figure is called SIPAS only when measure.sipas is true."""
    measure = getattr(report, "measure", None)
    return measure.label if isinstance(measure, FigureKind) else "not stated"


def _title(report: Any) -> str:
    measure = getattr(report, "measure", None)
    return "SIPAS" if isinstance(measure, FigureKind) and measure.sipas else "Satisfaction"


def method(
    report: Any, round_: Round, subject: str, snapshot: SnapshotRef | None, as_of: datetime
) -> list[tuple[str, str]]:
    """(label, text) lines stating what the figures are and how they were obtained."""
    design = getattr(report, "design", None)  # absent on rankings: their own line below
    ci_method = design.ci_method if design else "not stated for this table"
    design_text = _design(round_) + (
        f"; variance: {design.variance_method}; deff: {design.deff_method}" if design else ""
    )
    served = (
        f"published revision {snapshot.revision} (sha256 {snapshot.content_hash}), "
        f"frozen {snapshot.frozen_at.isoformat()}"
        if snapshot
        else "current data (not frozen)"
    )
    return [
        (
            "Đợt khảo sát / Round",
            f"{round_.code} — {round_.name} ({round_.starts_on} – {round_.ends_on})",
        ),
        ("Phạm vi / Scope", subject),
        ("Bộ công cụ / Instrument", f"{report.form} version {report.form_version}"),
        ("Loại số liệu / Measure", _measure_text(report)),
        (
            "Chỉ số / Index",
            "weighted percent of valid answers at a satisfied level; "
            "'not applicable' answers leave the denominator",
        ),
        ("Quy tắc tổng hợp / Aggregation", report.aggregation),
        ("Trọng số / Weights", _weights_text(report, round_)),
        ("Thiết kế mẫu / Design", design_text),
        ("Khoảng tin cậy / CI method", ci_method),
        ("Kỳ so sánh / Previous round", report.previous_round or "none"),
        ("Xếp loại / Bands", _bands_text(report.bands)),
        ("Kiểm soát chất lượng phiếu / Integrity", describe(policy_of(round_.integrity_policy))),
        ("Phiếu tạm giữ / Held responses", _screening_text(report)),
        ("Số liệu / Figures", served),
        ("Số liệu tính đến / Data as of", as_of.isoformat(timespec="seconds")),
        *_moh_lines(getattr(report, "moh", None)),
    ]


def _moh_figure(figure: MohFigure, unit: str) -> str:
    if figure.value is None:
        return "no answers"
    ci = f", 95% CI {tidy(figure.ci95[0])}–{tidy(figure.ci95[1])}" if figure.ci95 else ""
    se = f", SE {tidy(figure.se)}" if figure.se is not None else ""
    return f"{tidy(figure.value)}{unit}{se}{ci}, n = {figure.respondents}"


def _moh_lines(moh: MohIndicators | None) -> list[tuple[str, str]]:
    """Health instruments: the Ministry of Health's indicators, defined, with the unit's
    figures (the JSON report's ``moh`` block has every item and section)."""
    if moh is None:
        return []
    fresh = moh.freshness
    when = (
        []
        if fresh is None
        else [
            (
                "Chỉ số Bộ Y tế tính lúc / MoH figures computed at",
                f"{fresh.as_of.isoformat(timespec='seconds')} (background worker)"
                + ("; the round's figures changed since: being recomputed" if fresh.stale else ""),
            )
        ]
    )
    return [
        ("Điểm trung bình (Bộ Y tế) / MoH mean score", moh.mean_definition),
        ("Hài lòng với mọi nội dung (Bộ Y tế) / MoH all satisfied", moh.all_satisfied_definition),
        ("Sai số chỉ số Bộ Y tế / MoH indicators' SE", moh.variance_method),
        (
            "Chỉ số Bộ Y tế của đơn vị / MoH figures of the unit",
            f"mean score {_moh_figure(moh.mean, '')}; all items satisfied "
            f"{_moh_figure(moh.all_satisfied, ' %')}",
        ),
        *when,
    ]


def report_table(report: SatisfactionReport, round_: Round, as_of: datetime) -> Table:
    rows = _report_rows(report)
    subject = f"{report.unit.code} — {report.unit.name}"
    return Table(
        f"{_title(report)} {report.round} {report.unit.code}",
        _with_stats(REPORT_COLUMNS, rows),
        rows,
        method(report, round_, subject, report.snapshot, as_of),
    )


def ranking_table(ranking: RankingReport, round_: Round, as_of: datetime) -> Table:
    rows = [
        {
            "rank": r.rank,
            "rank_of": r.rank_of,
            "code": r.code,
            "name": r.name,
            "parent": r.parent,
            **_counts(r),
            **_comparison_cells(r),
            **_screening_cells(r),
        }
        for r in ranking.rows
    ]
    subject = f"level {ranking.level} under {ranking.parent.code} — {ranking.parent.name}"
    return Table(
        f"Ranking {ranking.round} {ranking.parent.code} {ranking.level}",
        _with_stats(RANKING_COLUMNS, rows),
        rows,
        method(ranking, round_, subject, ranking.snapshot, as_of),
    )


def _cell(column: str, value: Any, vi: bool) -> Any:
    """Codes of kind, target status and significance in words; numbers tidied."""
    if isinstance(value, bool):
        return (VALUES_VI if vi else VALUES_EN)[value]
    if isinstance(value, float):
        return tidy(value)
    if vi and column in ("kind", "target_status") and isinstance(value, str):
        return VALUES_VI.get(value, value)
    return value


def _csv_cell(value: Any, comma: bool) -> Any:
    if value is None:
        return ""
    if comma and isinstance(value, float):
        return repr(value).replace(".", ",")
    return value


# XLSX display formats; the stored value keeps its full (tidy) precision.
NUMBER_FORMATS = {
    "index": "0.00",
    "target": "0.00",
    "previous_index": "0.00",
    "delta": "+0.00;-0.00;0.00",
    "ci95_low": "0.00",
    "ci95_high": "0.00",
    "se": "0.000",
    "respondents": "#,##0",
    "weighted_respondents": "#,##0.00",
    "rank": "0",
    "rank_of": "0",
    "previous_rank": "0",
    "rank_change": "+0;-0;0",
}


def _header(columns: list[str], vi: bool) -> list[str]:
    return [HEADERS_VI[c] if vi else c for c in columns]


def to_csv(table: Table, vi: bool, decimal: Decimal = "dot") -> bytes:
    """UTF-8 with a byte-order mark (for spreadsheet programs), method as '# ' lines first;
    ``decimal="comma"``: 86,4 and ';' between fields."""
    comma = decimal == "comma"
    buffer = io.StringIO()
    buffer.write(f"# {table.title}\n")
    for label, text in table.method:
        buffer.write(f"# {label}: {text}\n")
    writer = csv.writer(buffer, delimiter=";" if comma else ",", lineterminator="\n")
    writer.writerow(_header(table.columns, vi))
    for row in table.rows:
        writer.writerow([_csv_cell(_cell(c, row.get(c), vi), comma) for c in table.columns])
    return ("\ufeff" + buffer.getvalue()).encode()


def _fit_columns(sheet: Worksheet, columns: list[str]) -> None:
    """Number formats per column, widths from the longest shown text (8 to 60 characters)."""
    for i, column in enumerate(columns, start=1):
        letter = get_column_letter(i)
        fmt = NUMBER_FORMATS.get(column)
        longest = 8
        for (cell,) in sheet.iter_rows(min_col=i, max_col=i):
            if fmt and isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.number_format = fmt
                shown = len(f"{cell.value:,.2f}")
            else:
                shown = len(str(cell.value)) if cell.value is not None else 0
            longest = max(longest, shown + 2)
        sheet.column_dimensions[letter].width = min(longest, 60)


def to_xlsx(table: Table, vi: bool) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Số liệu" if vi else "Figures"
    sheet.append(_header(table.columns, vi))
    for row in table.rows:
        sheet.append([_cell(c, row.get(c), vi) for c in table.columns])
    _fit_columns(sheet, table.columns)
    sheet.freeze_panes = "A2"
    method_sheet = workbook.create_sheet(METHOD_SHEET)
    method_sheet.append([table.title])
    for label, text in table.method:
        method_sheet.append([label, text])
    method_sheet.column_dimensions["A"].width = 34
    method_sheet.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fingerprint(table: Table, fmt: Format, vi: bool, decimal: Decimal = "dot") -> bytes:
    """What the file says, as bytes: equal for equal files whatever their creation time."""
    content = [table.title, table.columns, table.rows, table.method, fmt, vi, decimal]
    return json.dumps(content, sort_keys=True, default=str).encode()


def render(table: Table, fmt: Format, vi: bool, decimal: Decimal = "dot") -> bytes:
    return to_csv(table, vi, decimal) if fmt == "csv" else to_xlsx(table, vi)
