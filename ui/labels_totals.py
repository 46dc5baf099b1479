"""Labels of the Totals page."""

LABELS: dict[str, tuple[str, str]] = {
    "totals_title": ("总量核对：表、文本与地图", "Totals: tables, text and map reconciled"),
    "totals_intro": (
        "表中数为表2–表5各行之和（“——”为未知，不计入）；文本数为规划正文所述；图上量算为地块的椭球面积。",
        ("Table = sum of the rows of 表2–表5 (“——” is unknown and left out); Text = the figure the plan's text "
         "states; Map = ellipsoidal area of the parcels."),
    ),
    "plan_land": ("规划用地合计（表）", "Plan land, tables"),
    "plan_output": ("表中产值合计", "Table output total"),
    "mapped_land": ("图上量算合计", "Mapped land total"),
    "by_track": ("按赛道", "By track"),
    "by_zone": ("按片区", "By zone"),
    "name": ("名称", "Name"),
    "unknown_count": ("未知格数", "Unknown cells"),
    "chart_land": ("各片区用地（亩），按赛道堆叠", "Land by zone (mu), stacked by track"),
    "chart_output": ("各赛道表中产值（亿元，建成达产后）", "Table output by track (100m CNY, at full build-out)"),
    "download_csv": ("下载核对表 CSV", "Download reconciliation CSV"),
    "download_xlsx": ("下载核对表 Excel", "Download reconciliation Excel"),
    "chart_compare_track": ("各赛道用地（亩）：表中数、文本数与图上量算", "Land by track (mu): tables, text and map"),
    "chart_compare_zone": ("各片区用地（亩）：表中数、文本数与图上量算", "Land by zone (mu): tables, text and map"),
    "chart_compare_note": (
        "缺少的柱表示该数未知（表中为“——”）或文本未列，不是 0；表中数不含未知格。",
        ("A missing bar means the figure is unknown (“——” in the table) or not stated, not 0; "
         "table sums leave unknown cells out."),
    ),
    "differs_count": ("{n} 项不一致", "{n} disagreements"),
}
