"""Drafts of the layout (issue 23) in the workspace, on both backends: versions, conflicts, rules, audit, in use.

Every parcel here is an example (示例), drawn near 西永 (106.30°E, 29.60°N); project ids are the plan's.
"""

from __future__ import annotations

import sqlite3
import threading

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Geod

from geo.drafts import (
    DraftConflictError,
    DraftGoneError,
    DraftPlan,
    Drafts,
    DraftShapeError,
    check_draft,
    diff_parcels,
)
from geo.drafts.export import export_draft
from geo.errors import AccessError, say
from geo.store import in_use
from geo.store import workspace as ws
from geo.store.base import SCHEMA_VERSION, User
from geo.store.dump import dump_file, load_dump
from geo.store.gpkg import GeoPackageStore
from geo.store.office import Actor, Office
from layers import load_districts, load_parcels, load_projects, load_tracks, load_zone_table, load_zones

#: The CGCS2000 ellipsoid, written out here (not geo.area's): the independent reference for areas.
CGCS2000 = Geod(a=6378137.0, f=1 / 298.257222101)
M2_PER_MU = 10000 / 15


def box(x: float, y: float, size: float = 0.002) -> shapely.Polygon:
    """A square of ``size`` degrees at 106.30 + x, 29.60 + y (0.002° ≈ 200 m: about 60 mu)."""
    return shapely.box(106.30 + x, 29.60 + y, 106.30 + x + size, 29.60 + y + size)


def parcels(*rows: tuple[str | None, str | None, str, shapely.Geometry], **extra: list[object]) -> gpd.GeoDataFrame:
    """Draft parcels from ``(parcel_id, project_id, name_zh, geometry)`` rows."""
    return gpd.GeoDataFrame({"parcel_id": [r[0] for r in rows], "project_id": [r[1] for r in rows],
                             "name_zh": [r[2] for r in rows], **extra},
                            geometry=[r[3] for r in rows], crs="EPSG:4326")


def same_shapes(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> bool:
    """The same parcels with the same shapes (attributes may differ: a save fills blanks from the plan)."""
    counts = diff_parcels(a, b).counts
    return counts["added"] == counts["removed"] == counts["reshaped"] == 0


FIRST = parcels(("D-00000001", "T2-1", "示例甲", box(0, 0)), ("D-00000002", "T2-2", "示例乙", box(0.01, 0)),
                ("D-00000003", None, "示例新地块", box(0.02, 0)))


@pytest.fixture(scope="module")
def plan() -> DraftPlan:
    return DraftPlan.of(load_projects(), load_tracks(), load_zone_table())


def people(store) -> dict[str, Actor]:
    """alice and bob (checkers), carol (viewer), dave (admin), added directly (no password needed here)."""
    roles = {"alice": "checker", "bob": "checker", "carol": "viewer", "dave": "admin"}
    for name, role in roles.items():
        store.add_user(User(name, role, "not-a-password-hash"))
    return {name: Actor(name, role, "test") for name, role in roles.items()}


@pytest.fixture
def desk(backend, plan) -> tuple[Drafts, dict[str, Actor]]:
    return Drafts(Office(backend.store), plan), people(backend.store)


def test_every_save_is_a_new_version_with_its_author(desk):
    drafts, who = desk
    made = drafts.create(who["alice"], "示例方案", FIRST, comment="第一稿")
    assert (made.version.version, made.version.author, made.version.n_parcels) == (1, "alice", 3)
    _, now = drafts.load(who["bob"], made.draft.draft_id)
    now.loc[now["parcel_id"] == "D-00000001", "zone_id"] = "xiyong"
    saved = drafts.save(who["bob"], made.draft.draft_id, now, base_version=1, comment="改片区")
    assert saved.version.version == 2 and saved.changes == {"added": 0, "removed": 0, "reshaped": 0, "attributes": 1}
    versions = drafts.versions(who["carol"], "示例方案")  # a viewer reads, by name
    assert [(v.version, v.author, v.comment) for v in versions] == [(1, "alice", "第一稿"), (2, "bob", "改片区")]
    assert all(v.saved_at.endswith("+00:00") for v in versions)
    old = drafts.load(who["carol"], made.draft.draft_id, 1)[1]  # version 1 is kept as it was
    assert pd.isna(old.loc[old["parcel_id"] == "D-00000001", "zone_id"]).all()
    # a parcel holding a project takes its names, track and declared mu from the plan where left blank
    row = old.set_index("parcel_id").loc["D-00000001"]
    assert (row["track_id"], row["declared_mu"], row["name_en"] != "") == ("rd", 3052.0, True)
    assert [i.latest.version for i in drafts.list(who["carol"]) if i.latest] == [2]


def test_two_saves_on_one_base_the_second_is_refused_and_both_are_kept(desk):
    drafts, who = desk
    made = drafts.create(who["alice"], "示例方案", FIRST)
    mine = FIRST.copy()
    mine.loc[0, "geometry"] = box(0, 0, 0.003)
    theirs = FIRST.iloc[:2].copy()
    first = drafts.save(who["alice"], made.draft.draft_id, mine, base_version=1)
    with pytest.raises(DraftConflictError, match=r"newer version v2, saved by alice at .*based on v1") as caught:
        drafts.save(who["bob"], made.draft.draft_id, theirs, base_version=1)
    assert (caught.value.newer.version, caught.value.newer.author) == (2, "alice")
    assert caught.value.newer.saved_at == first.version.saved_at
    kept = drafts.save_as_new(who["bob"], "示例方案（bob）", theirs, from_draft=made.draft.draft_id, from_version=1)
    assert same_shapes(drafts.load(who["bob"], kept.draft.draft_id)[1], theirs)
    assert same_shapes(drafts.load(who["bob"], made.draft.draft_id)[1], mine)
    assert [v.version for v in drafts.versions(who["bob"], made.draft.draft_id)] == [1, 2]
    new = [e for e in drafts.store.audit() if e.action == "draft_new"]
    assert new[-1].detail["from_draft"] == made.draft.draft_id and new[-1].user == "bob"


def test_concurrent_saves_on_one_base_store_exactly_one(desk):
    drafts, who = desk
    made = drafts.create(who["alice"], "示例方案", FIRST)
    outcomes: list[str] = []

    def save(actor: Actor, size: float) -> None:
        mine = FIRST.copy()
        mine.loc[0, "geometry"] = box(0, 0, size)
        try:
            drafts.save(actor, made.draft.draft_id, mine, base_version=1)
            outcomes.append("saved")
        except DraftConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(who[n], s)) for n, s in (("alice", 0.003), ("bob", 0.004))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert [v.version for v in drafts.versions(who["alice"], made.draft.draft_id)] == [1, 2]


