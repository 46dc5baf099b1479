"""Labels of the Export page."""

LABELS: dict[str, tuple[str, str]] = {
    "export_title": ("导出图层", "Export layers"),
    "export_intro": (
        ("导出的每个要素都注明几何性质：示意位置（按规划文字放置，不是测绘边界）或实测边界。"
         "GeoJSON 按其标准只能用 WGS84 经纬度。"),
        ("Every exported feature says what its geometry is: indicative (placed from the plan's text, not a surveyed "
         "boundary) or surveyed. GeoJSON is WGS84 lon/lat only, by its standard."),
    ),
    "export_gis": ("供 GIS 人员：字段与命令行", "For GIS staff: fields and the command line"),
    "export_gis_text": (
        ("- 几何性质的字段名为 `geometry_basis`，值 `indicative`（示意）或 `surveyed`（实测）。\n"
         "- 本页与命令行 `python -m geo export`（导出）、`python -m geo convert`（格式转换）使用同一写出程序。"),
        ("- The geometry's field is `geometry_basis`: `indicative` or `surveyed`.\n"
         "- This page writes with the same code as the command line `python -m geo export` and "
         "`python -m geo convert`."),
    ),
    "export_layers": ("图层", "Layers"),
    "export_choose_layers": ("选择要导出的图层", "Choose the layers to export"),
    "export_format": ("格式", "Format"),
    "export_crs": ("坐标系", "Coordinate system"),
    "export_filtered": ("仅导出侧栏筛选后的项目地块", "Apply the sidebar's filters to the parcels"),
    "export_download": ("下载 {name}", "Download {name}"),
    "export_download_sidecars": ("下载 {name}（含 {sidecars}，供 QGIS 读取坐标系和字段类型）",
                                 "Download {name} (with its {sidecars}, for QGIS: CRS and field types)"),
    "export_counts": ("将导出：{items}", "Will export: {items}"),
    "export_geojson_wgs84": ("GeoJSON（RFC 7946）只能是 WGS84，已改用 WGS84。",
                             "GeoJSON (RFC 7946) is WGS84 only; WGS84 is used."),
    "export_crs_wgs84": ("{fmt} 只能是 WGS84 经纬度。", "{fmt} is WGS84 lon/lat only."),
    "export_crs_projected": (
        "DXF 没有坐标系字段：坐标按所选投影坐标系（米）写出，不提供经纬度。",
        "DXF has no CRS field: coordinates are written in the projected CRS chosen (metres), never in degrees.",
    ),
    "export_encoding": ("Shapefile 文字编码", "Shapefile text encoding"),
    "export_encoding_help": (
        "旧版 ArcMap 读不了 UTF-8 时选 GBK（.cpg 写 936）。",
        "Choose GBK (.cpg 936) for old ArcMap versions that cannot read UTF-8.",
    ),
    "export_styles_note": (
        ("GeoPackage、Shapefile 带 QGIS 样式（按赛道着色、中文字段别名）；KML/KMZ、DXF 按赛道着色。"
        "GeoJSON、KML/KMZ、CSV、Excel、GeoParquet 把面和点（面积未知的项目）放在同一文件；GeoPackage 每个图层只含一种"
        "几何类型（点在 parcels_points 图层），Shapefile 每种类型一组文件。"),
        ("GeoPackage and Shapefile carry QGIS styles (coloured by track, Chinese field aliases); KML/KMZ and DXF "
        "are coloured by track. GeoJSON, KML/KMZ, CSV, Excel and GeoParquet keep polygons and points (projects of "
        "unknown area) in "
        "one file; a GeoPackage layer holds one geometry type (points are in the layer parcels_points), a Shapefile "
        "one file set per type."),
    ),
    "export_none": ("请至少选择一个图层。", "Choose at least one layer."),
    "layer_parcels": ("项目地块", "Parcels"),
    "layer_zones": ("{structure}", "Spatial units ({structure})"),
    "conv_title": ("格式转换", "Convert a file"),
    "conv_intro": (
        ("上传任一可核查的文件（Shapefile 压缩包、GeoPackage、GeoJSON、KML/KMZ、CSV、部标坐标txt），"
         "转换为下列任一导出格式。"),
        ("Upload any file the Check page reads (zipped Shapefile, GeoPackage, GeoJSON, KML/KMZ, CSV, 部标坐标txt) "
         "and get it in any export format."),
    ),
    "conv_upload": ("待转换的文件（不超过 {mb} MB）", "File to convert (up to {mb} MB)"),
    "conv_upload_help": (
        "文件不超过 {mb} MB；按内容识别格式，坐标系从文件读取或按坐标范围推断。",
        "Up to {mb} MB; the format is recognised by content, the CRS read from the file or inferred.",
    ),
    "conv_format": ("目标格式", "Convert to"),
    "conv_crs": ("目标坐标系", "Target coordinate system"),
    "conv_crs_auto": (
        "自动（保留源坐标系，或该格式的默认坐标系）",
        "Automatic (the file's own, or the format's default)",
    ),
    "conv_crs_help": (
        "自动：源坐标系可用于该格式时保留，否则用 {default}。",
        "Automatic keeps the file's CRS when the format can hold it, else uses {default}.",
    ),
    "conv_none": ("请上传一个文件。", "Upload a file to convert."),
    "conv_read": ("已读取 {name}：{fmt}，{n} 个要素，坐标系 {crs}", "Read {name}: {fmt}, {n} features, CRS {crs}"),
    "conv_written": ("已转换为 {name}（{crs}，{n} 个要素）", "Converted to {name} ({crs}, {n} features)"),
    "conv_download": ("下载 {name}", "Download {name}"),
}
