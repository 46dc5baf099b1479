"""Show 10^4–10^5 parcels on a web map without shipping them raw.

Folium, used plainly, sends every vertex of every feature to the browser as
GeoJSON: 10^5 parcels make a page of about a hundred megabytes that Chromium
cannot draw in reasonable time (README, benchmarks). This module keeps the
browser's share small whatever the layer's size:

- **Overview** (low zoom): :func:`overview_image` burns the whole layer into
  one paletted PNG with :func:`rasterio.features.rasterize` (fill coloured by a
  category column, outlines darker), drawn in Web Mercator — the map's own
  projection, because Leaflet stretches an image overlay linearly between its
  corners there. Shown with ``folium.raster_layers.ImageOverlay``.
- **Detail** (high zoom): :func:`features_in_view` answers the map's current
  bounds (as the map element reports them) from an STRtree built once per layer
  (:func:`build_index`; the caller caches it), simplified to half a screen
  pixel, coordinates rounded to 6 decimals (~0.1 m) and capped in number, as
  compact GeoJSON text.
- **Clicks** are resolved on the server against the same index
  (:func:`feature_at`): the browser never needs the attributes of every parcel.

Nothing imports Folium or Streamlit: the page composes these pieces (usage
note in the README, "Large layers").
"""

from __future__ import annotations

import base64
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely
from affine import Affine
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile

from geo.crs import WGS84, gcj02_to_wgs84, shift_geometries, transformer
from geo.errors import CRSError, UsageError, said

#: Most features :func:`features_in_view` returns (≈ 1–2 MB of GeoJSON for 15-vertex parcels).
MAX_FEATURES: Final = 3000
#: Decimals of the coordinates shipped (1e-6° ≈ 0.1 m here).
COORD_DECIMALS: Final = 6
#: Long side of the overview image in pixels.
OVERVIEW_MAX_PX: Final = 2048
#: Categories an overview can colour (fill codes 1…N, outline codes N+1…2N in one byte).
MAX_CATEGORIES: Final = 127
WEB_MERCATOR: Final = "EPSG:3857"
_SHIFTS: Final = (None, "gcj02")


