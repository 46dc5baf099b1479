"""Labels of the Export page."""

LABELS: dict[str, tuple[str, str]] = {
    "export_title": ("导出图层", "Export layers"),
    "export_intro": (
        "与命令行 `python -m geo export` 使用同一写出程序。GeoJSON 按 RFC 7946 固定为 WGS84；"
        "所有导出均带 geometry_basis 字段（indicative 为示意位置）。",
        "The same writer as the command line `python -m geo export`. GeoJSON is always WGS84 (RFC 7946); every "
        "export carries geometry_basis (indicative = placed by us).",
    ),
    "export_layers": ("图层", "Layers"),
    "export_format": ("格式", "Format"),
    "export_crs": ("坐标系", "Coordinate system"),
    "export_filtered": ("仅导出侧栏筛选后的项目地块", "Apply the sidebar's filters to the parcels"),
    "export_download": ("下载 {name}", "Download {name}"),
    "export_counts": ("将导出：{items}", "Will export: {items}"),
    "export_geojson_wgs84": ("GeoJSON（RFC 7946）只能是 WGS84，已改用 WGS84。", "GeoJSON (RFC 7946) is WGS84 only; WGS84 is used."),
    "export_none": ("请至少选择一个图层。", "Choose at least one layer."),
    "layer_parcels": ("项目地块", "Parcels"),
    "layer_zones": ("一核双圈两片", "Spatial units (core, circles, zones)"),
}
