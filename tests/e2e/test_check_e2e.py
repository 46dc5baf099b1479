"""The Check page in a real browser: upload a surveyed file, read the findings, download them.

The app is started here (not by the shared ``app_url`` fixture) with
``GEO_WORKSPACE`` set to a temporary folder, so the test never touches a
developer's own workspace.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from geo.store import workspace as ws
from tests.e2e.conftest import SHOTS, serve_app
from tests.fixtures.synthetic import plan_survey

#: ``[feature id, severity]`` of every parcel Leaflet draws on the findings map, by id.
DRAWN_SEVERITIES_JS = """() => {
    const out = [];
    window.map.eachLayer(l => {
        if (l.feature && l.feature.properties._c) out.push([l.feature.id, l.feature.properties._c]);
    });
    return out.sort((a, b) => a[0] - b[0]);
}"""
#: Centre of a drawn parcel in the map container's pixels.
CENTRE_OF_JS = """(id) => {
    let c = null;
    window.map.eachLayer(l => { if (l.feature && l.feature.id === id) c = l.getBounds().getCenter(); });
    const p = window.map.latLngToContainerPoint(c);
    return [p.x, p.y];
}"""


@pytest.fixture(scope="module")
def check_workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e-workspace")


@pytest.fixture(scope="module")
def app_url(check_workspace) -> Iterator[str]:
    """``streamlit run app.py`` with its workspace in this module's temporary folder."""
    with serve_app(check_workspace, log_name="e2e-check-streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def survey_zip(tmp_path_factory) -> Path:
    """A zipped Shapefile in EPSG:4544, GBK attributes without .cpg: T2-3 as planned, T2-4 scaled by 1.05."""
    import zipfile

    layer = plan_survey().to_crs("EPSG:4544")
    folder = tmp_path_factory.mktemp("e2e-survey")
    pyogrio.write_dataframe(layer, folder / "parcels.shp", driver="ESRI Shapefile", encoding="GBK")
    path = folder / "测绘成果.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for ext in (".shp", ".shx", ".dbf", ".prj"):
            zf.write(folder / f"parcels{ext}", f"parcels{ext}")
    return path


def test_upload_read_findings_and_download(browse, offline, survey_zip, check_workspace):
    page = browse.go("/check")
    assert page.locator("h1").first.inner_text() == "核查测绘地块"
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(survey_zip))
    page.get_by_text("坐标系：文件自带：EPSG:4544").wait_for(timeout=60_000)
    browse.wait()
    page.get_by_text("属性编码：GBK").wait_for()
    assert ws.list_uploads(root=check_workspace).empty  # saving is an explicit click
    page.get_by_role("button", name="保存到工作区").click()
    page.get_by_text("测绘成果.zip** · 2 地块数", exact=False).or_(
        page.get_by_text("测绘成果.zip · 2 地块数")
    ).first.wait_for(timeout=60_000)
    browse.wait()
    metrics = dict(
        zip(
            page.locator("[data-testid='stMetricLabel']").all_inner_texts(),
            page.locator("[data-testid='stMetricValue']").all_inner_texts(),
            strict=True,
        )
    )
    assert metrics == {"地块数": "2", "已匹配": "2", "实测面积（亩）": "1,659.75", "问题数": "1", "有问题的地块": "1"}
    frame = browse.map_frame()  # the findings map: parcels in view coloured by their worst finding
    frame.wait_for_function(f"() => ({DRAWN_SEVERITIES_JS})().length === 2", timeout=30_000)
    assert frame.evaluate(DRAWN_SEVERITIES_JS) == [[1, "none"], [2, "warning"]]
    assert frame.evaluate("() => document.querySelector('img.findings-overview').naturalWidth") > 0
    x, y = frame.evaluate(CENTRE_OF_JS, 2)
    # on the flagged parcel; found by the server
    frame.locator(".geo-map > .leaflet-container").click(position={"x": x, "y": y})
    page.get_by_text("要素 2（项目：表2第4行金凤智能装备研发孵化片区）").wait_for(timeout=30_000)
    browse.wait()
    assert frame.evaluate(DRAWN_SEVERITIES_JS) == [[1, "none"], [2, "warning"]]
    frame.evaluate("() => { window.__first_map = window.map; window.map.setZoom(11); }")  # zoom out: overview only
    page.get_by_text("放大查看地块：视野内 2 个地块").wait_for(timeout=30_000)
    frame.wait_for_function(f"() => ({DRAWN_SEVERITIES_JS})().length === 1", timeout=30_000)
    assert frame.evaluate(DRAWN_SEVERITIES_JS) == [[2, "warning"]]  # only the clicked parcel, highlighted
    # parcels swapped in the same map, not reloaded
    assert frame.evaluate("() => document.querySelector('.geo-map').geoMap === window.__first_map")
    assert frame.evaluate("() => document.querySelector('img.findings-overview').style.opacity") == "0.9"
    frame.evaluate("() => window.map.setZoom(14)")  # and back in: the parcels in view again
    frame.wait_for_function(f"() => ({DRAWN_SEVERITIES_JS})().length === 2", timeout=30_000)
    browse.wait()
    with page.expect_download() as info:
        page.get_by_role("button", name="问题清单 CSV").click()
    findings = pd.read_csv(io.BytesIO(Path(info.value.path()).read_bytes()), encoding="utf-8-sig")
    # the UI is Chinese, so is the CSV for officials: Chinese headers, texts and units
    assert findings.columns.tolist() == ["序号/要素", "项目编号", "检查项", "严重程度", "说明", "数值", "单位",
                                         "地块", "界址点号", "圈号", "X", "Y", "整改建议"]
    shown = findings[["序号/要素", "项目编号", "检查项", "单位"]].values.tolist()
    assert shown == [[2, "T2-4", "面积与规划不符", "亩"]]
    assert "规划分配 700 亩（+10.25%，容差 1%）" in findings["说明"].iloc[0]
    assert ws.list_uploads(root=check_workspace)["name"].tolist() == ["测绘成果.zip"]
    assert offline.blocked == [] or all("tile" in u for u in offline.blocked)
    browse.shot("check_upload")
    with page.expect_download() as info:
        page.get_by_role("button", name="核查报告（HTML，可打印）").click()
    report = Path(info.value.path()).read_text(encoding="utf-8")
    page.set_content(report)  # the report alone: no server, and every network request is blocked
    assert page.locator("h1").inner_text() == "地块核查报告 / Parcel check report"
    assert page.locator("svg path.flag").count() == 1 and page.locator("svg path.ok").count() == 1
    assert page.get_by_text("+10.25 %, tolerance 1 %").count() == 1
    page.screenshot(path=str(SHOTS / "check_report.png"), full_page=True)
    assert offline.blocked == [] or all("tile" in u for u in offline.blocked)
