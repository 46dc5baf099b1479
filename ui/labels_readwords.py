"""Labels of the readers' warnings shown on the pages (ui/readwords.py)."""

LABELS: dict[str, tuple[str, str]] = {
    "rw_area_unit": (
        "{src}：「地块面积」按{zh}读取：与界址点围成的面积（平面，{crs}）的中位差为 {err}。",
        ("{src}: the parcel area (地块面积) is read in {en}: it agrees with the area of the boundary points "
         "(planar, {crs}) to a median {err}."),
    ),
    "rw_area_none": (
        "{src}：「地块面积」按公顷、平方米、亩读取都与界址点围成的面积不符（最接近时中位差 {err}）；核查逐个地块报告。",
        ("{src}: the parcel area (地块面积) agrees with the area of the boundary points in none of hectares, "
         "square metres or mu (best median difference {err}); the check reports each parcel."),
    ),
    "rw_area_empty": (
        "{src}：第 {ids} 个地块{more}的「地块面积」为空或不是数字，未作比较。",
        "{src}: the parcel area (地块面积) of parcel(s) {ids}{more} is empty or not a number; not compared.",
    ),
    "rw_more": ("等（另有 {n} 个）", " and {n} more"),
}
