"""A reader's warnings in the page's language.

The readers (``geo.io``) write their warnings in English for the command line,
with the file's own Chinese column names in them; the pages show the ones a
planner meets often in the chosen language. A warning not known here is shown
as written.
"""

from __future__ import annotations

import re
from typing import Final

from ui.i18n import t

#: (pattern of the reader's English warning, label key of its words).
KNOWN: Final = (
    (re.compile(r"(?P<src>.*?): 地块面积 read as (?P<zh>\S+) \((?P<en>[^)]*)\): it agrees with the area of the "
                r"points \(planar, (?P<crs>[^)]*)\) to a median (?P<err>\S+%)"), "rw_area_unit"),
    (re.compile(r"(?P<src>.*?): 地块面积 agrees with the area of the points in none of 公顷, 平方米, 亩 "
                r"\(best median difference (?P<err>\S+%)\); the check reports each parcel"), "rw_area_none"),
    (re.compile(r"(?P<src>.*?): 地块面积 is empty or not a number for parcel\(s\) (?P<ids>[\d, ]+?)"
                r"(?: and (?P<more>\d+) more)?; not compared"), "rw_area_empty"),
)


def warning(text: str) -> str:
    """``text`` in the chosen language when it is a warning known here, else as written."""
    for pattern, key in KNOWN:
        found = pattern.fullmatch(text)
        if found:
            fields = {k: v or "" for k, v in found.groupdict().items()}
            if key == "rw_area_empty":
                fields["more"] = t("rw_more", n=fields["more"]) if fields["more"] else ""
            return t(key, **fields)
    return text
