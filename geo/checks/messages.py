"""The texts of the parcel check's findings, in English and in Chinese.

A finding's ``message`` (English) and ``message_zh`` (Chinese) are filled from
one pair of templates per check (:data:`TEMPLATES`), on whole arrays: each
``{field}`` of a template is replaced by an array of strings (one per finding)
with vectorised string concatenation, never a Python loop over findings, so
100k findings cost milliseconds. A field is either the same in both languages
(feature numbers, a field name) or a :class:`Both` pair,
as numbers are written the way each language's readers expect: the English
text keeps the figures it has always shown (``700.0 mu``), the Chinese one is
written the way a planning office writes it (``700 亩``; small areas to three
decimals, ``0.120 亩``). GEOS's reasons for invalid geometry are translated
(:data:`GEOS_REASONS`: 自相交, 环自相交, 点数不足, 洞在壳外 …) with their place in
lon/lat; GEOS's own text is kept in the finding's ``detail``. No message carries
an internal id: a zone is named by its name in each language.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from typing import Any, Final, Generic, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.i18n import catalogue, pair, plan_values, t
from geo.i18n import fields as placeholders

#: What one language's side of a :class:`Both` holds (a scalar, an array or a Series).
T_co = TypeVar("T_co", covariant=True)

#: An object array of Python strings, one per finding.
Strings = npt.NDArray[np.object_]

#: The checks' messages, ``checkmsg.<key>`` in the catalogue; ``{name}`` in a message marks a field.
KEYS: Final = ("empty", "not_polygon", "invalid", "duplicate", "overlap", "area_mismatch", "declared_area",
               "declared_area_unit", "outside_zone", "outside_districts", "unmatched", "unmatched_summary",
               "missing_attribute", "multipart", "sliver", "area_unknown")


def template(key: str, lang: str) -> str:
    """The message ``checkmsg.<key>`` (or a catalogue ``key`` with a dot) in ``lang`` with its ``{fields}`` kept,
    to be filled by :func:`_fill`."""
    name = key if "." in key else f"checkmsg.{key}"
    return t(name, lang, **{field: "{" + field + "}" for field in placeholders(catalogue(lang)[name])})


def _en_zh(key: str) -> tuple[str, str]:
    """The message ``key`` as ``(English, Chinese)``, the order of this module's tables."""
    zh, en = pair(key)
    return en, zh


#: Per check, ``(English, Chinese)`` templates (:func:`template`).
TEMPLATES: Final[dict[str, tuple[str, str]]] = {key: (template(key, "en"), template(key, "zh")) for key in KEYS}

#: Geometry types that are not polygons, by Shapely type id: ``(English, Chinese)`` (``checkmsg.type.<name>``).
TYPE_NAMES: Final[dict[int, tuple[str, str]]] = {
    i: _en_zh(f"checkmsg.type.{name}")
    for i, name in ((0, "point"), (1, "line"), (2, "ring"), (4, "multipoint"), (5, "multiline"), (7, "collection"))
}

#: GEOS's reasons for invalid geometry (``shapely.is_valid_reason``, without the place): their message key.
GEOS_KEYS: Final[dict[str, str]] = {
    "Self-intersection": "self_intersection",
    "Ring Self-intersection": "ring_self_intersection",
    "Too few points in geometry component": "too_few_points",
    "Hole lies outside shell": "hole_outside_shell",
    "Holes are nested": "nested_holes",
    "Interior is disconnected": "disconnected_interior",
    "Nested shells": "nested_shells",
    "Duplicate Rings": "duplicate_rings",
    "Invalid Coordinate": "invalid_coordinate",
    "Ring is not closed": "ring_not_closed",
    "Repeated Point": "repeated_point",
    "Topology Validation Error": "topology_error",
}
#: GEOS's reasons in words: ``(English, Chinese)`` (``checkmsg.geos.<key>``).
GEOS_REASONS: Final[dict[str, tuple[str, str]]] = {
    reason: _en_zh(f"checkmsg.geos.{key}") for reason, key in GEOS_KEYS.items()
}
#: A reason GEOS gives that :data:`GEOS_REASONS` does not know (its text is in ``detail``).
OTHER_REASON: Final = _en_zh("checkmsg.geos.other")
_PLACE = re.compile(r"^(?P<reason>[^\[]*?)\s*(?:\[(?P<x>[-+0-9.eE]+|nan)\s+(?P<y>[-+0-9.eE]+|nan)[^\]]*\])?\s*$")


class Both(NamedTuple, Generic[T_co]):
    """A field written differently in English and in Chinese (arrays of strings or scalars)."""

    en: T_co
    zh: T_co


def _strings(values: npt.ArrayLike, n: int) -> Strings:
    """``values`` (a scalar or ``n`` values) as an object array of ``n`` Python strings."""
    if np.ndim(np.asarray(values, dtype=object)) == 0:
        return np.full(n, str(values), dtype=object)
    return pd.Series(np.asarray(values)).astype(str).to_numpy(dtype=object)


def _fill(template: str, n: int, fields: Mapping[str, npt.ArrayLike]) -> Strings:
    """``template`` with each ``{field}`` replaced by ``fields[field]``, for ``n`` findings at once."""
    out = np.full(n, "", dtype=object)
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        out = out + literal if literal else out
        if name is not None:
            out = out + _strings(fields[name], n)
    return out


def fill_template(key: str, lang: str, n: int, fields: Mapping[str, npt.ArrayLike]) -> Strings:
    """The message ``checkmsg.<key>`` (or any catalogue ``key`` with a dot) in ``lang`` for ``n`` values at once."""
    return _fill(template(key, lang), n, fields)


