"""Writers for desktop tools besides GIS: KML/KMZ (Google Earth, 奥维互动地图), DXF (AutoCAD), XLSX (Excel).

All three hold several layers in one file; :mod:`geo.io.export` calls a
writer once per layer with the same folder, and the writer adds the layer to
the file it finds there.

KML / KMZ
    WGS84 always (KML has no other CRS). One ``Folder`` per layer (GDAL
    reads each as a layer), its features of any geometry type (a mixed layer
    stays whole, as Google Earth and 奥维 show it), one
    ``Placemark`` per feature named ``name_zh（project_id）``, with a
    ``description`` holding an HTML table of the attributes under their
    Chinese labels (values HTML-escaped, the HTML then XML-escaped) and the
    raw attributes as ``ExtendedData``. Features with a ``track_id`` get their
    track's colour (line opaque, fill 60 %); polygon layers without tracks
    (zones, districts) are outlines with no fill. KMZ is a zip whose first
    entry is ``doc.kml``. Written with ElementTree, which escapes all text.

DXF
    Written with **ezdxf**, not GDAL's DXF driver: GDAL writes every feature's
    layer from a ``Layer`` field but cannot, through pyogrio, create layer
    table entries with colours and linetypes, nor TEXT entities (GDAL makes
    them only from OGR style strings, which pyogrio does not write). ezdxf
    writes a DXF R2004 drawing in code page ANSI_936 (GBK) with one layer per
    track (``parcels_<track_id>_<name_zh>``:
    AutoCAD's layer-name rules: ≤ 255 characters, none of ``<>/\\":;?*|=`',``,
    no leading/trailing space), coloured by the track (true colour plus the
    nearest ACI colour for old viewers); zones on a dashed layer. Polygons are
    closed LWPOLYLINEs (one per ring), lines open LWPOLYLINEs, points POINTs;
    each feature's label (``project_id`` for parcels, else ``name_zh``) is a
    TEXT at its representative point (always inside the polygon). DXF has no
    CRS: coordinates are in the projected CRS chosen (geographic CRSs are
    refused by the registry), units metres (``$INSUNITS`` 6); the CRS is named
    in the drawing's custom properties (``DWGPROPS``). A drawing has no
    attribute table: what it leaves out (the other columns, features without
    geometry) is said by :func:`dxf_note` and :func:`dxf_left_out`. Why R2004 and GBK, not
    R2007+ (always UTF-8): GDAL (and so QGIS) decodes DXF text by
    ``$DWGCODEPAGE`` and shows a UTF-8 R2010 file's Chinese as mojibake unless
    the user sets ``DXF_ENCODING``; an ANSI_936 file reads correctly in GDAL,
    ezdxf and AutoCAD 2004+ on any Windows, and R2004 is the first version with
    true-colour layers. Characters GBK lacks are written as AutoCAD's
    ``\\U+XXXX`` escapes.

XLSX
    openpyxl, one sheet per layer (every row kept, its geometry type stated),
    Chinese headers with units (``规划面积（亩）``) and the column name as the
    header cell's comment, frozen header row, auto-filter, numbers as numbers
    (empty cell for unknown, never 0 or text). Geometry is given as a
    **representative point** (inside each polygon) in the chosen CRS, not as
    WKT: a district's WKT exceeds Excel's 32,767 characters per cell, and a
    point is what Excel users (and 奥维's table import) can use.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final
from xml.etree import ElementTree as ET

import ezdxf.colors
import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import shapely
from ezdxf.document import Drawing
from ezdxf.entities.lwpolyline import LWPolyline
from ezdxf.entities.point import Point
from ezdxf.enums import TextEntityAlignment
from ezdxf.filemanagement import new as new_dxf
from ezdxf.filemanagement import readfile as read_dxf
from ezdxf.layouts.layout import Modelspace
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pyproj import CRS

from geo.i18n import LANGS, t
from geo.io.styles import (
    DEFAULT_OPTIONS,
    FILL_OPACITY,
    OUTLINE_COLOUR,
    ExportOptions,
    kml_colour,
    rgb,
)
from geo.io.writers_gis import family_of

KML_NS: Final = "http://www.opengis.net/kml/2.2"
#: Decimals of KML coordinates (degrees): 1e-7° ≈ 1 cm.
KML_DECIMALS: Final = 7
#: Height of DXF labels in drawing units (metres): 3 mm at 1:10 000.
DXF_TEXT_HEIGHT: Final = 30.0
DXF_FORBIDDEN: Final = re.compile(r"[<>/\\\":;?*|=`',\x00-\x1f]")
DXF_VERSION: Final = "R2004"
DXF_ENCODING: Final = "gbk"
#: Excel's limit of characters in one cell.
XLSX_CELL_LIMIT: Final = 32_767
#: The custom header variables of a DXF we write (name → value words): file content that CAD users read in
#: DXF's own properties, bilingual in every export.
DXF_VARS: Final = {"crs": "坐标系 CRS", "units": "单位 units", "metres": "米 metres", "title": "标题 title"}
#: Column headers of the sheet we write beyond the layer's own columns: its geometry type and the representative
#: point's coordinates (``{code}``: the CRS), the same in every export (tests and users' formulas name them).
XLSX_HEADERS: Final = {"geometry": "几何类型", "lon": "代表点经度（{code}，度）", "lat": "代表点纬度（{code}，度）",
                       "x": "代表点X 东坐标（{code}，米）", "y": "代表点Y 北坐标（{code}，米）"}

ET.register_namespace("", KML_NS)


def _q(tag: str) -> str:
    return f"{{{KML_NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, _q(tag), attrs)
    if text is not None:
        el.text = text
    return el


def _attributes(gdf: gpd.GeoDataFrame) -> list[str]:
    return [str(c) for c in gdf.columns if c != gdf.geometry.name]


def _text(value: object) -> str:
    """A value as text for people: unknown → ``——`` (the plan's own sign), floats without noise."""
    if not _present(value):
        return "——"
    if isinstance(value, float | np.floating):
        return f"{float(value):,.3f}".rstrip("0").rstrip(".")
    return str(value)


def feature_name(row: pd.Series) -> str:
    """A placemark's name: ``name_zh（project_id）``, or whatever of the two (or ``name``) exists."""
    name = next((str(row[c]) for c in ("name_zh", "name", "name_en") if c in row and _present(row[c])), "")
    pid = str(row["project_id"]) if "project_id" in row and _present(row["project_id"]) else ""
    if name and pid:
        return f"{name}（{pid}）"
    return name or pid


def _present(value: Any) -> bool:
    """Whether ``value`` is known (not None, NaN, pd.NA)."""
    return value is not None and (isinstance(value, str) or not bool(pd.isna(value)))


# --- KML ----------------------------------------------------------------------

def _coords(geom: shapely.Geometry) -> str:
    xy = shapely.get_coordinates(geom)
    return " ".join(f"{x:.{KML_DECIMALS}f},{y:.{KML_DECIMALS}f}" for x, y in xy)


def _kml_geometry(parent: ET.Element, geom: shapely.Geometry | None) -> None:
    if geom is None or shapely.is_empty(geom):
        return
    if isinstance(geom, shapely.Polygon):
        poly = _sub(parent, "Polygon")
        _sub(poly, "tessellate", "1")
        ring = _sub(_sub(poly, "outerBoundaryIs"), "LinearRing")
        _sub(ring, "coordinates", _coords(geom.exterior))
        for hole in geom.interiors:
            _sub(_sub(_sub(poly, "innerBoundaryIs"), "LinearRing"), "coordinates", _coords(hole))
    elif isinstance(geom, shapely.LineString):
        line = _sub(parent, "LineString")
        _sub(line, "tessellate", "1")
        _sub(line, "coordinates", _coords(geom))
    elif isinstance(geom, shapely.Point):
        _sub(_sub(parent, "Point"), "coordinates", _coords(geom))
    elif isinstance(geom, shapely.MultiPolygon | shapely.MultiLineString | shapely.MultiPoint
                    | shapely.GeometryCollection):
        multi = _sub(parent, "MultiGeometry")
        for part in geom.geoms:
            _kml_geometry(multi, part)


def _kml_style(document: ET.Element, style_id: str, colour: str, *, fill: bool) -> None:
    """Add ``<Style id=style_id>`` unless present; styles go before the first Folder (KML's order)."""
    if any(s.get("id") == style_id for s in document.findall(_q("Style"))):
        return
    style = ET.Element(_q("Style"), id=style_id)
    icon = _sub(style, "IconStyle")
    _sub(icon, "color", kml_colour(colour))
    _sub(icon, "scale", "0.8")
    _sub(_sub(style, "LabelStyle"), "scale", "0.8")
    line = _sub(style, "LineStyle")
    _sub(line, "color", kml_colour(colour))
    _sub(line, "width", "2" if fill else "2.5")
    poly = _sub(style, "PolyStyle")
    _sub(poly, "color", kml_colour(colour, round(255 * FILL_OPACITY)))
    _sub(poly, "fill", "1" if fill else "0")
    _sub(poly, "outline", "1")
    folders = [i for i, el in enumerate(document) if el.tag == _q("Folder")]
    document.insert(folders[0] if folders else len(document), style)


def _description(row: pd.Series, columns: list[str], options: ExportOptions) -> str:
    cells = "".join(
        f"<tr><th align=\"left\">{html.escape(options.label(c))}</th><td>{html.escape(_text(row[c]))}</td></tr>"
        for c in columns)
    return f'<table border="1" cellpadding="3" cellspacing="0">{cells}</table>'


def _style_id(geom: shapely.Geometry | None, row: pd.Series, options: ExportOptions) -> tuple[str, str, bool]:
    """(style id, colour, filled) for one feature: its track's colour, else an outline for a polygon."""
    track = options.track(row["track_id"]) if "track_id" in row else None
    if track is not None:
        return f"track-{re.sub(r'[^A-Za-z0-9_-]', '_', track.track_id)}", track.color, True
    if geom is not None and shapely.get_type_id(geom) in (3, 6):  # Polygon, MultiPolygon
        return "outline", OUTLINE_COLOUR, False
    return "default", "#666666", True


def _kml_document(path: Path, title: str) -> tuple[ET.Element, ET.Element]:
    """(root, Document) of the KML at ``path``, or of a new one named ``title``."""
    if path.exists():
        root = ET.parse(path).getroot()
        document = root.find(_q("Document")) if root is not None else None
        if root is not None and document is not None:
            return root, document
    root = ET.Element(_q("kml"))
    document = _sub(root, "Document")
    _sub(document, "name", title)
    return root, document


def add_kml_layer(path: Path, gdf: gpd.GeoDataFrame, name: str, options: ExportOptions) -> None:
    """Append layer ``name`` (WGS84) as a Folder of Placemarks to the KML document at ``path``."""
    root, document = _kml_document(path, options.title or name)
    folder = _sub(document, "Folder")
    _sub(folder, "name", name)
    columns = _attributes(gdf)
    for (_, row), geom in zip(gdf.iterrows(), gdf.geometry.values, strict=True):
        style_id, colour, fill = _style_id(geom, row, options)
        _kml_style(document, style_id, colour, fill=fill)
        placemark = _sub(folder, "Placemark")
        _sub(placemark, "name", feature_name(row))
        _sub(placemark, "description", _description(row, columns, options))
        _sub(placemark, "styleUrl", f"#{style_id}")
        extended = _sub(placemark, "ExtendedData")
        for c in columns:
            if _present(row[c]):
                _sub(_sub(extended, "Data", name=c), "value", str(row[c]))
        _kml_geometry(placemark, geom)
    ET.indent(root, space=" ")
    tmp = path.with_name(path.name + ".part")
    ET.ElementTree(root).write(tmp, encoding="UTF-8", xml_declaration=True)
    tmp.replace(path)


def write_kml(gdf: gpd.GeoDataFrame, name: str, folder: Path, options: ExportOptions = DEFAULT_OPTIONS) -> list[Path]:
    """Add layer ``name`` to ``layers.kml``."""
    path = folder / "layers.kml"
    add_kml_layer(path, gdf, name, options)
    return [path]


def write_kmz(gdf: gpd.GeoDataFrame, name: str, folder: Path, options: ExportOptions = DEFAULT_OPTIONS) -> list[Path]:
    """Add layer ``name`` to ``doc.kml`` and zip it as ``layers.kmz`` (``doc.kml`` its only entry)."""
    kml = folder / "doc.kml"
    add_kml_layer(kml, gdf, name, options)
    path = folder / "layers.kmz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(kml, "doc.kml")
    return [path]


# --- DXF ----------------------------------------------------------------------

def dxf_text(text: str) -> str:
    """``text`` for a GBK DXF: characters GBK lacks as their NFKC form (² → 2), else ``\\U+XXXX``."""
    out = []
    for ch in text:
        for candidate in (ch, unicodedata.normalize("NFKC", ch)):
            try:
                candidate.encode(DXF_ENCODING)
            except UnicodeEncodeError:
                continue
            out.append(candidate)
            break
        else:
            out.append(f"\\U+{ord(ch):04X}")
    return "".join(out)


def dxf_layer_name(*parts: str) -> str:
    """An AutoCAD-valid layer name from ``parts`` joined by ``_`` (forbidden characters → ``_``)."""
    name = DXF_FORBIDDEN.sub("_", dxf_text("_".join(p for p in parts if p))).strip()
    return (name or "0")[:255]


def nearest_aci(colour: str) -> int:
    """The AutoCAD Color Index (1–255) nearest to ``#rrggbb``, for viewers without true colour."""
    r, g, b = rgb(colour)
    best, best_d = 7, math.inf
    for aci in range(1, 256):
        ar, ag, ab = ezdxf.colors.aci2rgb(aci)
        d = (ar - r) ** 2 + (ag - g) ** 2 + (ab - b) ** 2
        if d < best_d:
            best, best_d = aci, d
    return best


def _dxf_doc(path: Path, crs: CRS, options: ExportOptions) -> Drawing:
    if path.exists():
        return read_dxf(path)
    doc = new_dxf(DXF_VERSION, setup=True)
    doc.encoding = DXF_ENCODING  # written as $DWGCODEPAGE ANSI_936
    doc.header["$INSUNITS"] = 6  # metres
    doc.header["$MEASUREMENT"] = 1
    doc.header["$LTSCALE"] = 20.0  # dashes of tens of metres at this extent
    doc.header.custom_vars.append(DXF_VARS["crs"], f"{crs.to_string()} {crs.name}")
    doc.header.custom_vars.append(DXF_VARS["units"], DXF_VARS["metres"])
    if options.title:
        doc.header.custom_vars.append(DXF_VARS["title"], dxf_text(options.title))
    if "CJK" not in doc.styles:
        doc.styles.add("CJK", font="simsun.ttc")  # 宋体, present on every Chinese Windows
    return doc


def _dxf_layer(doc: Drawing, name: str, colour: str, *, dashed: bool) -> None:
    if name in doc.layers:
        return
    layer = doc.layers.add(name)
    layer.color = nearest_aci(colour)
    layer.rgb = rgb(colour)
    if dashed and "DASHED" in doc.linetypes:
        layer.dxf.linetype = "DASHED"


def _dxf_geometry(msp: Modelspace, geom: shapely.Geometry, layer: str) -> None:
    attribs = {"layer": layer}
    if isinstance(geom, shapely.Polygon):
        for ring in (geom.exterior, *geom.interiors):
            msp.add_lwpolyline(shapely.get_coordinates(ring)[:-1].tolist(), close=True, dxfattribs=attribs)
    elif isinstance(geom, shapely.LineString):
        msp.add_lwpolyline(shapely.get_coordinates(geom).tolist(), dxfattribs=attribs)
    elif isinstance(geom, shapely.Point):
        msp.add_point((geom.x, geom.y), dxfattribs=attribs)
    elif isinstance(geom, shapely.MultiPolygon | shapely.MultiLineString | shapely.MultiPoint
                    | shapely.GeometryCollection):
        for part in geom.geoms:
            _dxf_geometry(msp, part, layer)


#: Columns whose value labels a feature in a DXF (the first present).
DXF_LABELS: Final = ("project_id", "name_zh", "name")


def _label(row: pd.Series) -> str:
    for column in DXF_LABELS:
        if column in row and _present(row[column]):
            return str(row[column])
    return ""


def dxf_left_out(gdf: gpd.GeoDataFrame) -> list[str]:
    """The features a DXF cannot draw (those without geometry), labelled ``<project_id> 名称 (no geometry)``."""
    geoms = np.asarray(gdf.geometry.values)
    out = []
    for pos in np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms)):
        row = gdf.iloc[int(pos)]
        who = " ".join(dict.fromkeys(_text(row[c]) for c in ("project_id", "name_zh") if c in row
                                     and _present(row[c])))
        out.append(f"{who or f'feature {gdf.index[int(pos)]}'} (no geometry)")
    return out