def test_roles_deleted_drafts_and_refusals(desk):
    drafts, who = desk
    made = drafts.create(who["alice"], "示例方案", FIRST)
    with pytest.raises(AccessError, match=r"carol may not save .*a viewer may not change drafts"):
        drafts.save(who["carol"], made.draft.draft_id, FIRST, base_version=1)
    with pytest.raises(AccessError, match="only an administrator may"):
        drafts.use(who["alice"], made.draft.draft_id, 1)
    with pytest.raises(AccessError, match="only an administrator may"):
        drafts.delete(who["bob"], made.draft.draft_id)
    drafts.use(who["dave"], made.draft.draft_id, 1)
    drafts.delete(who["dave"], made.draft.draft_id)
    assert drafts.in_use() is None  # a deleted draft is taken out of use
    with pytest.raises(DraftGoneError, match="deleted by dave"):
        drafts.save(who["alice"], made.draft.draft_id, FIRST, base_version=1)
    assert drafts.list(who["alice"]) == []
    assert [i.draft.name for i in drafts.list(who["dave"], deleted=True)] == ["示例方案"]
    drafts.undelete(who["dave"], made.draft.draft_id)
    assert drafts.save(who["alice"], made.draft.draft_id, FIRST, base_version=1).version.version == 2
    refused = [e.detail["attempted"] for e in drafts.store.audit() if e.action == "refused"]
    assert refused == ["save", "put in use", "delete"]


def test_restore_saves_an_old_version_as_the_newest(desk):
    drafts, who = desk
    made = drafts.create(who["alice"], "示例方案", FIRST)
    drafts.save(who["bob"], made.draft.draft_id, FIRST.iloc[:1], base_version=1)
    back = drafts.restore(who["bob"], made.draft.draft_id, 1)
    assert (back.version.version, back.version.comment, back.version.author) == (3, "restored from v1", "bob")
    assert drafts.diff(who["bob"], made.draft.draft_id, 1, 3).empty
    assert back.changes["added"] == 2
    event = [e for e in drafts.store.audit() if e.action == "draft_restore"][-1]
    assert (event.detail["version"], event.detail["restored_from"], event.detail["added"]) == (3, 1, 2)


