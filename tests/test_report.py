"""geo.checks.report: CSV and GeoJSON read back by pandas/GDAL; the HTML report is self-contained."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import shapely

from geo.atomic import write_output
from geo.checks.registry import CHECKS, FINDING_COLUMNS, run_checks
from geo.checks.report import (
    CSV_HEADERS_ZH,
    MU,
    PARTS,
    PERCENT,
    UNITS,
    findings_csv,
    flagged_features,
    flagged_geojson,
    html_report,
    map_svg,
    round_to_unit,
    unit_from_meaning,
    unit_of,
)
from geo.errors import UsageError
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
    assert back.columns.tolist() == [
        "feature", "project_id", "check", "severity", "message", "message_zh", "value", "detail", "unit",
    ]
    assert back["unit"].tolist() == ["feature no.", "mu", "mu"]
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


def raw_findings() -> pd.DataFrame:
    """Findings with unrounded values, as the checks compute them (areas to the float's last digit)."""
    rows = [
        (4, "T2-3", "overlap", "error", "overlaps feature 5 by 1.2346 mu", "与要素 5 重叠 1.235 亩", 1.234567891),
        (5, pd.NA, "multipart", "warning", "the parcel has 3 separate parts", "地块由 3 个互不相连的部分组成", 3.0),
        (6, "T4-1", "area_mismatch", "warning", "measures …", "实测 …", -12.3456789),
        (7, pd.NA, "unmatched", "warning", "matched to no plan project", "未匹配到规划项目", float("nan")),
    ]
    frame = pd.DataFrame(rows, columns=[c for c in FINDING_COLUMNS if c != "detail"]).assign(detail="")
    return frame[list(FINDING_COLUMNS)].astype({"feature": "Int64", "project_id": "string"})


def test_chinese_csv_for_officials_has_chinese_headers_units_and_rounded_values():
    data = findings_csv(raw_findings(), lang="zh")
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"项目编号": str})
    assert back.columns.tolist() == ["序号/要素", "项目编号", "检查项", "严重程度", "说明", "数值", "单位"]
    assert back.columns.tolist() == list(CSV_HEADERS_ZH.values())
    assert back["检查项"].tolist() == ["地块重叠", "多部件地块", "面积与规划不符", "未匹配项目"]
    assert back["严重程度"].tolist() == ["错误", "警告", "警告", "警告"]
    assert back["说明"].tolist()[0] == "与要素 5 重叠 1.235 亩"  # the Chinese message
    assert back["单位"].fillna("").tolist() == ["亩", "个", "亩", ""]
    assert back["数值"].tolist()[:3] == [1.235, 3, -12.346]  # mu to 3 decimals, counts whole
    assert pd.isna(back["数值"].iloc[3])  # no value is an empty cell, not 0
    text = data.decode("utf-8-sig")
    assert ",3,个" in text and ",1.235,亩" in text


def test_english_csv_keeps_both_messages_and_adds_the_unit():
    back = pd.read_csv(io.BytesIO(findings_csv(raw_findings(), lang="en")), encoding="utf-8-sig")
    assert back.columns.tolist() == [*FINDING_COLUMNS, "unit"]
    assert back["unit"].fillna("").tolist() == ["mu", "parts", "mu", ""]
    assert back["value"].tolist()[:3] == [1.235, 3, -12.346]
    with pytest.raises(UsageError):
        findings_csv(raw_findings(), lang="fr")


def test_units_restate_the_registry_meaning_of_each_value():
    assert set(UNITS) == set(CHECKS)  # a new check must get its unit here (or from its meaning)
    for check, unit in UNITS.items():
        meaning = CHECKS[check].value
        if check == "duplicate":
            assert "feature number" in meaning and unit.zh == "要素序号" and unit.decimals == 0
        else:
            assert unit_from_meaning(meaning) == unit, (check, meaning)
    assert unit_of("a_future_check").zh == ""  # unknown checks: no unit, not a guess


def test_percent_and_count_precision():
    assert unit_from_meaning("measured − allocated, %") == PERCENT and unit_from_meaning("area outside, mu") == MU
    assert unit_from_meaning("number of holes") == PARTS
    assert round_to_unit(12.34567, PERCENT) == 12.35 and round_to_unit(0.0004999, MU) == 0.0
    assert round_to_unit(2.6, PARTS) == 3 and isinstance(round_to_unit(2.6, PARTS), int)
    assert round_to_unit(float("nan"), MU) is None


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


def test_svg_map_says_in_both_languages_what_it_left_out(monkeypatch):
    """Over the limit only flagged parcels are drawn, and the map says how many it left out, 中文 / English."""
    from geo.checks import report

    clean = run_checks(syn.clean_survey(), plan_parcels=syn.plan_parcels(), name_field="名称")
    monkeypatch.setattr(report, "MAX_MAP_FEATURES", 1)
    assert "未画出 2 个无问题的地块（超过 1 个） / 2 unflagged parcels not drawn (over 1)" in map_svg(clean)


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
    out = Path(write_output(tmp_path / "r.html", html))
    assert out.read_text(encoding="utf-8") == html and [p.name for p in tmp_path.iterdir()] == ["r.html"]
