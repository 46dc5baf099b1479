"""The drafting page (pages/draft_page.py) in Streamlit's AppTest: what the map element is sent, what a viewer
and a checker see, what the map's report changes, the URL's draft and version, a version in use.

The browser side (drawing, the mu while drawing, two people saving) is in tests/e2e/test_draft_e2e.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geo.drafts.model import DraftPlan, new_parcel_id
from geo.drafts.service import Drafts
from geo.store import single_user
from geo.store import workspace as ws
from layers import load_projects, load_tracks, load_zones
from tests.fixtures.apptest import texts
from tests.fixtures.map_element import map_elements, painted
from ui import drafting
from ui.safe import shown

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = "pages/draft_page.py"
PASSWORDS = {"alice": "alice-Draft-1", "vera": "vera-Draft-22", "ada": "ada-Draft-333"}
ROLES = {"alice": "checker", "vera": "viewer", "ada": "admin"}


def square(x: float, y: float, side: float = 0.002) -> shapely.Polygon:
    return shapely.box(x, y, x + side, y + side)


def example_parcels() -> gpd.GeoDataFrame:
    """Two 示例 parcels near the plan's area: one attached to the plan's first project, one a new row."""
    first = load_projects().iloc[0]
    return gpd.GeoDataFrame({
        "parcel_id": [new_parcel_id(), new_parcel_id()], "project_id": [first["project_id"], pd.NA],
        "name_zh": ["", "示例新地块"], "name_en": ["", ""], "track_id": [pd.NA, pd.NA], "zone_id": [pd.NA, pd.NA],
        "declared_mu": [pd.NA, 12.0], "note": ["示例", "示例"],
    }, geometry=[square(106.30, 29.60), square(106.31, 29.61)], crs=4326)


@pytest.fixture
def office(backend):
    off = ws.office()
    for name, role in ROLES.items():
        off.add_user(single_user(), name, role, PASSWORDS[name])
    return off


@pytest.fixture
def desk(office) -> Drafts:
    return Drafts(office, DraftPlan.of(load_projects(), load_tracks(), load_zones()))


def map_args(at: AppTest) -> dict:
    """What the page's drafting map (not the diff's map) sends to the browser."""
    (found,) = [data for key, data in map_elements(at) if key == drafting.MAP_KEY]
    return found


def run(at: AppTest) -> AppTest:
    painted(at.run(timeout=180))
    assert not at.exception, at.exception
    return at


def signed_in(name: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    run(at)
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(PASSWORDS[name])
    at.button[0].click()
    run(at)
    at.switch_page(PAGE)
    return run(at)


def test_a_checker_gets_the_drawing_tools_and_the_drafts_parcels(desk, office):
    saved = desk.create(office.actor("alice"), "示例草稿", example_parcels(), comment="示例")
    at = signed_in("alice")
    edit = map_args(at)["edit"]
    assert edit["can_edit"] is True
    assert {f["properties"]["name"] for f in edit["features"]["features"]} == {
        load_projects().iloc[0]["name_zh"], "示例新地块"}  # the attached parcel took its project's name
    assert any("leaflet-geoman" in js for js in map_args(at)["js"])
    assert any("geographiclib" in js for js in map_args(at)["js"])
    words = texts(at)
    assert "示例新地块" in " ".join(at.dataframe[0].value.iloc[:, 0])
    assert f"与 v{saved.version.version} 相同，无未保存的修改。" in words
    assert at.button(key="draft_save").disabled


def test_a_viewer_sees_the_draft_read_only(desk, office):
    desk.create(office.actor("alice"), "示例草稿", example_parcels())
    at = signed_in("vera")
    assert map_args(at)["edit"]["can_edit"] is False
    assert "你的角色只能查看草稿。" in texts(at)
    assert not [b for b in at.button if b.key in ("draft_save", "draft_restore", "draft_use")]
    assert not [f for f in at.get("form") if "draft" in str(f.proto)]  # no new-draft form, no attach form


def test_the_maps_report_is_the_working_copy_and_a_save_is_the_next_version(desk, office):
    desk.create(office.actor("alice"), "示例草稿", example_parcels())
    at = signed_in("alice")
    edit = map_args(at)["edit"]
    moved = edit["features"]
    moved["features"] = moved["features"][:1]  # the user deleted the new row's parcel on the map
    at.session_state[drafting.MAP_KEY] = {"draft": {"features": moved, "stamp": edit["stamp"], "at": 1}}
    run(at)
    assert "有未保存的修改（基于 v1）。" in texts(at)
    at.text_input(key="draft_comment").input("示例：删去新地块")
    at.button(key="draft_save").click()
    run(at)
    versions = desk.versions(office.actor("alice"), desk.list(office.actor("alice"))[0].draft.draft_id)
    assert [(v.version, v.author, v.n_parcels, v.comment) for v in versions] == [
        (1, "alice", 2, ""), (2, "alice", 1, "示例：删去新地块")]


def test_a_stale_report_from_before_a_redraw_changes_nothing(desk, office):
    desk.create(office.actor("alice"), "示例草稿", example_parcels())
    at = signed_in("alice")
    edit = map_args(at)["edit"]
    at.session_state[drafting.MAP_KEY] = {"draft": {"features": {"type": "FeatureCollection", "features": []},
                                                    "stamp": "an older drawing", "at": 2}}
    run(at)
    assert "与 v1 相同，无未保存的修改。" in texts(at)
    assert map_args(at)["edit"]["stamp"] == edit["stamp"]


def test_the_url_names_the_draft_and_an_older_version_shown_read_only(desk, office):
    actor = office.actor("alice")
    saved = desk.create(actor, "示例草稿", example_parcels())
    desk.save(actor, saved.draft.draft_id, example_parcels().iloc[:1], base_version=1, comment="示例")
    at = signed_in("alice", draft=saved.draft.draft_id, version="1")
    assert at.query_params["draft"] == [saved.draft.draft_id] or at.query_params["draft"] == saved.draft.draft_id
    edit = map_args(at)["edit"]
    assert len(edit["features"]["features"]) == 2 and edit["can_edit"] is False  # v1, not the latest
    assert at.button(key="draft_restore")


def test_a_version_in_use_is_named_on_the_page(desk, office):
    saved = desk.create(office.actor("alice"), "示例草稿", example_parcels())
    desk.use(office.actor("ada"), saved.draft.draft_id, 1)
    at = signed_in("alice")
    assert any("正在使用：示例草稿 v1" in i.value for i in at.info)


def test_a_line_drawn_across_a_parcel_splits_it_on_the_page(desk, office):
    desk.create(office.actor("alice"), "示例草稿", example_parcels())
    at = signed_in("alice")
    stamp = map_args(at)["edit"]["stamp"]
    across = [[106.301, 29.599], [106.301, 29.603]]  # through the middle of the first square
    at.session_state[drafting.MAP_KEY] = {"split": {"line": across, "stamp": stamp, "at": 3}}
    run(at)
    edit = map_args(at)["edit"]
    assert len(edit["features"]["features"]) == 3 and edit["stamp"] != stamp  # redrawn with the two parts
    assert "有未保存的修改（基于 v1）。" in texts(at)
    assert any("拆分为 2 块" in i.value for i in at.info)  # the split's note, in the session's language
    nowhere = [[106.2, 29.5], [106.21, 29.5]]
    at.session_state[drafting.MAP_KEY] = {"split": {"line": nowhere, "stamp": edit["stamp"], "at": 4}}
    run(at)
    assert any("没有从一侧到另一侧穿过任何地块" in w.value for w in at.warning)  # err.drafts.split_none
    assert len(map_args(at)["edit"]["features"]["features"]) == 3


def test_a_parcel_that_replaces_the_one_holding_its_project_says_so(desk, office):
    parcels = example_parcels()
    desk.create(office.actor("alice"), "示例草稿", parcels)
    at = signed_in("alice")
    first, new_row = parcels["parcel_id"].tolist()
    project = str(parcels.at[0, "project_id"])
    at.session_state["_draft_held"] = (new_row, project, first)  # as the attach form leaves it (held elsewhere)
    run(at)
    at.button(key="draft_held_replace").click()
    run(at)
    notes = [shown(i.value) for i in at.info]
    assert f"项目 {project}：「示例新地块」取代「{load_projects().iloc[0]['name_zh']}」" in notes  # in Chinese, once
    assert len(map_args(at)["edit"]["features"]["features"]) == 1  # the parcel that held it is gone
    run(at)
    assert not any("取代" in i.value for i in at.info)


def test_the_diff_of_two_versions_is_a_table_and_a_map_of_the_changed_parcels(desk, office):
    actor = office.actor("alice")
    saved = desk.create(actor, "示例草稿", example_parcels())
    later = desk.load(actor, saved.draft.draft_id, 1)[1]
    later = later[later["name_zh"] == "示例新地块"].copy()  # the attached parcel removed …
    later["geometry"] = [square(106.31, 29.61, 0.003)]  # … and the new row reshaped
    desk.save(actor, saved.draft.draft_id, later, base_version=1, comment="示例")
    at = signed_in("alice")
    assert "新增 0，删除 1，改形 1，属性变更 0。" in texts(at)
    (diff,) = [d for k, d in map_elements(at) if k.startswith("draft_diff")]
    script = diff["script"] + (diff["overlay"] or "")
    assert "示例新地块" in script or json.dumps("示例新地块")[1:-1] in script  # (GeoJSON in the script: \\u escapes)
    assert "#c0392b" in diff["script"] and "#1f6f8b" in diff["script"]  # removed red, reshaped blue


def test_a_version_downloads_in_every_export_format(desk, office):
    from geo.io.export import FORMATS

    desk.create(office.actor("alice"), "示例草稿", example_parcels())
    at = signed_in("alice")
    for fmt in FORMATS:
        at.selectbox(key="draft_dl_fmt").set_value(fmt)
        run(at)
        assert not at.error, (fmt, [e.value for e in at.error])
        assert at.get("download_button")[-1].proto.label == "下载 v1"


def test_with_no_draft_yet_the_page_and_its_sidebar_are_drawn_whole(office):
    at = signed_in("alice")  # the drafting page holds its rest back for its first map; with no draft, no map
    assert "还没有草稿。新建一个开始绘制。" in texts(at)
    assert any("已登录：alice" in c.value for c in at.sidebar.caption)
    assert at.get("form")  # the new-draft form
