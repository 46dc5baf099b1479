"""Maps for print: one A4/A3 page of the plan's layers as PNG or PDF (matplotlib).

The Map page's download button and ``python -m geo figure`` call the same
function, :func:`plan_figure` (which composes the legend and notes from the
plan's data it is given) or the generic :func:`render_figure` under it. Nothing
here knows the plan: its title, tracks and colours are arguments, so a figure
of other data draws the same way.

What a page holds, and why:

- **Title** and subtitle in a band at the top.
- **The map** in a projected CRS (default the plan's CGCS2000 3-degree
  Gauss–Krüger zone, :func:`geo.crs.local_crs`): districts in light grey, metro lines, zones as dashed
  outlines with their names, parcels filled by track colour, projects of
  unknown area (points) as star markers, project ids beside the parcels.
  Labels are placed where they cover no parcel and no other label, else left
  out; the legend sits in a panel beside (landscape) or under (portrait) the
  map, so it never covers a parcel.
- **Scale bar** true in metres on the ground: map units are converted with the
  CRS's unit and the projection's scale factor at the map's centre (pyproj);
  a geographic CRS (degrees) has no such scale, so it is drawn in a projected
  one (the CGCS2000 Gauss–Krüger zone of the map's centre) and the note says
  so. Also the representative fraction at 100 % print size.
- **North arrow** pointing to true north (rotated by the meridian convergence,
  which the note states), **CRS, source and date notes**.
- **Chinese fonts embedded** (:mod:`geo.mapview.fonts`; PDF Type 42). No
  tiles and no network.
- **By stage** (``plan_figure(stages=…)``, the 监测评估 report's map of a
  year): parcels filled by each project's stage instead of its track, the
  legend of stages given by the caller (:mod:`geo.monitor.report`).

Output is bytes (:func:`render_figure`) or a file written atomically
(:func:`write_figure`). Paper, orientation and format are
:mod:`geo.mapview.paper` (re-exported here), which needs no matplotlib.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import Bbox
from pyproj import CRS, Proj
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from geo.atomic import write_output
from geo.crs import WGS84, example_crs, local_crs, parse_crs, plan_area_centre, transformer
from geo.errors import CRSError, FontError, UsageError, said
from geo.i18n import catalogue, t
from geo.mapview.fonts import find_cjk_font, font_file
from geo.mapview.paper import FORMATS, MM_PER_INCH, ORIENTATIONS, PAPER_MM, Paper

#: CGCS2000 3-degree Gauss–Krüger zones without the zone prefix: EPSG:4534 (CM 75E) … EPSG:4554 (CM 135E).
GK_FIRST: Final = (4534, 75)

__all__ = [
    "FORMATS", "ORIENTATIONS", "PAPER_MM", "FigureText", "LegendEntry", "Paper", "Projection", "drawing_crs",
    "gk_zone", "plan_figure", "render_figure", "source_note", "structure_label", "tables_label", "write_figure",
]

#: How the tracks' ``table`` column names a table of the plan (``表2``): a token of the data read, not a word shown.
TABLE_PREFIX: Final = "表"
#: The keys (``figure.<key>``) of the page's own words in the catalogue; plan-specific words come in as arguments.
_WORD_KEYS: Final = ("legend", "points", "zones", "districts", "metro", "north", "scale", "scale_rf", "crs",
                     "crs_projected", "north_note", "printed", "source", "tables", "indicative", "mixed", "surveyed",
                     "count", "km", "m")

_INK: Final = "#222222"
_GREY: Final = "#555555"
_HALO: Final = [patheffects.Stroke(linewidth=2.2, foreground="white")]


@dataclass(frozen=True)
class LegendEntry:
    """One legend line: the value of the parcels' key column, its label, colour and an optional second line."""

    key: str
    label: str
    colour: str
    note: str = ""


@dataclass(frozen=True)
class FigureText:
    """Words of the page: title, subtitle, notes (printed in order before the CRS and date notes), language."""

    title: str
    subtitle: str = ""
    notes: tuple[str, ...] = ()
    lang: str = "zh"


@dataclass(frozen=True)
class Projection:
    """The CRS a figure is drawn in, the one asked for, and why they differ (empty when they do not)."""

    crs: CRS
    code: str
    requested: str
    reason: str = ""


def drawing_crs(requested: str, *, centre_lonlat: tuple[float, float], lang: str = "zh") -> Projection:
    """The projected CRS to draw in for ``requested``.

    A projected CRS is used as it is. A geographic CRS (degrees: EPSG:4326,
    EPSG:4490) cannot carry a true scale bar, so it is replaced by the
    CGCS2000 3-degree Gauss–Krüger zone of ``centre_lonlat`` (:func:`gk_zone`;
    WGS84 and CGCS2000 agree to centimetres), or outside China by the WGS 84
    UTM zone; ``reason`` says so for the note.

    Raises
    ------
    CRSError
        ``requested`` is unknown, or neither projected nor geographic (e.g. geocentric).
    """
    crs = parse_crs(requested, source="--crs")
    code = _code(crs)
    if crs.is_projected:
        if crs.axis_info and crs.axis_info[0].unit_name not in ("metre", "meter", "US survey foot", "foot"):
            raise CRSError(said("err.figure.crs_units", code=code, unit=crs.axis_info[0].unit_name), source="--crs",
                           fix=said("err.figure.crs_units_fix", example=example_crs()))
        return Projection(crs, code, code)
    if not crs.is_geographic:
        raise CRSError(said("err.figure.crs_kind", code=code), source="--crs",
                       fix=said("err.figure.crs_kind_fix", example=example_crs()))
    lon, lat = centre_lonlat
    target = gk_zone(lon)
    if target is None:
        infos = query_utm_crs_info(datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat))
        target = f"{infos[0].auth_name}:{infos[0].code}" if infos else local_crs()
    return Projection(parse_crs(target), target, code, t("figure.crs_projected", lang, requested=code, code=target))


