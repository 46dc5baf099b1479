"""Labels of the Totals page."""

LABELS: dict[str, tuple[str, str]] = {
    "totals_title": ("总量核对：表、文本与地图", "Totals: tables, text and map reconciled"),
    "totals_intro": (
        ("表中数为{tables}各行之和（“——”为未知，不计入）；文本数为规划正文所述，括号内为其口径；图上量算为地块的椭球面积。"
        "两数口径不同时（不可比）不计差值。"),
        ("Table = sum of the rows of {tables} (“——” is unknown and left out); Text = the figure the plan's text "
        "states, with what it measures in brackets; Map = ellipsoidal area of the parcels. Where the two measure "
        "different things (not comparable) no difference is given."),
    ),
    "totals_whole_plan": ("本页显示整个规划的总量，不受侧栏筛选影响。",
                          "This page shows the whole plan's totals; the sidebar's filters do not apply here."),
    "totals_whole_plan_filtered": (
        "侧栏的筛选只作用于地图、项目地块与导出；本页显示整个规划的总量（未筛选），以便与规划原文对照。",
        ("The sidebar's filters apply to the map, the parcels and the export; this page shows the whole plan's "
         "totals (unfiltered), to compare with the plan's text."),
    ),
    "plan_land": ("规划用地合计（表）", "Plan land, tables"),
    "plan_output": ("表中产值合计", "Table output total"),
    "mapped_land": ("图上量算合计", "Mapped land total"),
    "by_track": ("按赛道", "By track"),
    "by_zone": ("按空间单元", "By spatial unit"),
    "stated_basis_mu": ("明示（亩）", "Stated (mu)"),
    "inferred_basis_mu": ("按地点推定（亩）", "Inferred by place (mu)"),
    "baselines_title": ("基期与2025年目标", "Baseline and 2025 targets"),
    "baselines_intro": (
        ("左：规划回顾部分（一、环境形势与发展基础）给出的现状数，按原文注明时点与范围；右：规划给出的2025年目标。"
        "只有同一指标才并列比较。"),
        ("Left: the figures of the plan's review section (section 1, situation and base), with the time and area the "
        "text gives; right: the plan's targets for 2025. A baseline and a target are set side by side only when they "
        "measure the same thing."),
    ),
    "baselines_left": ("基期（规划回顾部分）", "Baseline (the review section)"),
    "baselines_right": ("2025年目标", "2025 targets"),
    "baseline_measure": ("指标", "Measure"),
    "baseline_value": ("数值", "Value"),
    "baseline_as_of": ("时点", "As of"),
    "baseline_area": ("范围", "Area"),
    "name": ("名称", "Name"),
    "unknown_count": ("未知格数", "Unknown cells"),
    "chart_land": ("各空间单元用地（亩），按赛道堆叠", "Land by spatial unit (mu), stacked by track"),
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
