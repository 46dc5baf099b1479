"""The Check page under Streamlit's AppTest: upload, findings, workspace, hostile files."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import pyogrio
import pytest
from streamlit.testing.v1 import AppTest

from geo.checks.registry import run_checks
from geo.store import workspace as ws
from layers import load_parcels
from tests.fixtures import synthetic as syn
from tests.fixtures.map_element import map_args, map_element
from tests.fixtures.stores import created
from ui import data, safe

CLICK_STAMPS = itertools.count(1)
PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "check_page.py")


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("GEO_WORKSPACE", str(created(tmp_path / "ws")))
    return tmp_path / "ws"


@pytest.fixture(scope="module")
def survey_bytes(tmp_path_factory) -> bytes:
    """T2-3 as planned and T2-4 scaled by 1.05, as GeoJSON with Chinese names."""
    path = tmp_path_factory.mktemp("page") / "s.geojson"
    pyogrio.write_dataframe(syn.plan_survey(), path, driver="GeoJSON")
    return path.read_bytes()


def run(at: AppTest) -> AppTest:
    at.run(timeout=120)
    assert not at.exception, at.exception
    return at


def uploaded(survey_bytes: bytes) -> AppTest:
    """The page after the survey file was uploaded and checked."""
    at = run(AppTest.from_file(PAGE))
    at.file_uploader[0].upload("测绘.geojson", survey_bytes, "application/geo+json")
    return run(at)


def save(at: AppTest) -> str:
    """Click "save to the workspace" (saving is explicit); the saved upload's id."""
    at.button(key="chk_save").click()
    run(at)
    return ws.list_uploads()["upload_id"].iloc[0]


def texts(at: AppTest) -> str:
    """Every message's text as displayed (user text in them is escaped Markdown: resolved here)."""
    return "\n".join(
        safe.shown(e.value)
        for kind in ("info", "caption", "markdown", "error", "warning", "success")
        for e in getattr(at, kind)
        if isinstance(e.value, str)
    )


def findings_table(at: AppTest):
    return next(d.value for d in at.dataframe if "说明" in d.value.columns)


def test_empty_page(workspace):
    at = run(AppTest.from_file(PAGE))
    assert at.title[0].value == "核查测绘地块"
    assert "工作区为空" in texts(at)
    assert at.file_uploader[0].label == "测绘成果文件（不超过 200 MB）"  # the readers' limit, in words


def test_upload_check_save_and_use_surveyed(workspace, survey_bytes):
    at = uploaded(survey_bytes)
    assert "坐标系：文件自带：EPSG:4326" in texts(at)
    assert next(s for s in at.selectbox if s.label == "项目名称或编号字段").value == "名称"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"地块数": "2", "已匹配": "2", "实测面积（亩）": "1,659.75", "问题数": "1", "有问题的地块": "1"}
    table = findings_table(at)
    assert table["检查"].tolist() == ["面积与规划不符"]
    assert table["说明"].tolist() == ["实测 771.75 亩，规划分配 700 亩（+10.25%，容差 1%）"]
    assert [b.label for b in at.get("download_button")] == [  # the formal 核查报告 too, as the CLI writes it
        "核查报告（HTML，可打印）", "问题清单 CSV", "问题地块 GeoJSON", "核查报告（Word，可签署）", "核查报告（PDF）"]
    assert ws.list_uploads().empty, "nothing is saved until the user asks"
    uid = save(at)
    saved = ws.list_uploads()
    assert saved["name"].tolist() == ["测绘.geojson"] and saved["findings"].tolist() == [1]
    assert f"已保存到工作区（编号 {uid}）。" in texts(at)
    assert [t.value for t in at.text if "测绘.geojson" in t.value] == ["测绘.geojson · 2 地块数 · 1 问题数"]
    assert not bool(saved["use_surveyed"].iloc[0])
    at.button(key=f"chk_use_{uid}").click()
    run(at)
    assert bool(ws.list_uploads()["use_surveyed"].iloc[0])
    assert [(e.action, e.object) for e in ws.open_store().audit()] == [("save", uid), ("switch", uid)]
    in_use = data.parcels()
    surveyed = in_use[in_use["geometry_basis"] == "surveyed"]
    assert surveyed["project_id"].tolist() == ["T2-3", "T2-4"]
    assert "当前 2 个项目使用实测几何" in texts(at)


def test_english_page_shows_the_english_messages(workspace, survey_bytes):
    at = run(AppTest.from_file(PAGE))
    at.file_uploader[0].upload("survey.geojson", survey_bytes, "application/geo+json")
    run(at)
    # switched after the Chinese run: AppTest formats the CRS choices outside the
    # script, in Chinese, so a second run after an English one cannot match them
    at.session_state["w_lang"] = "en"
    run(at)
    table = next(d.value for d in at.dataframe if "Message" in d.value.columns)
    assert table["Message"].tolist() == ["measures 771.75 mu against 700.0 mu allocated (+10.25 %, tolerance 1 %)"]


def test_tolerance_widget_changes_findings(workspace, survey_bytes):
    at = uploaded(survey_bytes)
    at.number_input(key="chk_tolerance").set_value(20.0)
    run(at)
    assert "未发现问题" in texts(at)


