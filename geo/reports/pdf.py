"""A report (:class:`geo.reports.model.ReportContent`) as PDF (reportlab): :func:`write_pdf`.

The one PDF writer of the formal reports (the 监测评估 report, the 地块核查报告): the same content as the
Word file (:mod:`geo.reports.docx`).

The Chinese font is embedded: the characters the report uses are subset from
Noto Sans CJK SC (or ``GEO_CJK_FONT``) and converted to a standalone TrueType
font by :mod:`geo.mapview.fonts` — the route the print map takes — and
reportlab embeds that TrueType (``/FontFile2``, with a ``ToUnicode`` map, so
``pdftotext`` and a reader's search and copy get the Chinese text back). No
office suite is needed. Long text wraps between any two Chinese characters
(reportlab's CJK wrapping); tables repeat their header row on each page; wide
tables and the map are on landscape pages; the contents have page numbers and
the headings are bookmarks.

Written through :func:`geo.atomic.write_output` (atomic; a symlink, FIFO or device
is written through, never replaced).
"""

from __future__ import annotations

import io
import os
import string
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

from PIL import Image as PILImage
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable
from reportlab.platypus.tableofcontents import TableOfContents

from geo.atomic import write_output
from geo.errors import FontError, said
from geo.mapview.fonts import FONT_ENV, FontFace, find_cjk_font, font_file
from geo.reports.model import Fill, Image, ReportContent, Table, Text

_BUILD: Final = threading.Lock()
#: Margins (mm): top/bottom, left/right of a portrait page (landscape pages swap them).
MARGINS_MM: Final = (22.0, 20.0)
_EXTRA_CHARS: Final = string.printable + "•—–…，。：；、（）《》“”‘’·％＞＜≥≤×°"


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str


@lru_cache(maxsize=4)
def _faces(chosen: str | None) -> tuple[FontFace, FontFace]:
    """The regular and bold CJK faces (looked up once per ``GEO_CJK_FONT`` value: reading cmaps takes ~0.25 s)."""
    regular = find_cjk_font()
    try:
        bold = find_cjk_font(weight=700)
    except FontError:  # a bold face is a nicety
        bold = regular
    return regular, bold


def _register(characters: str) -> _Fonts:
    """Register the CJK subset (regular and bold) with reportlab; the names are the subset files' digests."""
    regular_face, bold_face = _faces(os.environ.get(FONT_ENV))
    chars = characters + _EXTRA_CHARS
    names = []
    for face in (regular_face, bold_face):
        path = font_file(face, chars)
        name = f"GeoCJK-{path.stem[:12]}"
        if name not in pdfmetrics.getRegisteredFontNames():
            try:
                font = TTFont(name, str(path))
                # reportlab registers a subsetting font by its face name and hands any later font of the same face
                # name the first one: every subset is its own face, or a second report in this process (another
                # report, other characters) would be drawn with the first report's glyphs and lose the rest
                font.face.name = font.face.name + b"-" + path.stem[:12].encode("ascii")
                pdfmetrics.registerFont(font)
            except Exception as exc:  # reportlab refuses the file: name it, as the print map does
                raise FontError(said("err.report.font_embed", error=str(exc)), source=f"{face.path}#{face.index}",
                                fix=said("err.report.font_fix")) from None
        names.append(name)
    return _Fonts(names[0], names[1])