def gk_zone(lon: float) -> str | None:
    """The CGCS2000 3-degree Gauss–Krüger CRS (CM = nearest multiple of 3°) for a longitude in China, else None.

    Zone ``round(lon / 3)``, the CRS of the land surveys the users compare with (EPSG:4534 for CM 75°E …
    4554 for CM 135°E).
    """
    first_code, first_cm = GK_FIRST
    cm = 3 * round(lon / 3)
    if not first_cm <= cm <= 135:
        return None
    return f"EPSG:{first_code + (cm - first_cm) // 3}"


def _code(crs: CRS) -> str:
    auth = crs.to_authority()
    return f"{auth[0]}:{auth[1]}" if auth else crs.name


# --- fonts ------------------------------------------------------------------

@dataclass(frozen=True)
class _Fonts:
    regular: Path
    bold: Path

    def prop(self, size: float, *, bold: bool = False) -> FontProperties:
        return FontProperties(fname=self.bold if bold else self.regular, size=size)


def _fonts(characters: str) -> _Fonts:
    regular = find_cjk_font()
    try:
        bold = find_cjk_font(weight=700)
    except FontError:  # a bold face is a nicety; the regular one will do
        bold = regular
    chars = characters + string.printable + "，。：；、（）·–—×°±％《》“”‘’…"
    return _Fonts(font_file(regular, chars), font_file(bold, chars))


# --- layout -----------------------------------------------------------------

@dataclass
class _Page:
    """The figure, its renderer, sizes in mm and the fonts; helpers to measure and write text."""

    fig: Figure
    renderer: RendererAgg
    fonts: _Fonts
    scale: float  # 1 on A4, 1.41 on A3
    dpi: int
    placed: list[Bbox] = field(default_factory=list)

    def size(self, points: float) -> float:
        return points * self.scale

    def width_mm(self, text: str, prop: FontProperties) -> float:
        w, _, _ = self.renderer.get_text_width_height_descent(  # type: ignore[no-untyped-call]
            text, prop, ismath=False
        )
        return float(w) / self.dpi * MM_PER_INCH

    def wrap(self, text: str, prop: FontProperties, width_mm: float) -> list[str]:
        """Greedy line breaking: at spaces where there are any, else between any two characters (Chinese)."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            tokens = _tokens(paragraph)
            for token in tokens:
                trial = line + token
                if line and self.width_mm(trial.rstrip(), prop) > width_mm:
                    lines.append(line.rstrip())
                    line = token.lstrip()
                    while self.width_mm(line, prop) > width_mm and len(line) > 1:  # a token wider than the line
                        cut = len(line) - 1
                        while cut > 1 and self.width_mm(line[:cut], prop) > width_mm:
                            cut -= 1
                        lines.append(line[:cut])
                        line = line[cut:]
                else:
                    line = trial
            lines.append(line.rstrip())
        return lines


#: Characters a line must not start with (closing brackets and punctuation) or end with (opening ones).
_NO_START: Final = "）)]」』】》〉”’，。、：；！？,.:;!?%％·"
_NO_END: Final = "（([「『【《〈“‘"


def _tokens(text: str) -> list[str]:
    """Break opportunities: an ASCII word (with ``–`` inside) and its trailing space, or one CJK character.

    Closing punctuation sticks to the token before it and opening punctuation
    to the one after, so no line starts with ``）`` or ends with ``（``.
    """
    out: list[str] = []
    word = ""
    glue = False  # the last token ends with opening punctuation: the next one joins it

    def push(token: str, *, stick: bool) -> None:
        nonlocal glue
        if out and (glue or stick):
            out[-1] += token
        else:
            out.append(token)
        glue = token[-1] in _NO_END

    for ch in text:
        if (ch.isascii() and not ch.isspace()) or ch in "–°":
            word += ch
            continue
        if word:
            push(word, stick=word[0] in _NO_START)
            word = ""
        if ch.isspace():
            if out:
                out[-1] += ch
            glue = False
        else:
            push(ch, stick=ch in _NO_START)
    if word:
        push(word, stick=word[0] in _NO_START)
    return out


def _mm_axes(fig: Figure, x: float, y: float, w: float, h: float, page_mm: tuple[float, float]) -> Axes:
    """An axes covering the box (mm from the bottom left) whose data coordinates are mm inside it."""
    pw, ph = page_mm
    ax = fig.add_axes((x / pw, y / ph, w / pw, h / ph))
    ax.set_xlim(0, w)
    ax.set_ylim(0, h)
    ax.set_axis_off()
    return ax


# --- the map ----------------------------------------------------------------

def _extent(geoms: Sequence[gpd.GeoSeries], box_w: float, box_h: float) -> tuple[float, float, float, float]:
    """Bounds of the first non-empty layer, padded and widened to the map box's aspect ratio."""
    for layer in geoms:
        present = layer[~(layer.is_empty | layer.isna())]
        if len(present):
            minx, miny, maxx, maxy = (float(v) for v in np.asarray(present.total_bounds, dtype=float))
            break
    else:
        raise UsageError(said("err.figure.nothing"), source="figure", fix=said("err.figure.nothing_fix"))
    span = max(maxx - minx, maxy - miny, 2000.0)
    pad = max(0.06 * span, 400.0)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    w = max(maxx - minx, 2000.0) + 2 * pad
    h = max(maxy - miny, 2000.0) + 2 * pad
    if w / h < box_w / box_h:
        w = h * box_w / box_h
    else:
        h = w * box_h / box_w
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _km_formatter(step_m: float) -> FuncFormatter:
    """Tick labels in km with as many decimals as the tick step needs (500 m steps: ``3,268.5 km``)."""
    decimals = max(0, -math.floor(math.log10(step_m / 1000) + 1e-9)) if step_m > 0 else 0

    def label(value: float, _pos: object = None) -> str:
        return f"{value / 1000:,.{decimals}f} km"

    return FuncFormatter(label)


