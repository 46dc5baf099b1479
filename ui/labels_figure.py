"""Labels of the print map (Map page: download PNG / PDF of the current view)."""

LABELS: dict[str, tuple[str, str]] = {
    "fig_title": ("打印地图（PNG / PDF）", "Print map (PNG / PDF)"),
    "fig_help": (
        ("当前筛选的地块（按赛道着色）、片区、所选参考图层，含图例、比例尺、指北针、坐标系与数据来源；"
         "CGCS2000 高斯-克吕格投影（{local_crs}），中文字体已嵌入。"),
        ("The parcels of the current filter (coloured by track), zones and the chosen context layers, with "
         "legend, scale bar, north arrow, CRS and source; CGCS2000 Gauss–Krüger ({local_crs}), Chinese fonts "
         "embedded."),
    ),
    "fig_size": ("纸张", "Paper"),
    "fig_orientation": ("方向", "Orientation"),
    "fig_landscape": ("横向", "Landscape"),
    "fig_portrait": ("纵向", "Portrait"),
    "fig_png": ("下载 PNG（{dpi} dpi）", "Download PNG ({dpi} dpi)"),
    "fig_pdf": ("下载 PDF", "Download PDF"),
    "fig_filters": ("筛选：{items}", "Filters: {items}"),
    "fig_search": ("搜索“{q}”", "search “{q}”"),
}
