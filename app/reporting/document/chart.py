"""Horizontal bar charts as PNG, drawn with Pillow (a dependency of fpdf2) and DejaVu Sans."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from app.reporting.numbers import shown
from app.sampling.sheets import font_path

WIDTH, ROW, TOP, LABEL, RIGHT = 1600, 44, 56, 640, 140
BAR = (31, 95, 158)
FAINT = (190, 190, 190)


def bar_chart(bars: list[tuple[str, float | None]], target: float | None = None) -> bytes:
    """One bar per (label, percent 0–100); None: 'không công bố'. A dashed line at ``target``."""
    height = TOP + ROW * len(bars) + 24
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(font_path()), 26)
    scale = (WIDTH - LABEL - RIGHT) / 100
    for tick in range(0, 101, 20):
        x = LABEL + tick * scale
        draw.line([(x, TOP - 10), (x, height - 20)], fill=FAINT, width=1)
        draw.text((x, TOP - 14), str(tick), fill="black", font=font, anchor="mb")
    for i, (label, value) in enumerate(bars):
        y = TOP + i * ROW
        text = label if len(label) <= 38 else label[:37] + "…"
        draw.text((LABEL - 12, y + ROW / 2), text, fill="black", font=font, anchor="rm")
        if value is None:
            draw.text(
                (LABEL + 8, y + ROW / 2), "không công bố", fill="gray", font=font, anchor="lm"
            )
            continue
        end = LABEL + max(0.0, min(value, 100.0)) * scale
        draw.rectangle([(LABEL, y + 8), (end, y + ROW - 8)], fill=BAR)
        draw.text((end + 8, y + ROW / 2), shown(value), fill="black", font=font, anchor="lm")
    if target is not None:
        x = LABEL + target * scale
        for y0 in range(TOP, height - 20, 16):
            draw.line([(x, y0), (x, y0 + 8)], fill=(200, 30, 30), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