def dxf_note(name: str, gdf: gpd.GeoDataFrame) -> tuple[str, str] | None:
    """What a DXF leaves out of layer ``name``: every attribute but the label (zh, en); None if it has none."""
    columns = _attributes(gdf)
    label = next((c for c in DXF_LABELS if c in columns), None)
    other = [c for c in columns if c != label]
    if not other:
        return None
    zh, en = (t("export.dxf_note", lang, name=name, n=len(other),
                shown=t("export.dxf_shown_label", lang, label=label) if label else t("export.dxf_shown", lang),
                layers=t("export.dxf_by_track", lang) if "track_id" in columns else "") for lang in LANGS)
    return zh, en


def write_dxf(gdf: gpd.GeoDataFrame, name: str, folder: Path, options: ExportOptions = DEFAULT_OPTIONS) -> list[Path]:
    """Add layer ``name`` (projected CRS) to ``layers.dxf``: one DXF layer per track, labels as TEXT."""
    path = folder / "layers.dxf"
    crs = CRS.from_user_input(gdf.crs)
    doc = _dxf_doc(path, crs, options)
    msp = doc.modelspace()
    dashed = family_of(gdf) == "polygons" and "track_id" not in gdf.columns
    for (_, row), geom in zip(gdf.iterrows(), gdf.geometry.values, strict=True):
        track = options.track(row["track_id"]) if "track_id" in row else None
        if track is not None:
            layer, colour = dxf_layer_name(name, track.track_id, track.name_zh), track.color
        elif "track_id" in row and _present(row["track_id"]):
            layer, colour = dxf_layer_name(name, str(row["track_id"])), "#666666"
        else:
            layer, colour = dxf_layer_name(name), OUTLINE_COLOUR if dashed else "#666666"
        _dxf_layer(doc, layer, colour, dashed=dashed)
        if geom is None or shapely.is_empty(geom):
            continue
        _dxf_geometry(msp, geom, layer)
        label = _label(row)
        if label:
            point = shapely.point_on_surface(geom)
            style = "Standard" if label.isascii() else "CJK"
            text = msp.add_text(dxf_text(label), height=DXF_TEXT_HEIGHT, dxfattribs={"layer": layer, "style": style})
            text.set_placement((point.x, point.y), align=TextEntityAlignment.MIDDLE_CENTER)
    bounds = _bounds(msp)
    if bounds is not None:
        (x0, y0), (x1, y1) = bounds
        doc.set_modelspace_vport(height=max(y1 - y0, x1 - x0, 1.0) * 1.1, center=((x0 + x1) / 2, (y0 + y1) / 2))
        doc.header["$EXTMIN"] = (x0, y0, 0.0)
        doc.header["$EXTMAX"] = (x1, y1, 0.0)
    tmp = path.with_name(path.name + ".part")
    doc.saveas(tmp)
    tmp.replace(path)
    return [path]


