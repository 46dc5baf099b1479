"""Labels of the raster page (overlay a GeoTIFF, download the allocation raster)."""

LABELS: dict[str, tuple[str, str]] = {
    "raster_title": ("栅格叠加与用地栅格", "Raster overlay and allocation raster"),
    "raster_intro": (
        ("上传已配准的规划扫描图、影像或地形（GeoTIFF），与空间单元和地块叠加比较。文件只在服务器临时目录中读取，用后即删；"
        "浏览器只接收缩小后的图像。"),
        ("Upload a georeferenced scan of the plan, imagery or terrain (GeoTIFF) to compare with the spatial units and "
        "parcels. The file is read in a temporary folder on the server and deleted after; the browser only "
        "receives a downsampled image."),
    ),
    "raster_upload": ("GeoTIFF 文件（任意坐标系，1–4 个波段，不超过 1 GB）",
                      "GeoTIFF file (any CRS, 1–4 bands, up to 1 GB)"),
    "raster_upload_help": ("文件不超过 1 GB（1024 MB）。", "Up to 1 GB (1024 MB)."),
    "raster_opacity": ("不透明度", "Opacity"),
    "raster_position": ("叠加位置", "Draw the raster"),
    "raster_pos_below": ("在空间单元和地块之下", "below spatial units and parcels"),
    "raster_pos_above": ("在空间单元和地块之上", "above spatial units and parcels"),
    "raster_layer": ("栅格：{name}", "Raster: {name}"),
    "raster_none": (
        "尚未上传栅格；地图只显示空间单元和地块。",
        "No raster uploaded yet; the map shows spatial units and parcels only.",
    ),
    "raster_info": (
        ("{name}：{width} × {height} 像元，{bands} 个波段，坐标系 {crs}；读取的金字塔层级 1/{factor}，"
         "显示为 {out_w} × {out_h} 像元（Web 墨卡托）。"),
        ("{name}: {width} × {height} pixels, {bands} band(s), CRS {crs}; read at overview level 1/{factor}, "
         "shown as {out_w} × {out_h} pixels (Web Mercator)."),
    ),
    "raster_range": (
        "色带（viridis）：{vmin:.6g} – {vmax:.6g}（第 2–98 百分位拉伸）；数据范围 {dmin:.6g} – {dmax:.6g}。",
        ("Colour ramp (viridis): {vmin:.6g} – {vmax:.6g} (2nd–98th percentile stretch); data range "
         "{dmin:.6g} – {dmax:.6g}."),
    ),
    "raster_palette": ("按文件自带的调色板显示。", "Shown with the file's own colour table."),
    "raster_image": ("按文件的 RGB(A) 颜色显示。", "Shown in the file's RGB(A) colours."),
    "raster_export": (
        "下载用地栅格（CGCS2000 高斯-克吕格 {local_cm}°E，{local_crs}）",
        "Download the allocation raster (CGCS2000 GK {local_cm}E, {local_crs})",
    ),
    "raster_export_note": (
        ("云优化 GeoTIFF：allocation.tif 为赛道代码（带颜色表与属性表 .aux.xml），"
         "allocation_output_per_mu.tif 为亩均产值（万元/亩，未列明为空值）。像元中心落在地块内即计入该地块。"),
        ("Cloud-Optimised GeoTIFFs: allocation.tif holds track codes (colour table, attribute table in "
         ".aux.xml), allocation_output_per_mu.tif the output per mu (10k CNY/mu, empty where unknown). A cell "
         "belongs to a parcel when its centre is inside it."),
    ),
    "raster_cell": ("像元大小（米）", "Cell size (m)"),
    "raster_make": ("生成用地分配栅格", "Make the allocation raster"),
    "raster_download": ("下载 allocation.zip", "Download allocation.zip"),
    "raster_grid": ("{cols} × {rows} 个 {cell:g} 米像元；未栅格化（面积未知，仅有点位）：{skipped}",
                    "{cols} × {rows} cells of {cell:g} m; not rasterised (area unknown, point only): {skipped}"),
    "raster_check": (
        "面积核对：栅格 {raster:,.1f} 亩，矢量 {vector:,.1f} 亩；每个地块的差值都应不超过其边界 cell/√2 缓冲区的面积。",
        ("Area check: raster {raster:,.1f} mu, vector {vector:,.1f} mu; each parcel's difference must not exceed "
         "the area within cell/√2 of its boundary."),
    ),
    "raster_check_ok": ("全部地块在误差界内。", "Every parcel is within its bound."),
    "raster_check_bad": ("以下地块超出误差界（地块重叠？）：{ids}", "Outside the bound (overlapping parcels?): {ids}"),
    "raster_col_project": ("项目编号", "Project"),
    "raster_col_cells": ("像元数", "Cells"),
    "raster_col_raster": ("栅格面积（亩）", "Raster area (mu)"),
    "raster_col_vector": ("矢量面积（亩，{local_crs}）", "Vector area (mu, {local_crs})"),
    "raster_col_diff": ("差值（亩）", "Difference (mu)"),
    "raster_col_bound": ("误差界（亩）", "Bound (mu)"),
    "raster_col_within": ("在界内", "Within"),
    "raster_none_skipped": ("无", "none"),
}
