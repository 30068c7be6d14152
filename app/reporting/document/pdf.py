"""The document's blocks as a PDF (fpdf2) in DejaVu Sans, embedded: every Vietnamese glyph."""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align

from app.reporting.document.blocks import Block, Heading, Image, PageBreak, Paragraph, Table
from app.sampling.sheets import font_path

FONT = "DejaVu"
BODY_PT, TABLE_PT = 11, 8
LINE, PAD_Y = TABLE_PT * 0.5, 0.6  # a table line's height and a cell's top/bottom room, mm
HEAD_FILL, ROW_FILL, WHITE = 225, 245, 255  # grey of the heading and of every other row


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
        self.measure = _Measure(self)

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


class _Measure:
    """Text widths at the table's font, each distinct word measured once per document (a
    ranking of 400 units repeats the same few dozen words)."""

    def __init__(self, pdf: ReportPdf) -> None:
        self.pdf = pdf
        self.known: dict[tuple[str, str], float] = {}

    def __call__(self, text: str) -> float:
        key = (self.pdf.font_style, text)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = self.pdf.get_string_width(text)
        return found

    def lines(self, text: str, width: float) -> tuple[list[str], list[float]]:
        """The lines of a cell's text within ``width`` (less a margin each side), broken
        between words (a word wider than the cell: between its characters), and their widths."""
        room, space = width - 2 * self.pdf.c_margin, self(" ")
        lines: list[str] = []
        sizes: list[float] = []
        for paragraph in text.split("\n"):
            start = len(lines)
            for word in paragraph.split(" "):
                size = self(word)
                if len(lines) > start and sizes[-1] + space + size <= room:
                    lines[-1], sizes[-1] = f"{lines[-1]} {word}", sizes[-1] + space + size
                elif size <= room:
                    lines.append(word)
                    sizes.append(size)
                else:
                    for chunk, chunk_size in self._chunks(word, room):
                        lines.append(chunk)
                        sizes.append(chunk_size)
        return lines, sizes

    def _chunks(self, word: str, room: float) -> list[tuple[str, float]]:
        chunks = [("", 0.0)]
        for char in word:
            chunk, size = chunks[-1]
            if chunk and size + self(char) > room:
                chunks.append((char, self(char)))
            else:
                chunks[-1] = (chunk + char, size + self(char))
        return chunks


def _row(pdf: ReportPdf, table: _Layout, values: list[str], style: str, fill: int) -> None:
    """One row at the current position: a box per cell (filled every other row), its lines
    placed directly (``text``), right-aligned where the column holds numbers."""
    pdf.set_font(FONT, style, TABLE_PT)
    cells = [table.measure.lines(v, w) for v, w in zip(values, table.widths, strict=True)]
    height = max(len(lines) for lines, _ in cells) * LINE + 2 * PAD_Y
    if height > pdf.page_break_trigger - pdf.t_margin - table.heading:
        raise ValueError("The row is too high and cannot be rendered on a single page")
    if pdf.y + height > pdf.page_break_trigger:
        pdf.add_page()
        if style == "":  # repeat the heading on the new page
            _row(pdf, table, table.block.header, "B", HEAD_FILL)
            pdf.set_font(FONT, style, TABLE_PT)
    x, y = pdf.l_margin, pdf.y
    pdf.set_fill_color(fill)
    for c, ((lines, sizes), width) in enumerate(zip(cells, table.widths, strict=True)):
        pdf.rect(x, y, width, height, style="DF" if fill != WHITE else "D")
        for k, (line, size) in enumerate(zip(lines, sizes, strict=True)):
            left = x + width - pdf.c_margin - size if c in table.block.right else x + pdf.c_margin
            pdf.text(left, y + PAD_Y + (k + 0.5) * LINE + 0.3 * pdf.font_size, line)
        x += width
    pdf.set_xy(pdf.l_margin, y + height)


class _Layout:
    def __init__(self, pdf: ReportPdf, block: Table, measure: _Measure) -> None:
        total = sum(block.widths)
        self.block, self.measure = block, measure
        self.widths = [pdf.epw * w / total for w in block.widths]
        pdf.set_font(FONT, "B", TABLE_PT)
        cells = [measure.lines(v, w) for v, w in zip(block.header, self.widths, strict=True)]
        self.heading = max(len(lines) for lines, _ in cells) * LINE + 2 * PAD_Y


def _table(pdf: ReportPdf, block: Table) -> None:
    """A table drawn row by row (fpdf2's ``table()`` breaks every cell's text character by
    character, twice: 10× slower for a 400-unit ranking); the heading repeats on each page."""
    table = _Layout(pdf, block, pdf.measure)
    _row(pdf, table, block.header, "B", HEAD_FILL)
    for i, values in enumerate(block.rows):
        _row(pdf, table, values, "", ROW_FILL if i % 2 == 0 else WHITE)
    pdf.set_font(FONT, "", BODY_PT)
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
