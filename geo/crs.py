"""Coordinate reference systems used by the project, and the GCJ-02 shift.

Storage is WGS84 lon/lat (EPSG:4326). Users also ask for CGCS2000 geographic
(EPSG:4490, whose official axis order is lat/lon: we always use ``always_xy``)
and the plan's own CGCS2000 3-degree Gauss–Krüger zone: :func:`local_crs`
(``geo:plan.crs.local_epsg`` of the plan package in use, easting without zone
prefix) and :func:`local_zoned_crs` (the same zone with its number before the
easting). Any CGCS2000 3° zone is known by its number (:func:`gk_zone_of`,
:func:`gk_epsg`). Areas and distances are computed in :func:`equal_area`, centred
on the plan's area. Gaode and Tencent web tiles are drawn in GCJ-02, an
obfuscated datum offset by a few hundred metres (varying by place); overlays drawn on them must be shifted with
:func:`wgs84_to_gcj02`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Final

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as _PyprojCRSError

from geo.errors import CRSError, DataError, Said, said
from geo.i18n import pair

WGS84: Final = "EPSG:4326"
CGCS2000: Final = "EPSG:4490"
WEB_MERCATOR: Final = "EPSG:3857"

#: CGCS2000 3-degree Gauss–Krüger zones (EPSG): zone ``z`` of 25…45 has central meridian ``3 z`` °E; EPSG
#: ``4513 + (z − 25)`` writes the zone number before the easting, ``4534 + (z − 25)`` does not (checked with
#: pyproj in the tests).
GK_ZONES: Final = range(25, 46)
_GK_PREFIXED_BASE: Final = 4513
_GK_PLAIN_BASE: Final = 4534


def gk_zone_of(lon: float) -> int:
    """The CGCS2000 3° Gauss–Krüger zone whose central meridian is nearest ``lon`` (``round(lon / 3)``)."""
    return round(float(lon) / 3.0)


def gk_epsg(zone: int, *, prefixed: bool = False) -> str:
    """``EPSG:…`` of CGCS2000 3° Gauss–Krüger zone ``zone`` (25…45), with or without the zone prefix.

    Raises :class:`CRSError` outside the zones EPSG defines for China (CM 75°E … 135°E).
    """
    if int(zone) not in GK_ZONES:
        raise CRSError(said("err.crs.no_gk_zone", zone=zone), source="CRS", fix=said("err.crs.no_gk_zone_fix"))
    return f"EPSG:{(_GK_PREFIXED_BASE if prefixed else _GK_PLAIN_BASE) + int(zone) - GK_ZONES.start}"


def gk_zone_of_crs(code: str | CRS) -> tuple[int, bool] | None:
    """(zone, prefixed) of a CGCS2000 3° Gauss–Krüger CRS given by :func:`gk_epsg`'s codes, else None."""
    epsg = parse_crs(code).to_epsg() if not isinstance(code, CRS) else code.to_epsg()
    if epsg is None:
        return None
    for base, prefixed in ((_GK_PREFIXED_BASE, True), (_GK_PLAIN_BASE, False)):
        if base <= epsg < base + len(GK_ZONES):
            return GK_ZONES.start + epsg - base, prefixed
    return None


def plan_area_centre() -> tuple[float, float]:
    """(lon, lat) of the plan in use's area (``geo:plan.map.area_centre``, else its map centre)."""
    from geo.plan.current import plan_meta

    view = plan_meta().get("map") or {}
    centre = view.get("area_centre") or view.get("centre")
    if not centre:
        from geo.plan.current import meta_value

        centre = meta_value("map", "area_centre")
    return float(centre["lon"]), float(centre["lat"])


def equal_area(centre: tuple[float, float] | None = None) -> str:
    """Lambert azimuthal equal-area on the CGCS2000 (GRS80) ellipsoid, centred on ``centre`` (lon, lat).

    ``centre`` defaults to the plan in use's area (:func:`plan_area_centre`), read at call time. Areas in it
    equal ellipsoidal areas (to < 0.001 % within a plan's extent) and it can be computed vectorised, unlike
    per-polygon geodesic area; lengths near the centre are true (buffers, distances).
    """
    lon, lat = plan_area_centre() if centre is None else centre
    return f"+proj=laea +lat_0={lat:g} +lon_0={lon:g} +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs +type=crs"



