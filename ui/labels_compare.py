"""Labels of the plan picker (sidebar) and the Compare page."""

LABELS: dict[str, tuple[str, str]] = {
    # the plan picker
    "plan_picker": ("规划", "Plan"),
    "plan_picker_help": (
        "服务器提供的规划包（GEO_PLANS_DIR）。所选规划只作用于本浏览器会话，链接中的 plan= 记住所选。",
        ("The plan packages this server offers (GEO_PLANS_DIR). The choice holds for this browser session only; "
        "plan= in the link keeps it."),
    ),
    "plan_label": ("{title}（{period}）", "{title} ({period})"),
    "plans_unusable": ("无法使用的规划包（{n}）", "Unusable plan packages ({n})"),
    "plan_unknown": (
        "链接中的规划“{value}”不在本服务器提供的规划中，仍显示当前规划。可选：{choices}。",
        ("The link's plan “{value}” is not one this server offers; the current plan is still shown. "
        "Offered: {choices}."),
    ),
    # the Compare page
    "nav_compare": ("规划对比", "Compare plans"),
    "cmp_title": ("两版规划对比", "Two plans compared"),
    "cmp_intro": (
        ("选择规划A与规划B：列出新增、删除与变化的项目（用地、空间单元、赛道、产值），按赛道与空间单元并列两版总量及差值（B−A），"
        "并在一张图上叠示两版地块。项目先按编号、再按名称对应。“——”为未知，不计为0。"),
        ("Choose plan A and plan B: the projects added, removed and changed (land, spatial unit, track, output), the "
        "totals per track and per spatial unit side by side with the difference (B − A), and both plans' parcels "
        "on one map. Projects are matched by id, then by name. “——” is unknown, never 0."),
    ),
    "cmp_plan_a": ("规划A", "Plan A"),
    "cmp_plan_b": ("规划B", "Plan B"),
    "cmp_no_change": ("无变化：两版规划的项目与总量相同。",
                      "No change: the two plans' projects and totals are the same."),
    "cmp_summary": ("新增 {added} 项，删除 {removed} 项，变化 {changed} 项。",
                    "{added} added, {removed} removed, {changed} changed."),
    "cmp_added": ("新增项目（仅在B中）", "Projects added (only in B)"),
    "cmp_removed": ("删除项目（仅在A中）", "Projects removed (only in A)"),
    "cmp_changed": ("变化的项目", "Projects changed"),
    "cmp_none": ("无", "None"),
    "cmp_project": ("项目", "Project"),
    "cmp_field": ("指标", "Field"),
    "cmp_value_a": ("A", "A"),
    "cmp_value_b": ("B", "B"),
    "cmp_diff": ("差值（B−A）", "Difference (B − A)"),
    "cmp_source_a": ("A出处", "Source in A"),
    "cmp_source_b": ("B出处", "Source in B"),
    "cmp_matched_by_name": ("按名称对应（编号 {a} → {b}）", "matched by name (id {a} → {b})"),
    "cmp_field_declared_mu": ("用地（亩）", "Land (mu)"),
    "cmp_field_zone_id": ("空间单元", "Spatial unit"),
    "cmp_field_track_id": ("赛道", "Track"),
    "cmp_field_output_yi": ("产值（亿元）", "Output (100m CNY)"),
    "cmp_field_project_id": ("编号", "Id"),
    "cmp_totals_track": ("按赛道的总量（表中数）", "Totals per track (tables)"),
    "cmp_totals_zone": ("按空间单元的总量（表中数）", "Totals per spatial unit (tables)"),
    "cmp_totals_note": (
        ("表中数：各版表格中各行之和，与其“总量核对”页相同；“——”为未知（该版无已知数或有未知格），差值只在两版都有已知数时给出；"
        "“（无此项）”表示该版规划没有此赛道或空间单元。"),
        ("Tables: the sum of each plan's table rows, as its Totals page shows; “——” is unknown (no known figure, "
        "or cells printed “——”), and a difference is given only where both plans have a known figure; "
        "“(not in plan)” means that plan has no such track or spatial unit."),
    ),
    "cmp_absent": ("（无此项）", "(not in plan)"),
    "cmp_land_a": ("用地A（亩）", "Land A (mu)"),
    "cmp_land_b": ("用地B（亩）", "Land B (mu)"),
    "cmp_output_a": ("产值A（亿元）", "Output A (100m CNY)"),
    "cmp_output_b": ("产值B（亿元）", "Output B (100m CNY)"),
    "cmp_land_diff": ("用地差值（亩）", "Land B − A (mu)"),
    "cmp_output_diff": ("产值差值（亿元）", "Output B − A (100m CNY)"),
    "cmp_unknown_cells": ("未知格（A/B）", "Unknown cells (A/B)"),
    "cmp_map": ("两版地块", "Both plans' parcels"),
    "cmp_map_note": ("A为实色填充，B为虚线轮廓；面积未知的项目为点。地块位置与形状为示意。",
                     ("A filled, B dashed outline; projects of unknown area are points. Parcel positions and shapes "
                     "are indicative.")),
    "cmp_metadata": ("规划元数据的差异", "Plan metadata that differs"),
}