def test_saved_upload_reopens_in_a_new_session_and_is_removed(workspace, survey_bytes):
    uid = save(uploaded(survey_bytes))
    fresh = run(AppTest.from_file(PAGE))  # a reload: a new session, nothing uploaded
    fresh.button(key=f"chk_open_{uid}").click()
    run(fresh)
    assert "显示已保存的上传：测绘.geojson" in texts(fresh)
    assert findings_table(fresh)["检查"].tolist() == ["面积与规划不符"]
    assert findings_table(fresh)["说明"].tolist() == ["实测 771.75 亩，规划分配 700 亩（+10.25%，容差 1%）"]
    fresh.button(key=f"chk_rm_{uid}").click()
    run(fresh)
    assert ws.list_uploads()["upload_id"].tolist() == [uid]  # the first click only asks
    assert "确认删除「测绘.geojson」" in texts(fresh)
    fresh.button(key=f"chk_rm_yes_{uid}").click()
    run(fresh)
    assert ws.list_uploads().empty and "工作区为空" in texts(fresh)
    assert ws.list_uploads(deleted=True)["upload_id"].tolist() == [uid]  # deletion is soft
    fresh.button(key=f"chk_restore_{uid}").click()
    run(fresh)
    assert ws.list_uploads()["upload_id"].tolist() == [uid]


def test_the_saved_message_goes_once_its_upload_is_removed(workspace, survey_bytes):
    at = uploaded(survey_bytes)
    at.button(key="chk_save").click()
    run(at)
    assert "已保存到工作区" in texts(at)
    uid = ws.list_uploads()["upload_id"].iloc[0]
    at.button(key=f"chk_rm_{uid}").click()
    run(at)
    assert "已保存到工作区" in texts(at) and "确认删除「测绘.geojson」" in texts(at)
    at.button(key=f"chk_rm_no_{uid}").click()  # Cancel keeps it
    run(at)
    assert ws.list_uploads()["upload_id"].tolist() == [uid] and "确认删除" not in texts(at)
    at.button(key=f"chk_rm_{uid}").click()
    run(at)
    at.button(key=f"chk_rm_yes_{uid}").click()
    run(at)
    assert ws.list_uploads().empty
    assert "已保存到工作区" not in texts(at)
    assert "chk_save" in {b.key for b in at.button}  # the file is still there: it may be saved again


def test_another_sessions_rerun_never_changes_the_switch(workspace, survey_bytes):
    """The switch is server state changed only by a click: a second session's reruns (tolerance, language) keep it."""
    uid = save(uploaded(survey_bytes))
    other = run(AppTest.from_file(PAGE))  # session B draws the panel while the upload is off …
    first = run(AppTest.from_file(PAGE))
    first.button(key=f"chk_use_{uid}").click()  # … session A switches it on
    run(first)
    assert bool(ws.list_uploads()["use_surveyed"].iloc[0])
    other.number_input(key="chk_tolerance").set_value(5.0)  # B's stale page reruns
    run(other)
    other.session_state["w_lang"] = "en"
    run(other)
    assert bool(ws.list_uploads()["use_surveyed"].iloc[0])
    assert [e.action for e in ws.open_store().audit()] == ["save", "switch"]


def test_markdown_in_a_file_name_is_shown_as_text(workspace, survey_bytes):
    name = "[登录](http://evil.example) ![x](http://evil.example/p.png).geojson"
    at = run(AppTest.from_file(PAGE))
    at.file_uploader[0].upload(name, survey_bytes, "application/geo+json")
    run(at)
    uid = save(at)
    fresh = run(AppTest.from_file(PAGE))
    fresh.button(key=f"chk_open_{uid}").click()
    run(fresh)
    (info,) = [i.value for i in fresh.info if "显示已保存的上传" in i.value]
    assert "](" not in info and "\\[" in info and safe.shown(info) == f"显示已保存的上传：{name}"
    assert any(t.value.startswith(name) for t in fresh.text)  # the workspace panel: plain text


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        (
            "broken.geojson",
            b'{"type": "FeatureCollection", "features": [',
            "broken.geojson: the file is not valid JSON",
        ),
        ("image.geojson", b"II*\x00" + b"\x00" * 64, "image.geojson: the file is a TIFF/GeoTIFF raster image"),
        (
            "paris.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {},
                            "geometry": {"type": "Point", "coordinates": [2.35, 48.85]},
                        }
                    ],
                }
            ).encode(),
            "paris.geojson: there are coordinates far outside China",
        ),
    ],
)
def test_hostile_upload_shows_one_clear_error(workspace, name, content, words):
    """One st.error naming file, problem and fix; the upload already saved is untouched."""
    first = run_checks(syn.clean_survey(), plan_parcels=syn.plan_parcels(), name_field="名称")
    ws.save_upload("kept1", first.parcels, first.findings, info={"name": "kept.gpkg"})
    before = hashlib.sha256(ws.workspace_path().read_bytes()).hexdigest()
    at = AppTest.from_file(PAGE)
    at.session_state["w_lang"] = "en"  # the error in the session's language: English, as asserted
    run(at)
    at.file_uploader[0].upload(name, content, "application/octet-stream")
    run(at)
    assert len(at.error) == 1 and safe.shown(at.error[0].value).startswith(words)
    assert hashlib.sha256(ws.workspace_path().read_bytes()).hexdigest() == before
    assert ws.list_uploads()["upload_id"].tolist() == ["kept1"]


