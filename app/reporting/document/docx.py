"""The document's blocks as a DOCX file (python-docx), A4, Times New Roman as decrees use."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table as DocxTable

from app.reporting.document.blocks import Block, Heading, Image, PageBreak, Paragraph, Table

ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}
FONT, BODY_PT, TABLE_PT, TEXT_MM = "Times New Roman", 13, 10, 170


def _setup(document: object, footer: str) -> None:
    styles = document.styles  # type: ignore[attr-defined]
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        style = styles[name]
        style.font.name = FONT
        style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    styles["Normal"].font.size = Pt(BODY_PT)
    section = document.sections[0]  # type: ignore[attr-defined]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(25), Mm(15)
    section.top_margin = section.bottom_margin = Mm(20)
    paragraph = section.footer.paragraphs[0]
    paragraph.text = footer
    paragraph.runs[0].font.size = Pt(8)


def _table(document: object, block: Table) -> None:
    table: DocxTable = document.add_table(rows=len(block.rows) + 1, cols=len(block.header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    total = sum(block.widths)
    widths = [Mm(TEXT_MM * w / total) for w in block.widths]
    for r, (row, values) in enumerate(zip(table.rows, [block.header, *block.rows], strict=True)):
        for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = widths[c]
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(value)
            run.font.size = Pt(TABLE_PT)
            run.bold = r == 0
            if c in block.right and r > 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _block(document: object, block: Block) -> None:
    doc = document
    if isinstance(block, Heading):
        doc.add_heading(block.text, level=block.level).alignment = (  # type: ignore[attr-defined]
            WD_ALIGN_PARAGRAPH.CENTER if block.level == 0 else WD_ALIGN_PARAGRAPH.LEFT
        )
    elif isinstance(block, Paragraph):
        paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
        paragraph.alignment = ALIGN[block.align]
        run = paragraph.add_run(block.text)
        run.bold, run.italic = block.bold, block.italic
        if block.size:
            run.font.size = Pt(block.size)
    elif isinstance(block, Table):
        _table(doc, block)
        doc.add_paragraph()  # type: ignore[attr-defined]
    elif isinstance(block, Image):
        doc.add_picture(io.BytesIO(block.png), width=Mm(block.width_mm))  # type: ignore[attr-defined]
        doc.add_paragraph(block.caption).alignment = WD_ALIGN_PARAGRAPH.CENTER  # type: ignore[attr-defined]
    elif isinstance(block, PageBreak):
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)  # type: ignore[attr-defined]


def to_docx(blocks: list[Block], footer: str, title: str, lang: str = "vi") -> bytes:
    """A DOCX file of ``blocks`` with ``footer`` on every page (the revision and its hash)."""
    document = Document()
    document.core_properties.title = title
    document.core_properties.language = "en-GB" if lang == "en" else "vi-VN"
    _setup(document, footer)
    for block in blocks:
        _block(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
