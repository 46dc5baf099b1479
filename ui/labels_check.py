"""Labels of the Check page (核查测绘地块). Check names come from :data:`geo.checks.registry.CHECKS`."""

LABELS: dict[str, tuple[str, str]] = {
    "chk_title": ("核查测绘地块", "Check surveyed parcels"),
    "chk_intro": (
        ("上传测绘成果（Shapefile 压缩包、GeoPackage、GeoJSON、KML/KMZ，或含 WKT 或经纬度列的 CSV），"
        "逐个地块核对：所属规划项目、实测面积与规划分配（亩）、地块重叠、是否超出所属空间单元或{area}、几何是否有效、重复与缺失属性。"),
        ("Upload surveyed boundaries (zipped Shapefile, GeoPackage, GeoJSON, KML/KMZ, or CSV with WKT or lon/lat "
        "columns) and check each parcel: its plan project, measured area against the plan's allocation (mu), "
        "overlaps, parcels outside their spatial unit or {area}, invalid geometry, duplicates, "
        "missing attributes."),
    ),
    "chk_upload": ("测绘成果文件（不超过 {mb} MB）", "Surveyed parcels file (up to {mb} MB)"),
    "chk_upload_help": (
        "文件不超过 {mb} MB；坐标系从文件读取，缺失时按坐标范围推断。",
        "Up to {mb} MB; the CRS is read from the file or inferred from the coordinates.",
    ),
    "chk_crs": ("坐标系（可更改）", "Coordinate system (override)"),
    "chk_crs_auto": ("自动（文件自带或推断）", "Automatic (from the file or inferred)"),
    "chk_crs_help": (
        "若推断有误，请选择或输入 EPSG 代码，如 {local_crs}。",
        "If the guess is wrong, pick or type an EPSG code such as {local_crs}.",
    ),
    "chk_crs_found": ("坐标系：{note}", "Coordinate system: {note}"),
    "chk_encoding": ("属性编码：{enc}", "Attribute encoding: {enc}"),
    "chk_name_field": ("项目名称或编号字段", "Project name or id field"),
    "chk_name_none": ("（无，按空间重叠匹配）", "(none: match by spatial overlap)"),
    "chk_name_help": (
        "含规划项目编号（如规划表格所编）或名称的字段；未匹配的地块再按与示意地块的重叠匹配。",
        ("A column holding the plan's project id (as its tables number them) or name; parcels left unmatched "
         "are matched by overlap "
         "with the indicative parcels."),
    ),
    "chk_tolerance": ("面积容差（%）", "Area tolerance (%)"),
    "chk_make_valid": ("修复无效几何（make valid）后再核查", "Repair invalid geometry (make valid) before checking"),
    "chk_summary": ("概要", "Summary"),
    "chk_features": ("地块数", "Parcels"),
    "chk_matched": ("已匹配", "Matched"),
    "chk_area": ("实测面积（亩）", "Measured area (mu)"),
    "chk_findings": ("问题数", "Findings"),
    "chk_flagged": ("有问题的地块", "Flagged parcels"),
    "chk_by_check": ("各项检查", "By check"),
    "chk_table": ("问题清单", "Findings"),
    "chk_filter": ("只看这些检查", "Only these checks"),
    "chk_none": ("未发现问题。", "No problems found."),
    "chk_col_feature": ("要素", "Feature"),
    "chk_col_check": ("检查", "Check"),
    "chk_col_severity": ("级别", "Severity"),
    "chk_col_message": ("说明", "Message"),
    "chk_col_value": ("数值", "Value"),
    "chk_col_count": ("数量", "Count"),
    "sev_error": ("错误", "error"),
    "sev_warning": ("警告", "warning"),
    "sev_info": ("提示", "info"),
    "chk_map": ("地图", "Map"),
    "chk_map_legend": (
        (
            "颜色为地块自身最严重的问题：:red[■] 错误 · :orange[■] 警告 · :blue[■] 提示 · :gray[■] 无问题；"
            "深蓝虚线：规划空间单元与示意地块（示意）。针对整个项目的问题（如多个地块合计面积）在点击该项目的地块时列出。"
        ),
        (
            "Colour is the parcel's own worst finding: :red[■] error · :orange[■] warning · :blue[■] info · "
            ":gray[■] no finding; dark blue dashes: plan spatial units and indicative parcels (indicative). "
            "Findings about "
            "a whole project (e.g. its parcels' total area) are listed when you click one of its parcels."
        ),
    ),
    "chk_map_zoom_in": (
        "放大查看地块：视野内 {n} 个地块，当前显示概览图像。",
        "Zoom in to see parcels: {n} parcels in view, shown as an overview image.",
    ),
    "chk_map_in_view": (
        "视野内 {n} 个地块；点击地块查看其问题。",
        "{n} parcels in view; click one to see its findings.",
    ),
    "chk_map_flagged_only": (
        "大文件：地图只显示问题最严重的 {shown} 个地块（有问题的地块共 {flagged} 个）；全部问题见问题清单和下载。",
        ("Large file: the map shows the {shown} parcels with the worst findings ({flagged} parcels have findings); "
        "every finding is in the table's downloads."),
    ),
    "chk_large": (
        ("大文件（超过 {mb} MB）：与命令行 `python -m geo check` 相同，分块在两个进程中检查；"
         "地图只显示问题最严重的 {shown} 个地块；保存和正式核查报告会再完整读取一次文件。"),
        ("Large file (over {mb} MB): checked in chunks on two processes, as `python -m geo check` does; the map shows "
        "the {shown} parcels with the worst findings; saving and the formal report read the whole file again."),
    ),
    "chk_table_first": (
        "表中列出前 {shown} 条问题（共 {n} 条）；全部问题见下方的 CSV 和报告下载，或按检查项筛选。",
        ("The table lists the first {shown} of {n} findings; every finding is in the CSV and report downloads "
        "below, or filter by check."),
    ),
    "chk_save_cli": (
        ("超过 {n} 个地块的文件不在网页中保存或出具正式核查报告；请在服务器上运行 "
        "`python -m geo check 文件 --save --user 用户名 --report 核查报告.docx`（文件：{name}）。"),
        ("Files of more than {n} parcels are not saved or formally reported from the page; on the server run "
        "`python -m geo check FILE --save --user NAME --report report.docx` (file: {name})."),
    ),
    "chk_map_no_parcel": ("点击处没有地块。", "There is no parcel where you clicked."),
    "chk_map_feature": ("要素 {feature}（项目：{project}）", "Feature {feature} (project: {project})"),
    "chk_map_feature_ok": ("{name}：无问题。", "{name}: no findings."),
    "chk_downloads": ("下载", "Downloads"),
    "chk_dl_html": ("核查报告（HTML，可打印）", "Report (HTML, printable)"),
    "chk_dl_csv": ("问题清单 CSV", "Findings CSV"),
    "chk_dl_geojson": ("问题地块 GeoJSON", "Flagged parcels GeoJSON"),
    "chk_workspace": ("工作区（已保存的上传）", "Workspace (saved uploads)"),
    "chk_open": ("查看", "Open"),
    "chk_remove": ("删除", "Remove"),
    "chk_crs_placeholder": ("选择坐标系，或输入 EPSG 代码", "Choose a CRS, or type an EPSG code"),
    "chk_remove_confirm": (
        "确认删除「{name}」？删除后它不再显示在工作区，也不再用于地图与总量；管理员或您本人可以恢复。",
        ("Remove “{name}”? It leaves the workspace and is no longer used by the map and totals; "
         "you or an administrator can restore it."),
    ),
    "chk_remove_yes": ("删除「{name}」", "Remove “{name}”"),
    "chk_use_surveyed_help": (
        "开启后，地图、总量与导出使用该上传中已匹配项目的实测边界。",
        "When on, the map, totals and exports use this upload's surveyed boundaries for the projects it matches.",
    ),
    "chk_surveyed_in_use": ("当前 {n} 个项目使用实测几何。", "{n} projects currently use surveyed geometry."),
    "chk_showing_saved": ("显示已保存的上传：{name}", "Showing saved upload: {name}"),
    "chk_saved_at": ("保存时间", "Saved at"),
    "chk_file": ("文件", "File"),
    "chk_dl_docx": ("核查报告（Word，可签署）", "核查报告 (Word, to sign)"),
    "chk_dl_pdf": ("核查报告（PDF）", "核查报告 (PDF)"),
    "chk_resubmits": ("这是对以下上传的重新提交", "This is a resubmission of"),
    "chk_resubmits_none": ("（不是重新提交）", "(not a resubmission)"),
    "chk_resubmits_help": (
        ("修改后重新报送的文件：选择它所替换的上一次上传，问题将按地块名称与界址点号逐条对比（已整改、仍存在、新增），"
         "保存时记录两次上传的关系。"),
        ("A corrected file sent again: choose the upload it replaces. Its findings are compared parcel by parcel "
         "(by name and boundary point: fixed, still open, new), and the link is saved with the upload."),
    ),
    "chk_resubmits_proposed": (
        "建议选择「{name}」：本文件 {names} 个地块名称中有 {matched} 个（{share}%）与它相同。",
        "Proposed: “{name}”: {matched} of this file's {names} parcel names ({share} %) are its names.",
    ),
    "chk_resubmits_option": ("{name} · {owner} · {when}", "{name} · {owner} · {when}"),
    "chk_resubmission": ("整改情况", "Corrections"),
    "chk_resubmission_of": ("与上一次上传「{name}」（{when}）相比：",
                            "Compared with the earlier upload “{name}” ({when}):"),
    "chk_fixed": ("已整改", "Fixed"),
    "chk_still_open": ("仍存在", "Still open"),
    "chk_new": ("新增", "New"),
    "chk_fixed_list": ("已整改的问题（上一次上传中有，本次不再出现）",
                       "Fixed (found in the earlier upload, no longer found)"),
    "chk_col_since": ("整改情况", "State"),
    "chk_col_parcel": ("地块", "Parcel"),
    "chk_case": ("案卷「{name}」：共 {n} 次报送（自早至晚）", "Case “{name}”: {n} submissions, oldest first"),
    "chk_case_row": (
        "↳ 重新提交：{name} · 已整改 {fixed} · 仍存在 {open} · 新增 {new}",
        "↳ resubmitted: {name} · {fixed} fixed · {open} still open · {new} new",
    ),
}