def _draw_polygons(ax: Axes, geoms: Iterable[BaseGeometry | None], *, face: str, edge: str, lw: float,
                   alpha: float = 1.0, ls: object = "solid", zorder: float = 1) -> None:
    for g in geoms:
        if g is None or shapely.is_empty(g):
            continue
        for part in shapely.get_parts(g):
            if part.geom_type != "Polygon":
                continue
            rings = [np.asarray(part.exterior.coords)[:, :2]]
            ax.add_patch(PolygonPatch(rings[0], closed=True, facecolor=face, edgecolor=edge, linewidth=lw,
                                      alpha=alpha, linestyle=ls, zorder=zorder, joinstyle="round"))
            for hole in part.interiors:  # holes drawn in white over the fill (rare here)
                ax.add_patch(PolygonPatch(np.asarray(hole.coords)[:, :2], closed=True, facecolor="white",
                                          edgecolor=edge, linewidth=lw, linestyle=ls, zorder=zorder))


def _draw_lines(ax: Axes, geoms: Iterable[BaseGeometry | None], *, colour: str, lw: float, zorder: float,
                ls: object = "solid", casing: str | None = None) -> None:
    for g in geoms:
        if g is None or shapely.is_empty(g):
            continue
        for part in shapely.get_parts(g):
            lines = [part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part]
            for line in lines:
                xy = np.asarray(line.coords)[:, :2]
                if casing:
                    ax.plot(xy[:, 0], xy[:, 1], color=casing, linewidth=lw * 2.2, zorder=zorder - 0.1,
                            solid_capstyle="round")
                ax.plot(xy[:, 0], xy[:, 1], color=colour, linewidth=lw, linestyle=ls, zorder=zorder,
                        solid_capstyle="round", dash_capstyle="butt")


class _Labels:
    """Places map labels where they overlap no obstacle and stay inside the map frame.

    Hard obstacles are display boxes (parcels, labels already placed); soft
    ones are lines (zone outlines, metro), avoided when a position allows it.
    """

    def __init__(self, page: _Page, ax: Axes, obstacles: list[Bbox], lines: BaseGeometry | None) -> None:
        self.page, self.ax = page, ax
        self.obstacles = obstacles
        self.lines = lines
        if lines is not None:
            shapely.prepare(lines)
        self.frame = ax.get_window_extent(page.renderer)

    def _crosses_lines(self, box: Bbox) -> bool:
        if self.lines is None:
            return False
        (x0, y0), (x1, y1) = self.ax.transData.inverted().transform([(box.x0, box.y0), (box.x1, box.y1)])
        return bool(shapely.intersects(self.lines, shapely.box(x0, y0, x1, y1)))

    def place(self, text: str, candidates: Sequence[tuple[float, float, str, str]], prop: FontProperties, *,
              colour: str = _INK, ignore: Bbox | None = None, zorder: float = 8,
              must_avoid_lines: bool = False, tier: int | None = None) -> bool:
        """Try each ``(x, y, ha, va)`` (data coordinates) and keep the first free one.

        Positions are tried in tiers (the first ``tier`` candidates, then the
        rest; all at once when None): in each, clear of lines too, then (unless
        ``must_avoid_lines``) of boxes only — a label beside its parcel across a
        dashed line beats one at a far corner.
        """
        groups = [candidates] if tier is None else [candidates[:tier], candidates[tier:]]
        passes = (True,) if must_avoid_lines else (True, False)
        for group in groups:
            for avoid_lines in passes:
                if self._try(text, group, prop, colour=colour, ignore=ignore, zorder=zorder, avoid_lines=avoid_lines):
                    return True
        return False

    def _try(self, text: str, candidates: Sequence[tuple[float, float, str, str]], prop: FontProperties, *,
             colour: str, ignore: Bbox | None, zorder: float, avoid_lines: bool) -> bool:
        """Place the label at the first of ``candidates`` that is free (and clear of lines if ``avoid_lines``)."""
        for x, y, ha, va in candidates:
            artist = self.ax.text(x, y, text, fontproperties=prop, color=colour, ha=ha, va=va, zorder=zorder,
                                  clip_on=True)
            box = artist.get_window_extent(self.page.renderer).expanded(1.08, 1.15)
            inside = (box.x0 >= self.frame.x0 + 2 and box.x1 <= self.frame.x1 - 2
                      and box.y0 >= self.frame.y0 + 2 and box.y1 <= self.frame.y1 - 2)
            free = inside and not any(box.overlaps(o) for o in self.obstacles if o is not ignore)
            if free and not (avoid_lines and self._crosses_lines(box)):
                self.obstacles.append(box)
                # the white halo is a copy drawn as outlines underneath: path effects would turn the
                # label itself into outlines, and the PDF would lose it as text (search, copy)
                self.ax.text(x, y, text, fontproperties=prop, color="white", ha=ha, va=va, zorder=zorder - 0.01,
                             path_effects=_HALO, clip_on=True)
                return True
            artist.remove()
        return False


def _window_boxes(ax: Axes, geoms: Sequence[BaseGeometry | None], renderer: RendererAgg, *,
                  point_px: float) -> list[Bbox]:
    """Display-space bounding boxes of geometries; a point's box is its marker (``point_px`` half-width)."""
    out = []
    for g in geoms:
        if g is None or shapely.is_empty(g):
            out.append(Bbox.null())
            continue
        x0, y0, x1, y1 = shapely.bounds(g)
        (a, b), (c, d) = ax.transData.transform([(x0, y0), (x1, y1)])
        cx, cy = (a + c) / 2, (b + d) / 2
        half_w, half_h = max((c - a) / 2, point_px), max((d - b) / 2, point_px)
        out.append(Bbox.from_extents(cx - half_w, cy - half_h, cx + half_w, cy + half_h))
    return out