def report(at: AppTest, *, clicked: dict | None = None, zoom: int = 14) -> None:
    """What the browser reports after a click (stamped, as each click is) or a zoom (bounds: the layer's extent)."""
    stamped = None if clicked is None else clicked | {"at": next(CLICK_STAMPS)}
    at.session_state[map_element(at)[0]] = {"clicked": stamped, "view": {"bounds": None, "zoom": zoom}}


def centre_of(project_id: str) -> dict:
    """``last_clicked`` at the inside of a plan parcel (the survey's T2-3 is the plan's)."""
    point = load_parcels().set_index("project_id").geometry[project_id].representative_point()
    return {"lat": point.y, "lng": point.x}


def test_map_draws_parcels_by_severity_from_the_app_and_a_click_lists_findings(workspace, survey_bytes):
    at = uploaded(survey_bytes)
    args = map_args(at)
    assert args["report_view"] is True
    links = args["js"] + args["css"]
    assert links and all(link.startswith("/app/static/vendor/") for link in links)
    assert "data:image/png;base64," in args["script"] and "findings-overview" in args["script"]  # overview image
    assert '"project_id":"T2-3"' in args["script"] and '"_name":"科创中央商务核"' in args["script"]  # plan outlines
    group = args["overlay"]  # the parcels in view, swapped in without reloading the map
    assert '"id":1,"properties":{"_c":"none","project_id":"T2-3"}' in group
    assert '"id":2,"properties":{"_c":"warning","project_id":"T2-4"}' in group
    assert "style_function" not in group and '"warning":"#f08c00"' in group
    assert "视野内 2 个地块；点击地块查看其问题。" in texts(at)

    report(at, clicked=centre_of("T2-4"))
    run(at)
    assert any(m.value == "**要素 2（项目：表2第4行金凤智能装备研发孵化片区）**" for m in at.markdown)
    clicked = next(d.value for d in at.dataframe if d.value.shape[0] == 1 and "说明" in d.value.columns)
    assert clicked["检查"].tolist() == ["面积与规划不符"] and clicked["要素"].tolist() == [2]
    assert clicked["说明"].tolist() == ["实测 771.75 亩，规划分配 700 亩（+10.25%，容差 1%）"]
    assert "selected = 2;" in map_args(at)["overlay"]
    assert map_args(at)["signature"] == args["signature"]  # the same map: only the overlay changed

    report(at, clicked=centre_of("T2-3"))
    run(at)
    assert any(s.value == "要素 1（项目：表2第3行科学谷前沿科技孵化片区）：无问题。" for s in at.success)

    report(at, clicked={"lat": 29.40, "lng": 106.20})
    run(at)
    assert "点击处没有地块。" in texts(at)


def test_map_zoomed_out_shows_only_the_overview(workspace, survey_bytes):
    at = uploaded(survey_bytes)
    report(at, zoom=11)
    run(at)
    args = map_args(at)
    assert args["overlay"] is None and "data:image/png;base64," in args["script"]
    assert "放大查看地块：视野内 2 个地块，当前显示概览图像。" in texts(at)


def test_a_geoparquet_upload_is_checked_like_any_other(workspace, survey_bytes, tmp_path):
    """GeoParquet (what `convert --spatial-sort` writes for big layers) is accepted by the page, as by the CLI."""
    path = tmp_path / "测绘.parquet"
    syn.plan_survey().to_parquet(path)  # the same parcels the GeoJSON fixture holds
    at = run(AppTest.from_file(PAGE))
    assert "parquet" in [t.lstrip(".") for t in at.file_uploader[0].proto.type]
    at.file_uploader[0].upload("测绘.parquet", path.read_bytes(), "application/vnd.apache.parquet")
    run(at)
    as_geojson = uploaded(survey_bytes)
    assert not at.error
    assert findings_table(at)["说明"].tolist() == findings_table(as_geojson)["说明"].tolist()


def test_a_read_warning_shows_in_the_session_language(workspace, tmp_path):
    """A reader's warning is catalogue words: the Chinese page (the default) says it in Chinese, no English left."""
    path = tmp_path / "s.gpkg"  # a GeoPackage under a GeoJSON name: read, with a warning
    pyogrio.write_dataframe(syn.plan_survey(), path, driver="GPKG")
    at = run(AppTest.from_file(PAGE))
    at.file_uploader[0].upload("测绘.geojson", path.read_bytes(), "application/geo+json")
    run(at)
    shown = [safe.shown(w.value) for w in at.warning]
    assert "测绘.geojson：文件名后缀为 .geojson，但内容是 GeoPackage；已按 GeoPackage 读取" in shown
    assert not any("the name says" in w for w in shown)
