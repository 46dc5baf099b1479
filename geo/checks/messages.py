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

#: What one language's side of a :class:`Both` holds (a scalar, an array or a Series).
T_co = TypeVar("T_co", covariant=True)

#: An object array of Python strings, one per finding.
Strings = npt.NDArray[np.object_]

#: Per check, ``(English, Chinese)`` templates; ``{name}`` marks a field.
TEMPLATES: Final[dict[str, tuple[str, str]]] = {
    "empty": ("the geometry is empty or missing", "几何为空或缺失"),
    "not_polygon": (
        "the geometry is a {type}, not a polygon; its area cannot be checked",
        "几何类型为{type}，不是面要素，无法核查面积",
    ),
    "invalid": ("invalid geometry ({reason}{where}); make-valid repairs it to {mu} mu",
                "几何无效（{reason}{where}）；修复后面积 {mu} 亩"),
    "duplicate": ("same geometry as feature {other}", "与要素 {other} 的几何完全相同"),
    "overlap": ("overlaps feature {other} by {mu} mu", "与要素 {other} 重叠 {mu} 亩"),
    "area_mismatch": (
        "{who}{measured} mu against {allocated} mu allocated ({pct} %, tolerance {tolerance} %)",
        "{who}{measured} 亩，规划分配 {allocated} 亩（{pct}%，容差 {tolerance}%）",
    ),
    "declared_area": (
        ("the declared parcel area is {declared} {unit}; its points measure {measured} {unit}"
         " ({pct} %, tolerance {tolerance} %)"),
        "申报地块面积 {declared} {unit}，按界址点坐标计算 {measured} {unit}（{pct}%，容差 {tolerance}%）",
    ),
    "declared_area_unit": (
        "the declared parcel area {declared} matches its points ({ha} ha, {m2} m²) in none of ha, m², mu",
        "申报地块面积 {declared} 与界址点坐标计算面积（{ha} 公顷，{m2} 平方米）按公顷、平方米、亩均不相符",
    ),
    "outside_zone": ("{mu} mu lies outside {zone}", "{mu} 亩位于{zone}之外"),
    "outside_districts": (
        "{mu} mu lies outside the districts of {area}",
        "{mu} 亩位于{area}所涉行政区之外",
    ),
    "unmatched": (
        "matched to no plan project by name/id or by overlap with an indicative parcel",
        "按名称/编号或与规划示意地块的重叠均未匹配到规划项目",
    ),
    "unmatched_summary": (
        (
            "{count} parcels match no plan project by overlap with an indicative parcel "
            "(name the project id/name field to check each, or write them as a layer)"
        ),
        (
            "{count} 个地块与规划示意地块均不重叠，未匹配到规划项目"
            "（指定项目名称/编号字段可逐一核查，或将这些地块输出为图层）"
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
    0: ("Point", "点"),
    1: ("LineString", "线"),
    2: ("LinearRing", "线环"),
    4: ("MultiPoint", "多点"),
    5: ("MultiLineString", "多线"),
    7: ("GeometryCollection", "几何集合"),
}

#: GEOS's reasons for invalid geometry (``shapely.is_valid_reason``, without the place): ``(English, Chinese)``.
GEOS_REASONS: Final[dict[str, tuple[str, str]]] = {
    "Self-intersection": ("self-intersection", "自相交"),
    "Ring Self-intersection": ("ring self-intersection", "环自相交"),
    "Too few points in geometry component": ("too few points", "点数不足"),
    "Hole lies outside shell": ("hole outside its shell", "洞在壳外"),
    "Holes are nested": ("nested holes", "洞相互嵌套"),
    "Interior is disconnected": ("interior disconnected", "内部不连通"),
    "Nested shells": ("nested shells", "壳相互嵌套"),
    "Duplicate Rings": ("duplicate rings", "环重复"),
    "Invalid Coordinate": ("invalid coordinate", "坐标无效"),
    "Ring is not closed": ("ring not closed", "环未闭合"),
    "Repeated Point": ("repeated point", "重复点"),
    "Topology Validation Error": ("topology error", "拓扑错误"),
}
#: A reason GEOS gives that :data:`GEOS_REASONS` does not know (its text is in ``detail``).
OTHER_REASON: Final = ("another reason (see detail)", "其他原因（见详情）")
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


def plan_area() -> Both[str]:
    """How the plan in use names its area (``geo:plan.area``), else ``the plan's area`` / ``规划范围``."""
    from geo.plan.current import plan_meta

    area = plan_meta().get("area") or {}
    return Both(str(area.get("en") or "the plan's area"), str(area.get("zh") or "规划范围"))


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
    n = _strings(c, len(c))
    return Both(
        np.where(several, n + " parcels together measure ", "measures "),
        np.where(several, "同一项目的 " + n + " 个地块合计实测 ", "实测 "),
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
    where_en = np.where(has, " at " + at.to_numpy(dtype=object), "")
    where_zh = np.where(has, "，位置 " + at.to_numpy(dtype=object), "")
    return (Both(known.map(lambda t: t[0]).to_numpy(dtype=object), known.map(lambda t: t[1]).to_numpy(dtype=object)),
            Both(where_en, where_zh))


def messages_in(findings: pd.DataFrame, *, lang: str) -> pd.Series[str]:
    """The findings' messages in ``lang`` (``"zh"`` or ``"en"``); Chinese falls back to English when missing."""
    if lang != "zh" or "message_zh" not in findings.columns:
        return findings["message"]
    return findings["message_zh"].fillna(findings["message"])