@dataclass(frozen=True)
class Overview:
    """The whole layer as one image, and where it goes on the map.

    Attributes
    ----------
    png
        Paletted PNG (transparent where there is no parcel).
    bounds
        ``[[south, west], [north, east]]`` in degrees, as Folium's ``ImageOverlay`` wants them.
    width, height
        Image size in pixels.
    legend
        Category → colour, in legend order (only categories present in the layer).
    counts
        Category → number of parcels.
    """

    png: bytes
    bounds: list[list[float]]
    width: int
    height: int
    legend: dict[str, str]
    counts: dict[str, int]

    def data_url(self) -> str:
        """The PNG as a ``data:`` URL (what the browser receives)."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True, eq=False)
class LayerIndex:
    """A layer prepared for view queries and clicks: build once per layer, cache, reuse."""

    geoms: np.ndarray
    tree: shapely.STRtree
    ids: np.ndarray
    properties: pd.DataFrame
    extent: np.ndarray


@dataclass(frozen=True)
class View:
    """Map bounds in degrees."""

    west: float
    south: float
    east: float
    north: float


@dataclass(frozen=True)
class ViewFeatures:
    """Parcels in view, ready for the browser.

    ``geojson`` is a FeatureCollection; each feature's ``id`` is the layer's
    index label and its properties the indexed columns. ``in_view`` counts all
    parcels in the bounds, ``shown`` those sent (the largest first when capped).
    """

    geojson: str
    in_view: int
    shown: int
    truncated: bool
    tolerance: float

    @property
    def nbytes(self) -> int:
        """Size of the GeoJSON text in UTF-8 bytes."""
        return len(self.geojson.encode("utf-8"))


def _hex(colour: str, alpha: int) -> tuple[int, int, int, int]:
    c = colour.lstrip("#")
    if len(c) != 6:
        raise UsageError(said("err.map.colour", colour=colour), source="palette", fix=said("err.map.colour_fix"))
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha


def _in_wgs84(layer: gpd.GeoDataFrame | gpd.GeoSeries, source: str) -> gpd.GeoSeries:
    geoms = layer.geometry if isinstance(layer, gpd.GeoDataFrame) else layer
    if geoms.crs is None:
        raise CRSError(said("err.map.no_crs"), source=source, fix=said("err.map.no_crs_fix"))
    return geoms if geoms.crs.to_string() == WGS84 else geoms.to_crs(WGS84)


def overview_image(
    layer: gpd.GeoDataFrame,
    *,
    column: str,
    palette: Mapping[str, str],
    other: str = "#888888",
    max_px: int = OVERVIEW_MAX_PX,
    fill_alpha: int = 170,
    outline: bool = True,
    shift: str | None = None,
    source: str = "layer",
) -> Overview:
    """Rasterise the whole layer into a paletted PNG coloured by ``column``.

    Parameters
    ----------
    layer
        Parcels with a CRS (reprojected to Web Mercator for drawing).
    column
        Category column (e.g. ``track_id``, or a finding's severity).
    palette
        Category → ``#rrggbb``; categories not in it are drawn in ``other``.
    max_px
        Long side of the image; the short side follows the layer's aspect.
    fill_alpha
        Opacity of the fill, 0–255; outlines are opaque and darker.
    outline
        Darken pixels on a boundary between two parcels (so neighbours stay distinguishable).
    shift
        ``"gcj02"`` to draw on GCJ-02 tiles (Gaode).

    """
    if shift not in _SHIFTS:
        raise UsageError(said("err.map.unknown_shift", shift=shift), source="overview_image",
                         fix=said("err.map.unknown_shift_fix"))
    if column not in layer.columns:
        raise UsageError(said("err.map.no_column", column=column), source=source, fix=said("err.map.no_column_fix"))
    if not 16 <= max_px <= 8192:
        raise UsageError(said("err.map.image_size", px=max_px), source="max_px", fix=said("err.map.image_size_fix"))
    geoms = _in_wgs84(layer, source).to_numpy()
    if shift is not None:
        geoms = shift_geometries(geoms, to=shift)
    keys = layer[column].astype("string").fillna("").to_numpy(dtype=object)
    cats = [k for k in palette if (keys == k).any()]
    rest = sorted(set(keys) - set(cats))
    categories = cats + rest
    if len(categories) > MAX_CATEGORIES:
        raise UsageError(said("err.map.too_many_categories", column=column, n=len(categories), limit=MAX_CATEGORIES),
                         source=source, fix=said("err.map.too_many_categories_fix"))
    code = pd.Series(np.arange(1, len(categories) + 1, dtype=np.uint8), index=categories)
    values = code.reindex(keys).to_numpy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    merc = gpd.GeoSeries(geoms[ok], crs=WGS84).to_crs(WEB_MERCATOR).to_numpy()
    if len(merc) == 0:
        raise UsageError(said("err.map.no_geometry"), source=source, fix=said("err.map.no_geometry_fix"))
    minx, miny, maxx, maxy = shapely.total_bounds(merc)
    size = max(maxx - minx, maxy - miny, 1e-3) / max_px
    width, height = max(1, math.ceil((maxx - minx) / size)), max(1, math.ceil((maxy - miny) / size))
    transform = Affine(size, 0, minx, 0, -size, miny + height * size)
    # One pass burns parcel numbers; category and outline follow from that grid in numpy.
    ids = rasterio.features.rasterize(_shapes(merc, np.arange(1, len(merc) + 1, dtype=np.uint32)),
                                      out_shape=(height, width), transform=transform, fill=0, dtype="uint32")
    grid = np.concatenate([[0], values[ok]]).astype(np.uint8)[ids]
    if outline:  # pixels whose right or lower neighbour is another parcel
        edge = np.zeros(ids.shape, dtype=bool)
        edge[:, :-1] |= ids[:, :-1] != ids[:, 1:]
        edge[:-1, :] |= ids[:-1, :] != ids[1:, :]
        edge &= ids > 0
        grid[edge] += MAX_CATEGORIES
    colours = [palette.get(c, other) for c in categories]
    cmap = {0: (0, 0, 0, 0)}
    for i, colour in enumerate(colours, start=1):
        r, g, b, _ = _hex(colour, 255)
        cmap[i] = (r, g, b, fill_alpha)
        cmap[i + MAX_CATEGORIES] = (int(r * 0.6), int(g * 0.6), int(b * 0.6), 255)
    png = _encode_png(grid, cmap)
    to_deg = transformer(WEB_MERCATOR, WGS84)
    west, south = to_deg.transform(minx, miny)
    east, north = to_deg.transform(minx + width * size, miny + height * size)
    counts = pd.Series(keys[ok]).value_counts()
    return Overview(png=png, bounds=[[float(south), float(west)], [float(north), float(east)]], width=width,
                    height=height, legend=dict(zip(categories, colours, strict=True)),
                    counts={c: int(counts.get(c, 0)) for c in categories})


def _shapes(geoms: np.ndarray, values: np.ndarray) -> list[tuple[dict[str, Any], int]]:
    """``(GeoJSON-like polygon, value)`` pairs for the rasteriser, built from whole coordinate arrays.

    Shapely's ``__geo_interface__`` builds Python tuples vertex by vertex;
    slicing one coordinate array is several times faster.
    Multipolygons become one shape per part with the parent's value.
    """
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    polygons = shapely.get_type_id(parts) == 3
    parts, part_of = parts[polygons], part_of[polygons]
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    cuts = np.r_[0, np.flatnonzero(np.diff(coord_of)) + 1, len(coord_of)]
    ring_coords = [coords[a:b] for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True)]
    rcuts = np.r_[0, np.flatnonzero(np.diff(ring_of)) + 1, len(ring_of)]
    # Not strict: with no polygon part at all, rcuts is [0, 0] (one empty cut) against no value.
    return [({"type": "Polygon", "coordinates": ring_coords[a:b]}, v)
            for a, b, v in zip(rcuts[:-1].tolist(), rcuts[1:].tolist(), values[part_of].tolist(), strict=False)]


def _encode_png(grid: np.ndarray, cmap: dict[int, tuple[int, int, int, int]]) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile() as mem:
            with mem.open(driver="PNG", width=grid.shape[1], height=grid.shape[0], count=1, dtype="uint8",
                          ZLEVEL=6) as dst:
                dst.write(grid, 1)
                dst.write_colormap(1, cmap)
            return bytes(mem.read())


def build_index(layer: gpd.GeoDataFrame, *, columns: Sequence[str] = (), source: str = "layer") -> LayerIndex:
    """Index a layer for :func:`features_in_view` and :func:`feature_at`.

    Build it once per layer (``st.cache_resource`` keyed by the upload) and
    reuse it for every pan, zoom and click: building the STRtree costs far more
    than querying it (README, benchmarks).

    ``columns`` are the attributes sent with each feature (few: every byte is shipped).
    """
    missing = [c for c in columns if c not in layer.columns]
    if missing:
        raise UsageError(said("err.map.no_columns", columns=", ".join(map(repr, missing))), source=source,
                         fix=said("err.map.no_columns_fix"))
    geoms = _in_wgs84(layer, source).to_numpy().copy()
    geoms[shapely.is_empty(geoms)] = None
    props = pd.DataFrame(layer[list(columns)]).reset_index(drop=True)
    b = shapely.bounds(geoms)
    extent = np.nan_to_num((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]), nan=0.0)
    return LayerIndex(geoms=geoms, tree=shapely.STRtree(geoms), ids=layer.index.to_numpy(), properties=props,
                      extent=extent)


def parse_bounds(bounds: Mapping[str, Any] | None, *, default: View | None = None, source: str = "map bounds") -> View:
    """A :class:`View` from the map's reported ``bounds`` (``{"_southWest": {"lat", "lng"}, "_northEast": ...}``).

    The bounds hold ``None`` values before the map has reported its
    bounds; ``default`` (e.g. the layer's extent) is used then.
    """
    try:
        sw, ne = bounds["_southWest"], bounds["_northEast"]  # type: ignore[index]
        west, south, east, north = (float(sw["lng"]), float(sw["lat"]), float(ne["lng"]), float(ne["lat"]))
    except (TypeError, KeyError, ValueError) as exc:
        if default is not None:
            return default
        raise UsageError(
            said("err.map.bad_bounds", bounds=bounds), source=source,
            fix=said("err.map.bad_bounds_fix", shape='{"_southWest": {"lat", "lng"}, "_northEast": {...}}'),
        ) from exc
    if not all(map(math.isfinite, (west, south, east, north))) or south > north or west > east:
        raise UsageError(said("err.map.not_a_view", west=west, south=south, east=east, north=north), source=source,
                         fix=said("err.map.not_a_view_fix"))
    return View(max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0))


def _unshift_view(view: View) -> View:
    lon, lat = gcj02_to_wgs84(np.array([view.west, view.east]), np.array([view.south, view.north]))
    return View(float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1]))


def features_in_view(
    index: LayerIndex,
    bounds: Mapping[str, Any] | View | None,
    *,
    max_features: int = MAX_FEATURES,
    pixels: int = 1200,
    decimals: int = COORD_DECIMALS,
    shift: str | None = None,
    default: View | None = None,
) -> ViewFeatures:
    """The parcels intersecting the map's bounds, simplified, rounded, capped, as GeoJSON text.

    Parameters
    ----------
    index
        From :func:`build_index`.
    bounds
        The map's reported ``bounds`` (or a :class:`View`), in the datum of the tiles on screen.
    max_features
        Cap; when more parcels are in view the largest are sent and ``truncated`` is set
        (the page should then say "zoom in" and rely on the overview image).
    pixels
        Assumed map width in pixels: geometries are simplified to half a pixel.
    decimals
        Coordinate decimals (6 ≈ 0.1 m).
    shift
        ``"gcj02"`` when the map shows GCJ-02 tiles: bounds are shifted back, features forward.
    default
        View used while the map has not reported bounds yet.
    """
    if shift not in _SHIFTS:
        raise UsageError(said("err.map.unknown_shift", shift=shift), source="features_in_view",
                         fix=said("err.map.unknown_shift_fix"))
    if max_features < 0:
        raise UsageError(said("err.map.negative_max"), source="features_in_view", fix=said("err.map.negative_max_fix"))
    view = bounds if isinstance(bounds, View) else parse_bounds(bounds, default=default)
    if shift is not None:
        view = _unshift_view(view)
    hits = index.tree.query(shapely.box(view.west, view.south, view.east, view.north), predicate="intersects")
    in_view = len(hits)
    if in_view > max_features:
        hits = hits[np.argsort(-index.extent[hits], kind="stable")[:max_features]]
    hits = np.sort(hits)
    tolerance = (view.east - view.west) / max(pixels, 1) / 2
    geoms = shapely.simplify(index.geoms[hits], tolerance, preserve_topology=True)
    if shift is not None:
        geoms = shift_geometries(geoms, to=shift)
    geoms = shapely.transform(geoms, lambda c: np.round(c, decimals))
    text = _collection(shapely.to_geojson(geoms), index.ids[hits], index.properties.iloc[hits])
    return ViewFeatures(geojson=text, in_view=in_view, shown=len(hits), truncated=in_view > len(hits),
                        tolerance=tolerance)


def _collection(geometries: np.ndarray, ids: np.ndarray, props: pd.DataFrame) -> str:
    """A FeatureCollection from GeoJSON geometry strings, ids and a property frame (no per-feature dicts)."""
    if len(geometries) == 0:
        return '{"type":"FeatureCollection","features":[]}'
    if props.shape[1]:
        lines = props.to_json(orient="records", lines=True, force_ascii=False).rstrip("\n").split("\n")
    else:
        lines = ["{}"] * len(geometries)
    # A Series' "records" JSON is the list of its values.
    id_json = pd.Series(ids).to_json(orient="records", force_ascii=False)[1:-1].split(",") if len(ids) else []
    if len(id_json) != len(geometries):  # ids holding commas: encode one by one
        id_json = [pd.Series([i]).to_json(orient="records", force_ascii=False)[1:-1] for i in ids]
    parts = ['{"type":"Feature","id":' + i + ',"properties":' + p + ',"geometry":' + g + "}"
             for i, p, g in zip(id_json, lines, geometries, strict=True)]
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def feature_at(index: LayerIndex, *, lon: float, lat: float, shift: str | None = None) -> object | None:
    """The index label of the parcel under a click (the smallest containing it), or ``None``.

    The map reports only the clicked point, never the
    feature, so the parcel is found here with the same STRtree.
    """
    if shift == "gcj02":
        x, y = gcj02_to_wgs84(np.array([lon]), np.array([lat]))
        lon, lat = float(x[0]), float(y[0])
    elif shift is not None:
        raise UsageError(said("err.map.unknown_shift", shift=shift), source="feature_at",
                         fix=said("err.map.unknown_shift_fix"))
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise UsageError(said("err.map.not_a_position", lon=lon, lat=lat), source="feature_at",
                         fix=said("err.map.not_a_position_fix"))
    hits = index.tree.query(shapely.Point(lon, lat), predicate="intersects")
    hits = hits[shapely.get_dimensions(index.geoms[hits]) == 2]
    if len(hits) == 0:
        return None
    best = hits[np.argmin(shapely.area(index.geoms[hits]))]
    label: object = index.ids[best].item() if hasattr(index.ids[best], "item") else index.ids[best]
    return label


def layer_view(index: LayerIndex) -> View:
    """The whole layer's extent as a :class:`View` (the default before the map reports bounds)."""
    minx, miny, maxx, maxy = shapely.total_bounds(index.geoms)
    return View(float(minx), float(miny), float(maxx), float(maxy))
