"""The document model every formal report is written from: title, cover lines, sections of blocks.

A report (the 监测评估 annual report, the 地块核查报告) is composed once as a
:class:`ReportContent`; the writers put the same content on paper:
:func:`geo.reports.docx.build_docx` (Word), :func:`geo.reports.pdf.build_pdf`
(PDF, Chinese font embedded) and :func:`geo.reports.html.build_html` (one
self-contained HTML page). Blocks: :class:`Text` (body, note, list item),
:class:`Table` (caption, header, rows), :class:`Image` (a PNG with its caption)
and :class:`Fill` (a line to fill in by hand: ``审核人：________``, or filled).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

#: What a blank fill-in line is printed as.
BLANK: Final = "_" * 28


@dataclass(frozen=True)
class Text:
    """A paragraph: ``body`` text, a ``note`` (smaller, under a table), or an ``item`` of a list."""

    text: str
    style: Literal["body", "note", "item"] = "body"


@dataclass(frozen=True)
class Table:
    """A table: caption (``表N …``, above it), header, rows of text cells, notes under it.

    ``widths`` are relative column widths; ``numeric`` marks right-aligned columns; ``key`` names the table
    for programs (``targets``, ``projects:rd``, ``findings`` …), it is not printed.
    """

    key: str
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    numeric: tuple[bool, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Image:
    """A PNG with its caption (``图N …``, below it), printed ``width_mm`` wide (less if the page is narrower)."""

    png: bytes
    caption: str
    width_mm: float


@dataclass(frozen=True)
class Fill:
    """A line to fill in and sign: ``label：value``, or ``label：____`` when ``value`` is empty.

    ``lines`` blank lines follow the first one (for an opinion: 核查意见); ``sep`` follows the label (``：`` in
    Chinese, ``": "`` in English).
    """

    label: str
    value: str = ""
    lines: int = 0
    sep: str = "："

    def texts(self) -> list[str]:
        """The printed lines: the first with its label, then ``lines`` blank ones."""
        return [f"{self.label}{self.sep}{self.value or BLANK}", *([BLANK + BLANK] * self.lines)]


Block = Text | Table | Image | Fill


@dataclass(frozen=True)
class Section:
    """A heading (``level`` 1 or 2) and what follows it; ``landscape``: on landscape pages (wide tables, the map)."""

    title: str
    level: int
    blocks: tuple[Block, ...]
    landscape: bool = False


@dataclass(frozen=True)
class ReportContent:
    """Everything every format prints, in order: title, subtitle, cover lines, contents, sections.

    With an empty ``toc_title`` the report has no cover page and no contents: the sections follow the title
    and cover lines on the first page (a short report such as the 核查报告).
    """

    title: str
    subtitle: str
    cover: tuple[str, ...] = ()
    toc_title: str = ""
    toc_note: str = ""
    sections: tuple[Section, ...] = ()
    lang: str = "zh"
    year: int = 0
    final: bool = False
    #: The running footer of the pages, ``{n}`` the page number (``第 {n} 页``).
    page_label: str = ""
    #: What the Word file's contents field shows until Word updates it.
    toc_placeholder: str = ""
    #: The documents' author property.
    author: str = "python -m geo report"

    @property
    def has_toc(self) -> bool:
        return bool(self.toc_title)

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def table(self, key: str) -> Table:
        """The table named ``key`` (KeyError if there is none)."""
        for t in self.tables():
            if t.key == key:
                return t
        raise KeyError(key)

    def strings(self) -> Iterable[str]:
        """Every text the report prints (for the PDF's font subset, and to check its words)."""
        yield from (self.title, self.subtitle, *self.cover, self.toc_title, self.toc_note, self.page_label,
                    self.toc_placeholder)
        for s in self.sections:
            yield s.title
            for b in s.blocks:
                if isinstance(b, Text):
                    yield b.text
                elif isinstance(b, Table):
                    yield b.caption
                    yield from b.header
                    yield from b.notes
                    for row in b.rows:
                        yield from row
                elif isinstance(b, Fill):
                    yield from b.texts()
                else:
                    yield b.caption


def pick(pair: tuple[str, str], lang: str) -> str:
    """The Chinese (``lang="zh"``) or the English of a ``(zh, en)`` pair."""
    return pair[0] if lang == "zh" else pair[1]


__all__ = ["BLANK", "Block", "Fill", "Image", "ReportContent", "Section", "Table", "Text", "pick"]
