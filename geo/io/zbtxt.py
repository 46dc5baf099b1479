"""部标坐标txt: the land bureau's boundary-point exchange text, its layout and its reader.

Land bureaus (国土/自然资源局) exchange parcel boundaries as plain text in the
layout of the ministry's *勘测定界界址点坐标交换格式* ("部标"):

.. code-block:: text

    [属性描述]
    格式版本号=1.01版本
    数据产生单位=…
    数据产生日期=2024-05-20
    坐标系=2000国家大地坐标系
    几度分带=3
    投影类型=高斯克吕格
    计量单位=米
    带号=35
    精度=0.001
    转换参数=,,,,,,
    [地块坐标]
    界址点数,地块面积,地块编号,地块名称,图形属性,图幅号,地块用途,地类编码,@
    J1,1,3280000.123,35500000.456          ← 点号,圈号,X(北),Y(东)
    …

Reading (:func:`read_zbtxt`, a reader of :data:`geo.io.readers.READERS`):

- GBK or UTF-8 (with or without BOM), CRLF or LF;
- the CRS comes from 坐标系 + 几度分带 + 带号 and whether Y carries the zone
  prefix, looked up by name in the EPSG database of pyproj (CGCS2000, Xian
  1980, Beijing 1954, New Beijing; 3° and 6° zones) — never guessed;
- the rings of a parcel (one per 圈号) are assembled by containment: a ring
  inside an outer ring is a hole, a ring inside a hole is an island (a new
  part), a ring outside all others is another part (the candidates found
  through a spatial index: 10^4 rings in about half a second);
- numbers of any length end in a message or are read: a 界址点数, 圈号 or 带号
  of 5,000 digits is refused in one line (Python's ``int()`` would raise past
  4,300), a coordinate too large for a float is "not a finite number";
- 地块面积 is kept as declared; its unit (公顷 by the standard, m² or 亩 in
  practice) is inferred by comparing it with the area of the points
  (:func:`infer_area_unit`) and stated, and the check compares the two
  (:mod:`geo.checks.declared`);
- every malformed input (truncated block, unclosed ring, wrong 界址点数, unknown
  带号, a header without its ``@``, a non-numeric coordinate …) raises one
  :class:`geo.errors.InputFileError` naming the file, the line and the fix:
  nothing half-read is returned.

Writing is :mod:`geo.io.zbtxt_write`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj.database import query_crs_info
from pyproj.enums import PJType

from geo.crs import gk_epsg, gk_zone_of_crs, local_crs, local_zoned_crs
from geo.errors import CRSError, GeoError, InputFileError, Said, said

#: Section headers of the layout.
ATTRIBUTES: Final = "[属性描述]"
COORDINATES: Final = "[地块坐标]"
#: The fields of a parcel header line, before its closing ``@``; also the read layer's columns.
PARCEL_FIELDS: Final = ("界址点数", "地块面积", "地块编号", "地块名称", "图形属性", "图幅号", "地块用途", "地类编码")
#: The key of the format in :data:`geo.io.readers.READERS`.
FORMAT_KEY: Final = "zbtxt"
#: ``layer.attrs`` key of the parcels' boundary points as read: per parcel ``(names, rings, coords)`` — the
#: 界址点号 (J1 …), the 圈号 and the (east, north) coordinates of each point line, for the check to name a point.
POINTS_ATTR: Final = "zbtxt_points"
LABEL: Final = "部标坐标txt"
#: The keys of the [属性描述] lines we read or write.
HEADER_KEYS: Final = {"version": "格式版本号", "producer": "数据产生单位", "date": "数据产生日期", "system": "坐标系",
                      "width": "几度分带", "width_short": "分带", "projection": "投影类型", "unit": "计量单位",
                      "zone": "带号", "precision": "精度", "params": "转换参数"}
#: Values of the layout: the version and projection we write, the unit and projection we read (``gauss``: the part
#: of 投影类型 that says Gauss–Krüger), and 图形属性 of a parcel (``polygon``).
HEADER_VALUES: Final = {"version": "1.01版本", "projection": "高斯克吕格", "gauss": "高斯", "metre": "米",
                        "polygon": "面"}
#: The column of a read layer's extra header field number ``k`` (past :data:`PARCEL_FIELDS`).
EXTRA_FIELD: Final = "字段{k}"
#: The columns of the point count and of the declared area.
COUNT_FIELD: Final = PARCEL_FIELDS[0]
AREA_FIELD: Final = PARCEL_FIELDS[1]



def zbtxt_crs() -> tuple[str, str]:
    """CRSs the writer offers for the plan in use: its Gauss–Krüger zone with the zone prefix (the default, as
    most bureaus ask for it), and without (:func:`geo.crs.local_zoned_crs`, :func:`geo.crs.local_crs`)."""
    plain = local_crs()
    zoned = local_zoned_crs()
    if zoned is None:
        zone = gk_zone_of_crs(plain)
        zoned = gk_epsg(zone[0], prefixed=True) if zone is not None else plain
    return zoned, plain

#: Degrees of longitude beyond its zone a parcel may lie and still be written in it (the zones' customary overlap).
ZONE_OVERLAP: Final = 0.5


def _fix_layout() -> Said:
    """How to mend a line that does not follow the layout."""
    return said("zbtxt.fix_layout")


def _fix_header() -> Said:
    """How to mend the [属性描述] section."""
    return said("zbtxt.fix_header")


# --- area units ---------------------------------------------------------------------


@dataclass(frozen=True)
class AreaUnit:
    """A unit 地块面积 may be written in: square metres per unit and its names."""

    key: str
    m2: float
    zh: str
    en: str


#: The units met in practice: 公顷 by the standard, m² in many files, sometimes 亩.
AREA_UNITS: Final = (
    AreaUnit("ha", 10000.0, "公顷", "ha"),
    AreaUnit("m2", 1.0, "平方米", "m²"),
    AreaUnit("mu", 10000.0 / 15.0, "亩", "mu"),
)
#: A unit is inferred only when the median declared/measured disagreement in it is below this.
UNIT_AGREEMENT: Final = 0.10


def infer_area_unit(declared: np.ndarray, measured_m2: np.ndarray) -> tuple[AreaUnit | None, float]:
    """The unit in which ``declared`` areas best agree with ``measured_m2``, and that median disagreement.

    The three candidate units differ by factors of 15 and 666, so the one that
    fits is unambiguous; it is accepted only if the median relative difference
    is below :data:`UNIT_AGREEMENT` (else ``None``: the declared areas match
    the points in no unit).

    Parameters
    ----------
    declared
        Declared areas (NaN where none), one per parcel.
    measured_m2
        Planar areas of the parcels' points, m² (NaN where unknown).

    Returns
    -------
    tuple
        The unit (or None) and the median relative difference in it (NaN when nothing compares).
    """
    declared = np.asarray(declared, dtype=float)
    measured_m2 = np.asarray(measured_m2, dtype=float)
    ok = np.isfinite(declared) & np.isfinite(measured_m2) & (declared > 0) & (measured_m2 > 0)
    if not ok.any():
        return None, float("nan")
    errors = [float(np.median(np.abs(declared[ok] * u.m2 / measured_m2[ok] - 1))) for u in AREA_UNITS]
    best = int(np.argmin(errors))
    return (AREA_UNITS[best] if errors[best] <= UNIT_AGREEMENT else None), errors[best]


# --- Gauss–Krüger CRSs by name ---------------------------------------------------------


@dataclass(frozen=True)
class _Datum:
    name: str  # as in EPSG names
    zh: str  # as the layout writes it


_CGCS2000 = _Datum("CGCS2000", "2000国家大地坐标系")
#: How the layout names CGCS2000 (``坐标系=``), as the writer writes it.
CGCS2000_ZH: Final = _CGCS2000.zh
_XIAN80 = _Datum("Xian 1980", "1980西安坐标系")
_BEIJING54 = _Datum("Beijing 1954", "1954北京坐标系")
_NEW_BEIJING = _Datum("New Beijing", "新1954北京坐标系")
#: Words of a 坐标系 value that name Xian 1980, Beijing 1954 and New Beijing.
DATUM_HINTS: Final = {"xian": "西安", "beijing": "北京", "new": "新"}

#: 3°/6° zone numbers that cover China; the two ranges do not overlap.
_ZONES: Final = {3: range(25, 46), 6: range(13, 24)}


@lru_cache(maxsize=1)
def gk_codes() -> dict[str, str]:
    """EPSG codes of every Gauss–Krüger projected CRS, by name (from pyproj's database, not from arithmetic)."""
    return {
        info.name: f"EPSG:{info.code}"
        for info in query_crs_info(auth_name="EPSG", pj_types=PJType.PROJECTED_CRS)
        if "Gauss-Kruger" in info.name and not info.deprecated
    }


def gk_name(datum: str, width: int, zone: int, *, prefixed: bool) -> str:
    """The EPSG name of a Gauss–Krüger CRS: ``CGCS2000 / 3-degree Gauss-Kruger zone {z}`` or ``… CM {3z}E``."""
    kind = "3-degree Gauss-Kruger" if width == 3 else "Gauss-Kruger"
    where = f"zone {zone}" if prefixed else f"CM {zone * 3 if width == 3 else zone * 6 - 3}E"
    return f"{datum} / {kind} {where}"


def _datum_of(value: str) -> _Datum | None:
    text = value.replace(" ", "").upper()
    found = []
    if "2000" in text or "CGCS" in text:
        found.append(_CGCS2000)
    if DATUM_HINTS["xian"] in text or "80" in text or "XIAN" in text:
        found.append(_XIAN80)
    if DATUM_HINTS["beijing"] in text or "54" in text or "BEIJING" in text:
        found.append(_NEW_BEIJING if DATUM_HINTS["new"] in text or "NEW" in text else _BEIJING54)
    return found[0] if len(found) == 1 else None


# --- reading -------------------------------------------------------------------------


@dataclass(slots=True)
class _Point:
    line: int
    name: str
    ring: int
    x: float  # the file's X: northing
    y: float  # the file's Y: easting (with or without the zone prefix)


@dataclass
class _Block:
    line: int
    fields: list[str]
    points: list[_Point] = field(default_factory=list)


@dataclass
class _Document:
    header: dict[str, str]
    header_line: dict[str, int]
    blocks: list[_Block]
    last_line: int
    attributes_line: int | None
    coordinates_line: int | None


def _error(source: str, line: int, problem: Said, fix: Said, *, cls: type[GeoError] = InputFileError) -> GeoError:
    """An error of ``cls`` whose problem starts with the line number."""
    return cls(said("err.zbtxt.line", line=line, problem=problem), source=source, fix=fix)


def decode(data: bytes, source: str) -> tuple[str, str]:
    """The file's text and its encoding: UTF-8 (BOM optional) if it decodes strictly, else GBK.

    GBK is decoded as GB 18030, its superset, so no valid GBK file is refused.
    """
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GBK"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _error(source, line, said("err.zbtxt.encoding"), said("err.zbtxt.encoding_fix")) from None


def sniff(head: bytes) -> bool:
    """Whether the first bytes of a file hold a line ``[属性描述]`` or ``[地块坐标]`` (UTF-8 or GBK)."""
    for encoding in ("utf-8", "gb18030"):
        lines = head.decode(encoding, errors="ignore").lstrip("\ufeff").splitlines()
        if any(line.strip() in (ATTRIBUTES, COORDINATES) for line in lines):
            return True
    return False


#: Most significant digits a count, ring or zone number is read with. Python's ``int()`` refuses text of more
#: than 4,300 digits (a ValueError, not a message); no count of point lines in a file we accept has 10.
_MAX_DIGITS: Final = 18
#: Longest text of 地块面积 read as an area; a longer one is "not a number" (and never meets a regex that backtracks).
_MAX_AREA_CHARS: Final = 64


def _cut(text: str, limit: int = 40) -> str:
    """``text`` for a message, cut to ``limit`` characters with its length said (a 5,000-digit number)."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _cut_said(text: str, limit: int = 40) -> str | Said:
    """``text`` for an error, cut as :func:`_cut` does."""
    return text if len(text) <= limit else said("err.zbtxt.cut", text=text[:limit], n=len(text))


def _shown(text: str, limit: int = 40) -> str | Said:
    """``text`` quoted for an error, cut as :func:`_cut` does."""
    return repr(text) if len(text) <= limit else said("err.zbtxt.cut_quoted", text=text[:limit], n=len(text))


def _xy(value: float) -> str:
    """A coordinate for a message: millimetres, or 6 significant digits when it is beyond any map (1e300)."""
    return f"{value:.3f}" if abs(value) < 1e12 else f"{value:.6g}"


def _whole(digits: str) -> int | None:
    """The value of ``digits`` (decimal digits only), or None when more than :data:`_MAX_DIGITS` remain after the
    leading zeros: such a number is no count, ring or zone, and ``int()`` would refuse it past 4,300 digits."""
    if len(digits) <= _MAX_DIGITS:
        return int(digits)
    significant = digits.lstrip("0")
    return int(significant or "0") if len(significant) <= _MAX_DIGITS else None


def _number(text: str, what: str, source: str, line: int) -> float:
    try:
        value = float(text)  # text of any length: a number too large for a float is inf, refused below
    except ValueError:
        raise _error(source, line, said("err.zbtxt.not_number", what=what, value=_shown(text)), _fix_layout()) from None
    if not math.isfinite(value):
        raise _error(source, line, said("err.zbtxt.not_finite", what=what, value=_shown(text)), _fix_layout())
    return value


def _point(fields: list[str], source: str, line: int) -> _Point:
    name, ring, x, y = fields[:4]
    if not ring.isdecimal():  # what int() reads (Unicode decimal digits), as \d+ does
        raise _error(source, line, said("zbtxt.ring_not_whole", value=_shown(ring)), _fix_layout())
    number = _whole(ring)
    if number is None:
        raise _error(source, line, said("zbtxt.ring_too_long", value=_shown(ring),
                                                digits=_MAX_DIGITS),
                     said("err.zbtxt.ring_number_fix"))
    return _Point(line, name, number, _number(x, "X", source, line), _number(y, "Y", source, line))


def _parse(text: str, source: str) -> _Document:
    """Split the text into its header (key → value) and parcel blocks; every line is checked for form."""
    header: dict[str, str] = {}
    header_line: dict[str, int] = {}
    blocks: list[_Block] = []
    section: str | None = None
    attributes_line = coordinates_line = None
    lines = text.splitlines()
    last = max((i for i, raw in enumerate(lines, 1) if raw.strip()), default=0)
    for no, raw in enumerate(lines, 1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        hint = said("err.zbtxt.truncated_hint") if no == last else ""
        if line.startswith("[") and line.endswith("]"):
            section = line
            if line == ATTRIBUTES and attributes_line is None:
                attributes_line = no
            elif line == COORDINATES and coordinates_line is None:
                coordinates_line = no
            continue
        if section is None:
            raise _error(source, no, said("err.zbtxt.before_section", line=line[:40]), said("zbtxt.fix_start"))
        if section == ATTRIBUTES:
            key, sep, value = line.replace("＝", "=").partition("=")
            if not sep:
                raise _error(source, no, said("zbtxt.not_key_value", line=repr(line[:40])), _fix_header())
            header.setdefault(key.strip(), value.strip())
            header_line.setdefault(key.strip(), no)
        elif section == COORDINATES:
            if "，" in line:
                raise _error(source, no, said("err.zbtxt.chinese_comma"), said("err.zbtxt.chinese_comma_fix"))
            fields = [f.strip() for f in line.split(",")]
            if fields[-1] == "@":
                blocks.append(_Block(no, fields[:-1]))
            elif len(fields) == 4 or (len(fields) == 5 and fields[4] == ""):
                if not blocks:
                    raise _error(source, no, said("err.zbtxt.point_first"), _fix_layout())
                blocks[-1].points.append(_point(fields, source, no))
            elif len(fields) > 4:
                raise _error(
                    source,
                    no,
                    said("err.zbtxt.header_end", line=line[:60], hint=hint),
                    said("zbtxt.fix_header_end"),
                )
            else:
                raise _error(
                    source,
                    no,
                    said("zbtxt.neither", line=repr(line[:60]), hint=hint),
                    _fix_layout(),
                )
        # other sections ([项目信息], [扩展信息] …) carry nothing we read
    return _Document(header, header_line, blocks, last, attributes_line, coordinates_line)


def _runs(points: list[_Point]) -> Iterator[list[_Point]]:
    """Consecutive points with the same 圈号: one ring each."""
    run: list[_Point] = []
    for p in points:
        if run and p.ring != run[-1].ring:
            yield run
            run = []
        run.append(p)
    if run:
        yield run


def _block_rings(block: _Block, source: str, *, at_end: bool, end_line: int) -> list[list[_Point]]:
    """The rings of a parcel, checked: count, closure, at least three distinct points, 圈号 not repeated."""
    if not block.points:
        if at_end:
            raise _error(
                source,
                block.line,
                said("err.zbtxt.header_last"),
                said("err.zbtxt.copy_again_fix"),
            )
        raise _error(source, block.line, said("err.zbtxt.no_points"), _fix_layout())
    rings = list(_runs(block.points))
    count_text = block.fields[0] if block.fields else ""
    if not re.fullmatch(r"\d+", count_text):
        raise _error(
            source,
            block.line,
            said("zbtxt.count_not_whole", value=_shown(count_text)),
            said("err.zbtxt.count_first_fix"),
        )
    whole, n_lines = _whole(count_text), len(block.points)
    first, last = block.points[0].line, block.points[-1].line
    if whole is None:
        raise _error(
            source,
            block.line,
            said("zbtxt.count_wrong", value=_shown(count_text), n=n_lines, first=first, last=last),
            said("zbtxt.fix_count"),
        )
    count = whole
    if count not in (n_lines, n_lines - len(rings)):
        if at_end and count > n_lines:
            raise _error(
                source,
                end_line,
                said("zbtxt.truncated_count", n=n_lines, count=count, line=block.line),
                said("err.zbtxt.copy_again_fix"),
            )
        raise _error(
            source,
            block.line,
            said("zbtxt.count_wrong", value=count, n=n_lines, first=first, last=last),
            said("zbtxt.fix_count"),
        )
    seen: dict[int, int] = {}
    for ring in rings:
        number = ring[0].ring
        if number in seen:
            raise _error(
                source,
                ring[0].line,
                said("zbtxt.ring_again", number=number, line=seen[number]),
                said("err.zbtxt.ring_order_fix"),
            )
        seen[number] = ring[-1].line
        head, tail = ring[0], ring[-1]
        if len(ring) < 2 or (head.x, head.y) != (tail.x, tail.y):
            raise _error(
                source,
                tail.line,
                said("err.zbtxt.not_closed", number=number, first=head.line, last=tail.line,
                     last_name=_cut_said(tail.name), last_x=_xy(tail.x), last_y=_xy(tail.y),
                     first_name=_cut_said(head.name), first_x=_xy(head.x), first_y=_xy(head.y)),
                said("err.zbtxt.not_closed_fix"),
            )
        if len({(p.x, p.y) for p in ring}) < 3:
            raise _error(
                source,
                head.line,
                said("err.zbtxt.few_points", number=number),
                said("err.zbtxt.few_points_fix"),
            )
    return rings


def _inside(inner: np.ndarray, outer: shapely.Polygon) -> bool:
    """Whether the ring ``inner`` lies inside ``outer``: a vertex strictly inside, none outside (touching is fine)."""
    strictly = np.asarray(shapely.contains_xy(outer, inner[:, 0], inner[:, 1]))
    outside = ~np.asarray(shapely.intersects_xy(outer, inner[:, 0], inner[:, 1]))
    return bool(strictly.any() and not outside.any())


def assemble(rings: list[np.ndarray]) -> shapely.Polygon | shapely.MultiPolygon:
    """One parcel's geometry from its rings (arrays of x, y), by containment.

    Rings are taken from the largest; each one's parent is the smallest ring
    containing it. Depth 0 (inside none) and even depths are outer rings of a
    part (an island in a hole starts a new part); odd depths are holes of their
    parent. Rings that cross give an invalid geometry, which the check reports.
    The rings that may contain a ring are found through a spatial index
    (:class:`shapely.STRtree`: those whose box covers its box), so that a parcel
    of 20,000 rings is not 2×10^8 tests of pairs.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        A Polygon when there is one part; parts in the order of their first ring in the file.
    """
    if len(rings) == 1:
        return shapely.Polygon(rings[0])
    lengths = [len(r) for r in rings]
    index = np.repeat(np.arange(len(rings)), lengths)
    polys: np.ndarray = np.asarray(shapely.polygons(shapely.linearrings(np.concatenate(rings), indices=index)))
    areas = np.abs(shapely.area(polys))
    order = sorted(range(len(rings)), key=lambda i: -float(areas[i]))
    rank = np.empty(len(rings), dtype=np.int64)
    rank[order] = np.arange(len(rings))
    bounds = shapely.bounds(polys)
    tree = shapely.STRtree(polys)
    shapely.prepare(polys)
    parent: dict[int, int | None] = {}
    depth: dict[int, int] = {}
    for i in order:
        near = tree.query(polys[i])  # boxes that meet i's box
        box, own = bounds[near], bounds[i]
        covers = (rank[near] < rank[i]) & (box[:, 0] <= own[0]) & (box[:, 1] <= own[1]) & (box[:, 2] >= own[2]) & (
            box[:, 3] >= own[3])
        candidates = near[covers]
        candidates = candidates[np.argsort(-rank[candidates])]  # the smallest first: placed in decreasing area
        p = next((int(j) for j in candidates if _inside(rings[i], polys[j])), None)
        parent[i], depth[i] = p, (depth[p] + 1 if p is not None else 0)
    holes: dict[int | None, list[int]] = {}
    for h in sorted(depth):
        if depth[h] % 2:
            holes.setdefault(parent[h], []).append(h)
    shells = sorted(i for i in depth if depth[i] % 2 == 0)
    parts = [shapely.Polygon(rings[s], [rings[h] for h in holes.get(s, [])]) for s in shells]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


@dataclass(frozen=True)
class _Crs:
    code: str
    notes: list[str]
    swap: bool


def _header_value(doc: _Document, *keys: str) -> tuple[str, int]:
    for key in keys:
        if key in doc.header:
            return doc.header[key], doc.header_line[key]
    return "", doc.attributes_line or 1


def _resolve_crs(doc: _Document, xs: np.ndarray, ys: np.ndarray, lines: np.ndarray, source: str) -> _Crs:
    """The EPSG code of the file's coordinates from its header and the zone prefix of Y, or a clear error."""
    notes: list[str] = []
    if doc.attributes_line is None:
        raise CRSError(
            said("zbtxt.no_attributes"),
            source=source,
            fix=said("zbtxt.fix_attributes"),
        )
    swap = False
    east_first = (xs >= 1e7).all() and (ys < 1e7).all()  # a prefixed easting can only be Y
    unprefixed_east_first = (xs < 1e6).all() and ((ys >= 1e6) & (ys < 1e7)).all()
    if east_first or unprefixed_east_first:
        swap = True  # X holds the easting: ranges of easting and northing do not overlap north of ~9°N
        xs, ys = ys, xs
        notes.append(said("zbtxt.swapped", source=source))
    unit, unit_line = _header_value(doc, HEADER_KEYS["unit"])
    if unit not in ("", HEADER_VALUES["metre"], "m", "M", "metre", "meter"):
        raise _error(source, unit_line, said("zbtxt.unit", value=_shown(unit)), _fix_header(),
                     cls=CRSError)
    projection, projection_line = _header_value(doc, HEADER_KEYS["projection"])
    if projection and HEADER_VALUES["gauss"] not in projection and "GAUSS" not in projection.upper():
        raise _error(
            source,
            projection_line,
            said("zbtxt.projection", value=_shown(projection)),
            _fix_header(),
            cls=CRSError,
        )
    system, system_line = _header_value(doc, HEADER_KEYS["system"])
    datum = _datum_of(system)
    if datum is None:
        given = said("zbtxt.system", value=_shown(system)) if system else said("zbtxt.system_empty")
        raise _error(
            source,
            system_line,
            said("zbtxt.system_unknown", said=given),
            said("zbtxt.fix_system"),
            cls=CRSError,
        )
    width_text, width_line = _header_value(doc, HEADER_KEYS["width"], HEADER_KEYS["width_short"])
    zone_text, zone_line = _header_value(doc, HEADER_KEYS["zone"])
    width_digits = re.findall(r"\d+", width_text)
    width = _whole(width_digits[0]) if width_digits else None
    if width_digits and width not in (3, 6):
        raise _error(source, width_line, said("zbtxt.width", value=_shown(width_text)), _fix_header(),
                     cls=CRSError)
    zone = _zone_number(zone_text, zone_line, source)
    prefixed = ys >= 1e7
    if prefixed.any() and not prefixed.all():
        odd = int(lines[np.flatnonzero(prefixed != prefixed[0])[0]])
        raise _error(
            source,
            odd,
            said("err.zbtxt.mixed_prefix"),
            said("err.zbtxt.mixed_prefix_fix"),
            cls=CRSError,
        )
    if prefixed[0] and (ys >= 1e8).any():  # a zone prefix has two digits; a larger number would not fit an int
        odd = int(lines[np.flatnonzero(ys >= 1e8)[0]])
        raise _error(
            source,
            odd,
            said("err.zbtxt.y_too_large", y=ys[ys >= 1e8][0]),
            _fix_layout(),
            cls=CRSError,
        )
    if prefixed[0]:
        prefixes = np.floor(ys / 1e6).astype(int)
        if (prefixes != prefixes[0]).any():
            odd = int(lines[np.flatnonzero(prefixes != prefixes[0])[0]])
            raise _error(
                source,
                odd,
                said("err.zbtxt.prefixes_differ", prefix=prefixes[0]),
                said("err.zbtxt.prefixes_differ_fix"),
                cls=CRSError,
            )
        prefix = int(prefixes[0])
        if zone is None:
            zone = prefix
            notes.append(said("zbtxt.zone_from_prefix", source=source, zone=prefix))
        elif zone != prefix:
            raise _error(
                source,
                int(lines[0]),
                said("zbtxt.zone_mismatch", prefix=prefix, zone=zone),
                said("zbtxt.fix_zone_mismatch"),
                cls=CRSError,
            )
    elif zone is None:
        raise _error(
            source,
            zone_line,
            said("zbtxt.zone_unknown"),
            said("zbtxt.fix_zone"),
            cls=CRSError,
        )
    elif not ((ys > 0) & (ys < 1e6)).all():
        odd = int(lines[np.flatnonzero(~((ys > 0) & (ys < 1e6)))[0]])
        raise _error(
            source,
            odd,
            said("err.zbtxt.y_not_easting"),
            _fix_layout(),
            cls=CRSError,
        )
    if width is None:
        width = next((w for w, zones in _ZONES.items() if zone in zones), None)
        if width is None:
            raise _error(
                source,
                zone_line,
                said("zbtxt.zone_not_china", zone=zone),
                _fix_header(),
                cls=CRSError,
            )
        notes.append(said("zbtxt.width_from_zone", source=source, zone=zone, width=width))
    if zone not in _ZONES[width]:
        zones = _ZONES[width]
        raise _error(
            source,
            zone_line,
            said("zbtxt.zone_not_in_width", zone=zone, width=width, first=zones[0], last=zones[-1]),
            _fix_header(),
            cls=CRSError,
        )
    name = gk_name(datum.name, width, zone, prefixed=bool(prefixed[0]))
    code = gk_codes().get(name)
    if code is None:
        raise _error(source, system_line, said("err.zbtxt.no_epsg", name=name), _fix_header(), cls=CRSError)
    if datum is not _CGCS2000:
        notes.append(said("zbtxt.other_datum", source=source, datum=datum.name, datum_zh=datum.zh))
    params, _ = _header_value(doc, HEADER_KEYS["params"])
    if any(float(v) != 0 for v in re.findall(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", params)):
        notes.append(said("zbtxt.params", source=source, params=_cut(params, 80), datum=datum.name))
    return _Crs(code, notes, swap)


def _zone_number(text: str, line: int, source: str) -> int | None:
    """带号's zone: the first whole number in ``text`` ("36", "36带", "第36带"); None when there is none. A negative,
    fractional or over-long number is refused in one line, never read as another zone."""
    match = re.search(r"(-?)(\d+)((?:\.\d*)?)", text)
    if match is None:
        return None
    sign, digits, fraction = match.groups()
    zone = _whole(digits)
    if sign or fraction.strip(".0") or zone is None:
        raise _error(
            source,
            line,
            said("zbtxt.zone_not_number", value=_shown(text)),
            _fix_header(),
            cls=CRSError,
        )
    return zone


_AREA_RE: Final = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))\s*(公顷|平方米|亩|ha|m2|m²|㎡)?$", re.I)


def _declared_area(text: str) -> float:
    """地块面积 as a number; NaN when it is none, too long to be one, or not finite (5,000 digits: inf)."""
    match = _AREA_RE.match(text.replace(",", "")) if len(text) <= _MAX_AREA_CHARS else None
    value = float(match.group(1)) if match else float("nan")
    return value if np.isfinite(value) else float("nan")


def parse_zbtxt(data: bytes, source: str) -> tuple[gpd.GeoDataFrame, str, list[str]]:
    """Parse a 部标坐标txt file's bytes into parcels in their own CRS.

    Parameters
    ----------
    data
        The file's bytes.
    source
        The user's name for the file, used in every message.

    Returns
    -------
    tuple
        The parcels (columns :data:`PARCEL_FIELDS`, in the order of the file,
        CRS set from the header), the encoding (``UTF-8`` or ``GBK``) and notes
        for the user (CRS, area unit, anything read in a non-standard way).

    Raises
    ------
    InputFileError
        Or :class:`geo.errors.CRSError`, naming the file, the line and the fix.
    """
    text, encoding = decode(data, source)
    doc = _parse(text, source)
    if doc.coordinates_line is None:
        raise InputFileError(
            said("zbtxt.no_coordinates"),
            source=source,
            fix=said("zbtxt.fix_coordinates"),
        )
    if not doc.blocks:
        raise InputFileError(
            said("zbtxt.no_parcel", line=doc.coordinates_line),
            source=source,
            fix=said("err.zbtxt.header_only_fix"),
        )
    rings_of = [
        _block_rings(b, source, at_end=(i == len(doc.blocks) - 1), end_line=doc.last_line)
        for i, b in enumerate(doc.blocks)
    ]
    for block in doc.blocks:
        kind = block.fields[4] if len(block.fields) > 4 else ""
        if kind not in ("", HEADER_VALUES["polygon"]):
            raise _error(
                source,
                block.line,
                said("zbtxt.not_polygon", value=_shown(kind)),
                said("zbtxt.fix_polygon"),
            )
    points = [p for b in doc.blocks for p in b.points]
    xs = np.array([p.x for p in points])
    ys = np.array([p.y for p in points])
    crs = _resolve_crs(doc, xs, ys, np.array([p.line for p in points]), source)
    geoms = []
    for rings in rings_of:
        arrays = [np.array([(p.x, p.y) if crs.swap else (p.y, p.x) for p in ring]) for ring in rings]
        geoms.append(assemble(arrays))
    if any(isinstance(g, shapely.MultiPolygon) for g in geoms):  # one geometry type for the layer
        geoms = [g if isinstance(g, shapely.MultiPolygon) else shapely.MultiPolygon([g]) for g in geoms]
    width = max(len(b.fields) for b in doc.blocks)
    names = list(PARCEL_FIELDS) + [EXTRA_FIELD.format(k=k) for k in range(len(PARCEL_FIELDS) + 1, width + 1)]
    rows = [b.fields + [""] * (len(names) - len(b.fields)) for b in doc.blocks]
    columns: dict[str, object] = {}
    for k, name in enumerate(names):
        values = [r[k] for r in rows]
        if name == COUNT_FIELD:
            columns[name] = pd.array([_whole(v) for v in values], dtype="Int64")  # checked by _block_rings
        elif name == AREA_FIELD:
            columns[name] = pd.array([_declared_area(v) if v else np.nan for v in values], dtype="Float64")
        else:
            columns[name] = pd.array([v or pd.NA for v in values], dtype="string")
    layer = gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(geoms), crs=crs.code)
    layer.attrs[POINTS_ATTR] = [
        ([p.name for p in b.points], np.array([p.ring for p in b.points], dtype=np.int64),
         np.array([(p.x, p.y) if crs.swap else (p.y, p.x) for p in b.points], dtype=float).reshape(-1, 2))
        for b in doc.blocks
    ]
    notes = [*crs.notes, *_area_notes(layer, source)]
    if width > len(PARCEL_FIELDS):
        notes.append(said("warn.zbtxt.extra_fields", source=source, width=width,
                          names=", ".join(names[len(PARCEL_FIELDS) :])))
    return layer, encoding, notes


