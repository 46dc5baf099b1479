"""Labels of the Parcels page."""

LABELS: dict[str, tuple[str, str]] = {
    "parcels_title": ("平台项目与地块", "Platform projects and parcels"),
    "parcels_intro": (
        ("点击表头排序；用侧栏筛选；选中一行后可在地图上查看。规划用地为表中所列亩数，图上量算为地块椭球面积。"
         "“——”即规划表中的“——”（未知），不是 0。"),
        ("Click a header to sort; filter in the sidebar; select a row to show it on the map. Declared = the mu the "
         "table lists; measured = ellipsoidal area of the parcel. “——” is the plan's “——” (unknown), not 0."),
    ),
    "col_name": ("项目名称", "Project"),
    "col_other_name": ("另一语言名称", "Name (other language)"),
    "col_declared": ("规划用地（亩）", "Declared (mu)"),
    "col_measured": ("图上量算（亩）", "Measured (mu)"),
    "col_output": ("产值（亿元）", "Output (100m CNY)"),
    "col_opm": ("亩均产值（万元/亩）", "Output per mu (10k CNY/mu)"),
    "col_geometry": ("几何", "Geometry"),
    "show_on_map": ("在地图上查看", "Show on map"),
    "select_row": ("选择一行以在地图上查看。", "Select a row to show it on the map."),
    "selected_is": ("已选：{name}", "Selected: {name}"),
}
