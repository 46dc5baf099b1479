"""The texts of the parcel check's findings, in English and in Chinese.

A finding's ``message`` (English) and ``message_zh`` (Chinese) are filled from
one pair of templates per check (:data:`TEMPLATES`), on whole arrays: each
``{field}`` of a template is replaced by an array of strings (one per finding)
with vectorised string concatenation, never a Python loop over findings, so
100k findings cost milliseconds. A field is either the same in both languages
(feature numbers, GEOS's reason text, a field name) or a :class:`Both` pair,
as numbers are written the way each language's readers expect: the English
text keeps the figures it has always shown (``700.0 mu``), the Chinese one is
written the way a planning office writes it (``700 亩``; small areas to three
decimals, ``0.120 亩``).
"""

from __future__ import annotations

import string
from typing import Final, NamedTuple

import numpy as np
import pandas as pd

#: Per check, ``(English, Chinese)`` templates; ``{name}`` marks a field.
TEMPLATES: Final[dict[str, tuple[str, str]]] = {
    "empty": ("the geometry is empty or missing", "几何为空或缺失"),
    "not_polygon": (
        "the geometry is a {type}, not a polygon; its area cannot be checked",
        "几何类型为{type}，不是面要素，无法核查面积",
    ),
    "invalid": ("{reason}; make-valid repairs it to {mu} mu", "几何无效：{reason}；修复后面积 {mu} 亩"),
    "duplicate": ("same geometry as feature {other}", "与要素 {other} 的几何完全相同"),
    "overlap": ("overlaps feature {other} by {mu} mu", "与要素 {other} 重叠 {mu} 亩"),
    "area_mismatch": (
        "{who}{measured} mu against {allocated} mu allocated ({pct} %, tolerance {tolerance} %)",
        "{who}{measured} 亩，规划分配 {allocated} 亩（{pct}%，容差 {tolerance}%）",
    ),
    "outside_zone": ("{mu} mu lies outside zone {zone}", "{mu} 亩位于片区“{zone}”之外"),
    "outside_districts": (
        "{mu} mu lies outside the districts of the High-tech Zone",
        "{mu} 亩位于高新区所涉行政区之外",
    ),
    "unmatched": (
        "matched to no plan project by name/id or by overlap with an indicative parcel",
        "按名称/编号或与规划示意地块的重叠均未匹配到规划项目",
    ),
    "unmatched_summary": (
        (
            "{count} parcels match no plan project by overlap with an indicative parcel "
            "(name the project id/name field to check each; --list-unmatched writes them as a layer)"
        ),
        (
            "{count} 个地块与规划示意地块均不重叠，未匹配到规划项目"
            "（指定项目名称/编号字段可逐一核查；--list-unmatched 输出这些地块）"
        ),
    ),
    "missing_attribute": ("the field {field} is empty", "字段“{field}”为空"),
    "multipart": ("the parcel has {parts} separate parts", "地块由 {parts} 个互不相连的部分组成"),
    "sliver": (
        "area {mu} mu, compactness {compactness} (sliver below {limit_mu} mu or compactness {limit_compactness})",
        "面积 {mu} 亩，紧凑度 {compactness}（细碎图斑：面积小于 {limit_mu} 亩或紧凑度低于 {limit_compactness}）",
    ),
    "area_unknown": (
        "{who}{measured} mu; the plan states no allocation (——)",
        "{who}{measured} 亩；规划未列该项目面积（——）",
    ),
}

#: Geometry types that are not polygons, by Shapely type id: ``(English, Chinese)``.
TYPE_NAMES: Final[dict[int, tuple[str, str]]] = {
    0: ("Point", "点（Point）"),
    1: ("LineString", "线（LineString）"),
    2: ("LinearRing", "线环（LinearRing）"),
    4: ("MultiPoint", "多点（MultiPoint）"),
    5: ("MultiLineString", "多线（MultiLineString）"),
    7: ("GeometryCollection", "几何集合（GeometryCollection）"),
}


class Both(NamedTuple):
    """A field written differently in English and in Chinese (arrays of strings or scalars)."""

    en: object
    zh: object


def _strings(values: object, n: int) -> np.ndarray:
    """``values`` (a scalar or ``n`` values) as an object array of ``n`` Python strings."""
    if np.ndim(values) == 0:
        return np.full(n, str(values), dtype=object)
    return pd.Series(np.asarray(values)).astype(str).to_numpy(dtype=object)


def _fill(template: str, n: int, fields: dict[str, object]) -> np.ndarray:
    """``template`` with each ``{field}`` replaced by ``fields[field]``, for ``n`` findings at once."""
    out = np.full(n, "", dtype=object)
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        out = out + literal if literal else out
        if name is not None:
            out = out + _strings(fields[name], n)
    return out


def texts(check: str, n: int, **fields: object) -> Both:
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


def _rounded(values: object, digits: int) -> pd.Series:
    return pd.Series(np.round(np.asarray(values, dtype=float), digits)).astype(str)


def amount(values: object, *, digits: int = 2) -> Both:
    """Areas, counts and percentages: ``700.0``/``771.75`` in English, ``700``/``771.75`` in Chinese."""
    en = _rounded(values, digits)
    return Both(en, en.str.removesuffix(".0"))


def small_area(values: object) -> Both:
    """Small areas in mu (overlaps, parts outside): ``0.12`` in English, ``0.120`` in Chinese."""
    v = np.asarray(values, dtype=float)
    return Both(_rounded(v, 3), pd.Series(np.char.mod("%.3f", v), dtype=object))


def signed_pct(values: object) -> Both:
    """Percentages with an explicit ``+`` on increases: ``+10.25``, ``-50.0`` (Chinese ``-50``)."""
    v = np.asarray(values, dtype=float)
    sign = np.where(v > 0, "+", "").astype(object)
    en, zh = amount(v)
    return Both(sign + en.to_numpy(dtype=object), sign + zh.to_numpy(dtype=object))


def parcels_measure(count: object) -> Both:
    """The subject of an area finding: one parcel, or ``n`` parcels of a project together."""
    c = np.asarray(count)
    several = c > 1
    n = _strings(c, len(c))
    return Both(
        np.where(several, n + " parcels together measure ", "measures "),
        np.where(several, "同一项目的 " + n + " 个地块合计实测 ", "实测 "),
    )


def type_names(type_ids: object) -> Both:
    """Names of non-polygon geometry types, from Shapely type ids."""
    ids = pd.Series(np.asarray(type_ids))
    return Both(ids.map({k: v[0] for k, v in TYPE_NAMES.items()}), ids.map({k: v[1] for k, v in TYPE_NAMES.items()}))


def messages_in(findings: pd.DataFrame, *, lang: str) -> pd.Series:
    """The findings' messages in ``lang`` (``"zh"`` or ``"en"``); Chinese falls back to English when missing."""
    if lang != "zh" or "message_zh" not in findings.columns:
        return findings["message"]
    return findings["message_zh"].fillna(findings["message"])