def _around(ax: Axes, box: Bbox, gap_px: float) -> list[tuple[float, float, str, str]]:
    """Label positions (data coordinates) beside a display box: right, above, below, left, then the corners."""
    x0, y0, x1, y1 = box.x0 - gap_px, box.y0 - gap_px, box.x1 + gap_px, box.y1 + gap_px
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    spots = [
        (x1, cy, "left", "center"), (cx, y1, "center", "bottom"), (cx, y0, "center", "top"),
        (x0, cy, "right", "center"), (x1, y1, "left", "bottom"), (x0, y1, "right", "bottom"),
        (x1, y0, "left", "top"), (x0, y0, "right", "top"),
    ]
    inverse = ax.transData.inverted()
    out = []
    for x, y, ha, va in spots:
        dx, dy = inverse.transform((x, y))
        out.append((float(dx), float(dy), ha, va))
    return out


def _zone_candidates(geom: BaseGeometry, gap: float) -> list[tuple[float, float, str, str]]:
    """Label positions for a zone: above its highest point, below its lowest, beside it, inside it."""
    coords = shapely.get_coordinates(shapely.get_exterior_ring(shapely.get_parts(geom)))
    top, bottom = coords[coords[:, 1].argmax()], coords[coords[:, 1].argmin()]
    left, right = coords[coords[:, 0].argmin()], coords[coords[:, 0].argmax()]
    inner = shapely.point_on_surface(geom)
    return [
        (top[0], top[1] + gap, "center", "bottom"), (bottom[0], bottom[1] - gap, "center", "top"),
        (right[0] + gap, right[1], "left", "center"), (left[0] - gap, left[1], "right", "center"),
        (inner.x, inner.y, "center", "center"),
    ]


