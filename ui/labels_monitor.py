"""Labels of the Monitor page (监测评估: targets, project stages, land supplied, the office's template)."""

LABELS: dict[str, tuple[str, str]] = {
    "nav_monitor": ("监测评估", "Monitoring"),
    "mon_title": ("监测评估", "Monitoring"),
    "mon_intro": (
        ("规划（2021–2025年）与实际情况逐年对照：指标完成情况、重点项目阶段、供地进度。实际值来自各单位填报的记录，"
         "每条记录都注明来源、填报人和时间；更正保存为新版本，旧版本保留。状态按 data/README.md 中的规则判定。"),
        ("The plan (2021–2025) against what happened, year by year: targets, project stages, land supplied. "
         "Actual figures are the records offices fill in, each with its source, who recorded it and when; a "
         "correction is a new version and the earlier one is kept. Statuses follow the rules in data/README.md."),
    ),
    "mon_year": ("年份", "Year"),
    "mon_year_help": (
        "默认为最近有记录的年份（无记录时为规划末年）。",
        "By default the latest year with records (the plan's last year when there are none).",
    ),
    "mon_records": (
        "已记录 {n} 条实际值（现行版本），涉及年份：{years}。",
        "{n} actual figures recorded (versions in force), for the years {years}.",
    ),
    "mon_none": (
        "尚无任何实际值记录：下表列出规划的基期值与目标值，状态均为“无数据”。规划数据中不含任何实际值，本页不编造数字。",
        ("No actual figure has been recorded yet: the tables list the plan's baselines and targets, every status "
         "is “no data”. The plan's data holds no actuals, and this page invents none."),
    ),
    "mon_howto_title": ("如何填报", "How to fill in the template"),
    "mon_howto": (
        ("1. 下载所选年份的填报表（Excel）。\n"
         "2. 在“目标”表填写实际值（按“单位”列的单位）及来源（文件名与页码或网址）；在“项目”表选择阶段"
         "（规划 → 前期 → 在建 → 建成 → 投用 → 入驻饱和，或取消/调整），填写已供地（亩）、建成面积（万平方米）、"
         "入驻企业（家）、营收（亿元）及来源；在“行动”表选择进展（未启动 / 推进中 / 已完成）。"
         "编号列已锁定，请勿修改。\n"
         "3. 核查员或管理员在本页上传填好的文件（.xlsx，或表头相同的 .csv），查看提示后点击“保存”；"
         "也可在命令行运行 python -m geo monitor import 填报表.xlsx --year 年份 --user 用户名。"),
        ("1. Download the template of the chosen year (Excel).\n"
         "2. In sheet 目标 (targets) enter the actual figure (in the unit of column 单位) and its source (document "
         "and page, or URL); in sheet 项目 (projects) choose the stage (规划 planned → 前期 preparation → 在建 "
         "under construction → 建成 built → 投用 in use → 入驻饱和 fully occupied, or 取消 cancelled / 调整 "
         "adjusted) and enter land supplied (mu), built floor area (10⁴ m²), firms housed, revenue (100m CNY) "
         "and the source; in sheet 行动 (actions) choose the state (未启动 / 推进中 / 已完成). The id columns are "
         "locked: leave them as they are.\n"
         "3. A checker or an administrator uploads the filled file here (.xlsx, or a .csv with the same headers), "
         "reads the warnings and clicks Save; or on the command line: python -m geo monitor import 填报表.xlsx "
         "--year YEAR --user NAME."),
    ),
    # downloads
    "mon_dl_template": ("下载 {year} 年填报表（.xlsx）", "Download the {year} template (.xlsx)"),
    "mon_dl_status": ("下载状态表（CSV）", "Download the status table (CSV)"),
    "mon_dl_report": ("下载 {year} 年度报告（Word）", "Download the {year} annual report (Word)"),
    "mon_dl_final": ("下载终期评估（Word）", "Download the final evaluation (Word)"),
    "mon_dl_help": (
        "报告在点击时生成（含当年的项目阶段图），可能需要数秒。",
        "The report is written when clicked (with the year's map of project stages) and may take a few seconds.",
    ),
    # targets
    "mon_targets": ("指标完成情况", "Targets"),
    "mon_status_legend": ("状态", "Status"),
    "mon_col_id": ("编号", "Id"),
    "mon_col_name": ("名称", "Name"),
    "mon_col_unit": ("单位", "Unit"),
    "mon_col_baseline": ("基期值", "Baseline"),
    "mon_col_baseline_year": ("基期年", "Baseline year"),
    "mon_col_target": ("目标值", "Target"),
    "mon_col_target_year": ("目标年", "Target year"),
    "mon_col_actual": ("实际值", "Actual"),
    "mon_col_actual_year": ("实际值年份", "Year of the actual"),
    "mon_col_evaluated": ("评价值", "Evaluated"),
    "mon_col_progress": ("进度", "Progress"),
    "mon_col_status": ("状态", "Status"),
    "mon_col_source": ("来源", "Source"),
    "mon_col_note": ("说明", "Note"),
    "mon_col_stage": ("阶段", "Stage"),
    "mon_col_track": ("赛道", "Track"),
    "mon_col_zone": ("空间单元", "Spatial unit"),
    "mon_col_year": ("年份", "Year"),
    "mon_col_state": ("进展", "State"),
    "mon_col_what": ("变化", "Change"),
    "mon_col_before": ("上年", "Last year"),
    "mon_col_after": ("本年", "This year"),
    "mon_col_recorded_by": ("填报人", "Recorded by"),
    "mon_col_recorded_at": ("填报时间", "Recorded at"),
    "mon_col_version": ("版本", "Version"),
    "mon_chart": ("指标走势", "A target over the years"),
    "mon_chart_pick": ("选择指标", "Choose a target"),
    "mon_chart_caption": (
        "点为基期值与各年实际值，虚线为目标值；无记录的年份不画点。",
        ("Points are the baseline and each year's actual figure, the dashed line the target; years without a "
         "record have no point."),
    ),
    "mon_chart_none": ("没有可画图的数值指标。", "No numeric target to chart."),
    "mon_series_baseline": ("基期", "baseline"),
    "mon_series_actual": ("实际", "actual"),
    "mon_series_target": ("目标", "target"),
    "mon_col_value": ("数值", "Value"),
    "mon_col_series": ("类别", "Series"),
    # projects and map
    "mon_projects": ("重点项目推进情况", "Projects"),
    "mon_map": ("项目阶段地图", "Project stages on the map"),
    "mon_map_year": ("地图年份", "Year on the map"),
    "mon_map_help": (
        "拖动滑块查看各年项目所处阶段；某年没有记录的项目显示为灰色“无数据”。",
        ("Move the slider to see each year's project stages; a project with no record that year is grey "
         "(no data)."),
    ),
    "mon_stage_legend": ("项目阶段", "Project stage"),
    "mon_actions": ("重点行动进展", "Key actions"),
    # land and changes
    "mon_land": ("供地进度：已供地与规划用地", "Land supplied against land declared"),
    "mon_land_zone": ("按空间单元", "By spatial unit"),
    "mon_land_track": ("按赛道", "By track"),
    "mon_land_none": ("暂无数据。", "No data yet."),
    "mon_changes": ("与上年相比的变化", "What changed since last year"),
    "mon_changes_none": ("与上年相比没有记录的变化。", "No recorded change since last year."),
    # recording
    "mon_record": ("填报实际值", "Record actual figures"),
    "mon_viewer": (
        "您的角色为查看者：只能查看，不能填报。需要填报时请管理员授予核查员角色。",
        "Your role is viewer: you can read, not record. Ask an administrator for the checker role to record.",
    ),
    "mon_upload": ("上传填好的 {year} 年填报表（.xlsx 或 .csv）", "Upload the filled {year} template (.xlsx or .csv)"),
    "mon_read": (
        "读取 {name}：{n} 条记录（{year} 年），尚未保存。",
        "Read {name}: {n} records ({year}), not saved yet.",
    ),
    "mon_read_empty": (
        "{name} 中没有填写任何数值（实际值、阶段或进展均为空）。",
        "{name} holds no value (every actual, stage and state is empty).",
    ),
    "mon_warning": ("提示：{text}", "Warning: {text}"),
    "mon_save": ("保存 {n} 条记录", "Save {n} records"),
    "mon_saved": (
        "已保存 {n} 条记录（新版本，旧版本保留）。",
        "Saved {n} records (new versions; earlier ones are kept).",
    ),
    "mon_edit": ("逐项修改（{year} 年）", "Edit single values ({year})"),
    "mon_edit_help": (
        "修改单元格后点击“保存修改”：每一处修改保存为一条新版本的记录（需填写来源），旧版本保留。",
        ("Change cells, then click “Save changes”: each change is stored as a new version (a source is "
         "required); earlier versions are kept."),
    ),
    "mon_edit_targets": ("指标", "Targets"),
    "mon_edit_projects": ("项目", "Projects"),
    "mon_edit_save": ("保存修改", "Save changes"),
    "mon_edit_none": ("没有修改。", "Nothing changed."),
    "mon_edit_land": ("已供地（亩）", "Land supplied (mu)"),
    "mon_edit_floor": ("建成面积（万平方米）", "Floor area built (10⁴ m²)"),
    "mon_edit_firms": ("入驻企业（家）", "Firms housed"),
    "mon_edit_revenue": ("营收（亿元）", "Revenue (100m CNY)"),
    "mon_edit_source_needed": (
        "{id}：请填写来源（文件名与页码或网址）。",
        "{id}: enter the source (document and page, or URL).",
    ),
}