def test_audit_trail_lists_every_draft_change(desk):
    drafts, who = desk
    made = drafts.create(who["alice"], "示例方案", FIRST, comment="第一稿")
    drafts.save(who["bob"], made.draft.draft_id, FIRST.iloc[:2], base_version=1, comment="删去新地块")
    drafts.use(who["dave"], made.draft.draft_id, 2)
    drafts.delete(who["dave"], made.draft.draft_id)
    events = [e for e in drafts.store.audit() if e.action.startswith("draft_")]
    assert [(e.action, e.user) for e in events] == [("draft_new", "alice"), ("draft_save", "bob"),
                                                   ("draft_use", "dave"), ("draft_delete", "dave")]
    save = events[1].detail
    assert (save["draft"], save["version"], save["comment"], save["removed"], save["parcels"]) == (
        "示例方案", 2, "删去新地块", 1, 2)
    assert events[3].detail["was_in_use"] is True
    assert drafts.store.verify_audit().intact


def test_diff_lists_exactly_the_changed_parcels():
    before = parcels(("D-1", "T2-1", "示例甲", box(0, 0)), ("D-2", "T2-2", "示例乙", box(0.01, 0)),
                     ("D-3", None, "示例丙", box(0.02, 0)), ("D-4", None, "示例丁", box(0.03, 0)))
    after = before.copy()
    after.loc[0, "geometry"] = box(0, 0, 0.0021)  # reshaped
    after.loc[1, "track_id"] = "software"  # attribute
    after = pd.concat([after.iloc[[0, 1, 3]], parcels(("D-5", None, "示例戊", box(0.04, 0)))], ignore_index=True)
    after.loc[2, "geometry"] = shapely.Polygon(list(reversed(box(0.03, 0).exterior.coords)))  # same shape, other way
    found = diff_parcels(before, after)
    assert found.counts == {"added": 1, "removed": 1, "reshaped": 1, "attributes": 1}
    table = found.table.set_index("parcel_id")
    assert sorted(table.index) == ["D-1", "D-2", "D-3", "D-5"]
    assert (table.loc["D-1", "reshaped"], table.loc["D-1", "attributes"]) == (True, False)
    assert table.loc["D-2", "fields"] == "track_id" and table.loc["D-3", "change"] == "removed"
    assert table.loc["D-1", "mu_after"] > table.loc["D-1", "mu_before"]
    assert pd.isna(table.loc["D-5", "mu_before"]) and table.loc["D-5", "mu_after"] > 50
    assert diff_parcels(after, after).empty and diff_parcels(after, after).counts["reshaped"] == 0
    moved = after.copy()
    moved.loc[0, "geometry"] = shapely.affinity.translate(after.geometry[0], 1e-7)  # a vertex moved ~1 cm
    assert diff_parcels(after, moved).counts["reshaped"] == 1


def bowtie(size: float, loop: float) -> shapely.Polygon:
    """A square whose last corner folds over the top edge: a self-intersecting loop of ``loop``/``size``."""
    x, y = 106.30, 29.60
    return shapely.Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size),
                            (x + loop, y + size + loop), (x + loop, y + size - loop)])


@pytest.mark.parametrize(("shape", "fragment"), [
    (shapely.Polygon([(106.3, 29.6), (106.31, 29.61), (106.31, 29.6), (106.3, 29.61)]), "crosses itself"),
    (shapely.Point(106.3, 29.6).buffer(0.01, quad_segs=2600), "vertices, more than 10,000"),
    (box(0, 0, 0.00002), "smaller than 0.01 mu"),  # 2 m × 2 m
    (shapely.box(29.6, 106.3, 29.61, 106.31), "lies outside China"),
    (shapely.box(179.9, 29.6, 180.1, 29.61), "crosses the antimeridian"),
    (shapely.Polygon(), "has no shape"),
    (shapely.LineString([(106.3, 29.6), (106.31, 29.61)]), "not a polygon"),
])
def test_bad_shapes_are_refused_naming_the_parcel(desk, shape, fragment):
    drafts, who = desk
    bad = parcels(("D-1", "T2-1", "示例甲", box(0, 0)), ("D-2", None, "示例坏地块", shape))
    with pytest.raises(DraftShapeError, match=fragment) as caught:
        drafts.create(who["alice"], "示例方案", bad)
    assert "「示例坏地块」" in str(caught.value) and "示例甲" not in str(caught.value)
    assert drafts.list(who["alice"]) == []  # nothing stored


