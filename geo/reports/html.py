"""A report (:class:`geo.reports.model.ReportContent`) as one self-contained HTML page: :func:`build_html`.

The same content as the Word and PDF files, for a browser or a printer: no scripts, no links to fetch,
pictures inline (``data:`` PNG), tables with their captions and notes, fill-in lines to sign on paper.
"""

from __future__ import annotations

import base64
import html
from typing import Final

from geo.reports.model import Fill, Image, ReportContent, Table, Text

CSS: Final = (
    'body{font-family:"SimSun","Songti SC","Noto Serif CJK SC","Noto Sans CJK SC",serif;margin:2em auto;'
    "max-width:60em;color:#111;line-height:1.6}"
    'h1,h2,h3,caption,th{font-family:"SimHei","Heiti SC","Noto Sans CJK SC",sans-serif}'
    "h1{text-align:center;font-size:1.6em}.subtitle,.cover{text-align:center}"
    "table{border-collapse:collapse;margin:.5em auto 1em;font-size:12px;width:100%}"
    "caption{font-weight:bold;padding:.3em}td,th{border:1px solid #888;padding:2px 6px;text-align:left;"
    "vertical-align:top;white-space:pre-line}th{background:#e7e6e6;text-align:center}td.num{text-align:right}"
    ".note{font-size:.8em;color:#444}figure{text-align:center;margin:1em 0}figure img{max-width:100%}"
    "figcaption{font-weight:bold}.fill{margin:.8em 0}"
    "@media print{body{margin:0;max-width:none}tr,figure{page-break-inside:avoid}}"
)


def _table(block: Table) -> str:
    n = len(block.header)
    numeric = block.numeric if len(block.numeric) == n else (False,) * n
    head = "".join(f"<th>{html.escape(h)}</th>" for h in block.header)
    rows = "".join(
        "<tr>" + "".join(f'<td{" class=num" if numeric[i] else ""}>{html.escape(v)}</td>' for i, v in enumerate(row))
        + "</tr>" for row in block.rows
    )
    notes = "".join(f'<p class="note">{html.escape(note)}</p>' for note in block.notes)
    return (f'<table data-key="{html.escape(block.key)}"><caption>{html.escape(block.caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{notes}")


def build_html(content: ReportContent) -> str:
    """The HTML page of ``content`` (the contents, a Word field, are left out: a page scrolls)."""
    lang = "zh-CN" if content.lang == "zh" else "en"
    parts = [f"<h1>{html.escape(content.title).replace(chr(10), '<br>')}</h1>"]
    if content.subtitle:
        parts.append(f'<p class="subtitle">{html.escape(content.subtitle)}</p>')
    parts += [f'<p class="cover">{html.escape(line)}</p>' for line in content.cover]
    for section in content.sections:  # (a list item is its own <ul>; consecutive ones are joined below)
        level = min(section.level, 2) + 1
        parts.append(f"<h{level}>{html.escape(section.title)}</h{level}>")
        for block in section.blocks:
            if isinstance(block, Text):
                if block.style == "item":
                    parts.append(f"<ul><li>{html.escape(block.text)}</li></ul>")
                else:
                    parts.append(f'<p class="{block.style}">{html.escape(block.text)}</p>')
            elif isinstance(block, Table):
                parts.append(_table(block))
            elif isinstance(block, Fill):
                parts += [f'<p class="fill">{html.escape(line)}</p>' for line in block.texts()]
            elif isinstance(block, Image):
                data = base64.b64encode(block.png).decode("ascii")
                parts.append(f'<figure><img alt="{html.escape(block.caption)}" src="data:image/png;base64,{data}" '
                             f'style="width:{block.width_mm:g}mm"><figcaption>{html.escape(block.caption)}'
                             f"</figcaption></figure>")
    title = html.escape(content.title.replace("\n", ""))
    body = "\n".join(parts).replace("</li></ul>\n<ul><li>", "</li>\n<li>")
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="author" content="{html.escape(content.author)}"><style>{CSS}</style></head><body>'
            + body + "</body></html>")


__all__ = ["CSS", "build_html"]
