"""A report (:class:`geo.reports.model.ReportContent`) as a Word document (python-docx): :func:`write_docx`.

The one Word writer of the formal reports (the 监测评估 report, the 地块核查报告).
Made for an office to edit and hand in:

- **Fonts**: every style names its East Asian font (``w:eastAsia`` on ``w:rFonts``):
  宋体 (SimSun) for the text and tables, 黑体 (SimHei) for the title and
  headings, Times New Roman for Latin letters and digits — fonts every Chinese
  Windows and Office has (Word and WPS substitute their own CJK font where they
  are missing). The theme fonts of python-docx's template (which would win over
  the named ones) are removed; the East Asian language is zh-CN.
- **目录**: a real ``TOC`` field over heading levels 1–2, marked dirty and with
  ``updateFields`` set, so Word fills it (with page numbers) when the file is
  opened — it asks first — or on 更新域 / F9; a note under it says so.
- **Tables** in 表N captions, with the header row repeated on every page,
  numbers right-aligned, fixed column widths; wide tables and the map on
  landscape pages (a section of their own); page numbers in the footer.
- **Fill-in lines** (:class:`~geo.reports.model.Fill`): ``审核人：____`` to sign by hand.
- A report without contents (``toc_title`` empty) starts its sections on the title page.

The file is written through :func:`geo.atomic.write_output` (atomic; a symlink,
FIFO or device is written through, never replaced).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Final

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from lxml import etree

from geo.atomic import write_output
from geo.reports.model import Fill, Image, ReportContent, Section, Table, Text

#: (Latin, East Asian) font of the text and of the headings.
BODY_FONT: Final = ("Times New Roman", "宋体")
HEADING_FONT: Final = ("Times New Roman", "黑体")
#: A4 in mm, and the margins (top/bottom, left/right).
PAGE_MM: Final = (210.0, 297.0)
MARGINS_MM: Final = (25.0, 22.0)
_BLACK: Final = RGBColor(0, 0, 0)
_THEME_ATTRS: Final = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _set_fonts(rpr: etree._Element, latin: str, east_asian: str) -> None:
    """Name the fonts of a run property element (``w:rPr``): Latin, East Asian; theme fonts removed."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in _THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")


def _style(doc: DocumentObject, name: str, *, size: float, fonts: tuple[str, str], bold: bool | None = None,
           align: WD_ALIGN_PARAGRAPH | None = None, before: float | None = None, after: float | None = None,
           base: str | None = None) -> ParagraphStyle:
    styles = doc.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, 1)  # WD_STYLE_TYPE.PARAGRAPH
        style.base_style = styles[base or "Normal"]
    assert isinstance(style, ParagraphStyle)
    style.font.size = Pt(size)
    style.font.color.rgb = _BLACK
    if bold is not None:
        style.font.bold = bold
    _set_fonts(style.element.get_or_add_rPr(), *fonts)
    fmt = style.paragraph_format
    if align is not None:
        fmt.alignment = align
    if before is not None:
        fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)
    return style


def _setup(doc: DocumentObject, content: ReportContent) -> None:
    """Fonts, sizes and languages of the styles; settings (update fields on open, zh-CN)."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is not None:
            _set_fonts(rpr, *BODY_FONT)
            lang = rpr.find(qn("w:lang"))
            if lang is not None:
                lang.set(qn("w:val"), "zh-CN" if content.lang == "zh" else "en-US")
                lang.set(qn("w:eastAsia"), "zh-CN")
    normal = _style(doc, "Normal", size=12, fonts=BODY_FONT, after=6)
    normal.paragraph_format.line_spacing = 1.25
    _style(doc, "Title", size=22, fonts=HEADING_FONT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=72,
           after=18)
    title_ppr = doc.styles["Title"].element.pPr
    if title_ppr is not None:  # the template's blue rule under the title
        border = title_ppr.find(qn("w:pBdr"))
        if border is not None:
            title_ppr.remove(border)
    _style(doc, "Subtitle", size=16, fonts=HEADING_FONT, align=WD_ALIGN_PARAGRAPH.CENTER, after=36)
    doc.styles["Subtitle"].font.italic = False
    _style(doc, "Heading 1", size=16, fonts=HEADING_FONT, bold=False, before=18, after=10)
    _style(doc, "Heading 2", size=14, fonts=HEADING_FONT, bold=False, before=12, after=6)
    _style(doc, "TOC Heading", size=16, fonts=HEADING_FONT, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    _style(doc, "Caption", size=10.5, fonts=HEADING_FONT, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER, before=6,
           after=4)
    _style(doc, "List Bullet", size=12, fonts=BODY_FONT)
    _style(doc, "Report Cover", size=12, fonts=BODY_FONT, align=WD_ALIGN_PARAGRAPH.CENTER, after=4)
    _style(doc, "Report Note", size=9, fonts=BODY_FONT, after=8).paragraph_format.line_spacing = 1.0
    cell = _style(doc, "Report Table", size=9, fonts=BODY_FONT, before=0, after=0)
    cell.paragraph_format.line_spacing = 1.0
    _style(doc, "Report Table Head", size=9, fonts=HEADING_FONT, bold=False, before=0, after=0,
           align=WD_ALIGN_PARAGRAPH.CENTER, base="Report Table")
    for level in (1, 2):  # the TOC's own entries (Word creates them on update when missing)
        _style(doc, f"TOC {level}", size=12, fonts=BODY_FONT, after=2).paragraph_format.left_indent = Mm(
            7 * (level - 1))

    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    compat = settings.find(qn("w:compat"))
    if compat is not None:
        compat.addprevious(update)
    else:
        settings.append(update)
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")
    props = doc.core_properties
    props.title = content.title.replace("\n", "")
    props.subject = content.subtitle
    props.author = content.author
    props.language = "zh-CN" if content.lang == "zh" else "en-US"


def _page(section: object, landscape: bool) -> None:
    """Set an A4 section's orientation and margins."""
    w, h = PAGE_MM
    tb, lr = MARGINS_MM
    sec = section  # docx.section.Section
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT  # type: ignore[attr-defined]
    sec.page_width, sec.page_height = (Mm(h), Mm(w)) if landscape else (Mm(w), Mm(h))  # type: ignore[attr-defined]
    sec.top_margin = sec.bottom_margin = Mm(tb if not landscape else lr)  # type: ignore[attr-defined]
    sec.left_margin = sec.right_margin = Mm(lr if not landscape else tb)  # type: ignore[attr-defined]