def test_a_small_self_intersection_is_repaired_with_a_note(desk):
    drafts, who = desk
    shape = bowtie(0.002, 0.00005)
    assert not shape.is_valid
    made = drafts.create(who["alice"], "示例方案", parcels(("D-1", None, "示例自交", shape)))
    assert len(made.notes) == 1 and made.notes[0].startswith("「示例自交」: its outline crossed itself")
    assert say(made.notes[0], "zh").startswith("「示例自交」：边界自相交（")  # the note in a language
    stored = drafts.load(who["alice"], made.draft.draft_id)[1].geometry.iloc[0]
    assert stored.is_valid and stored.geom_type in ("Polygon", "MultiPolygon")


def test_a_project_held_twice_is_refused_unless_replace_or_add_part(desk):
    drafts, who = desk
    two = parcels(("D-1", "T2-1", "示例甲", box(0, 0)), ("D-2", "T2-1", "示例甲二期", box(0.01, 0)))
    with pytest.raises(DraftShapeError, match=r"project T2-1 is held by 2 parcels .*replace .*add_part"):
        drafts.create(who["alice"], "示例方案", two)
    replaced = drafts.create(who["alice"], "示例方案一", two, on_duplicate="replace")
    kept = drafts.load(who["alice"], replaced.draft.draft_id)[1]
    assert kept["parcel_id"].tolist() == ["D-2"]
    assert replaced.notes == ["project T2-1: 「示例甲二期」 replaces 「示例甲」"]
    assert [say(n, "zh") for n in replaced.notes] == ["项目 T2-1：「示例甲二期」取代「示例甲」"]
    joined = drafts.create(who["alice"], "示例方案二", two, on_duplicate="add_part")
    assert joined.notes == ["project T2-1: 2 shapes joined into 「示例甲」"]
    assert [say(n, "zh") for n in joined.notes] == ["项目 T2-1：2 个图形合并为「示例甲」"]
    kept = drafts.load(who["alice"], joined.draft.draft_id)[1]
    assert kept["parcel_id"].tolist() == ["D-1"] and kept.geometry.iloc[0].geom_type == "MultiPolygon"
    assert len(kept.geometry.iloc[0].geoms) == 2


def test_mu_is_the_ellipsoidal_area_on_cgcs2000(desk, capsys, monkeypatch):
    drafts, who = desk
    shape = shapely.Polygon([(106.301, 29.601), (106.3052, 29.6013), (106.3047, 29.6049), (106.3008, 29.6041)])
    made = drafts.create(who["alice"], "示例方案", parcels(("D-1", "T2-3", "示例", shape)))
    lon, lat = shape.exterior.coords.xy
    expected = abs(CGCS2000.polygon_area_perimeter(list(lon), list(lat))[0]) / M2_PER_MU
    assert made.version.total_mu == pytest.approx(expected, rel=1e-3)
    from tests.fixtures.cli import geo

    code, out, _ = geo(capsys, monkeypatch, "draft", "show", "示例方案", "--format", "json", "--user", "carol")
    assert code == 0
    import json

    (row,) = json.loads(out)["parcels"]
    assert row["measured_mu"] == pytest.approx(expected, rel=1e-3)
    assert row["measured_mu"] == round(row["measured_mu"], 2)
    assert row["declared_mu"] == 888.0  # T2-3's, from the plan (the parcel left it blank)
    assert row["difference_mu"] == pytest.approx(row["measured_mu"] - 888, abs=0.011)