def _draw_map(page: _Page, ax: Axes, *, parcels: gpd.GeoDataFrame, key: str, label: str | None,
              colours: Mapping[str, str], zones: gpd.GeoDataFrame | None, zone_label: str,
              districts: gpd.GeoDataFrame | None, district_label: str,
              metro: gpd.GeoDataFrame | None, extent: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = extent
    view = shapely.box(x0, y0, x1, y1)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor("white")
    s = page.scale
    if districts is not None and len(districts):
        shown = shapely.intersection(districts.geometry.to_numpy(), view.buffer((x1 - x0) * 0.05))
        _draw_polygons(ax, shown, face="#efefef", edge="#b5b5b5", lw=0.6 * s, zorder=1)
    if metro is not None and len(metro):
        _draw_lines(ax, metro.geometry.to_numpy(), colour="#6b8cae", lw=0.9 * s, zorder=3, casing="white")
    if zones is not None and len(zones):
        _draw_lines(ax, zones.geometry.to_numpy(), colour="#333333", lw=0.9 * s, ls=(0, (5, 3)), zorder=4)
    geoms = parcels.geometry.to_numpy()
    is_point = np.asarray([g is not None and g.geom_type in ("Point", "MultiPoint") for g in geoms], dtype=bool)
    keys = parcels[key].astype(object).to_numpy()
    for g, k in zip(geoms[~is_point], keys[~is_point], strict=True):
        colour = colours.get(str(k), "#bdbdbd")
        _draw_polygons(ax, [g], face=colour, edge="#1a1a1a", lw=0.35 * s, zorder=5)
    for g, k in zip(geoms[is_point], keys[is_point], strict=True):
        for part in shapely.get_parts(g):
            ax.plot([part.x], [part.y], marker="*", markersize=11 * s, color=colours.get(str(k), "#bdbdbd"),
                    markeredgecolor="#1a1a1a", markeredgewidth=0.6 * s, zorder=6, linestyle="none")

    # labels: project ids first (beside their parcel), then zones, then districts (dropped if no room)
    renderer = page.renderer
    point_px = 11 * s / 2 / 72 * page.dpi * 0.8  # half the star marker
    parcel_boxes = _window_boxes(ax, list(geoms), renderer, point_px=point_px)
    line_geoms = [shapely.boundary(g) for g in (zones.geometry.to_numpy() if zones is not None else [])]
    line_geoms += list(metro.geometry.to_numpy()) if metro is not None else []
    lines = shapely.union_all([g for g in line_geoms if g is not None]) if line_geoms else None
    placer = _Labels(page, ax, [b for b in parcel_boxes if b.width > 0], lines)
    mm = (x1 - x0) / (ax.get_window_extent(renderer).width / page.dpi * MM_PER_INCH)  # map units per mm
    if label is not None:
        prop = page.fonts.prop(page.size(5.2))
        for g, text, own in zip(geoms, parcels[label].astype(object), parcel_boxes, strict=True):
            if g is None or shapely.is_empty(g) or not isinstance(text, str) or not text:
                continue
            placer.place(text, _around(ax, own, 0.6 * s * page.dpi / MM_PER_INCH), prop, ignore=own, tier=4)
    if zones is not None and len(zones):
        prop = page.fonts.prop(page.size(7.2), bold=True)
        for g, text in zip(zones.geometry.to_numpy(), zones[zone_label].astype(object), strict=True):
            if isinstance(text, str) and text and g is not None and shapely.intersects(g, view):
                placer.place(text, _zone_candidates(g, 1.0 * mm), prop, colour="#111111")
    if districts is not None and len(districts):
        prop = page.fonts.prop(page.size(8.5))
        for g, text in zip(districts.geometry.to_numpy(), districts[district_label].astype(object), strict=True):
            visible = shapely.intersection(g, view.buffer(-(x1 - x0) * 0.02)) if g is not None else None
            if not isinstance(text, str) or visible is None or shapely.is_empty(visible):
                continue
            parts = sorted(shapely.get_parts(visible), key=lambda p: -p.area)
            spots = [shapely.get_coordinates(polylabel(p, tolerance=mm))[0] for p in parts[:2]
                     if p.geom_type == "Polygon"]
            gx, gy = np.meshgrid(np.linspace(x0, x1, 9)[1:-1], np.linspace(y0, y1, 9)[1:-1])
            inside = shapely.contains_xy(visible, gx.ravel(), gy.ravel())
            spots += list(np.column_stack([gx.ravel()[inside], gy.ravel()[inside]]))
            placer.place(text, [(float(x), float(y), "center", "center") for x, y in spots], prop, colour="#8a8a8a",
                         zorder=2, must_avoid_lines=True)

    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ticks = axis.get_majorticklocs()
        axis.set_major_formatter(_km_formatter(float(np.diff(ticks).min()) if len(ticks) > 1 else 1000.0))
    tick_prop = page.fonts.prop(page.size(5.2))
    ax.tick_params(direction="in", length=2.2 * s, width=0.5 * s, top=True, right=True, pad=1.5 * s, colors=_GREY)
    for tick in ax.get_xticklabels():
        tick.set_fontproperties(tick_prop)
    for tick in ax.get_yticklabels():
        tick.set_fontproperties(tick_prop)
        tick.set_rotation(90)
        tick.set_verticalalignment("center")
    for spine in ax.spines.values():
        spine.set_linewidth(0.8 * s)
        spine.set_color("#111111")


# --- the panel: legend, scale bar, north arrow, notes --------------------------

@dataclass
class _Block:
    """A region of the panel (mm in the panel's axes)."""

    x: float
    y: float
    w: float
    h: float


def _legend(page: _Page, ax: Axes, box: _Block, entries: Sequence[LegendEntry], extras: Sequence[tuple[str, str]],
            lang: str) -> None:
    """Swatches and labels, flowing into a second column when the block is too short."""
    s = page.scale
    head = page.fonts.prop(page.size(8.5), bold=True)
    label_prop = page.fonts.prop(page.size(7))
    note_prop = page.fonts.prop(page.size(5.8))
    line, note_line = 3.3 * s, 2.6 * s
    sw, sh = 6.5 * s, 3.6 * s
    top = box.y + box.h
    ax.text(box.x, top, t("figure.legend", lang), fontproperties=head, color=_INK, va="top", ha="left")
    items: list[tuple[str, str, str, str]] = [(e.label, e.note, "fill", e.colour) for e in entries]
    items += [(label, "", kind, "") for kind, label in extras]
    columns = 1
    heights = []
    text_w = box.w - sw - 2.5 * s
    for label, note, _, _ in items:
        lines = page.wrap(label, label_prop, text_w)
        notes = page.wrap(note, note_prop, text_w) if note else []
        heights.append((lines, notes, max(sh, len(lines) * line + len(notes) * note_line) + 1.6 * s))
    body = box.h - 7 * s
    if sum(h for *_, h in heights) > body:
        columns = 2
        text_w = box.w / 2 - sw - 3.5 * s
        heights = []
        for label, note, _, _ in items:
            lines = page.wrap(label, label_prop, text_w)
            notes = page.wrap(note, note_prop, text_w) if note else []
            heights.append((lines, notes, max(sh, len(lines) * line + len(notes) * note_line) + 1.6 * s))
    col_w = box.w / columns
    total = sum(h for *_, h in heights)
    x, y = box.x, top - 7 * s
    used = 0.0
    for (_label, _note, kind, colour), (lines, notes, h) in zip(items, heights, strict=True):
        if columns == 2 and x == box.x and used > 0 and (used + h / 2 > total / 2 or y - h < box.y - 0.5):
            x, y = x + col_w, top - 7 * s  # second column: balance the two
        used += h
        sx, sy = x, y - sh
        if kind == "fill":
            ax.add_patch(Rectangle((sx, sy), sw, sh, facecolor=colour, edgecolor="#1a1a1a", linewidth=0.35 * s))
        elif kind == "points":
            ax.plot([sx + sw / 2], [sy + sh / 2], marker="*", markersize=10 * s, color="#ffffff",
                    markeredgecolor="#1a1a1a", markeredgewidth=0.6 * s, linestyle="none")
        elif kind == "zones":
            ax.add_patch(Rectangle((sx, sy), sw, sh, facecolor="none", edgecolor="#333333", linewidth=0.9 * s,
                                   linestyle=(0, (3, 2))))
        elif kind == "districts":
            ax.add_patch(Rectangle((sx, sy), sw, sh, facecolor="#efefef", edgecolor="#b5b5b5", linewidth=0.6 * s))
        elif kind == "metro":
            ax.plot([sx, sx + sw], [sy + sh / 2] * 2, color="#6b8cae", linewidth=0.9 * s, solid_capstyle="round")
        tx, ty = sx + sw + 2 * s, y - 0.1 * s
        for text in lines:
            ax.text(tx, ty, text, fontproperties=label_prop, color=_INK, va="top", ha="left")
            ty -= line
        for text in notes:
            ax.text(tx, ty, text, fontproperties=note_prop, color=_GREY, va="top", ha="left")
            ty -= note_line
        y -= h


def _nice_length(max_ground_m: float) -> float:
    """The largest 1, 2 or 5 × 10^n metres not above ``max_ground_m``."""
    exp = math.floor(math.log10(max_ground_m))
    for m in (5, 2, 1):
        if m * 10**exp <= max_ground_m:
            return float(m * 10**exp)
    return float(10 ** (exp - 1) * 5)


def _scalebar(page: _Page, ax: Axes, box: _Block, *, mm_per_ground_m: float, paper: str, lang: str) -> None:
    """A bar of alternating black and white quarters, its labels, and the fraction 1:N."""
    s = page.scale
    head = page.fonts.prop(page.size(7))
    small = page.fonts.prop(page.size(6))
    length = _nice_length(box.w * 0.92 / mm_per_ground_m)
    bar_mm = length * mm_per_ground_m
    unit, div = (t("figure.km", lang), 1000.0) if length >= 1000 else (t("figure.m", lang), 1.0)
    top = box.y + box.h
    ax.text(box.x, top, t("figure.scale", lang), fontproperties=head, color=_INK, va="top", ha="left")
    bar_y, bar_h = top - 9.5 * s, 1.6 * s
    quarter = bar_mm / 4
    for i in range(4):
        ax.add_patch(Rectangle((box.x + i * quarter, bar_y), quarter, bar_h, facecolor="#111111" if i % 2 == 0
                               else "white", edgecolor="#111111", linewidth=0.5 * s))
    for frac in (0, 0.5, 1):
        value = length * frac / div
        text = f"{value:g}" + (f" {unit}" if frac == 1 else "")
        ax.text(box.x + bar_mm * frac, bar_y + bar_h + 0.9 * s, text, fontproperties=small, color=_INK,
                ha="center" if frac else "left", va="bottom")
    rf = 1000.0 / mm_per_ground_m
    rounded = float(f"{rf:.3g}")
    ax.text(box.x, bar_y - 1.6 * s, t("figure.scale_rf", lang, rf=f"{rounded:,.0f}", paper=paper),
            fontproperties=small, color=_GREY, va="top", ha="left")


def _north(page: _Page, ax: Axes, cx: float, top: float, *, angle_deg: float, lang: str) -> None:
    """A north arrow (half black, half white), rotated to true north by ``angle_deg`` (clockwise from grid up)."""
    s = page.scale
    h, w = 11 * s, 3.6 * s
    base = top - 4.2 * s - h
    a = math.radians(angle_deg)

    def rot(px: float, py: float) -> tuple[float, float]:
        dx, dy = px, py - h / 2
        return cx + dx * math.cos(a) + dy * math.sin(a), base + h / 2 - dx * math.sin(a) + dy * math.cos(a)

    tip, left, right, notch = rot(0, h), rot(-w, 0), rot(w, 0), rot(0, h * 0.28)
    ax.add_patch(PolygonPatch([tip, left, notch], closed=True, facecolor="#111111", edgecolor="#111111",
                              linewidth=0.5 * s))
    ax.add_patch(PolygonPatch([tip, notch, right], closed=True, facecolor="white", edgecolor="#111111",
                              linewidth=0.5 * s))
    lx, ly = rot(0, h + 1.0 * s)
    ax.text(lx, ly, t("figure.north", lang), fontproperties=page.fonts.prop(page.size(8.5), bold=True), color=_INK,
            ha="center", va="bottom")


def _notes(page: _Page, ax: Axes, box: _Block, notes: Sequence[str]) -> float:
    """The notes, wrapped to the block and set from its bottom up; returns the top of the text (mm)."""
    s = page.scale
    prop = page.fonts.prop(page.size(5.8))
    line = 2.75 * s
    lines: list[str] = []
    for note in notes:
        lines += page.wrap(note, prop, box.w)
    y = box.y + line * len(lines)
    top = y
    for text in lines:
        ax.text(box.x, y, text, fontproperties=prop, color="#333333", va="top", ha="left")
        y -= line
    return top


# --- the page -----------------------------------------------------------------

def _ground_factors(proj: Projection, centre: tuple[float, float]) -> tuple[float, float]:
    """(metres on the ground per map unit at ``centre``, angle of true north clockwise from grid north, degrees).

    Metres per unit: the CRS's unit (metre, foot…) divided by the projection's
    scale factor along x at the centre (pyproj ``get_factors``), so a bar of N
    ground metres is N × k / unit long in map units. True north: the direction
    of a short step north in latitude, projected.
    """
    to_lonlat = transformer(proj.code if ":" in proj.code else proj.crs.to_wkt(), WGS84)
    lon, lat = to_lonlat.transform(*centre)
    unit = proj.crs.axis_info[0].unit_conversion_factor if proj.crs.axis_info else 1.0
    factors = Proj(proj.crs).get_factors(lon, lat)
    k = float(factors.parallel_scale)
    to_map = transformer(WGS84, proj.code if ":" in proj.code else proj.crs.to_wkt())
    ax, ay = to_map.transform(lon, lat)
    bx, by = to_map.transform(lon, lat + 0.01)
    angle = math.degrees(math.atan2(bx - ax, by - ay))
    return unit / k, angle


def render_figure(
    parcels: gpd.GeoDataFrame,
    *,
    legend: Sequence[LegendEntry],
    text: FigureText,
    zones: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    metro: gpd.GeoDataFrame | None = None,
    paper: Paper | None = None,
    crs: str | None = None,
    fmt: str = "png",
    key: str = "track_id",
    label: str | None = "project_id",
    zone_label: str = "name_zh",
    district_label: str = "name_zh",
    printed: dt.date | None = None,
) -> bytes:
    """One page of map as PNG or PDF bytes.

    Parameters
    ----------
    parcels
        Polygons filled by the colour of their ``key`` value (points are drawn
        as star markers); ``label`` names the column printed beside each (None: none).
    legend
        One entry per ``key`` value, in legend order, with its colour.
    text
        Title, subtitle, notes (e.g. the data's source) and language of the page's own words.
    zones, districts, metro
        Optional context layers, labelled from ``zone_label`` / ``district_label``.
    paper
        Size, orientation and PNG resolution (default A4 landscape, 200 dpi).
    crs
        CRS to draw in (None: the plan's own Gauss–Krüger zone, :func:`geo.crs.local_crs`); a geographic one
        is replaced by a projected one (see :func:`drawing_crs`).
    fmt
        ``png`` or ``pdf``.
    printed
        Date printed on the page (default today).

    Raises
    ------
    UsageError, CRSError, FontError
        Unknown format, paper or CRS, nothing to draw, no Chinese font.
    """
    paper = paper or Paper()
    if fmt not in FORMATS:
        raise UsageError(said("err.figure.format", fmt=fmt), source="format",
                         fix=said("err.figure.format_fix", choices=", ".join(FORMATS)))
    for name, layer in (("parcels", parcels), ("zones", zones), ("districts", districts), ("metro", metro)):
        if layer is not None and layer.crs is None:
            raise CRSError(said("err.figure.no_crs"), source=name, fix=said("err.figure.no_crs_fix"))
    lang = text.lang
    everything = parcels if len(parcels) else zones
    lon, lat = plan_area_centre()  # nothing to draw: the plan's area
    if everything is not None and len(everything):
        bx0, by0, bx1, by1 = everything.to_crs(WGS84).total_bounds
        if np.isfinite([bx0, by0, bx1, by1]).all():
            lon, lat = (bx0 + bx1) / 2, (by0 + by1) / 2
    proj = drawing_crs(crs or local_crs(), centre_lonlat=(lon, lat), lang=lang)
    target = proj.crs

    def to(layer: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        return None if layer is None else layer.to_crs(target)

    p, z, d, m = to(parcels), to(zones), to(districts), to(metro)
    assert p is not None
    W, H = paper.mm  # noqa: N806 - page width and height
    s = min(W, H) / 210.0
    margin, gap = 9 * s, 5 * s

    reason = t("figure.reason", lang, reason=proj.reason) if proj.reason else ""
    crs_note = t("figure.crs", lang, name=target.name, code=proj.code) + reason
    words = [text.title, text.subtitle, crs_note, *text.notes, *(e.label + e.note for e in legend), *_page_words(lang)]
    for layer, col in ((p, label), (z, zone_label), (d, district_label)):
        if layer is not None and col is not None and col in layer.columns:
            words += [str(v) for v in layer[col].dropna()]
    fonts = _fonts("".join(words))

    # the PNG is exactly paper.pixels: figsize from whole pixels (plus a hair, as matplotlib rounds down)
    px_w, px_h = paper.pixels
    size = (W / MM_PER_INCH, H / MM_PER_INCH) if fmt == "pdf" else ((px_w + 1e-6) / paper.dpi,
                                                                    (px_h + 1e-6) / paper.dpi)
    fig = Figure(figsize=size, dpi=paper.dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    page = _Page(fig, canvas.get_renderer(), fonts, s, paper.dpi)  # type: ignore[no-untyped-call]

    # title band: the title shrinks to fit the width (down to 12 pt), then wraps
    y = H - margin
    title_pt = 15 * s
    title_prop = fonts.prop(title_pt, bold=True)
    width = page.width_mm(text.title, title_prop)
    if width > W - 2 * margin:
        title_pt = max(12 * s, title_pt * (W - 2 * margin) / width)
        title_prop = fonts.prop(title_pt, bold=True)
    for line in page.wrap(text.title, title_prop, W - 2 * margin):
        fig.text(margin / W, y / H, line, fontproperties=title_prop, color="#111111", ha="left", va="top")
        y -= title_pt / 72 * MM_PER_INCH * 1.35
    if text.subtitle:
        y -= 1.2 * s
        sub_prop = fonts.prop(8.5 * s)
        for line in page.wrap(text.subtitle, sub_prop, W - 2 * margin):
            fig.text(margin / W, y / H, line, fontproperties=sub_prop, color=_GREY, ha="left", va="top")
            y -= 8.5 * s / 72 * MM_PER_INCH * 1.4
    y -= 1.5 * s
    rule = fig.add_artist(Line2D([margin / W, (W - margin) / W], [y / H] * 2, color="#111111", linewidth=0.6 * s))
    rule.set_transform(fig.transFigure)
    title_h = H - margin - y + 3 * s

    landscape = paper.orientation == "landscape"
    if landscape:
        panel = _Block(W - margin - 66 * s, margin, 66 * s, H - 2 * margin - title_h)
        box = _Block(margin, margin, W - 2 * margin - panel.w - gap, H - 2 * margin - title_h)
    else:
        panel = _Block(margin, margin, W - 2 * margin, 64 * s)
        box = _Block(margin, margin + panel.h + gap, W - 2 * margin, H - 2 * margin - title_h - panel.h - gap)
    extent = _extent([p.geometry] + ([z.geometry] if z is not None else []), box.w, box.h)
    mm_per_unit = box.w / (extent[2] - extent[0])
    centre = ((extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2)
    ground_per_unit, north_angle = _ground_factors(proj, centre)
    notes = [*text.notes, crs_note, t("figure.north_note", lang, deg=abs(north_angle)),
             t("figure.printed", lang, date=(printed or dt.date.today()).isoformat())]

    ax = fig.add_axes((box.x / W, box.y / H, box.w / W, box.h / H))
    _draw_map(page, ax, parcels=p, key=key, label=label, colours={e.key: e.colour for e in legend},
              zones=z, zone_label=zone_label, districts=d, district_label=district_label, metro=m, extent=extent)

    pax = _mm_axes(fig, panel.x, panel.y, panel.w, panel.h, (W, H))
    extras: list[tuple[str, str]] = []
    geom_types = set(p.geometry.geom_type.dropna())
    if geom_types & {"Point", "MultiPoint"}:
        extras.append(("points", t("figure.points", lang)))
    if z is not None and len(z):
        extras.append(("zones", t("figure.zones", lang)))
    if d is not None and len(d):
        extras.append(("districts", t("figure.districts", lang)))
    if m is not None and len(m):
        extras.append(("metro", t("figure.metro", lang)))
    present = set(p[key].dropna().astype(str))
    shown_legend = [e for e in legend if e.key in present]
    mm_per_ground_m = mm_per_unit / ground_per_unit
    paper_name = paper.size
    if landscape:
        inner = _Block(2 * s, 0, panel.w - 2 * s, panel.h)
        notes_top = _notes(page, pax, _Block(inner.x, 1 * s, inner.w, 0), notes)
        tools_h = 30 * s
        tools = _Block(inner.x, notes_top + 4 * s, inner.w, tools_h)
        _scalebar(page, pax, _Block(tools.x, tools.y, tools.w - 14 * s, tools.h), mm_per_ground_m=mm_per_ground_m,
                  paper=paper_name, lang=lang)
        _north(page, pax, tools.x + tools.w - 5 * s, tools.y + tools.h, angle_deg=north_angle, lang=lang)
        legend_box = _Block(inner.x, tools.y + tools.h + 5 * s, inner.w, inner.h - (tools.y + tools.h + 5 * s))
        _legend(page, pax, legend_box, shown_legend, extras, lang)
    else:
        col_legend = _Block(0, 0, panel.w * 0.47, panel.h)
        col_tools = _Block(panel.w * 0.49, 0, panel.w * 0.16, panel.h)
        col_notes = _Block(panel.w * 0.67, 0, panel.w * 0.33, panel.h)
        _legend(page, pax, col_legend, shown_legend, extras, lang)
        _north(page, pax, col_tools.x + 5 * s, panel.h, angle_deg=north_angle, lang=lang)
        _scalebar(page, pax, _Block(col_tools.x, panel.h - 44 * s, col_tools.w, 26 * s),
                  mm_per_ground_m=mm_per_ground_m, paper=paper_name, lang=lang)
        _notes(page, pax, _Block(col_notes.x, 1 * s, col_notes.w, 0), notes)

    out = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42, "ps.fonttype": 42, "axes.unicode_minus": False}):
        if fmt == "png":
            fig.savefig(out, format="png", dpi=paper.dpi, facecolor="white")
        else:
            fig.savefig(out, format="pdf", metadata={"Title": text.title, "Creator": "geo-explorer figure"})
    return out.getvalue()


def _page_words(lang: str) -> list[str]:
    """The page's own words in ``lang`` as the catalogue writes them (unfilled): the font must draw them."""
    words = catalogue(lang)
    return [words[f"figure.{key}"] for key in _WORD_KEYS]


def tables_label(tables: Iterable[object], lang: str) -> str:
    """``表2–表5`` from table names such as 表2, 表3 (the tracks' ``table`` column; blanks skipped)."""
    numbers = sorted({int(n) for name in tables if isinstance(name, str) for n in [name.strip(TABLE_PREFIX + " ")]
                      if n.isdigit()})
    if not numbers:
        return ""
    if len(numbers) == 1:
        return t("figure.table_one", lang, n=numbers[0])
    return t("figure.tables", lang, first=numbers[0], last=numbers[-1])


def source_note(*, title: str, period: str, tables: str, parcels: pd.DataFrame, lang: str) -> str:
    """``数据来源：《title》（period）表2–表5；几何为示意（indicative），非测绘成果``.

    The geometry clause follows the parcels' ``geometry_basis``: indicative,
    surveyed, or how many are surveyed.
    """
    basis = parcels["geometry_basis"].astype(str) if "geometry_basis" in parcels.columns else pd.Series(dtype=str)
    surveyed = int((basis == "surveyed").sum())
    if surveyed == 0:
        geometry = t("figure.indicative", lang)
    elif surveyed == len(parcels):
        geometry = t("figure.surveyed", lang)
    else:
        geometry = t("figure.mixed", lang, n=surveyed)
    source = t("figure.source", lang, title=title, period=period, tables=tables).rstrip()
    return t("figure.source_sep", lang, source=source, geometry=geometry)


def structure_label(zones: pd.DataFrame | None) -> str:
    """The plan's spatial structure from its zones' ``structure_zh``, in order and without repeats."""
    if zones is None or "structure_zh" not in zones.columns:
        return ""
    return "".join(dict.fromkeys(str(v) for v in zones["structure_zh"].dropna()))


def plan_figure(
    parcels: gpd.GeoDataFrame,
    *,
    tracks: pd.DataFrame,
    title: str,
    period: str,
    zones: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    metro: gpd.GeoDataFrame | None = None,
    total: int | None = None,
    filters: str = "",
    lang: str = "zh",
    paper: Paper | None = None,
    crs: str | None = None,
    fmt: str = "png",
    printed: dt.date | None = None,
    stages: Mapping[str, str] | None = None,
    stage_legend: Sequence[LegendEntry] = (),
    stage_label: str = "",
    notes: Sequence[str] = (),
) -> bytes:
    """The plan's print map: parcels by track (colours of tracks.csv), legend of tracks in Chinese, source note.

    Parameters
    ----------
    parcels
        The parcels to draw (the current filtered view), with ``track_id``,
        ``project_id`` and ``geometry_basis``.
    tracks
        ``track_id, name_zh, name_en, table, color`` (``layers.load_tracks()``).
    title, period
        The plan's (``layers.load_plan_info()``): printed as the title and in the source note.
    total, filters
        How many projects the plan has and a description of the filters, for
        the subtitle (``… 平台项目 8 / 26 · 筛选：…``).

    stages, stage_legend, stage_label
        Stage mode (the 监测评估 report's map of a year): each parcel is filled
        by the colour of ``stages[project_id]`` (a key of ``stage_legend``; a
        project missing from ``stages`` is drawn grey, as an unknown key), the
        legend lists ``stage_legend`` instead of the tracks and ``stage_label``
        (``2023年项目阶段``) joins the subtitle. None: parcels by track.
    notes
        Further notes printed after the source note (e.g. where the stages come from).

    The source note names the tables the tracks come from and whether the
    geometry is indicative or surveyed. In English the legend adds each
    track's English name under the Chinese one.
    """
    legend = [
        LegendEntry(str(r.track_id), str(r.name_zh), str(r.color), "" if lang == "zh" else str(r.name_en))
        for r in tracks.itertuples()
    ]
    key = "track_id"
    if stages is not None:
        key = "_stage"
        ids = parcels["project_id"].astype(object)
        parcels = parcels.assign(_stage=[stages.get(str(i), "") if isinstance(i, str) else "" for i in ids])
        legend = list(stage_legend)
    names = "name_zh" if lang == "zh" else "name_en"
    note = source_note(title=title, period=period, tables=tables_label(tracks["table"], lang), parcels=parcels,
                       lang=lang)
    count = t("figure.count", lang, shown=len(parcels), total=total if total is not None else len(parcels))
    subtitle = " · ".join(part for part in (structure_label(zones), count, stage_label, filters) if part)
    shown_title = t("figure.title", lang, title=title)
    return render_figure(
        parcels, legend=legend, text=FigureText(shown_title, subtitle, (note, *notes), lang), zones=zones,
        districts=districts, metro=metro, paper=paper, crs=crs, fmt=fmt, key=key, zone_label=names,
        district_label=names, printed=printed,
    )


def write_figure(path: str | Path, data: bytes) -> Path:
    """Write figure bytes to ``path`` atomically (through it when it is a symlink, FIFO or device)."""
    write_output(path, data)
    return Path(path)
