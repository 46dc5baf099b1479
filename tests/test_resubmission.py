"""Resubmissions (issue 22, part 3): a corrected file saved as resubmitting an earlier upload, on both backends.

The 示例 defects file is built from the plan's own parcels (as tests/test_check_report_formal.py builds its
defects), in EPSG:4544, its parcels named in ``地块编号`` (示例-01 …; matched to projects by overlap):

- 示例-01: T2-3 as planned;
- 示例-02: T2-4 scaled by 1.05 (area mismatch);
- 示例-03: a copy of T2-3 (duplicate; with 示例-01 T2-3's parcels measure twice its allocation);
- 示例-04: a bow-tie over T2-5 (self-intersection; too small; two parts);
- 示例-05: T2-6 scaled by 0.9 (area mismatch).

The corrected copy lists its parcels in another order (示例-05, 示例-04, 示例-01, 示例-06, 示例-02): 示例-02 and
示例-04 corrected, 示例-03 dropped, 示例-05 still 0.9, and a new parcel 示例-06 (T2-7 scaled by 1.2: a new area
mismatch) on the row where 示例-04 was. So: 6 fixed (示例-02 area; 示例-03 duplicate; 示例-04 invalid, area,
multipart; project T2-3's total), 1 still open (示例-05), 1 new (示例-06). Matching by row would call 示例-06's
finding 示例-04's, still open.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from docx import Document
from streamlit.testing.v1 import AppTest

from geo.checks.resubmit import cases, compare, finding_keys, propose
from geo.store import StoreError, Upload, single_user
from geo.store import workspace as ws
from geo.store.base import SCHEMA_VERSION
from geo.store.dump import dump_file, load_dump
from geo.store.gpkg import GeoPackageStore
from layers import load_parcels
from tests.fixtures.apptest import texts
from tests.fixtures.cli import geo, one_line
from tests.fixtures.stores import created

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "check_page.py")
FIXED = {("示例-02", "area_mismatch"), ("示例-03", "duplicate"), ("示例-04", "invalid"), ("示例-04", "area_mismatch"),
         ("示例-04", "multipart"), ("项目 T2-3", "area_mismatch")}
#: Internal words that must not reach an official's (Chinese) report.
KEYS = re.compile(r"area_mismatch|project_id|parcel_name|[a-z]+_[a-z]+|\bNone\b|\bnan\b|<NA>")


def _bowtie(p: shapely.Polygon) -> shapely.Polygon:
    x0, y0, x1, y1 = p.bounds
    return shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The 示例 defects file and its corrected copy (rows reordered), as GeoPackages in EPSG:4544."""
    g = load_parcels().set_index("project_id").geometry
    scale = shapely.affinity.scale
    first = gpd.GeoDataFrame({"地块编号": ["示例-01", "示例-02", "示例-03", "示例-04", "示例-05"]}, geometry=[
        g["T2-3"], scale(g["T2-4"], 1.05, 1.05), g["T2-3"], _bowtie(g["T2-5"]), scale(g["T2-6"], 0.9, 0.9)],
        crs="EPSG:4326")
    second = gpd.GeoDataFrame({"地块编号": ["示例-05", "示例-04", "示例-01", "示例-06", "示例-02"]}, geometry=[
        scale(g["T2-6"], 0.9, 0.9), g["T2-5"], g["T2-3"], scale(g["T2-7"], 1.2, 1.2), g["T2-4"]], crs="EPSG:4326")
    folder = tmp_path_factory.mktemp("resubmit")
    paths = folder / "示例_报送.gpkg", folder / "示例_整改后.gpkg"
    for layer, path in zip((first, second), paths, strict=True):
        pyogrio.write_dataframe(layer.to_crs("EPSG:4544"), path, driver="GPKG")
    return paths