def _styles(fonts: _Fonts) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=fonts.regular, bulletFontName=fonts.regular, fontSize=10.5, leading=16,
                          wordWrap="CJK",
                          spaceAfter=5)
    head = {"fontName": fonts.bold, "wordWrap": "CJK", "keepWithNext": True}
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName=fonts.bold, fontSize=20, leading=30,
                                alignment=TA_CENTER, spaceBefore=60 * mm, spaceAfter=10 * mm),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=15, leading=22, alignment=TA_CENTER,
                                   spaceAfter=25 * mm),
        "title_top": ParagraphStyle("title_top", parent=base, fontName=fonts.bold, fontSize=18, leading=26,
                                    alignment=TA_CENTER, spaceBefore=0, spaceAfter=4 * mm),
        "subtitle_top": ParagraphStyle("subtitle_top", parent=base, fontSize=12.5, leading=18, alignment=TA_CENTER,
                                       spaceAfter=6 * mm),
        "fill": ParagraphStyle("fill", parent=base, spaceBefore=6),
        "cover": ParagraphStyle("cover", parent=base, fontSize=10.5, leading=16, alignment=TA_CENTER),
        "h0": ParagraphStyle("toc_title", parent=base, fontSize=16, leading=24, alignment=TA_CENTER,
                             spaceAfter=8 * mm, **head),
        "h1": ParagraphStyle("h1", parent=base, fontSize=15, leading=22, spaceBefore=10, spaceAfter=8, **head),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12.5, leading=18, spaceBefore=8, spaceAfter=6, **head),
        "caption": ParagraphStyle("caption", parent=base, fontName=fonts.bold, fontSize=9.5, leading=13,
                                  alignment=TA_CENTER, spaceBefore=4, spaceAfter=4, keepWithNext=True),
        "figure": ParagraphStyle("figure", parent=base, fontName=fonts.bold, fontSize=9.5, leading=13,
                                 alignment=TA_CENTER, spaceBefore=2),
        "note": ParagraphStyle("note", parent=base, fontSize=8, leading=11, spaceBefore=3, spaceAfter=8),
        "item": ParagraphStyle("item", parent=base, leftIndent=12, bulletIndent=2),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10.5, spaceAfter=0, alignment=TA_LEFT),
        "cell_num": ParagraphStyle("cell_num", parent=base, fontSize=8, leading=10.5, spaceAfter=0,
                                   alignment=TA_RIGHT),
        "cell_head": ParagraphStyle("cell_head", parent=base, fontName=fonts.bold, fontSize=8, leading=10.5,
                                    spaceAfter=0, alignment=TA_CENTER),
        "toc1": ParagraphStyle("toc1", parent=base, fontSize=10.5, leading=16, leftIndent=0, firstLineIndent=0),
        "toc2": ParagraphStyle("toc2", parent=base, fontSize=10, leading=15, leftIndent=8 * mm, firstLineIndent=0),
    }


class _Heading(Paragraph):  # type: ignore[misc]  # reportlab is untyped
    """A heading paragraph: a contents entry and a bookmark once it is placed."""

    def __init__(self, text: str, style: ParagraphStyle, level: int) -> None:
        super().__init__(escape(text), style)
        self.level = level
        self.plain = text


class _Doc(BaseDocTemplate):  # type: ignore[misc]
    """Portrait and landscape A4 pages; numbered footers; headings to the contents and bookmarks."""

    def __init__(self, out: io.BytesIO, content: ReportContent, fonts: _Fonts) -> None:
        tb, lr = MARGINS_MM
        super().__init__(out, pagesize=A4, title=content.title.replace("\n", ""), subject=content.subtitle,
                         author=content.author, creator=content.author,
                         lang="zh-CN" if content.lang == "zh" else "en", leftMargin=lr * mm, rightMargin=lr * mm,
                         topMargin=tb * mm, bottomMargin=tb * mm, displayDocTitle=True,
                         initialFontName=fonts.regular)
        self.content, self.fonts, self._marks = content, fonts, 0
        pw, ph = A4
        lw, lh = landscape(A4)
        portrait = Frame(lr * mm, tb * mm, pw - 2 * lr * mm, ph - 2 * tb * mm, id="portrait")
        wide = Frame(tb * mm, lr * mm, lw - 2 * tb * mm, lh - 2 * lr * mm, id="landscape")
        self.addPageTemplates([
            PageTemplate("portrait", [portrait], onPage=self._footer, pagesize=A4),
            PageTemplate("landscape", [wide], onPage=self._footer, pagesize=landscape(A4)),
        ])

    def _footer(self, canvas: Any, doc: Any) -> None:
        label = (self.content.page_label or "{n}").replace("{n}", str(doc.page))
        width = canvas._pagesize[0]
        canvas.saveState()
        canvas.setFont(self.fonts.regular, 8.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawCentredString(width / 2, 10 * mm, label)
        canvas.restoreState()

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - reportlab's name
        if isinstance(flowable, _Heading):
            key = f"h{self._marks}"
            self._marks += 1
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.plain, key, level=flowable.level - 1, closed=False)
            self.notify("TOCEntry", (flowable.level - 1, escape(flowable.plain), self.page, key))

    def handle_documentBegin(self) -> None:  # noqa: N802 - reportlab's name
        self._marks = 0
        super().handle_documentBegin()


def _table(block: Table, styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    n = len(block.header)
    rel = block.widths if len(block.widths) == n else (1.0,) * n
    col_widths = [width * w / sum(rel) for w in rel]
    numeric = block.numeric if len(block.numeric) == n else (False,) * n
    data = [[Paragraph(escape(h), styles["cell_head"]) for h in block.header]]
    data += [[Paragraph(escape(v), styles["cell_num" if numeric[i] else "cell"]) for i, v in enumerate(row)]
             for row in block.rows]
    table = PdfTable(data, colWidths=col_widths, repeatRows=1, hAlign="CENTER")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), styles["cell"].fontName, 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#808080")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E7E6E6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    out: list[Flowable] = [Paragraph(escape(block.caption), styles["caption"]), table]
    out += [Paragraph(escape(note), styles["note"]) for note in block.notes]
    return out


