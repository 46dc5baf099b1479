"""Styles that travel with exported files, so desktop tools open them coloured.

The engine knows no plan: track ids, names and colours arrive in
:class:`ExportOptions` (the CLI and the pages build it from
``data/plan/tracks.csv`` with :func:`layers.export_options`), and so do the
Chinese field labels. Without options, every writer still works, unstyled.

QML (QGIS layer style, read by QGIS 3.x) is written as plain XML:

- vector layers with a ``track_id`` column: a ``categorizedSymbol`` renderer
  (``renderer-v2``) with one category per track, its colour and its Chinese
  name as the legend label; polygon layers without tracks (zones, districts):
  a ``singleSymbol`` dashed outline with no fill; lines and points a single
  symbol;
- ``<aliases>``: Chinese field aliases (``name_zh`` → 名称) for the attribute
  table and identify results;
- rasters: a ``paletted`` renderer (``rasterrenderer`` inside ``pipe``) whose
  palette entries carry the class labels, because QGIS 3.22 does not show the
  labels of a GDAL ``.aux.xml`` attribute table.

Symbol-layer properties are written as ``<prop k= v=>`` elements, which every
QGIS 3.x release reads (newer releases read them when no ``<Option>`` map is
present). The GeoPackage ``layer_styles`` table (QGIS's convention) and the
``.qml`` sidecars both hold these documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal
from xml.etree import ElementTree as ET

#: What a layer's geometry is drawn as.
Family = Literal["polygons", "lines", "points", "none"]

#: QGIS release the QML documents declare (the oldest our users run).
QGIS_VERSION: Final = "3.22.0-Białowieża"
#: Colour of outlines of polygon layers without tracks (zones, districts), and of layers without tracks.
OUTLINE_COLOUR: Final = "#333333"
DEFAULT_COLOUR: Final = "#666666"
#: Opacity of parcel fills (0–1): the basemap stays visible under them.
FILL_OPACITY: Final = 0.6


@dataclass(frozen=True)
class TrackStyle:
    """One track: id (the value of a layer's ``track_id``), names and colour ``#rrggbb``."""

    track_id: str
    name_zh: str
    name_en: str
    color: str


@dataclass(frozen=True)
class ExportOptions:
    """What the writers need besides the layer: styles, labels, text encoding.

    Attributes
    ----------
    tracks
        Track styles; features are coloured by their ``track_id``.
    field_labels
        Column → Chinese label with unit (``declared_mu`` → ``规划面积（亩）``):
        XLSX headers, KML description tables, QML aliases.
    encoding
        Text encoding of Shapefile ``.dbf`` files: ``UTF-8`` or ``GBK``.
    title
        Name of the dataset (KML document, DXF drawing property).
    """

    tracks: tuple[TrackStyle, ...] = ()
    field_labels: Mapping[str, str] = field(default_factory=dict)
    encoding: str = "UTF-8"
    title: str = ""

    def track(self, track_id: object) -> TrackStyle | None:
        """The style of ``track_id``, or ``None`` if unknown or missing."""
        return next((t for t in self.tracks if t.track_id == track_id), None)

    def label(self, column: str) -> str:
        """The Chinese label of ``column``, or the column name itself."""
        return self.field_labels.get(column, column)


DEFAULT_OPTIONS: Final = ExportOptions()


# --- colours ------------------------------------------------------------------

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def rgb(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` → (r, g, b); anything else → the default grey (never raises on data)."""
    colour = colour if _HEX.match(colour) else DEFAULT_COLOUR
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def qgis_colour(colour: str, alpha: int = 255) -> str:
    """QGIS's ``r,g,b,a`` colour notation."""
    r, g, b = rgb(colour)
    return f"{r},{g},{b},{alpha}"


def kml_colour(colour: str, alpha: int = 255) -> str:
    """KML's ``aabbggrr`` hexadecimal notation."""
    r, g, b = rgb(colour)
    return f"{alpha:02x}{b:02x}{g:02x}{r:02x}"


# --- QML ----------------------------------------------------------------------

def _props(parent: ET.Element, props: Mapping[str, str]) -> None:
    for key, value in props.items():
        ET.SubElement(parent, "prop", k=key, v=value)


def _symbol(parent: ET.Element, name: str, family: Family, colour: str, *, outline_only: bool = False) -> None:
    """One ``<symbol>`` with a single simple symbol layer for ``family``."""
    kind = {"polygons": "fill", "lines": "line"}.get(family, "marker")
    sym = ET.SubElement(parent, "symbol", type=kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    if kind == "fill":
        layer = ET.SubElement(sym, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"})
        _props(layer, {
            "color": qgis_colour(colour, round(255 * FILL_OPACITY)),
            "style": "no" if outline_only else "solid",
            "outline_color": qgis_colour(OUTLINE_COLOUR if outline_only else colour),
            "outline_style": "dash" if outline_only else "solid",
            "outline_width": "0.6" if outline_only else "0.3",
            "outline_width_unit": "MM", "joinstyle": "bevel", "offset": "0,0", "offset_unit": "MM",
        })
    elif kind == "line":
        layer = ET.SubElement(sym, "layer", {"class": "SimpleLine", "enabled": "1", "locked": "0", "pass": "0"})
        _props(layer, {"line_color": qgis_colour(colour), "line_style": "solid", "line_width": "0.6",
                       "line_width_unit": "MM", "capstyle": "round", "joinstyle": "round"})
    else:
        layer = ET.SubElement(sym, "layer", {"class": "SimpleMarker", "enabled": "1", "locked": "0", "pass": "0"})
        _props(layer, {"name": "circle", "color": qgis_colour(colour), "outline_color": "35,35,35,255",
                       "outline_style": "solid", "outline_width": "0.2", "outline_width_unit": "MM",
                       "size": "3", "size_unit": "MM", "angle": "0", "offset": "0,0", "offset_unit": "MM"})


def _root(categories: str) -> ET.Element:
    return ET.Element("qgis", version=QGIS_VERSION, styleCategories=categories)


def _serialise(root: ET.Element) -> str:
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n{body}\n"


def vector_qml(
    columns: Iterable[str],
    family: Family,
    options: ExportOptions = DEFAULT_OPTIONS,
    *,
    field_names: Mapping[str, str] | None = None,
    first_index: int = 0,
) -> str:
    """A QGIS style (QML) for a layer with ``columns`` drawn as ``family``.

    Parameters
    ----------
    columns
        The layer's attribute columns as the app names them (``track_id`` …).
    family
        Geometry family of the layer (one type per layer).
    options
        Track colours and Chinese field labels.
    field_names
        Column → name in the file, where the format renamed it (Shapefile's
        10-character names); aliases then refer to the file's names.
    first_index
        Index of the first attribute in QGIS (1 in GeoPackage, after ``fid``).
    """
    columns = list(columns)
    names = field_names or {}
    root = _root("Symbology|Fields")
    tracked = "track_id" in columns and bool(options.tracks)
    if tracked:
        renderer = ET.SubElement(root, "renderer-v2", type="categorizedSymbol", attr=names.get("track_id", "track_id"),
                                 symbollevels="0", enableorderby="0", forceraster="0")
        cats = ET.SubElement(renderer, "categories")
        symbols = ET.SubElement(renderer, "symbols")
        for i, track in enumerate(options.tracks):
            ET.SubElement(cats, "category", symbol=str(i), value=track.track_id,
                          label=f"{track.name_zh} {track.track_id}", render="true")
            _symbol(symbols, str(i), family, track.color)
        source = ET.SubElement(renderer, "source-symbol")
        _symbol(source, "0", family, DEFAULT_COLOUR)
    else:
        renderer = ET.SubElement(root, "renderer-v2", type="singleSymbol", symbollevels="0", enableorderby="0",
                                 forceraster="0")
        symbols = ET.SubElement(renderer, "symbols")
        _symbol(symbols, "0", family, OUTLINE_COLOUR if family == "polygons" else DEFAULT_COLOUR,
                outline_only=family == "polygons")
    aliases = ET.SubElement(root, "aliases")
    for i, column in enumerate(columns):
        label = options.label(column)
        ET.SubElement(aliases, "alias", field=names.get(column, column), index=str(first_index + i),
                      name=label if label != column else "")
    ET.SubElement(root, "layerGeometryType").text = {"points": "0", "lines": "1", "polygons": "2"}.get(family, "4")
    return _serialise(root)


def raster_qml(classes: Iterable[tuple[int, str, str]], *, band: int = 1) -> str:
    """A QGIS paletted-raster style: one palette entry per ``(value, label, colour)``.

    Value 0 (no class) is left out of the palette, so it draws transparent.
    """
    root = _root("Symbology")
    pipe = ET.SubElement(root, "pipe")
    renderer = ET.SubElement(pipe, "rasterrenderer", type="paletted", band=str(band), opacity="1",
                             alphaBand="-1", nodataColor="")
    ET.SubElement(renderer, "rasterTransparency")
    palette = ET.SubElement(renderer, "colorPalette")
    for value, label, colour in classes:
        r, g, b = rgb(colour)
        ET.SubElement(palette, "paletteEntry", value=str(value), color=f"#{r:02x}{g:02x}{b:02x}", alpha="255",
                      label=label)
    ET.SubElement(pipe, "brightnesscontrast", brightness="0", contrast="0", gamma="1")
    ET.SubElement(pipe, "huesaturation", saturation="0", grayscaleMode="0", colorizeOn="0")
    ET.SubElement(pipe, "rasterresampler", maxOversampling="2")
    ET.SubElement(root, "blendMode").text = "0"
    return _serialise(root)