def _bounds(msp: Modelspace) -> tuple[tuple[float, float], tuple[float, float]] | None:
    xs: list[float] = []
    ys: list[float] = []
    for entity in msp.query("LWPOLYLINE POINT"):
        if isinstance(entity, LWPolyline):
            points = [(float(x), float(y)) for x, y in entity.get_points("xy")]
        elif isinstance(entity, Point):
            points = [(float(entity.dxf.location.x), float(entity.dxf.location.y))]
        else:
            continue
        xs += [p[0] for p in points]
        ys += [p[1] for p in points]
    if not xs:
        return None
    return (min(xs), min(ys)), (max(xs), max(ys))


# --- XLSX ---------------------------------------------------------------------

def sheet_title(name: str, taken: list[str]) -> str:
    """An Excel sheet name: ≤ 31 characters, none of ``[]:*?/\\``, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "layer"
    title, n = base, 1
    while title in taken:
        n += 1
        title = f"{base[:28]}_{n}"
    return title


def _cell(value: object) -> object:
    """A Python value openpyxl writes as the right cell type (NA → empty)."""
    if not _present(value):
        return None
    if isinstance(value, np.integer | int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, np.floating | float):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text[:XLSX_CELL_LIMIT]


def _number_format(column: str) -> str | None:
    if column.endswith("_mu"):
        return "#,##0.000"
    if column.endswith("_yi"):
        return "#,##0.00"
    return None


def _point_columns(crs: CRS) -> tuple[str, str, str]:
    """Headers of the representative point's two coordinates and their number format."""
    code = crs.to_string()
    if crs.is_geographic:
        return XLSX_HEADERS["lon"].format(code=code), XLSX_HEADERS["lat"].format(code=code), "0.0000000"
    return XLSX_HEADERS["x"].format(code=code), XLSX_HEADERS["y"].format(code=code), "0.000"