def _text_width_mm(landscape: bool) -> float:
    w, h = PAGE_MM
    tb, lr = MARGINS_MM
    return (h - 2 * tb) if landscape else (w - 2 * lr)


def _field(paragraph: Paragraph, instruction: str, placeholder: str, *, dirty: bool = False) -> None:
    """A Word field (``TOC …``, ``PAGE``) in ``paragraph``, showing ``placeholder`` until Word updates it."""
    def fld(kind: str) -> etree._Element:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        if kind == "begin" and dirty:
            el.set(qn("w:dirty"), "true")
        return el

    paragraph.add_run()._r.append(fld("begin"))
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    paragraph.add_run()._r.append(fld("separate"))
    paragraph.add_run(placeholder)
    paragraph.add_run()._r.append(fld("end"))


def _footer(section: object, label: str) -> None:
    """``第 {n} 页`` centred in the footer, ``{n}`` a PAGE field."""
    footer = section.footer  # type: ignore[attr-defined]
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, _, after = label.partition("{n}")
    if before:
        paragraph.add_run(before)
    _field(paragraph, "PAGE", "1")
    if after:
        paragraph.add_run(after)


def _repeat_header(row: object) -> None:
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _shade(cell: object, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _table(doc: DocumentObject, table: Table, width_mm: float) -> None:
    doc.add_paragraph(table.caption, style="Caption").paragraph_format.keep_with_next = True
    n = len(table.header)
    rel = table.widths if len(table.widths) == n else (1.0,) * n
    widths = [Mm(width_mm * w / sum(rel)) for w in rel]
    numeric = table.numeric if len(table.numeric) == n else (False,) * n
    head_id, cell_id = doc.styles["Report Table Head"].style_id, doc.styles["Report Table"].style_id
    out = doc.add_table(rows=1 + len(table.rows), cols=n)
    out.style = doc.styles["Table Grid"]
    out.alignment = WD_TABLE_ALIGNMENT.CENTER
    out.autofit = False
    for i, column in enumerate(out.columns):  # the grid, which Word's fixed layout follows, and each cell below
        column.width = widths[i]
    for r, row in enumerate(out.rows):
        if r == 0:
            _repeat_header(row)
        values = table.header if r == 0 else table.rows[r - 1]
        for i, cell in enumerate(row.cells):
            cell.width = widths[i]
            paragraph = cell.paragraphs[0]
            paragraph._p.style = head_id if r == 0 else cell_id  # by id: Paragraph.style looks the style up each time
            if r == 0:
                _shade(cell, "E7E6E6")
            elif numeric[i]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.add_run(values[i])
    for note in table.notes:
        doc.add_paragraph(note, style="Report Note")


def build_docx(content: ReportContent) -> bytes:
    """The ``.docx`` file of ``content``, as bytes."""
    doc = Document()
    _setup(doc, content)
    first = doc.sections[0]
    _page(first, False)
    _footer(first, content.page_label or "{n}")

    title = doc.add_paragraph(content.title, style="Title")
    if not content.has_toc:  # a short report: no cover page, the title at the top of the first page
        title.paragraph_format.space_before = Pt(0)
    if content.subtitle:
        doc.add_paragraph(content.subtitle, style="Subtitle")
    for line in content.cover:
        doc.add_paragraph(line, style="Report Cover")
    if content.has_toc:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        doc.add_paragraph(content.toc_title, style="TOC Heading")
        _field(doc.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u', content.toc_placeholder or content.toc_title,
               dirty=True)
        doc.add_paragraph(content.toc_note, style="Report Note")

    landscape = False
    start = content.has_toc  # the first chapter starts on a new page after the contents
    for section in content.sections:
        if section.landscape != landscape:
            new = doc.add_section(WD_SECTION.NEW_PAGE)
            _page(new, section.landscape)
            landscape = section.landscape
        elif start or (section.level == 1 and section.landscape):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        start = False
        _section(doc, section, _text_width_mm(landscape))

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _section(doc: DocumentObject, section: Section, width_mm: float) -> None:
    doc.add_heading(section.title, level=section.level)
    for block in section.blocks:
        if isinstance(block, Text):
            style = {"body": "Normal", "note": "Report Note", "item": "List Bullet"}[block.style]
            doc.add_paragraph(block.text, style=style)
        elif isinstance(block, Table):
            _table(doc, block, width_mm)
        elif isinstance(block, Fill):
            for line in block.texts():
                doc.add_paragraph(line, style="Normal").paragraph_format.space_before = Pt(6)
        elif isinstance(block, Image):
            doc.add_picture(io.BytesIO(block.png), width=Mm(min(block.width_mm, width_mm)))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            doc.add_paragraph(block.caption, style="Caption")


def write_docx(content: ReportContent, out: str | Path) -> Path:
    """Write ``content`` as a Word document to ``out`` (atomically; through a symlink, FIFO or device)."""
    write_output(out, build_docx(content))
    return Path(out)


__all__ = ["BODY_FONT", "HEADING_FONT", "build_docx", "write_docx"]
