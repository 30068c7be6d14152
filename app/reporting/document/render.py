"""The report document of a round and unit, as DOCX or PDF bytes."""

from __future__ import annotations

from typing import Literal

from app.reporting.document.content import ReportContent
from app.reporting.document.docx import to_docx
from app.reporting.document.findings import outline
from app.reporting.document.outline import TITLE
from app.reporting.document.pdf import to_pdf

DocumentFormat = Literal["docx", "pdf"]
MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def footer_of(content: ReportContent) -> str:
    r, snap = content.report, content.report.snapshot
    where = f"{r.unit.name} — đợt {r.round}"
    if snap is None:
        return f"{where} — số liệu hiện hành, chưa chốt công bố"
    return f"{where} — bản công bố số {snap.revision}, SHA-256 {snap.content_hash}"


def render_document(content: ReportContent, fmt: DocumentFormat) -> bytes:
    blocks = outline(content)
    title = f"{TITLE.capitalize()} — {content.report.unit.name}, {content.report.round}"
    if fmt == "docx":
        return to_docx(blocks, footer_of(content), title)
    return to_pdf(blocks, footer_of(content), title)


def file_name(content: ReportContent, fmt: DocumentFormat) -> str:
    snap = content.report.snapshot
    revision = f"-r{snap.revision}" if snap else "-live"
    return f"bao-cao-{content.report.round}-{content.report.unit.code}{revision}.{fmt}"
