"""The report document of a round and unit, as DOCX or PDF bytes."""

from __future__ import annotations

from typing import Literal

from app.reporting.document.content import ReportContent
from app.reporting.document.docx import to_docx
from app.reporting.document.findings import outline
from app.reporting.document.pdf import to_pdf

DocumentFormat = Literal["docx", "pdf"]
MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


FOOTER = {
    "vi": ("đợt", "số liệu hiện hành, chưa chốt công bố", "bản công bố số", "tạm tính"),
    "en": ("round", "current figures, not frozen", "published revision", "provisional"),
}


def footer_of(content: ReportContent) -> str:
    r, snap = content.report, content.report.snapshot
    round_word, live, revision, provisional = FOOTER[content.lang]
    where = f"{r.unit.name} — {round_word} {r.round}"
    if snap is None:
        return f"{where} — {live}"
    kind = f" ({provisional})" if snap.provisional else ""
    return f"{where} — {revision} {snap.revision}{kind}, SHA-256 {snap.content_hash}"


def render_document(content: ReportContent, fmt: DocumentFormat) -> bytes:
    blocks = outline(content)
    heading = content.words("title").capitalize()
    title = f"{heading} — {content.report.unit.name}, {content.report.round}"
    if fmt == "docx":
        return to_docx(blocks, footer_of(content), title, content.lang)
    return to_pdf(blocks, footer_of(content), title, content.lang)


def file_name(content: ReportContent, fmt: DocumentFormat) -> str:
    snap = content.report.snapshot
    revision = f"-r{snap.revision}" if snap else "-live"
    stem = content.words("file")
    return f"{stem}-{content.report.round}-{content.report.unit.code}{revision}.{fmt}"
