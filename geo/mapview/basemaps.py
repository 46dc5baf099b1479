"""Basemaps the map offers, as a registry.

Each basemap says where its tiles come from, in which datum they are drawn
and whether it needs a key. OpenStreetMap, CartoDB and Esri tiles are WGS84
(Web Mercator of WGS84). Tianditu is CGCS2000, which differs from WGS84 by
centimetres, and needs a user key (``TIANDITU_KEY``). Gaode tiles are drawn in
GCJ-02, offset ~470–500 m here: every overlay drawn on them is shifted with
:func:`geo.crs.shift_geometries` (``shift="gcj02"``), and clicks are shifted
back before they are matched to parcels. ``none`` draws no tiles at all: the
map still shows every zone and parcel when no tile server can be reached.

A server on an intranet configures its own tiles with ``GEO_TILES`` (an XYZ
template such as ``http://10.0.0.9/tiles/{z}/{x}/{y}.png``, or Tianditu with
``tk=`` in it), ``GEO_TILES_ATTRIBUTION`` and, for tiles drawn in GCJ-02,
``GEO_TILES_GCJ02=1`` (Gaode/AutoNavi hosts are known to be GCJ-02). Those
tiles are the ``custom`` basemap and the default; without them the default is
``none`` (an intranet cannot reach OpenStreetMap, which stays selectable). A
bad value is never fatal: :func:`tiles_problem` says what is wrong in one line
and the map falls back to ``none``. A configured server that cannot be reached
just draws no tiles; the zones, parcels and context layers stay on the map.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from geo.errors import Said, UsageError, said
from geo.i18n import pair, t


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
        "osm", *pair("basemap.osm"),
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        subdomains="",
    ),
    "carto": Basemap(
        "carto", *pair("basemap.carto"),
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
        '&copy; <a href="https://carto.com/attributions">CARTO</a>',
        subdomains="abcd",
    ),
    "esri": Basemap(
        "esri", *pair("basemap.esri"),
        "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        "Tiles &copy; Esri — Source: Esri, Maxar, Earthstar Geographics, and the GIS User Community",
        subdomains="",
    ),
    "tianditu": Basemap(
        "tianditu", *pair("basemap.tianditu"),
        _TDT.format(s="{s}", layer="vec"),
        t("basemap.tianditu_credit"),
        subdomains="01234567", max_zoom=18,
        overlays=(_TDT.format(s="{s}", layer="cva"),),
        key_name="TIANDITU_KEY",
    ),
    "gaode": Basemap(
        "gaode", *pair("basemap.gaode"),
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        t("basemap.gaode_credit"),
        subdomains="1234", max_zoom=18, shift="gcj02",
    ),
    "none": Basemap("none", *pair("basemap.none"), None),
}

#: The basemap of ``GEO_TILES``, and the one drawn when no tile source is configured.
CUSTOM: Final = "custom"
OFFLINE: Final = "none"
TILES_VAR: Final = "GEO_TILES"
ATTRIBUTION_VAR: Final = "GEO_TILES_ATTRIBUTION"
GCJ02_VAR: Final = "GEO_TILES_GCJ02"
#: Placeholders Leaflet fills in a tile URL; any other ``{name}`` would break the map in the browser.
_PLACEHOLDERS: Final = frozenset({"z", "x", "y", "-y", "s", "r"})
#: Hosts whose tiles are known to be drawn in GCJ-02.
_GCJ02_HOSTS: Final = ("autonavi.com", "amap.com")
#: A tile URL to show in a fix.
_EXAMPLE: Final = "http://10.0.0.9/tiles/{z}/{x}/{y}.png"


def parse_tiles(url: str, *, attribution: str = "", gcj02: str = "") -> Basemap:
    """The ``custom`` basemap of a tile URL template, or :class:`UsageError` naming the variable and the fix.

    Parameters
    ----------
    url
        An XYZ template (``GEO_TILES``): http(s), with ``{z}``, ``{x}`` and ``{y}`` (or ``{-y}``).
    attribution
        Text shown in the map's corner (``GEO_TILES_ATTRIBUTION``); default the tile server's host.
    gcj02
        ``1``/``0`` (``GEO_TILES_GCJ02``): whether the tiles are drawn in GCJ-02; empty guesses from the host.
    """
    url = url.strip()
    parts = urlsplit(url)

    def bad(problem: Said, fix: Said) -> UsageError:
        return UsageError(problem, source=TILES_VAR, fix=fix)

    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise bad(said("err.basemap.not_http", url=url[:80]),
                  said("err.basemap.not_http_fix", var=TILES_VAR, example=_EXAMPLE))
    if re.search(r"\s", url):
        raise bad(said("err.basemap.space"), said("err.basemap.space_fix", var=TILES_VAR))
    names = set(re.findall(r"\{([^{}]*)\}", url))
    missing = [f"{{{n}}}" for n in ("z", "x", "y") if n not in names and not (n == "y" and "-y" in names)]
    if missing:
        raise bad(said("err.basemap.no_placeholder", missing=" ".join(missing)),
                  said("err.basemap.no_placeholder_fix", example=_EXAMPLE))
    if unknown := sorted(names - _PLACEHOLDERS):
        raise bad(said("err.basemap.unknown_placeholder", name=unknown[0]),
                  said("err.basemap.unknown_placeholder_fix", token="tk=…"))
    flag = gcj02.strip().lower()
    if flag not in ("", "0", "1", "true", "false", "yes", "no"):
        raise UsageError(said("err.basemap.gcj02_flag", value=gcj02[:20]), source=GCJ02_VAR,
                         fix=said("err.basemap.gcj02_flag_fix", var=GCJ02_VAR))
    host = parts.hostname
    shifted = flag in ("1", "true", "yes") or (flag == "" and host.endswith(_GCJ02_HOSTS))
    return Basemap(
        CUSTOM, *pair("basemap.custom", host=host), url,
        html.escape(attribution.strip() or host), subdomains="abc", max_zoom=18,
        shift="gcj02" if shifted else None,
    )


def tile_source(env: Mapping[str, str] | None = None) -> Basemap | None:
    """The basemap ``GEO_TILES`` configures (None when it is unset); :class:`UsageError` when it is bad."""
    env = os.environ if env is None else env
    url = env.get(TILES_VAR, "").strip()
    if not url:
        return None
    return parse_tiles(url, attribution=env.get(ATTRIBUTION_VAR, ""), gcj02=env.get(GCJ02_VAR, ""))


def tiles_problem(env: Mapping[str, str] | None = None, *, lang: str = "en") -> str | None:
    """One line in ``lang`` saying what is wrong with ``GEO_TILES`` and how to fix it, or None when it is fine or
    unset."""
    try:
        tile_source(env)
    except UsageError as exc:
        return exc.text(lang)
    return None


def _valid_tile_source(env: Mapping[str, str] | None) -> Basemap | None:
    try:
        return tile_source(env)
    except UsageError:
        return None


def default_basemap(env: Mapping[str, str] | None = None) -> str:
    """``custom`` when ``GEO_TILES`` is set and valid, else ``none`` (an intranet reaches no public tiles)."""
    return CUSTOM if _valid_tile_source(env) is not None else OFFLINE


#: The default when nothing is configured; :func:`default_basemap` is the one to ask.
DEFAULT_BASEMAP: Final = OFFLINE


def available_basemaps(*, keys: dict[str, str] | None = None, env: Mapping[str, str] | None = None) -> list[str]:
    """Keys of the basemaps that can be shown, given the tile keys and ``GEO_TILES`` that are set.

    Parameters
    ----------
    keys
        Tile keys by name (e.g. ``{"TIANDITU_KEY": "..."}``); a basemap that
        needs a key absent here is not offered.
    env
        Where ``GEO_TILES`` is read (default the environment); the configured
        tiles come first, then no basemap, then the public ones.
    """
    keys = keys or {}
    public = [k for k, b in BASEMAPS.items() if k != OFFLINE and (b.key_name is None or keys.get(b.key_name))]
    custom = [CUSTOM] if _valid_tile_source(env) is not None else []
    return [*custom, OFFLINE, *public]


def get_basemap(key: str, *, env: Mapping[str, str] | None = None) -> Basemap:
    """The basemap called ``key`` (``custom``: the one of ``GEO_TILES``), or :class:`UsageError` naming the choices."""
    if key == CUSTOM:
        custom = tile_source(env)
        if custom is None:
            raise UsageError(said("err.basemap.no_tiles"), source=TILES_VAR,
                             fix=said("err.basemap.no_tiles_fix", var=TILES_VAR, example=_EXAMPLE))
        return custom
    try:
        return BASEMAPS[key]
    except KeyError as exc:
        raise UsageError(
            said("err.basemap.unknown", name=key), source="basemap",
            fix=said("err.basemap.unknown_fix", choices=", ".join([*BASEMAPS, CUSTOM])),
        ) from exc