def local_crs() -> str:
    """The plan's own Gauss–Krüger CRS without zone prefix (``geo:plan.crs.local_epsg``), read at call time.

    Planar areas (:func:`geo.area.area_mu` ``method="gk"``), the allocation raster, the exports' projected
    default and the figure's default are in it, so that every plan gets its own zone.
    """
    from geo.plan.current import meta_value

    return f"EPSG:{int(meta_value('crs', 'local_epsg'))}"


def local_zoned_crs() -> str | None:
    """The plan's Gauss–Krüger zone with the zone number before the easting (``local_zoned_epsg``), or None."""
    from geo.plan.current import meta_value

    code = meta_value("crs").get("local_zoned_epsg")
    return f"EPSG:{int(code)}" if code is not None else None


@lru_cache(maxsize=16)
def _gk_labels(code: str) -> tuple[str, str]:
    """Bilingual label of a CGCS2000 3° Gauss–Krüger CRS, from its central meridian and zone (pyproj)."""
    crs = CRS.from_user_input(code)
    params = {p.name: p.value for p in (crs.coordinate_operation.params if crs.coordinate_operation else [])}
    meridian = params.get("Longitude of natural origin")
    easting = float(params.get("False easting", 500000.0))
    cm = f"{meridian:g}" if isinstance(meridian, int | float) else "?"
    if easting > 1_000_000:
        zone = int(easting // 1_000_000)
        return pair("crs.gk_zoned", zone=zone)
    return pair("crs.gk_cm", cm=cm)


class _ExportCRSs(Mapping[str, tuple[str, str]]):
    """CRSs a user may export to, with bilingual labels: WGS84, CGCS2000 and the plan's own GK zone.

    A mapping read afresh on every use, so that ``--plan`` / ``GEO_PLAN`` offer that plan's zone
    (:func:`local_crs` and :func:`local_zoned_crs`).
    """

    def _items(self) -> dict[str, tuple[str, str]]:
        items = {WGS84: pair("crs.wgs84"), CGCS2000: pair("crs.cgcs2000")}
        for code in (local_crs(), local_zoned_crs()):
            if code is not None:
                items[code] = _gk_labels(code)
        return items

    def __getitem__(self, key: str) -> tuple[str, str]:
        return self._items()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __repr__(self) -> str:
        return f"EXPORT_CRS({self._items()!r})"


#: CRSs a user may export to, with bilingual labels (the plan's own zone: see :class:`_ExportCRSs`).
EXPORT_CRS: Final[Mapping[str, tuple[str, str]]] = _ExportCRSs()


#: PROJ parameters, WKT keywords and PROJJSON keys that make PROJ open a file (a grid,
#: an init file, a catalogue): a CRS given by a user must not read the server's files.
_FILE_REFERENCES: Final = re.compile(
    r"\b(nadgrids|geoidgrids|grids|xy_grids|z_grids|init|file|catalog)\s*=|PARAMETERFILE\s*[\[(]|PROJ4_GRIDS"
    r'|"parameter_file"|\bfile:',
    re.IGNORECASE,
)
#: ``+nadgrids=@null`` (no shift; GDAL writes it into EPSG:3857's WKT) opens no file of the server's.
_NULL_GRID: Final = re.compile(r"\+?nadgrids\s*=\s*@null(?=[\s\"\]]|$)", re.IGNORECASE)
#: A value that is a path rather than a CRS: absolute, home, relative or Windows.
_PATH_LIKE: Final = re.compile(r"^\s*(/|~|\.{1,2}[/\\]|\\|[A-Za-z]:[/\\])")


def example_crs() -> str:
    """A projected CRS to name in a message's fix: the plan in use's zone (any CGCS2000 zone if none is usable)."""
    try:
        return local_crs()
    except DataError:
        return "a CGCS2000 Gauss–Krüger zone's (EPSG:4534–4554)"


def _fix_crs() -> Said:
    return said("err.crs.epsg_fix", example=example_crs())


def _refuse_file_references(value: object, source: str) -> None:
    """Refuse a CRS that names a file (``+nadgrids=/etc/passwd``, ``@foo.gsb``, ``+init=``, a path).

    PROJ would open such files when the CRS is used; a user's ``--crs`` or CRS box
    accepts only EPSG codes, WKT and plain PROJ strings without file references.
    """
    text = json.dumps(value) if isinstance(value, dict) else str(value)
    checked = _NULL_GRID.sub("", text)
    if _PATH_LIKE.match(checked) or _FILE_REFERENCES.search(checked) or re.search(r"[=,]\s*@", checked):
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise CRSError(
            said("err.crs.file_reference", shown=shown),
            source=source,
            fix=said("err.crs.file_reference_fix", example=example_crs()),
        )


def parse_crs(value: str | int | CRS, *, source: str = "CRS") -> CRS:
    """Return a :class:`pyproj.CRS` for ``value`` or raise :class:`CRSError`.

    Accepts ``"EPSG:4490"``, ``4490``, WKT or a proj string; refuses (before PROJ
    sees it) any that names a file: see :func:`_refuse_file_references`.
    """
    if isinstance(value, CRS):
        return value
    _refuse_file_references(value, source)
    try:
        return CRS.from_user_input(value)
    except (_PyprojCRSError, TypeError, ValueError) as exc:
        raise CRSError(
            said("err.crs.unknown", value=value, error=str(exc)),
            source=source,
            fix=_fix_crs(),
        ) from exc


@lru_cache(maxsize=64)
def transformer(src: str, dst: str) -> Transformer:
    """A cached lon/lat-ordered transformer between two CRS strings."""
    return Transformer.from_crs(parse_crs(src), parse_crs(dst), always_xy=True)


# --- GCJ-02 ---------------------------------------------------------------
# The published GCJ-02 forward formula (Krasovsky ellipsoid parameters); the
# inverse is found by fixed-point iteration, accurate to ~1e-7 degrees.
_A: Final = 6378245.0
_EE: Final = 0.00669342162296594323


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    pi = np.pi
    common = (20 * np.sin(6 * x * pi) + 20 * np.sin(2 * x * pi)) * 2 / 3
    dlat = (-100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + common
            + (20 * np.sin(y * pi) + 40 * np.sin(y / 3 * pi)) * 2 / 3
            + (160 * np.sin(y / 12 * pi) + 320 * np.sin(y * pi / 30)) * 2 / 3)
    dlon = (300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + common
            + (20 * np.sin(x * pi) + 40 * np.sin(x / 3 * pi)) * 2 / 3
            + (150 * np.sin(x / 12 * pi) + 300 * np.sin(x / 30 * pi)) * 2 / 3)
    radlat = lat / 180 * pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = dlat * 180 / ((_A * (1 - _EE)) / (magic * sqrtmagic) * pi)
    dlon = dlon * 180 / (_A / sqrtmagic * np.cos(radlat) * pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shift WGS84 lon/lat arrays to GCJ-02 (as Gaode/Tencent tiles are drawn)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Invert :func:`wgs84_to_gcj02` by iteration (error below 1e-7 degrees)."""
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(30):
        slon, slat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = slon - glon, slat - glat
        wlon, wlat = wlon - elon, wlat - elat
        if max(np.max(np.abs(elon), initial=0.0), np.max(np.abs(elat), initial=0.0)) < 1e-10:
            break
    return wlon, wlat


def shift_geometries(geoms: np.ndarray, *, to: str) -> np.ndarray:
    """Shift shapely geometries between WGS84 and GCJ-02 (``to='gcj02'|'wgs84'``)."""
    fn = {"gcj02": wgs84_to_gcj02, "wgs84": gcj02_to_wgs84}.get(to)
    if fn is None:
        raise CRSError(said("err.crs.shift_target", to=to), source="shift_geometries",
                       fix=said("err.crs.shift_target_fix"))

    def _apply(coords: np.ndarray) -> np.ndarray:
        x, y = fn(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms), _apply)
