"""What exported files need from the plan's data: track colours, Chinese field labels, a title.

The engine (:mod:`geo.io.export`) knows no plan; the CLI and the Export page
pass :func:`export_options` to it, so KML, DXF, GeoPackage and Shapefile
styles use the tracks and colours of the plan's ``tracks.csv`` (the same as
the app's map) and the labels below.
"""

from __future__ import annotations

from typing import Final

from geo.i18n import t
from geo.io.styles import ExportOptions, TrackStyle
from layers.plan import load_plan_info, load_tracks

#: Every column of the exported layers that has a label (with its unit): XLSX headers, KML description tables,
#: QGIS field aliases; each label is the catalogue's ``layers.field_<column>``.
LABELLED_COLUMNS: Final = (
    # parcels (projects)
    "project_id", "table", "row", "track_id", "name_zh", "name_en", "region_zh", "function_zh", "declared_mu",
    "area_note", "output_yi", "zone_id", "zone_basis", "anchor_zh", "source", "geometry_basis", "measured_mu",
    # drawn geometry: the draft version in use (geo.drafts), and a draft's own parcels
    "basis_version", "basis_author", "parcel_id",
    # zones
    "kind", "structure_zh", "focus_tracks", "anchors_zh", "description_zh",
    # places
    "lon_wgs84", "lat_wgs84", "district", "confidence", "note",
    # districts, metro
    "adcode", "line", "status", "stations",
)

#: The ending of a plan's Chinese title that the exported layers' title reads as its spatial layout: matched in the
#: plan's ``title_zh`` (the plan's own words), not shown alone.
TITLE_ENDING: Final = "发展规划"


def field_labels(lang: str = "zh") -> dict[str, str]:
    """The label of every column of :data:`LABELLED_COLUMNS` in ``lang`` (the files are labelled in Chinese)."""
    return {column: t(f"layers.field_{column}", lang) for column in LABELLED_COLUMNS}


def export_title() -> str:
    """The title of the exported layers, from the plan in use (``plan.csv``'s ``title_zh``).

    ``某某区“十四五”服务业发展规划`` gives ``某某区“十四五”服务业空间布局（示意）``.
    """
    title = str(load_plan_info()["title_zh"])
    if title.endswith(TITLE_ENDING):
        title = t("layers.export_title_layout", "zh", stem=title.removesuffix(TITLE_ENDING))
    return t("layers.export_title", "zh", name=title)


def export_options(*, encoding: str = "UTF-8") -> ExportOptions:
    """Export options from the plan's ``tracks.csv`` and title, and the columns' labels (:func:`field_labels`)."""
    tracks = tuple(
        TrackStyle(str(r.track_id), str(r.name_zh), str(r.name_en), str(r.color))
        for r in load_tracks().itertuples(index=False)
    )
    return ExportOptions(tracks=tracks, field_labels=field_labels(), encoding=encoding, title=export_title())
