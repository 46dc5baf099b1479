"""Basemaps the map offers, as a registry.

Each basemap says where its tiles come from, in which datum they are drawn
and whether it needs a key. OpenStreetMap, CartoDB and Esri tiles are WGS84
(Web Mercator of WGS84). Tianditu is CGCS2000, which differs from WGS84 by
centimetres, and needs a user key (``TIANDITU_KEY``). Gaode tiles are drawn in
GCJ-02, offset ~470–500 m here: every overlay drawn on them is shifted with
:func:`geo.crs.shift_geometries` (``shift="gcj02"``), and clicks are shifted
back before they are matched to parcels. ``none`` draws no tiles at all: the
map still shows every zone and parcel when no tile server can be reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from geo.errors import UsageError


@dataclass(frozen=True)
class Basemap:
    """One basemap: tiles, attribution, datum shift, bilingual label."""

    key: str
    name_zh: str
    name_en: str
    tiles: str | None
    attribution: str = ""
    subdomains: str = "abc"
    max_zoom: int = 19
    #: ``"gcj02"`` if overlays must be shifted to match the tiles.
    shift: str | None = None
    #: Extra tile layers drawn on top (e.g. Tianditu's labels).
    overlays: tuple[str, ...] = field(default_factory=tuple)
    #: Environment/secrets name of the key the tiles need (``{key}`` in the URLs).
    key_name: str | None = None


_TDT = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
    "&TILECOL={{x}}&tk={{key}}"
)

BASEMAPS: Final[dict[str, Basemap]] = {
    "osm": Basemap(
        "osm", "OpenStreetMap 街道图", "OpenStreetMap streets",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        subdomains="",
    ),
    "carto": Basemap(
        "carto", "CartoDB 浅色底图", "CartoDB light",
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
        '&copy; <a href="https://carto.com/attributions">CARTO</a>',
        subdomains="abcd",
    ),
    "esri": Basemap(
        "esri", "Esri 影像", "Esri imagery",
        "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        "Tiles &copy; Esri — Source: Esri, Maxar, Earthstar Geographics, and the GIS User Community",
        subdomains="",
    ),
    "tianditu": Basemap(
        "tianditu", "天地图 矢量", "Tianditu vector",
        _TDT.format(s="{s}", layer="vec"),
        '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a> 国家地理信息公共服务平台',
        subdomains="01234567", max_zoom=18,
        overlays=(_TDT.format(s="{s}", layer="cva"),),
        key_name="TIANDITU_KEY",
    ),
    "gaode": Basemap(
        "gaode", "高德地图（GCJ-02，叠加层已偏移）", "Gaode (GCJ-02, overlays shifted)",
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        '&copy; <a href="https://www.amap.com/">高德地图 AutoNavi</a>',
        subdomains="1234", max_zoom=18, shift="gcj02",
    ),
    "none": Basemap("none", "无底图（离线）", "No basemap (offline)", None),
}

DEFAULT_BASEMAP: Final = "osm"


def available_basemaps(*, keys: dict[str, str] | None = None) -> list[str]:
    """Keys of the basemaps that can be shown, given the tile keys that are set.

    Parameters
    ----------
    keys
        Tile keys by name (e.g. ``{"TIANDITU_KEY": "..."}``); a basemap that
        needs a key absent here is not offered.
    """
    keys = keys or {}
    return [k for k, b in BASEMAPS.items() if b.key_name is None or keys.get(b.key_name)]


def get_basemap(key: str) -> Basemap:
    """The basemap called ``key``, or :class:`UsageError` naming the choices."""
    try:
        return BASEMAPS[key]
    except KeyError as exc:
        raise UsageError(
            f"unknown basemap {key!r}", source="basemap", fix=f"Use one of {', '.join(BASEMAPS)}"
        ) from exc
