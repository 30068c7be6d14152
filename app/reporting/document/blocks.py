"""Format-free pieces of a document, rendered by docx.py and pdf.py alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 0: the title


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool = False
    italic: bool = False
    align: Align = "left"
    size: float | None = None  # points; None: body text


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[float]  # relative column widths
    right: set[int] = field(default_factory=set)  # columns aligned right (numbers)


@dataclass(frozen=True)
class Image:
    png: bytes
    width_mm: float
    caption: str


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | Table | Image | PageBreak
