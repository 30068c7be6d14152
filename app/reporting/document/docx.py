"""The document's blocks as a DOCX file (python-docx), A4, Times New Roman as decrees use."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt, Twips
from docx.table import Table as DocxTable
from lxml.etree import SubElement

from app.reporting.document.blocks import Block, Heading, Image, PageBreak, Paragraph, Table

ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}
FONT, BODY_PT, TABLE_PT, TEXT_MM = "Times New Roman", 13, 10, 170
W = {name: qn(f"w:{name}") for name in ("tc", "tcPr", "tcW", "p", "pPr", "jc", "r", "rPr", "b")}
W |= {name: qn(f"w:{name}") for name in ("sz", "t", "tr", "w", "type", "val")}
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


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


def _cell(tr: BaseOxmlElement, text: str, width: int, bold: bool, right: bool) -> None:
    """One ``w:tc`` with its width, a paragraph and a run in the table's size (lxml directly:
    python-docx's setters search each element's children, 4 s for a 400-unit ranking)."""
    tc = SubElement(tr, W["tc"])
    SubElement(SubElement(tc, W["tcPr"]), W["tcW"], {W["w"]: str(width), W["type"]: "dxa"})
    p = SubElement(tc, W["p"])
    if right:
        SubElement(SubElement(p, W["pPr"]), W["jc"], {W["val"]: "right"})
    r = SubElement(p, W["r"])
    rpr = SubElement(r, W["rPr"])
    if bold:
        SubElement(rpr, W["b"])
    SubElement(rpr, W["sz"], {W["val"]: str(TABLE_PT * 2)})
    if "\t" in text or "\n" in text:
        r.text = text  # python-docx's CT_R: tabs and line breaks
    else:
        SubElement(r, W["t"], {XML_SPACE: "preserve"}).text = text


def _table(document: object, block: Table) -> None:
    table: DocxTable = document.add_table(rows=0, cols=len(block.header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    total = sum(block.widths)
    widths = [Mm(TEXT_MM * w / total).twips for w in block.widths]
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        column.w = Twips(width)
    for r, values in enumerate([block.header, *block.rows]):
        tr = SubElement(table._tbl, W["tr"])
        for c, (value, width) in enumerate(zip(values, widths, strict=True)):
            _cell(tr, value, width, r == 0, r > 0 and c in block.right)


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