def test_drawn_geometry_in_use_is_what_the_plan_shows_and_exports(desk, tmp_path):
    drafts, who = desk
    made = drafts.create(who["alice"], "示例方案", FIRST)
    drafts.save(who["bob"], made.draft.draft_id, FIRST, base_version=1, comment="同上")
    plan_parcels = load_parcels()
    assert "basis_version" not in in_use.parcels_in_use(plan_parcels, store=drafts.store).columns
    drafts.use(who["dave"], made.draft.draft_id, 2)
    out = in_use.parcels_in_use(plan_parcels, store=drafts.store).set_index("project_id")
    assert len(out) == len(plan_parcels)  # the draft's new row is not one of the plan's parcels
    assert out.loc["T2-1", "geometry_basis"] == "drawn"
    assert (out.loc["T2-1", "basis_version"], out.loc["T2-1", "basis_author"]) == ("示例方案 v2", "bob")
    assert out.loc["T2-1", "measured_mu"] == pytest.approx(
        abs(CGCS2000.geometry_area_perimeter(box(0, 0))[0]) / M2_PER_MU, rel=1e-3)
    assert out.loc["T2-3", "geometry_basis"] == "indicative" and pd.isna(out.loc["T2-3", "basis_version"])
    # a GeoPackage export of the plan's parcels carries the basis, version and author
    from geo.io import export_files
    from layers import export_options

    polygons = out.reset_index()[lambda f: f.geom_type.isin(["Polygon", "MultiPolygon"])]
    written = export_files({"parcels": polygons}, fmt="gpkg", path=tmp_path / "plan.gpkg", options=export_options())
    back = pyogrio.read_dataframe(written.path, layer="parcels").set_index("project_id")
    assert (back.loc["T2-1", "geometry_basis"], back.loc["T2-1", "basis_version"], back.loc["T2-1", "basis_author"]) \
        == ("drawn", "示例方案 v2", "bob")
    shp = export_files({"parcels": polygons}, fmt="shp", path=tmp_path / "plan.shp", options=export_options())
    fields = pyogrio.read_info(next(p for p in shp.files if p.suffix == ".shp"))["fields"]
    assert {"basis_ver", "basis_auth", "geom_basis"} <= set(fields)
    # the draft's own export has every parcel, new ones too
    version, own = drafts.load(who["carol"], made.draft.draft_id)
    mine = export_draft(made.draft, version, own, fmt="gpkg", path=tmp_path / "draft.gpkg")
    back = pyogrio.read_dataframe(mine.path, layer="draft_parcels")
    assert sorted(back["parcel_id"]) == ["D-00000001", "D-00000002", "D-00000003"]
    assert set(back["basis_version"]) == {"示例方案 v2"} and set(back["geometry_basis"]) == {"drawn"}


def test_surveyed_geometry_wins_over_drawn(desk):
    drafts, who = desk
    made = drafts.create(who["alice"], "示例方案", FIRST)
    drafts.use(who["dave"], made.draft.draft_id, 1)
    surveyed = gpd.GeoDataFrame({"project_id": ["T2-1"]}, geometry=[box(0.05, 0.05)], crs="EPSG:4326")
    none = pd.DataFrame({"feature": pd.array([], dtype="Int64"), "check": pd.Series([], dtype=object)})
    office = Office(drafts.store)
    office.save(who["alice"], "up1", surveyed, none, info={"name": "示例.gpkg"}, file_hash="a" * 64)
    office.switch(who["alice"], "up1", True)
    out = in_use.parcels_in_use(load_parcels(), store=drafts.store).set_index("project_id")
    assert out.loc["T2-1", "geometry_basis"] == "surveyed" and pd.isna(out.loc["T2-1", "basis_version"])
    assert out.loc["T2-2", "geometry_basis"] == "drawn"


def test_checks_on_a_draft_name_its_parcels(plan):
    overlapping = parcels(("D-1", "T2-1", "示例甲", box(0, 0)), ("D-2", None, "示例乙", box(0.001, 0.001)))
    findings = check_draft(overlapping, plan_parcels=load_parcels(), zones=load_zones(), districts=load_districts())
    overlap = findings[findings["check"] == "overlap"]
    assert len(overlap) and set(overlap["parcel_id"]) <= {"D-1", "D-2"}
    mismatch = findings[findings["check"] == "area_mismatch"]
    assert mismatch["parcel_id"].tolist() == ["D-1"]  # ~60 mu drawn against T2-1's 3,052 declared
    declared = overlapping.assign(declared_mu=[60.0, None])  # the draft's own figure is what is compared
    again = check_draft(declared, plan_parcels=load_parcels(), zones=load_zones(), districts=load_districts(),
                        tolerance_pct=50)
    assert again[again["check"] == "area_mismatch"].empty


