"""geo.checks.report: CSV and GeoJSON read back by pandas/GDAL; the HTML report is self-contained."""

from __future__ import annotations

import io
import json

import pandas as pd
import pyogrio
import shapely

from geo.checks.registry import run_checks
from geo.checks.report import (
    findings_csv,
    flagged_features,
    flagged_geojson,
    html_report,
    map_svg,
    write_text_atomic,
)
from tests.fixtures import synthetic as syn


def result():
    layer = syn.survey(
        [shapely.box(0, 0, 200, 203), shapely.box(1000, 0, 1100, 100), shapely.box(1000, 0, 1100, 100)],
        ["科学谷（一期）", "T2-2", "T2-2"],
    )
    return run_checks(
        layer, plan_parcels=syn.plan_parcels(), zones=syn.zones(), districts=syn.districts(), name_field="名称"
    )


def test_csv_opens_in_excel_and_pandas():
    r = result()
    data = findings_csv(r.findings)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back.columns.tolist() == ["feature", "project_id", "check", "severity", "message", "message_zh", "value",
                                     "detail"]
    assert back["check"].tolist() == ["duplicate", "area_mismatch", "area_mismatch"]
    assert back[["message", "message_zh"]].values.tolist() == [
        ["same geometry as feature 2", "与要素 2 的几何完全相同"],
        [
            "measures 60.9 mu against 60.0 mu allocated (+1.5 %, tolerance 1 %)",
            "实测 60.9 亩，规划分配 60 亩（+1.5%，容差 1%）",
        ],
        [
            "2 parcels together measure 30.0 mu against 15.0 mu allocated (+100.0 %, tolerance 1 %)",
            "同一项目的 2 个地块合计实测 30 亩，规划分配 15 亩（+100%，容差 1%）",
        ],
    ]


def test_csv_of_findings_saved_before_the_chinese_texts_repeats_the_english():
    older = result().findings.drop(columns="message_zh")
    back = pd.read_csv(io.BytesIO(findings_csv(older)), encoding="utf-8-sig")
    assert back["message_zh"].tolist() == back["message"].tolist()


def test_flagged_geojson_read_back_by_gdal(tmp_path):
    r = result()
    assert flagged_features(r)["feature"].tolist() == [1, 2, 3]
    path = tmp_path / "flagged.geojson"
    path.write_bytes(flagged_geojson(r))
    back = pyogrio.read_dataframe(path)
    assert back["checks"].tolist() == ["area_mismatch", "area_mismatch", "duplicate,area_mismatch"]
    assert back["severity"].tolist() == ["warning", "warning", "error"]
    assert back.crs == "EPSG:4326" and "crs" not in json.loads(path.read_text())  # RFC 7946


def test_svg_map_marks_flagged_parcels():
    svg = map_svg(result(), plan_parcels=syn.plan_parcels())
    assert (
        svg.startswith("<svg") and svg.count('class="flag"') == 3 and svg.count('class="plan"') == 2
    )  # X-1 lies beyond the drawn extent
    clean = run_checks(syn.clean_survey(), plan_parcels=syn.plan_parcels(), name_field="名称")
    assert map_svg(clean).count('class="ok"') == 2


def test_html_report_is_self_contained(tmp_path):
    html = html_report(
        result(), source="测绘.zip", plan_parcels=syn.plan_parcels(), crs_note="from the file: EPSG:4544"
    )
    for text in (
        "地块核查报告 / Parcel check report",
        "测绘.zip",
        "from the file: EPSG:4544",
        "same geometry as feature 2",
        "measures 60.9 mu against 60.0 mu allocated (+1.5 %, tolerance 1 %)",
        "@media print",
        "<th>说明 / message</th>",
        # each message in Chinese, then the English on a second line of the same cell
        (
            "<td>实测 60.9 亩，规划分配 60 亩（+1.5%，容差 1%）\n"
            "measures 60.9 mu against 60.0 mu allocated (+1.5 %, tolerance 1 %)</td>"
        ),
        "<td>与要素 2 的几何完全相同\nsame geometry as feature 2</td>",
    ):
        assert text in html
    assert "<th>message_zh</th>" not in html and "white-space:pre-line" in html
    assert "<script" not in html and "<link" not in html and "src=" not in html
    out = write_text_atomic(tmp_path / "r.html", html)
    assert out.read_text(encoding="utf-8") == html and [p.name for p in tmp_path.iterdir()] == ["r.html"]
