"""The document's blocks as a PDF (fpdf2) in DejaVu Sans, embedded: every Vietnamese glyph."""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, TableCellFillMode
from fpdf.fonts import FontFace

from app.reporting.document.blocks import Block, Heading, Image, PageBreak, Paragraph, Table
from app.sampling.sheets import font_path

FONT = "DejaVu"
BODY_PT, TABLE_PT = 11, 8


class ReportPdf(FPDF):
    def __init__(self, footer: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer
        regular = font_path()
        for style, suffix in (("", ""), ("B", "-Bold"), ("I", "-Oblique")):
            path = Path(str(regular).replace("DejaVuSans.ttf", f"DejaVuSans{suffix}.ttf"))
            self.add_font(FONT, style, str(path if path.is_file() else regular))
        self.set_margins(20, 18, 15)
        self.set_auto_page_break(True, margin=18)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 6.5)
        self.multi_cell(0, 3, f"{self.footer_text} — trang {self.page_no()}", align=Align.C)


def _text(pdf: ReportPdf, block: Paragraph) -> None:
    style = ("B" if block.bold else "") + ("I" if block.italic else "")
    pdf.set_font(FONT, style, block.size or BODY_PT)
    align = {"left": Align.J, "center": Align.C, "right": Align.R}[block.align]
    pdf.multi_cell(0, (block.size or BODY_PT) * 0.5, block.text, align=align)
    pdf.ln(1.5)


def _table(pdf: ReportPdf, block: Table) -> None:
    pdf.set_font(FONT, "", TABLE_PT)
    aligns = tuple("RIGHT" if i in block.right else "LEFT" for i in range(len(block.header)))
    with pdf.table(
        col_widths=tuple(block.widths),
        text_align=aligns,
        line_height=TABLE_PT * 0.5,
        cell_fill_mode=TableCellFillMode.ROWS,
        cell_fill_color=245,
        repeat_headings=1,
        headings_style=FontFace(emphasis="BOLD", fill_color=225),
    ) as table:
        header = table.row()
        for value in block.header:
            header.cell(value)
        for values in block.rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(3)


def _block(pdf: ReportPdf, block: Block) -> None:
    if isinstance(block, Heading):
        pdf.set_font(FONT, "B", 14 if block.level == 0 else 12)
        pdf.ln(2)
        pdf.multi_cell(0, 7, block.text, align=Align.C if block.level == 0 else Align.L)
        pdf.ln(2)
    elif isinstance(block, Paragraph):
        _text(pdf, block)
    elif isinstance(block, Table):
        _table(pdf, block)
    elif isinstance(block, Image):
        pdf.image(io.BytesIO(block.png), w=block.width_mm, x=Align.C)
        _text(pdf, Paragraph(block.caption, italic=True, align="center", size=9))
    elif isinstance(block, PageBreak):
        pdf.add_page()


def to_pdf(blocks: list[Block], footer: str, title: str, lang: str = "vi") -> bytes:
    """A PDF of ``blocks`` with ``footer`` on every page (the revision and its hash)."""
    pdf = ReportPdf(footer)
    pdf.set_title(title)
    pdf.set_lang(lang)
    pdf.add_page()
    for block in blocks:
        _block(pdf, block)
    return bytes(pdf.output())
