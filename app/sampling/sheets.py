"""Printable invitations: an A4 PDF of QR cards, and a CSV of links for SMS/Zalo send-outs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import segno
from fpdf import FPDF

from app.errors import AppError
from app.sampling.invitations import IssuedBatch, token_url

# Vietnamese needs a Unicode TrueType font (PDF core fonts are Latin-1): DejaVu Sans, from
# Debian's fonts-dejavu-core (installed by .ci/run and the Dockerfile).
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
CSV_COLUMNS = ("unit_code", "unit_name", "stratum", "selection_id", "url")
COLUMNS, ROWS, MARGIN = 2, 4, 10.0  # cards per A4 page, page margin (mm)
QR_SIZE, QUIET = 40.0, 4  # printed QR side (mm) and its quiet zone (modules)


class PdfUnavailable(AppError):
    status_code = 503
    code = "pdf_unavailable"
    title = "Không tạo được tệp PDF"


def invitations_csv(batch: IssuedBatch, public_base_url: str) -> bytes:
    """One line per invitation; UTF-8 with a BOM so that spreadsheets show the diacritics."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for invitation in batch.invitations:
        url = token_url(public_base_url, invitation.token)
        selection = "" if invitation.selection_id is None else invitation.selection_id
        writer.writerow([batch.unit.code, batch.unit.name, batch.stratum or "", selection, url])
    return buffer.getvalue().encode("utf-8-sig")


def font_path() -> Path:
    for path in FONT_CANDIDATES:
        if path.is_file():
            return path
    raise PdfUnavailable("PDF needs the DejaVu Sans font (Debian package fonts-dejavu-core)")


def _dark_runs(qr: segno.QRCode) -> Iterator[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules."""
    for y, row in enumerate(qr.matrix):
        x = 0
        while x < len(row):
            if row[x] & 1:
                start = x
                while x < len(row) and row[x] & 1:
                    x += 1
                yield y, start, x - start
            else:
                x += 1


def _draw_qr(pdf: FPDF, url: str, x: float, y: float) -> None:
    qr = segno.make(url, error="m")
    modules = len(qr.matrix)
    step = QR_SIZE / (modules + 2 * QUIET)
    left, top = x + QUIET * step, y + QUIET * step
    for row, column, length in _dark_runs(qr):
        pdf.rect(left + column * step, top + row * step, length * step, step, style="F")


def _fitted_line(pdf: FPDF, text: str, width: float, size: float) -> None:
    """One centred line, its font shrunk until it fits the width (never wrapped: URLs)."""
    while size > 5 and pdf.get_string_width(text) > width:
        size -= 0.25
        pdf.set_font_size(size)
    pdf.cell(width, 4, text, align="C", new_x="LMARGIN", new_y="NEXT")


def _card(
    pdf: FPDF, heading: str, name: list[str], caption: str | None, url: str, x: float, y: float
) -> None:
    w, inner = pdf.epw / COLUMNS, pdf.epw / COLUMNS - 8
    pdf.set_xy(x + 4, y + 3)
    pdf.set_font_size(7)
    pdf.set_text_color(90)
    _fitted_line(pdf, heading, inner, 7)
    pdf.set_text_color(0)
    _draw_qr(pdf, url, x + (w - QR_SIZE) / 2, y + 8)
    pdf.set_y(y + 9 + QR_SIZE)
    pdf.set_font_size(9)
    for line in [*name, caption or ""]:
        pdf.set_x(x + 4)
        pdf.cell(inner, 4, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(x + 4)
    _fitted_line(pdf, url, inner, 8)


def _name_lines(pdf: FPDF, name: str) -> list[str]:
    """The unit name wrapped to a card's width (at most 3 lines), computed once per sheet."""
    pdf.set_font_size(9)
    lines = pdf.multi_cell(pdf.epw / COLUMNS - 8, 4, name, dry_run=True, output="LINES")
    return [str(line) for line in lines][:3]  # type: ignore[union-attr]


def _cut_lines(pdf: FPDF, x: float, y: float, w: float, h: float) -> None:
    pdf.set_draw_color(170)
    pdf.set_line_width(0.1)
    pdf.set_dash_pattern(dash=2, gap=2)
    pdf.rect(x, y, w, h)
    pdf.set_dash_pattern()


def invitations_pdf(batch: IssuedBatch, public_base_url: str) -> bytes:
    """A4 pages of cut-out cards: QR code, unit name, stratum and the link in print."""
    urls = [token_url(public_base_url, i.token) for i in batch.invitations]
    return cards_pdf(batch.round.name, batch.unit.name, [(url, batch.stratum) for url in urls])


def cards_pdf(heading: str, unit_name: str, cards: Sequence[tuple[str, str | None]]) -> bytes:
    """A4 pages of cut-out cards (invitations, receipt codes): each a QR code of its link,
    the unit's name, a caption and the link in print."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN)
    pdf.add_font("DejaVu", fname=str(font_path()))
    pdf.set_font("DejaVu")
    pdf.set_title(f"{heading} · {unit_name}")
    pdf.add_page()
    w, h = pdf.epw / COLUMNS, pdf.eph / ROWS
    name = _name_lines(pdf, unit_name)
    for index, (url, caption) in enumerate(cards):
        slot = index % (COLUMNS * ROWS)
        if slot == 0 and index:
            pdf.add_page()
        x = MARGIN + (slot % COLUMNS) * w
        y = MARGIN + (slot // COLUMNS) * h
        _cut_lines(pdf, x, y, w, h)
        _card(pdf, heading, name, caption, url, x, y)
    return bytes(pdf.output())