def _json(capsys, monkeypatch, *args: str) -> dict:
    code, out, err = geo(capsys, monkeypatch, "check", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_a_corrected_file_is_compared_by_parcel_name_not_by_row(backend, files, capsys, monkeypatch):
    first, second = files
    uid = _json(capsys, monkeypatch, str(first), "--save")["summary"]["upload_id"]
    out = _json(capsys, monkeypatch, str(second), "--save", "--resubmits", uid)
    assert out["summary"]["resubmission"] == {"of": uid, "fixed": 6, "open": 1, "new": 1}
    assert {(f["parcel_name"], f["check"], f["since"]) for f in out["findings"]} == {
        ("示例-05", "area_mismatch", "open"), ("示例-06", "area_mismatch", "new")}
    assert {(f["parcel_name"], f["check"]) for f in out["fixed_findings"]} == FIXED  # listed, none lost
    assert {f["since"] for f in out["fixed_findings"]} == {"fixed"}

    new = out["summary"]["upload_id"]
    assert backend.store.get_upload(new).resubmits == uid and backend.store.get_upload(uid).resubmits is None
    save = [e for e in backend.store.audit() if e.action == "save" and e.object == new][-1]
    assert save.detail["resubmits"] == uid  # the audit trail says which upload it resubmits

    code, text, err = geo(capsys, monkeypatch, "check", str(second), "--save")  # saved again: the link is kept
    assert code == 0, err
    assert backend.store.get_upload(new).resubmits == uid
    code, text, err = geo(capsys, monkeypatch, "check", str(second), "--save", "--resubmits", uid)
    assert code == 0, err
    assert f"resubmission of {uid}: 6 fixed (no longer found), 1 still open, 1 new" in text.splitlines()


def test_resubmits_needs_save_and_an_earlier_upload_that_is_there(backend, files, capsys, monkeypatch):
    first, second = files
    code, _, err = geo(capsys, monkeypatch, "check", str(second), "--resubmits", "abc123")
    assert code == 2
    one_line(err, "--resubmits needs --save")
    code, _, err = geo(capsys, monkeypatch, "check", str(second), "--save", "--resubmits", "abc123")
    assert code == 2
    one_line(err, "there is no saved upload 'abc123' to resubmit. Name an upload listed by")
    uid = _json(capsys, monkeypatch, str(first), "--save")["summary"]["upload_id"]
    ws.remove_upload(uid)
    code, _, err = geo(capsys, monkeypatch, "check", str(second), "--save", "--resubmits", uid)
    assert code == 2
    one_line(err, f"is deleted: a resubmission cannot refer to it. Restore it first (python -m geo workspace "
                  f"restore {uid})")
    code, _, err = geo(capsys, monkeypatch, "check", str(first), "--save", "--resubmits", uid)
    assert code == 2  # its own (deleted) save: refused before anything is written
    assert [u.upload_id for u in backend.store.list_uploads(deleted=True)] == [uid]
    assert not backend.store.list_uploads()  # nothing was saved


def test_a_link_that_would_make_a_loop_is_refused(backend):
    off = ws.office()
    me = single_user()
    frame = gpd.GeoDataFrame({"地块编号": ["示例-01"]}, geometry=[shapely.box(106.3, 29.6, 106.31, 29.61)],
                             crs="EPSG:4326")
    none = pd.DataFrame({"feature": pd.array([], dtype="Int64"), "check": pd.Series([], dtype=object)})
    off.save(me, "first1", frame, none, info={"name": "示例1.gpkg"}, file_hash="a" * 64)
    off.save(me, "second2", frame, none, info={"name": "示例2.gpkg"}, file_hash="b" * 64, resubmits="first1")
    with pytest.raises(StoreError, match="own save or one of its"):
        off.save(me, "first1", frame, none, info={"name": "示例1.gpkg"}, file_hash="a" * 64, resubmits="second2")
    assert ws.open_store().get_upload("first1").resubmits is None


def _downgrade_to_4(backend) -> None:
    """The workspace as schema 4 wrote it: no ``resubmits``, findings without names (PostGIS)."""
    if backend.kind == "gpkg":
        con = sqlite3.connect(ws.workspace_path())
        con.execute("ALTER TABLE uploads DROP COLUMN resubmits")
        con.execute("UPDATE geo_meta SET value = '4' WHERE key = 'schema_version'")
        con.commit()
        con.close()
        return
    import psycopg

    schema = backend.env["GEO_DATABASE_SCHEMA"]
    with psycopg.connect(backend.env["GEO_DATABASE_URL"], autocommit=True) as conn:
        conn.execute(f'ALTER TABLE "{schema}".uploads DROP COLUMN resubmits')
        conn.execute(f'ALTER TABLE "{schema}".findings DROP COLUMN detail, DROP COLUMN parcel_name, '
                     "DROP COLUMN parcel_name_en, DROP COLUMN point, DROP COLUMN ring, DROP COLUMN x, DROP COLUMN y, "
                     "DROP COLUMN fix_zh, DROP COLUMN fix_en")
        conn.execute(f"UPDATE \"{schema}\".meta SET value = '4' WHERE key = 'schema_version'")


def _store(backend):
    if backend.kind == "gpkg":
        return GeoPackageStore(ws.workspace_path())
    from geo.store.postgis import PostGISStore

    return PostGISStore(backend.env["GEO_DATABASE_URL"], schema=backend.env["GEO_DATABASE_SCHEMA"])


def test_a_schema_4_workspace_is_migrated(backend, files, capsys, monkeypatch):
    first, second = files
    assert SCHEMA_VERSION >= 5  # 5: resubmissions
    uid = _json(capsys, monkeypatch, str(first), "--save")["summary"]["upload_id"]
    ws.close_stores()
    _downgrade_to_4(backend)
    old = _store(backend)
    assert old.init() == (4, SCHEMA_VERSION)
    assert old.get_upload(uid).resubmits is None and old.init() == (SCHEMA_VERSION, SCHEMA_VERSION)
    old.close()
    ws.close_stores()
    out = _json(capsys, monkeypatch, str(second), "--save", "--resubmits", uid)  # findings saved by schema 4
    assert out["summary"]["resubmission"] == {"of": uid, "fixed": 6, "open": 1, "new": 1}
    assert ws.open_store().get_upload(out["summary"]["upload_id"]).resubmits == uid


def test_dump_and_load_keep_the_link(backend, files, capsys, monkeypatch, tmp_path):
    first, second = files
    uid = _json(capsys, monkeypatch, str(first), "--save")["summary"]["upload_id"]
    new = _json(capsys, monkeypatch, str(second), "--save", "--resubmits", uid)["summary"]["upload_id"]
    target = GeoPackageStore(tmp_path / "restored" / "workspace.gpkg")
    target.init()
    with dump_file(ws.open_store()) as (path, copied):
        assert copied.uploads == 2
        load_dump(path, target)
    assert target.get_upload(new).resubmits == uid and target.get_upload(uid).resubmits is None
    _, findings = target.load_upload(new)
    assert set(findings["parcel_name"]) == {"示例-05", "示例-06"}  # the names the comparison needs, kept


def test_the_docx_report_has_a_section_on_corrections(files, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GEO_WORKSPACE", str(created(tmp_path / "ws")))
    monkeypatch.delenv("GEO_DATABASE_URL", raising=False)
    ws.close_stores()
    first, second = files
    uid = _json(capsys, monkeypatch, str(first), "--save")["summary"]["upload_id"]
    report = tmp_path / "核查报告.docx"
    code, _, err = geo(capsys, monkeypatch, "check", str(second), "--save", "--resubmits", uid, "--report",
                       str(report))
    assert code == 0, err
    doc = Document(str(report))
    paragraphs = [p.text for p in doc.paragraphs]
    at = paragraphs.index("五、整改情况")
    assert paragraphs[at + 1].startswith("本次报送为对上次报送「示例_报送.gpkg」（保存于 ")
    assert paragraphs[at + 2] == "与上次报送相比：已整改 6 项，仍存在 1 项，新增 1 项。"
    assert "六、地块分布图" in paragraphs and "七、核查意见" in paragraphs  # renumbered after it
    (table,) = [t for t in doc.tables if [c.text for c in t.rows[0].cells] == ["序号", "地块", "检查项", "整改情况",
                                                                                "说明"]]
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("示例-04", "几何无效", "已整改"), ("示例-03", "重复地块", "已整改"), ("示例-02", "面积与规划不符", "已整改"),
        ("示例-04", "面积与规划不符", "已整改"), ("项目：科学谷前沿科技孵化片区", "面积与规划不符", "已整改"),
        ("示例-04", "多部件地块", "已整改"), ("示例-05", "面积与规划不符", "仍存在"),
        ("示例-06", "面积与规划不符", "新增")]
    text = "\n".join(paragraphs + [c for r in rows for c in r])
    assert not KEYS.search(text), KEYS.search(text)


# -- the rule, without a workspace -----------------------------------------------------------------------------

def _findings(rows: list[tuple[int | None, str, str, str]]) -> pd.DataFrame:
    """Findings of (feature, check, parcel name, point)."""
    return pd.DataFrame({
        "feature": pd.array([r[0] for r in rows], dtype="Int64"), "project_id": [None] * len(rows),
        "check": [r[1] for r in rows], "parcel_name": [r[2] for r in rows], "point": [r[3] for r in rows]})


def test_keys_are_names_and_points_not_rows():
    before = _findings([(1, "invalid", "宗地 A", "J3"), (2, "invalid", "宗地B", "J7"), (3, "sliver", "第 3 个要素",
                                                                                     "")])
    after = _findings([(9, "invalid", "宗地A", "J3"), (1, "invalid", "宗地Ｂ", "J8"), (3, "sliver", "第 3 个要素", "")])
    found = compare(before, after, of="x")
    assert found.counts == {"fixed": 1, "open": 2, "new": 1}  # spaces and full width ignored; J7 fixed, J8 new
    assert found.fixed["point"].tolist() == ["J7"]
    assert found.findings["since"].tolist() == ["open", "new", "open"]  # a parcel without a name: by its row
    assert finding_keys(before)[0] == "invalid|name:宗地a|J3#0"
    twice = _findings([(1, "duplicate", "宗地A", ""), (2, "duplicate", "宗地A", "")])
    assert compare(twice, twice.iloc[:1], of="x").counts == {"fixed": 1, "open": 1, "new": 0}


def test_the_earlier_upload_is_proposed_above_half_of_the_names():
    def up(uid: str, when: str) -> Upload:
        return Upload(uid, f"{uid}.gpkg", None, when, "")

    names = {"示例-01", "示例-02", "示例-03", "示例-04"}
    older, newer, other = up("a1", "2026-01-01"), up("b2", "2026-02-01"), up("c3", "2026-03-01")
    found = propose(names, [(other, {"示例-01", "x"}), (newer, names | {"y"}), (older, names)])
    assert found is not None and found.upload is newer and (found.matched, found.names, found.share) == (4, 4, 1.0)
    assert propose(names, [(other, {"示例-01", "示例-02"})]) is None  # half is not enough
    assert propose(set(), [(older, names)]) is None
    third = Upload("d4", "d.gpkg", None, "2026-02-01", "", resubmits="b2")  # saved in the same second as b2
    second = Upload("b2", "b.gpkg", None, "2026-02-01", "", resubmits="a1")
    assert [[u.upload_id for u in c] for c in cases([third, other, second, older])] == [["a1", "b2", "d4"], ["c3"]]


# -- the Check page --------------------------------------------------------------------------------------------

def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_page_proposes_the_earlier_upload_and_shows_what_was_fixed(files, tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_WORKSPACE", str(created(tmp_path / "ws")))
    monkeypatch.delenv("GEO_DATABASE_URL", raising=False)
    ws.close_stores()
    first, second = files
    at = _page()
    at.file_uploader[0].upload(first.name, first.read_bytes(), "application/geopackage+sqlite3")
    at.run()
    assert not [s for s in at.selectbox if s.label == "这是对以下上传的重新提交"]  # nothing saved yet to resubmit
    at.button(key="chk_save").click()
    at.run()
    (uid,) = ws.list_uploads()["upload_id"]

    at = _page()
    at.file_uploader[0].upload(second.name, second.read_bytes(), "application/geopackage+sqlite3")
    at.run()
    assert not at.exception, at.exception
    (choice,) = [s for s in at.selectbox if s.label == "这是对以下上传的重新提交"]
    assert choice.value == uid  # proposed: its parcel names are this file's
    assert "建议选择「示例_报送.gpkg」：本文件 5 个地块名称中有 4 个（80%）与它相同。" in texts(at)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["已整改"], metrics["仍存在"], metrics["新增"]) == ("6", "1", "1")
    table = next(d.value for d in at.dataframe if "整改情况" in d.value.columns and "说明" in d.value.columns
                 and len(d.value) == 2)
    assert list(zip(table["地块"], table["整改情况"], strict=True)) == [("示例-05", "仍存在"), ("示例-06", "新增")]
    labels = {b.label for b in at.get("download_button")}
    assert {"核查报告（Word，可签署）", "核查报告（PDF）"} <= labels
    at.button(key="chk_save").click()
    at.run()
    assert not at.exception, at.exception
    saved = ws.open_store().list_uploads()
    new = next(u for u in saved if u.upload_id != uid)
    assert new.resubmits == uid
    shown = [t.value for t in at.text]
    assert shown.index("示例_报送.gpkg · 5 地块数 · 7 问题数") < shown.index(
        "↳ 重新提交：示例_整改后.gpkg · 5 地块数 · 2 问题数 · 已整改 6 · 仍存在 1 · 新增 1")  # one case, oldest first
    assert "案卷「示例_报送.gpkg」：共 2 次报送（自早至晚）" in texts(at)

    choice = next(s for s in at.selectbox if s.label == "这是对以下上传的重新提交")
    choice.set_value("")  # not a resubmission after all: no counts, the button to save again
    at.run()
    assert "已整改" not in {m.label for m in at.metric} and "chk_save" in {b.key for b in at.button}


def test_a_viewer_sees_the_case_and_its_history_read_only(files, tmp_path, monkeypatch):
    from geo.checks import CheckOptions, PlanLayers, check_file
    from layers import load_districts, load_zones
    from tests.test_page_office import CHECK, PASSWORDS, ROLES, signed_in

    monkeypatch.setenv("GEO_WORKSPACE", str(created(tmp_path / "ws")))
    monkeypatch.delenv("GEO_DATABASE_URL", raising=False)
    ws.close_stores()
    off = ws.office()
    for name, role in ROLES.items():
        off.add_user(single_user(), name, role, PASSWORDS[name])
    plan = PlanLayers(parcels=load_parcels(), zones=load_zones(), districts=load_districts())
    alice = off.actor("alice")
    for uid, path, earlier in (("first1", files[0], None), ("second2", files[1], "first1")):
        run = check_file(path, plan, CheckOptions())
        off.save(alice, uid, run.result.parcels, run.result.findings, info={"name": path.name},
                 file_hash=uid * 4, resubmits=earlier)
    carol = signed_in("carol", CHECK)
    shown = [t.value for t in carol.text]
    assert shown.index("示例_报送.gpkg · 5 地块数 · 7 问题数") < shown.index(
        "↳ 重新提交：示例_整改后.gpkg · 5 地块数 · 2 问题数 · 已整改 6 · 仍存在 1 · 新增 1")
    assert "案卷「示例_报送.gpkg」：共 2 次报送（自早至晚）" in texts(carol)
    keys = {b.key for b in carol.button}
    assert {"chk_open_first1", "chk_open_second2"} <= keys
    assert not keys & {"chk_save", "chk_use_second2", "chk_rm_second2", "chk_use_first1"}  # read-only
    assert not [s for s in carol.selectbox if s.label == "这是对以下上传的重新提交"]
    carol.button(key="chk_open_second2").click()
    carol.run()
    metrics = {m.label: m.value for m in carol.metric}
    assert (metrics["已整改"], metrics["仍存在"], metrics["新增"]) == ("6", "1", "1")
    assert "与上一次上传「示例_报送.gpkg」" in texts(carol)
