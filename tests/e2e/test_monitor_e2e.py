"""The Monitor page (监测评估) in a real browser: upload a filled template, save it, move the map's year
slider and see a parcel's stage colour change on the same Leaflet map, download the report.

The app runs on a workspace of its own (records saved here must not reach the other browser tests); the
template is the one ``write_template`` writes, filled by openpyxl with example values (示例 in every source).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import docx
import openpyxl
import pytest
from playwright.sync_api import Page

from geo.mapview.stages import STAGE_COLOURS
from geo.monitor.template import SHEET_PROJECTS, SHEET_TARGETS, write_template
from geo.store.gpkg import GeoPackageStore
from layers import load_monitor_plan
from tests.e2e.conftest import Browse, serve_app

YEAR = 2025
SOURCE_C1 = "示例：检验检测机构名录（示例数据）"
SOURCE_T23 = "示例：项目台账（示例数据）"
#: ``project_id`` → the fill colour Leaflet gives its parcel on the Monitor page's map.
FILLS_JS = """() => {
    const host = document.querySelector('.st-key-mon_map .geo-map');
    if (!host || !host.geoMap) return {};
    const fills = {};
    host.geoMap.eachLayer(l => {
        if (l.feature && l.feature.properties.project_id) fills[l.feature.properties.project_id] = l.options.fillColor;
    });
    return fills;
}"""


@pytest.fixture(scope="module")
def monitor_workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e-monitor")


@pytest.fixture(scope="module")
def monitor_url(monitor_workspace) -> Iterator[str]:
    with serve_app(monitor_workspace, log_name="e2e-monitor-streamlit.log") as url:
        yield url


def filled_template(folder: Path) -> Path:
    """The template of :data:`YEAR`, filled by openpyxl: C-1 = 60 institutions, T2-3 under construction (300 mu)."""
    path = folder / f"填报表_{YEAR}.xlsx"
    write_template(load_monitor_plan(), [], YEAR, path)
    book = openpyxl.load_workbook(path)
    for sheet, pid, values in ((SHEET_TARGETS, "C-1", {"F": 60, "G": SOURCE_C1}),
                               (SHEET_PROJECTS, "T2-3", {"C": "在建", "D": 300, "H": SOURCE_T23})):
        rows = [c.row for c in book[sheet]["A"] if c.value == pid]
        for column, value in values.items():
            book[sheet][f"{column}{rows[0]}"] = value
    book.save(path)
    return path


def fill_of(page: Page, pid: str, colour: str) -> None:
    """Wait until the parcel ``pid`` is filled with ``colour`` on the page's map."""
    page.wait_for_function(f"() => ({FILLS_JS})()[{pid!r}] === {colour!r}", timeout=60_000)


def test_upload_save_move_the_year_slider_and_download_the_report(page, monitor_url, monitor_workspace, tmp_path,
                                                                 offline):
    browse = Browse(page, monitor_url)
    browse.go("/monitor")
    assert page.locator("h1").first.inner_text() == "监测评估"
    page.get_by_text("尚无任何实际值记录", exact=False).first.wait_for()
    page.locator("[data-testid='stFileUploader']").wait_for(timeout=60_000)  # the page's rest, after the map
    fill_of(page, "T2-3", STAGE_COLOURS["no_data"])  # nothing recorded: every parcel grey

    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(str(filled_template(tmp_path)))
    page.get_by_text(f"2 条记录（{YEAR} 年），尚未保存", exact=False).wait_for(timeout=60_000)
    page.get_by_role("button", name="保存 2 条记录").click()
    page.get_by_text("已保存 2 条记录", exact=False).wait_for(timeout=60_000)
    browse.wait()
    stored = GeoPackageStore(monitor_workspace / "workspace.gpkg").list_actuals()
    assert sorted((a.subject_id, a.year, a.source) for a in stored) == [
        ("C-1", YEAR, SOURCE_C1), ("T2-3", YEAR, SOURCE_T23)]

    fill_of(page, "T2-3", STAGE_COLOURS["construction"])  # 2025: under construction
    fills = page.evaluate(FILLS_JS)
    assert fills["T2-4"] == STAGE_COLOURS["no_data"]
    page.evaluate("() => { window.__monMap = document.querySelector('.st-key-mon_map .geo-map').geoMap; }")
    browse.shot("monitor_2025")

    slider = page.locator(".st-key-mon_map_year input[type=range]")
    slider.focus()
    slider.press("ArrowLeft")  # 2025 → 2024: nothing recorded yet that year
    fill_of(page, "T2-3", STAGE_COLOURS["no_data"])
    assert page.evaluate("() => document.querySelector('.st-key-mon_map .geo-map').geoMap === window.__monMap"), \
        "the same map, re-coloured (not drawn again)"
    browse.shot("monitor_2024")
    slider.press("ArrowRight")
    fill_of(page, "T2-3", STAGE_COLOURS["construction"])

    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name=f"下载 {YEAR} 年度报告（Word）").click()
    report = info.value
    assert report.suggested_filename == f"年度发展报告_{YEAR}.docx"
    body = Path(report.path()).read_bytes()
    document = docx.Document(io.BytesIO(body))
    words = "\n".join([p.text for p in document.paragraphs]
                      + [c.text for t in document.tables for r in t.rows for c in r.cells])
    assert "指标完成情况" in words and "检验检测机构" in words
    assert SOURCE_C1 in words  # the appendix names the recorded value's source
    assert offline.blocked == [] or all("tile" in u for u in offline.blocked)  # only basemap tiles were asked for