def _area_notes(layer: gpd.GeoDataFrame, source: str) -> list[str]:
    """What the reader says of 地块面积: the unit it is read in (or that none fits), and the parcels without one."""
    declared = layer[AREA_FIELD].to_numpy(dtype=float, na_value=np.nan)
    bad = [str(i + 1) for i in np.flatnonzero(np.isnan(declared))]
    measured = shapely.area(layer.geometry.to_numpy())
    unit, error = infer_area_unit(declared, measured)
    notes: list[str] = []
    if unit is not None:
        notes.append(said("zbtxt.area_unit", source=source, unit=said(f"warn.zbtxt.unit_{unit.key}"),
                          crs=layer.crs.to_string() if layer.crs else "", err=f"{error:.3%}"))
    elif np.isfinite(error):
        notes.append(said("zbtxt.area_none", source=source, err=f"{error:.1%}"))
    if bad:
        more = said("zbtxt.area_more", n=len(bad) - 5) if len(bad) > 5 else ""
        notes.append(said("zbtxt.area_empty", source=source, ids=", ".join(bad[:5]), more=more))
    return notes


def read_zbtxt(path: Path, source: str, layer: str | None, tmp: Path) -> tuple[pd.DataFrame, str | None, list[str]]:
    """Read a 部标坐标txt file (the signature of :class:`geo.io.readers.Reader`); see :func:`parse_zbtxt`."""
    return parse_zbtxt(path.read_bytes(), source)
