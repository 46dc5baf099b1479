"""The machinery of the formal reports (the 监测评估 report, the 地块核查报告): one model, three writers.

- :mod:`geo.reports.model`: :class:`ReportContent` — title, subtitle, cover lines, optional contents,
  sections of :class:`Text`, :class:`Table`, :class:`Image` and :class:`Fill` (lines to fill in and sign);
- :mod:`geo.reports.docx`: Word (python-docx; 宋体/黑体 set as East Asian fonts on every style);
- :mod:`geo.reports.pdf`: PDF (reportlab; the Chinese font subset embedded, text searchable);
- :mod:`geo.reports.html`: one self-contained HTML page (no scripts, the pictures inline).

:func:`report_bytes` / :func:`write_report` pick the writer by format (``docx``, ``pdf``, ``html``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from geo.atomic import write_output
from geo.errors import UsageError, said
from geo.reports.model import BLANK, Block, Fill, Image, ReportContent, Section, Table, Text

#: The formats a report is written in, by suffix.
FORMATS: Final = ("docx", "pdf", "html")


def report_bytes(content: ReportContent, fmt: str) -> bytes:
    """The file of ``content`` as bytes in ``fmt`` (``docx``, ``pdf`` or ``html``)."""
    if fmt == "docx":
        from geo.reports.docx import build_docx

        return build_docx(content)
    if fmt == "pdf":
        from geo.reports.pdf import build_pdf

        return build_pdf(content)
    if fmt == "html":
        from geo.reports.html import build_html

        return build_html(content).encode("utf-8")
    raise UsageError(said("err.report.unknown_format", fmt=fmt), source="format", fix=said("err.report.format_fix"))


def report_format(out: str | Path, fmt: str | None = None, *, source: str = "--report") -> str:
    """``docx``, ``pdf`` or ``html``: ``fmt`` if given, else the suffix of ``out`` (``.htm`` is html)."""
    if fmt:
        if fmt not in FORMATS:
            raise UsageError(said("err.report.unknown_format", fmt=fmt), source=source,
                             fix=said("err.report.format_fix"))
        return fmt
    suffix = Path(str(out)).suffix.lower().lstrip(".")
    suffix = "html" if suffix == "htm" else suffix
    if suffix not in FORMATS:
        raise UsageError(said("err.report.no_format", out=str(out)), source=source,
                         fix=said("err.report.no_format_fix"))
    return suffix


def write_report(content: ReportContent, out: str | Path, fmt: str | None = None) -> Path:
    """Write ``content`` to ``out`` in the format of its suffix (or ``fmt``), atomically."""
    write_output(out, report_bytes(content, report_format(out, fmt)))
    return Path(out)


__all__ = [
    "BLANK", "FORMATS", "Block", "Fill", "Image", "ReportContent", "Section", "Table", "Text", "report_bytes",
    "report_format", "write_report",
]