def test_the_database_refuses_to_change_a_saved_version(desk):
    drafts, who = desk
    drafts.create(who["alice"], "示例方案", FIRST)
    store = drafts.store
    if isinstance(store, GeoPackageStore):
        with sqlite3.connect(store.path) as con, pytest.raises(sqlite3.DatabaseError, match="draft versions are kept"):
            con.execute("UPDATE draft_versions SET comment = 'x'")
        return
    import psycopg

    with psycopg.connect(store.url, autocommit=True) as conn, pytest.raises(psycopg.Error, match="are kept"):
        conn.execute(f'DELETE FROM "{store.schema}".draft_versions')


def _downgrade_to_5(backend) -> None:
    """The workspace as schema 5 wrote it: no draft tables."""
    if backend.kind == "gpkg":
        con = sqlite3.connect(ws.workspace_path())
        con.executescript("DROP TABLE draft_in_use; DROP TABLE draft_versions; DROP TABLE drafts; "
                          "UPDATE geo_meta SET value = '5' WHERE key = 'schema_version';")
        con.close()
        return
    import psycopg

    schema = backend.env["GEO_DATABASE_SCHEMA"]
    with psycopg.connect(backend.env["GEO_DATABASE_URL"], autocommit=True) as conn:
        conn.execute(f'DROP TABLE "{schema}".draft_in_use, "{schema}".draft_versions, "{schema}".drafts')
        conn.execute(f'DROP FUNCTION "{schema}".draft_versions_kept')
        conn.execute(f"UPDATE \"{schema}\".meta SET value = '5' WHERE key = 'schema_version'")


def test_a_schema_5_workspace_gets_the_draft_tables_on_db_init(backend, plan, capsys, monkeypatch):
    from tests.fixtures.cli import geo

    assert SCHEMA_VERSION >= 6  # 6: drafts of the layout
    ws.close_stores()
    _downgrade_to_5(backend)
    code, out, err = geo(capsys, monkeypatch, "db", "init")
    assert code == 0, err
    assert "5" in out and str(SCHEMA_VERSION) in out
    store = ws.open_store()
    assert store.init() == (SCHEMA_VERSION, SCHEMA_VERSION)
    made = Drafts(Office(store), plan).create(Actor(None, "admin", "test"), "示例方案", FIRST)
    assert made.version.version == 1


def test_dump_and_load_keep_drafts_versions_and_what_is_in_use(desk, tmp_path):
    drafts, who = desk
    made = drafts.create(who["alice"], "示例方案", FIRST, comment="第一稿")
    drafts.save(who["bob"], made.draft.draft_id, FIRST.iloc[:2], base_version=1)
    drafts.use(who["dave"], made.draft.draft_id, 2)
    gone = drafts.create(who["alice"], "示例废稿", FIRST.iloc[:1])
    drafts.delete(who["dave"], gone.draft.draft_id)
    target = GeoPackageStore(tmp_path / "restored" / "workspace.gpkg")
    target.init()
    with dump_file(drafts.store) as (path, _):
        load_dump(path, target)
    assert [(v.version, v.author, v.comment, v.saved_at) for v in target.list_draft_versions(made.draft.draft_id)] \
        == [(v.version, v.author, v.comment, v.saved_at) for v in drafts.store.list_draft_versions(made.draft.draft_id)]
    assert target.get_draft_in_use(drafts.plan.plan_id).version == 2
    assert target.get_draft(gone.draft.draft_id).deleted_by == "dave"
    assert diff_parcels(target.load_draft_version(made.draft.draft_id, 1)[1],
                        drafts.store.load_draft_version(made.draft.draft_id, 1)[1]).empty