class _Picture(Flowable):  # type: ignore[misc]
    """A picture from an :class:`ImageReader` (decoded once for every pass of the build), centred."""

    def __init__(self, reader: ImageReader, width: float, height: float) -> None:
        super().__init__()
        self.reader, self.width, self.height = reader, width, height
        self.hAlign = "CENTER"

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(self.reader, 0, 0, self.width, self.height)


def _image(block: Image, styles: dict[str, ParagraphStyle], width: float, height: float) -> list[Flowable]:
    with PILImage.open(io.BytesIO(block.png)) as png:
        # the map's PNG is RGBA on white: flattened once here, reportlab need not encode an alpha mask (per pass)
        rgb = png.convert("RGB") if png.mode != "RGB" else png.copy()
    reader = ImageReader(rgb)
    px_w, px_h = reader.getSize()
    w = min(block.width_mm * mm, width)
    h = w * px_h / px_w
    if h > height:
        h, w = height, height * px_w / px_h
    picture = _Picture(reader, w, h)
    return [KeepTogether([picture, Paragraph(escape(block.caption), styles["figure"])])]


def build_pdf(content: ReportContent) -> bytes:
    """The PDF of ``content``, as bytes (two passes: the contents get their page numbers)."""
    fonts = _register("".join(content.strings()))
    styles = _styles(fonts)
    out = io.BytesIO()
    doc = _Doc(out, content, fonts)
    tb, lr = MARGINS_MM
    sizes = {False: (A4[0] - 2 * lr * mm, A4[1] - 2 * tb * mm),
             True: (landscape(A4)[0] - 2 * tb * mm, landscape(A4)[1] - 2 * lr * mm)}

    title = styles["title"] if content.has_toc else styles["title_top"]
    story: list[Flowable] = [Paragraph(escape(content.title).replace("\n", "<br/>"), title)]
    if content.subtitle:
        story.append(Paragraph(escape(content.subtitle), styles["subtitle" if content.has_toc else "subtitle_top"]))
    story += [Paragraph(escape(line), styles["cover"]) for line in content.cover]
    if content.has_toc:
        story += [PageBreak(), Paragraph(escape(content.toc_title), styles["h0"])]
        toc = TableOfContents(dotsMinLevel=0, tableStyle=TableStyle([  # reportlab's own, plus a font: not Helvetica
            ("FONT", (0, 0), (-1, -1), fonts.regular, 10.5), ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]))
        toc.levelStyles = [styles["toc1"], styles["toc2"]]
        story.append(toc)
        story.append(PageBreak())

    landscape_now = False
    for section in content.sections:
        if section.landscape != landscape_now:
            story += [NextPageTemplate("landscape" if section.landscape else "portrait"), PageBreak()]
            landscape_now = section.landscape
        elif section.level == 1 and section.landscape:  # a chapter of wide tables or the map: a page of its own
            story.append(PageBreak())
        width, height = sizes[landscape_now]
        story.append(_Heading(section.title, styles[f"h{min(section.level, 2)}"], section.level))
        for block in section.blocks:
            if isinstance(block, Text):
                if block.style == "item":
                    story.append(Paragraph(escape(block.text), styles["item"], bulletText="•"))
                else:
                    story.append(Paragraph(escape(block.text), styles[block.style]))
            elif isinstance(block, Table):
                story += _table(block, styles, width)
            elif isinstance(block, Fill):
                story += [Paragraph(escape(line), styles["fill"]) for line in block.texts()]
            else:
                story += _image(block, styles, width, height - 30 * mm)
    # binary (Flate) streams, not ASCII85: reportlab's pure-Python ASCII85 of the map took 1.5 s a pass. The
    # setting is global: one build at a time (the app may build two reports at once), restored after it.
    with _BUILD:
        a85, rl_config.useA85 = rl_config.useA85, 0
        try:
            doc.multiBuild(story)
        finally:
            rl_config.useA85 = a85
    return out.getvalue()


def write_pdf(content: ReportContent, out: str | Path) -> Path:
    """Write ``content`` as a PDF (Chinese font embedded) to ``out`` (atomically; through a symlink, FIFO or device)."""
    write_output(out, build_pdf(content))
    return Path(out)


__all__ = ["build_pdf", "write_pdf"]