def _rows(gdf: gpd.GeoDataFrame, columns: list[str]) -> Iterator[list[object]]:
    geoms = np.asarray(gdf.geometry.values)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    points = np.full(len(geoms), None, dtype=object)
    points[present] = shapely.point_on_surface(geoms[present])
    types = gdf.geom_type.tolist()
    values = gdf[columns].astype(object).to_numpy()
    for i in range(len(gdf)):
        p = points[i]
        yield [*(_cell(v) for v in values[i]), types[i] if present[i] else None,
               None if p is None else float(p.x), None if p is None else float(p.y)]


def write_xlsx(gdf: gpd.GeoDataFrame, name: str, folder: Path, options: ExportOptions = DEFAULT_OPTIONS) -> list[Path]:
    """Add sheet ``name`` to ``layers.xlsx``: Chinese headers, frozen header row, numeric cells."""
    path = folder / "layers.xlsx"
    if path.exists():
        book = openpyxl.load_workbook(path)
    else:
        book = openpyxl.Workbook()
        book.remove(book.active)
    sheet = book.create_sheet(sheet_title(name, book.sheetnames))
    columns = _attributes(gdf)
    x_head, y_head, xy_format = _point_columns(CRS.from_user_input(gdf.crs))
    headers = [options.label(c) for c in columns] + [XLSX_HEADERS["geometry"], x_head, y_head]
    sheet.append(headers)
    bold = Font(bold=True)
    for i, cell in enumerate(sheet[1]):
        cell.font = bold
        if i <= len(columns):  # each attribute's column name, and the geometry type's (as a CSV names it)
            cell.comment = Comment(columns[i] if i < len(columns) else "geometry_type", "geo export")
    for row in _rows(gdf, columns):
        sheet.append(row)
    formats = [_number_format(c) for c in columns] + [None, xy_format, xy_format]
    for j, fmt in enumerate(formats, start=1):
        letter = get_column_letter(j)
        width = max(len(str(headers[j - 1])) * 2, 10)
        sheet.column_dimensions[letter].width = min(width, 40)
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            if cell.data_type == "f":  # text beginning with "=" is text, never a formula
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    tmp = path.with_name(path.name + ".part")
    book.save(tmp)
    tmp.replace(path)
    return [path]
