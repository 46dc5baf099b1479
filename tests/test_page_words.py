"""Words on the pages (issue 22 part 5): the audit in words, readers' warnings, no developer words for planners.

The confirmed removal and its cleared "saved" message: tests/test_page_check.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.io import zbtxt
from geo.io.files import MAX_FILE_BYTES
from tests.test_app_map import run as run_map
from tests.test_app_pages import page
from tests.test_page_check import PAGE, run, workspace  # noqa: F401  (workspace: a fixture)
from ui import audit_words, readwords
from ui.i18n import LANG_KEY


def _in(lang: str, fn, *args):
    """``fn(*args)`` as a page in ``lang`` would call it."""
    st.session_state[LANG_KEY] = lang
    try:
        return fn(*args)
    finally:
        del st.session_state[LANG_KEY]


def test_audit_events_read_as_words_in_both_languages():
    detail = {"client": "web:10.0.0.5", "reason": "wrong password"}
    assert _in("zh", audit_words.detail, detail) == "原因：密码错误 · 客户端：web:10.0.0.5"
    assert _in("en", audit_words.detail, detail) == "reason: wrong password · client: web:10.0.0.5"
    assert _in("zh", audit_words.action, "login_ok") == "登录成功"
    assert _in("en", audit_words.action, "monitor_record") == "Monitoring data recorded"
    assert _in("zh", audit_words.action, "something_new") == "something_new"  # unknown: as recorded
    saved = {"name": "测绘.geojson", "file_hash": "ab" * 32, "features": 2, "replaced": True}
    text = _in("zh", audit_words.detail, saved)
    assert text.startswith("文件：测绘.geojson") and "文件指纹：abababab…" in text and "替换旧版：是" in text
    assert "ab" * 9 not in text
    assert _in("zh", audit_words.subject, "0123456789ab", saved) == "测绘.geojson（01234567…）"
    assert _in("en", audit_words.subject, "0123456789ab", {}) == "upload 01234567…"
    assert _in("zh", audit_words.subject, "audit", {}) == "审计记录"
    assert _in("zh", audit_words.detail, {"role": "checker", "attempted": "list"}) == "尝试：查看账户 · 角色：核查员"


def test_the_area_unit_warning_reads_in_the_page_language():
    """The 部标坐标txt reader's note on 地块面积's unit (catalogue words), as a page shows it (no English left in
    Chinese)."""
    square = [shapely.box(0, 0, 100, 100), shapely.box(200, 0, 300, 100), shapely.box(400, 0, 500, 100)]
    layer = gpd.GeoDataFrame({"地块面积": [1.0, 1.0, None]}, geometry=square, crs="EPSG:4523")
    notes = zbtxt._area_notes(layer, "界址.txt")
    assert len(notes) == 2 and "read as" in notes[0]
    zh = [_in("zh", readwords.warning, n) for n in notes]
    assert zh[0].startswith("界址.txt：「地块面积」按公顷读取") and "中位差为 0.000%" in zh[0]
    assert zh[1] == "界址.txt：第 3 个地块的「地块面积」为空或不是数字，未作比较。"
    assert not any(re.search(r"[A-Za-z]{3,}", z.replace("界址.txt", "").replace("EPSG", "")) for z in zh)
    assert _in("en", readwords.warning, notes[0]).startswith("界址.txt: 地块面积 read as 公顷 (ha): it agrees with")
    assert _in("en", readwords.warning, notes[0]) == notes[0]  # the English the command line prints
    assert _in("zh", readwords.warning, "something else") == "something else"


def test_the_detail_panel_keeps_file_and_column_names_for_gis_staff():
    at = run_map(lang="en", sel="T4-1", basemap="none")
    assert not at.exception
    fields = at.dataframe[0].value.set_index("Field")["Value"]
    assert fields["Function"] == "testing and inspection (检验检测)"  # English, the plan's Chinese beside it
    (gis,) = [e for e in at.get("expander") if "GIS" in e.label]
    assert gis.label == "For GIS staff: the raw data row"
    assert "project_id" in gis.dataframe[0].value.columns  # the raw row: only inside it
    assert not any("projects.csv" in c.value for c in at.caption if c not in gis.caption)
    zh = run_map(sel="T4-1", basemap="none")
    assert zh.dataframe[0].value.set_index("字段")["值"]["功能"] == "检验检测"


def test_planner_pages_say_no_none_and_no_command():
    parcels = page("pages/parcels_page.py")
    assert "None" not in " ".join(c.value for c in parcels.caption)
    assert parcels.dataframe[0].proto.placeholder == "——"  # Streamlit's "None" for empty cells
    export = page("pages/export_page.py", w_lang="en")
    (gis,) = [e for e in export.get("expander") if "GIS" in e.label]
    outside = [c.value for c in export.caption] + [m.value for m in export.markdown if m not in gis.markdown]
    assert not any("python -m geo" in v or "geometry_basis" in v for v in outside)
    assert "python -m geo export" in gis.markdown[0].value and "geometry_basis" in gis.markdown[0].value


def test_every_select_has_a_placeholder_in_the_page_language():
    """The before-stop hook's count, here: a select without ``placeholder=`` shows Streamlit's English "Choose"."""
    root = Path(__file__).resolve().parents[1]
    calls = re.compile(r"\.(multiselect|selectbox)\(")
    missing = [f"{path.relative_to(root)}:{n}" for path in [*root.glob("pages/*.py"), *root.glob("ui/*.py")]
               if path.name not in ("monitor_page.py", "monitor.py")  # another engineer's
               for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if calls.search(line) and "placeholder=" not in line]
    assert not missing


def test_uploaders_state_the_readers_limit_in_both_languages(workspace):  # noqa: F811
    at = run(AppTest.from_file(PAGE))
    uploader = at.get("file_uploader")[0]
    assert uploader.proto.max_upload_size_mb == MAX_FILE_BYTES // (1024 * 1024) == 200
    assert "200 MB" in uploader.proto.label and "200 MB" in uploader.proto.help
    styles = [h.proto.body for h in at.get("html")]  # Streamlit's own words replaced, scoped to this uploader
    assert any(".st-key-chk_upload" in b and '"选择文件"' in b and "单个文件不超过 200 MB" in b for b in styles)
    at.session_state[LANG_KEY] = "en"
    assert "up to 200 MB" in run(at).get("file_uploader")[0].proto.label
    assert not any("选择文件" in h.proto.body for h in at.get("html"))  # English: Streamlit's words stay


def test_totals_say_they_show_the_whole_plan_and_keep_the_plans_track_order():
    at = page("pages/totals_page.py", w_lang="en", w_track=["digital"])
    assert any("whole plan" in i.value for i in at.info)  # filtered in the sidebar: said, not silently ignored
    tracks = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "plan" / "tracks.csv")
    names = tracks["name_en"].tolist()
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    sorts = [s["encoding"]["y"]["sort"] for s in specs if s["encoding"]["y"]["field"] in ("name", "track")]
    track_sorts = [s for s in sorts if set(s) <= set(names)]
    assert len(track_sorts) == 2 and all(s == [n for n in names if n in s] for s in track_sorts)
    assert all(s["encoding"]["y"]["axis"]["labelLimit"] == 0 for s in specs)  # whole labels
    land = next(s for s in specs if s["encoding"]["y"]["field"] == "zone")
    assert land["encoding"]["color"]["scale"]["domain"] == [n for n in names if n != "Technology finance"] or \
        land["encoding"]["color"]["scale"]["domain"] == names
    assert "whole plan" in " ".join(c.value for c in page("pages/totals_page.py", w_lang="en").caption)
