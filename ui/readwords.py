"""A reader's warnings in the page's language.

The readers (``geo.io``) write their warnings in English for the command line,
with the file's own Chinese column names in them; the pages show the ones a
planner meets often in the chosen language. A warning not known here is shown
as written. Each is recognised by its English message in the catalogue, read
back into its values.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from typing import Final

from geo import i18n
from geo.io.zbtxt import MESSAGES_LANG
from ui.i18n import lang, t

#: (key of the reader's English warning, label key of its words in the page's language).
KNOWN: Final = (
    ("zbtxt.area_unit", "rw_area_unit"),
    ("zbtxt.area_none", "rw_area_none"),
    ("zbtxt.area_empty", "rw_area_empty"),
)
#: What each value of a warning may be, as a pattern (a value not named here: anything, as little as possible);
#: ``more`` is the optional " and N more" after the first few parcels.
_VALUES: Final = {"zh": r"\S+", "en": r"[^)]*", "crs": r"[^)]*", "err": r"\S+%", "ids": r"[\d, ]+?", "n": r"\d+"}


def _regex(text: str, names: dict[str, str]) -> str:
    """``text`` as a regular expression: its literal parts escaped, each ``{field}`` a named group."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(text):
        parts.append(re.escape(literal))
        if name == "more":
            parts.append(f"(?:{_regex(i18n.catalogue(MESSAGES_LANG)['zbtxt.area_more'], {'n': 'more'})})?")
        elif name:
            parts.append(f"(?P<{names.get(name, name)}>{_VALUES.get(name, '.*?')})")
    return "".join(parts)


@lru_cache(maxsize=len(KNOWN))
def _pattern(key: str) -> re.Pattern[str]:
    """The reader's message ``key`` as a pattern that gives back its values (``source`` as ``src``)."""
    return re.compile(_regex(i18n.catalogue(MESSAGES_LANG)[key], {"source": "src"}))


def warning(text: str) -> str:
    """``text`` in the chosen language when it is a warning known here, else as written."""
    for reader_key, key in KNOWN:
        found = _pattern(reader_key).fullmatch(text)
        if found:
            fields = {k: v or "" for k, v in found.groupdict().items()}
            if key == "rw_area_unit":
                fields["unit"] = fields.pop("zh") if lang() == "zh" else fields.pop("en")
            if key == "rw_area_empty":
                fields["more"] = t("rw_more", n=fields["more"]) if fields["more"] else ""
            return t(key, **fields)
    return text
