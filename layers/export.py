"""What exported files need from the plan's data: track colours, Chinese field labels, a title.

The engine (:mod:`geo.io.export`) knows no plan; the CLI and the Export page
pass :func:`export_options` to it, so KML, DXF, GeoPackage and Shapefile
styles use the tracks and colours of the plan's ``tracks.csv`` (the same as
the app's map) and the labels below.
"""

from __future__ import annotations

import re
from typing import Final

from geo.io.styles import ExportOptions, TrackStyle
from layers.plan import load_plan_info, load_tracks

#: Chinese label (with unit) of every column of the exported layers: XLSX
#: headers, KML description tables, QGIS field aliases.
FIELD_LABELS: Final[dict[str, str]] = {
    # parcels (projects)
    "project_id": "项目编号", "table": "规划表号", "row": "表内行号", "track_id": "赛道代码",
    "name_zh": "名称", "name_en": "英文名称", "region_zh": "所在区域", "function_zh": "功能定位",
    "declared_mu": "规划面积（亩）", "area_note": "面积说明", "output_yi": "产值（亿元）",
    "zone_id": "片区代码", "zone_basis": "片区归属依据", "anchor_zh": "落位地点", "source": "来源",
    "geometry_basis": "几何依据（indicative=示意）", "measured_mu": "图上量算面积（亩）",
    # drawn geometry: the draft version in use (geo.drafts), and a draft's own parcels
    "basis_version": "草稿版本", "basis_author": "绘制人", "parcel_id": "地块编号",
    # zones
    "kind": "类型", "structure_zh": "空间结构", "focus_tracks": "重点赛道", "anchors_zh": "锚点",
    "description_zh": "规划描述",
    # places
    "lon_wgs84": "经度（WGS84，度）", "lat_wgs84": "纬度（WGS84，度）", "district": "所在区",
    "confidence": "位置可信度", "note": "备注",
    # districts, metro
    "adcode": "行政区划代码", "line": "线路", "status": "状态", "stations": "站点",
}

#: The exported layers' title: the plan's Chinese title, its closing 发展规划 read as 空间布局, marked 示意.
TITLE_PATTERN: Final = ("发展规划", "空间布局", "（示意）")


def export_title() -> str:
    """The title of the exported layers, from the plan in use (``plan.csv``'s ``title_zh``).

    ``某某区“十四五”服务业发展规划`` gives ``某某区“十四五”服务业空间布局（示意）``.
    """
    ending, layout, mark = TITLE_PATTERN
    title = str(load_plan_info()["title_zh"])
    return (re.sub(f"{ending}$", layout, title) if title.endswith(ending) else title) + mark


def export_options(*, encoding: str = "UTF-8") -> ExportOptions:
    """Export options from the plan's ``tracks.csv`` and title, and :data:`FIELD_LABELS`."""
    tracks = tuple(
        TrackStyle(str(r.track_id), str(r.name_zh), str(r.name_en), str(r.color))
        for r in load_tracks().itertuples(index=False)
    )
    return ExportOptions(tracks=tracks, field_labels=FIELD_LABELS, encoding=encoding, title=export_title())