@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_with_an_owner_role_the_app_saves_drafts_but_cannot_rewrite_a_version(backend, plan, capsys, monkeypatch):
    import uuid

    import psycopg

    from geo.store import close_stores
    from tests.fixtures.cli import geo

    suffix = uuid.uuid4().hex[:8]
    owner, app = f"geo_owner_{suffix}", f"geo_app_{suffix}"
    superuser, schema = backend.env["GEO_DATABASE_URL"], backend.env["GEO_DATABASE_SCHEMA"]
    with psycopg.connect(superuser, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {owner} NOLOGIN")
        conn.execute(f"CREATE ROLE {app} LOGIN")
    app_url = superuser.replace("postgresql://postgres@", f"postgresql://{app}@")
    try:
        assert geo(capsys, monkeypatch, "db", "init", "--owner", owner, "--app", app)[0] == 0
        close_stores()
        monkeypatch.setenv("GEO_DATABASE_URL", app_url)
        store = ws.open_store()
        drafts = Drafts(Office(store), plan)
        me = Actor(None, "admin", "test")
        made = drafts.create(me, "示例方案", FIRST)
        drafts.save(me, made.draft.draft_id, FIRST.iloc[:1], base_version=1)
        drafts.use(me, made.draft.draft_id, 2)
        assert drafts.in_use().version == 2
        versions = f'"{schema}".draft_versions'
        for attack in (f"UPDATE {versions} SET comment = 'x'", f"DELETE FROM {versions}", f"TRUNCATE {versions}"):
            with psycopg.connect(app_url, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(attack)
    finally:
        close_stores()
        with psycopg.connect(superuser, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            for role in (app, owner):
                conn.execute(f"DROP OWNED BY {role}")
                conn.execute(f"DROP ROLE {role}")


def test_attaching_a_drawn_shape_to_a_project_another_parcel_holds():
    from geo.drafts import attach_project

    drawn = parcels(("D-1", "T2-1", "示例甲", box(0, 0)), ("D-2", None, "示例新画", box(0.01, 0)))
    with pytest.raises(DraftShapeError, match="project T2-1 is held by 2 parcels"):
        attach_project(drawn, "D-2", "T2-1")
    replaced = attach_project(drawn, "D-2", "T2-1", on_duplicate="replace").parcels
    assert replaced["parcel_id"].tolist() == ["D-2"] and replaced["project_id"].tolist() == ["T2-1"]
    joined = attach_project(drawn, "D-2", "T2-1", on_duplicate="add_part").parcels
    assert joined["parcel_id"].tolist() == ["D-1"] and len(joined.geometry.iloc[0].geoms) == 2
    alone = attach_project(drawn, "D-2", "T2-2").parcels
    assert alone.set_index("parcel_id")["project_id"].to_dict() == {"D-1": "T2-1", "D-2": "T2-2"}


def test_a_line_across_a_parcel_splits_it_and_keeps_its_project_on_the_larger_part():
    from geo.drafts.model import DraftShapeError as ShapeError
    from geo.drafts.shapes import split_parcels

    project = str(load_projects().iloc[0]["project_id"])
    whole = gpd.GeoDataFrame({
        "parcel_id": ["D-0000000a", "D-0000000b"], "project_id": [project, pd.NA], "name_zh": ["示例甲", "示例乙"],
        "name_en": ["", ""], "track_id": [pd.NA, pd.NA], "zone_id": [pd.NA, pd.NA], "declared_mu": [30.0, pd.NA],
        "note": ["", ""],
    }, geometry=[shapely.box(106.300, 29.600, 106.303, 29.602), shapely.box(106.31, 29.61, 106.311, 29.611)],
        crs=4326)
    line = [[106.302, 29.599], [106.302, 29.603]]  # across 示例甲 only, two thirds / one third
    shaped = split_parcels(whole, line)
    out = shaped.parcels
    assert len(out) == 3 and shaped.notes == ["「示例甲」 split into 2 parts"]
    assert [say(n, "zh") for n in shaped.notes] == ["「示例甲」拆分为 2 块"]
    kept = out[out["parcel_id"] == "D-0000000a"].iloc[0]
    part = out[out["name_zh"] == "示例甲-2"].iloc[0]
    assert kept["project_id"] == project and kept["declared_mu"] == 30.0
    assert pd.isna(part["project_id"]) and pd.isna(part["declared_mu"]) and part["parcel_id"].startswith("D-")
    geod = Geod(a=6378137.0, f=1 / 298.257222101)
    areas = {n: abs(geod.geometry_area_perimeter(g)[0]) for n, g in zip(out["name_zh"], out.geometry, strict=True)}
    whole_m2 = abs(geod.geometry_area_perimeter(whole.geometry.iloc[0])[0])
    assert areas["示例甲"] + areas["示例甲-2"] == pytest.approx(whole_m2, rel=1e-9)
    assert areas["示例甲"] == pytest.approx(2 * areas["示例甲-2"], rel=1e-3)
    assert out[out["parcel_id"] == "D-0000000b"].geometry.iloc[0].equals(whole.geometry.iloc[1])  # untouched
    with pytest.raises(ShapeError, match="crosses no parcel"):
        split_parcels(whole, [[106.2, 29.5], [106.21, 29.5]])