def where_pattern(lang: str) -> re.Pattern[str]:
    """The place :func:`geos_reasons` writes into a message (``，位置 <lon>, <lat>``), to find and replace it."""
    return re.compile(re.escape(template("where", lang)).replace(re.escape("{place}"), "[-0-9.]+, [-0-9.]+"))


def plan_area() -> Both[str]:
    """How the plan in use names its area (``geo:plan.area``), else the catalogue's ``plan_area_default``."""
    return Both(plan_values("en")["area"], plan_values("zh")["area"])


def texts(check: str, n: int, **fields: npt.ArrayLike | Both[npt.ArrayLike]) -> Both[Strings]:
    """The English and Chinese messages of ``n`` findings of ``check``.

    Parameters
    ----------
    check
        A key of :data:`TEMPLATES`.
    n
        Number of findings.
    **fields
        One value per ``{field}`` of the templates: a scalar, ``n`` values, or a
        :class:`Both` of those when the languages differ.

    Returns
    -------
    Both
        Object arrays of ``n`` strings: ``en`` for ``message``, ``zh`` for ``message_zh``.
    """
    en, zh = TEMPLATES[check]
    return Both(
        _fill(en, n, {k: v.en if isinstance(v, Both) else v for k, v in fields.items()}),
        _fill(zh, n, {k: v.zh if isinstance(v, Both) else v for k, v in fields.items()}),
    )


def _rounded(values: npt.ArrayLike, digits: int) -> pd.Series[str]:
    return pd.Series(np.round(np.asarray(values, dtype=float), digits)).astype(str)


def amount(values: npt.ArrayLike, *, digits: int = 2) -> Both[pd.Series[str]]:
    """Areas, counts and percentages: ``700.0``/``771.75`` in English, ``700``/``771.75`` in Chinese."""
    en = _rounded(values, digits)
    return Both(en, en.str.removesuffix(".0"))


def small_area(values: npt.ArrayLike) -> Both[pd.Series[str]]:
    """Small areas in mu (overlaps, parts outside): ``0.12`` in English, ``0.120`` in Chinese."""
    v = np.asarray(values, dtype=float)
    return Both(_rounded(v, 3), pd.Series(np.char.mod("%.3f", v), dtype=object))


def signed_pct(values: npt.ArrayLike) -> Both[Strings]:
    """Percentages with an explicit ``+`` on increases: ``+10.25``, ``-50.0`` (Chinese ``-50``)."""
    v = np.asarray(values, dtype=float)
    sign = np.where(v > 0, "+", "").astype(object)
    en, zh = amount(v)
    return Both(sign + np.asarray(en, dtype=object), sign + np.asarray(zh, dtype=object))


def parcels_measure(count: npt.ArrayLike) -> Both[Strings]:
    """The subject of an area finding: one parcel, or ``n`` parcels of a project together."""
    c = np.asarray(count)
    several = c > 1
    count_of = {"n": c}
    return Both(
        np.where(several, fill_template("who_several", "en", len(c), count_of), template("who_one", "en")),
        np.where(several, fill_template("who_several", "zh", len(c), count_of), template("who_one", "zh")),
    )


def type_names(type_ids: npt.ArrayLike) -> Both[pd.Series[str]]:
    """Names of non-polygon geometry types, from Shapely type ids."""
    ids = pd.Series(np.asarray(type_ids))
    return Both(ids.map({k: v[0] for k, v in TYPE_NAMES.items()}), ids.map({k: v[1] for k, v in TYPE_NAMES.items()}))


def geos_reasons(reasons: object, to_lonlat: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
                 ) -> tuple[Both[Any], Both[Any]]:
    """GEOS's reasons (``Self-intersection[x y]``) as translated words and their place in lon/lat.

    Parameters
    ----------
    reasons
        ``shapely.is_valid_reason`` strings, one per invalid geometry.
    to_lonlat
        Turns the reasons' x, y (in the CRS the geometry was tested in) into lon, lat.

    Returns
    -------
    (reason, where)
        ``reason``: ``self-intersection`` / ``自相交``; ``where``: `` at <lon>, <lat>`` /
        ``，位置 <lon>, <lat>`` (empty where GEOS gives no place).
    """
    raw = pd.Series(np.asarray(reasons, dtype=object)).astype(str)
    parts = raw.str.extract(_PLACE)
    known = parts["reason"].map(lambda r: GEOS_REASONS.get(str(r).strip(), OTHER_REASON))
    x = pd.to_numeric(parts["x"], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(parts["y"], errors="coerce").to_numpy(dtype=float)
    has = np.isfinite(x) & np.isfinite(y)
    lon, lat = np.full(len(x), np.nan), np.full(len(x), np.nan)
    if has.any():
        lon[has], lat[has] = to_lonlat(x[has], y[has])
    at = pd.Series(np.char.mod("%.5f, ", lon), dtype=object) + pd.Series(np.char.mod("%.5f", lat), dtype=object)
    place = {"place": at.to_numpy(dtype=object)}
    where_en = np.where(has, fill_template("where", "en", len(at), place), "")
    where_zh = np.where(has, fill_template("where", "zh", len(at), place), "")
    return (Both(known.map(lambda w: w[0]).to_numpy(dtype=object), known.map(lambda w: w[1]).to_numpy(dtype=object)),
            Both(where_en, where_zh))


def messages_in(findings: pd.DataFrame, *, lang: str) -> pd.Series[str]:
    """The findings' messages in ``lang`` (``"zh"`` or ``"en"``); Chinese falls back to English when missing."""
    if lang != "zh" or "message_zh" not in findings.columns:
        return findings["message"]
    return findings["message_zh"].fillna(findings["message"])
