"""Uploads, actuals and drafts carry their plan's id (schema 7), on both backends.

A row saved while one plan is in use is that plan's: it is listed, opened and applied only while that plan is
chosen (``GEO_PLAN`` / ``--plan``), never under another. A workspace of schema 6 migrates with every row the
built-in plan's; dumps keep plan ids, and a dump of schema 6 loads as the built-in plan's.
``tests/fixtures/plans/other/`` is the second plan (示例). Every parcel and figure here is an example (示例).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.drafts import DraftPlan, Drafts
from geo.monitor.model import Actual
from geo.store import StoreError, single_user
from geo.store import workspace as ws
from geo.store.base import SCHEMA_VERSION
from geo.store.dump import dump_file, load_dump
from geo.store.gpkg import GeoPackageStore
from geo.store.in_use import parcels_in_use
from geo.store.office import Office
from layers import load_parcels, load_projects, load_tracks, load_zone_table
from tests.fixtures.cli import geo

ROOT = Path(__file__).resolve().parents[1]
OTHER = ROOT / "tests" / "fixtures" / "plans" / "other"
#: The plans' ids as their descriptors write them (read here directly: the independent reference).
BUILTIN_ID = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))["geo:plan"]["id"]
OTHER_ID = json.loads((OTHER / "datapackage.json").read_text(encoding="utf-8"))["geo:plan"]["id"]
#: What schema 6 wrote on every draft (a constant then).
SCHEMA6_DRAFT_PLAN = "cq-hitech-2021-2025"
SOURCE = "示例：2024年统计公报，第3页"
ME = single_user("test")
NO_FINDINGS = pd.DataFrame({"feature": pd.array([], dtype="Int64"), "check": pd.Series([], dtype=object)})


def surveyed(project_id: str) -> gpd.GeoDataFrame:
    """One surveyed parcel of ``project_id`` (a 示例 square near 西永)."""
    return gpd.GeoDataFrame({"project_id": [project_id], "地块编号": ["示例-01"]},
                            geometry=[shapely.box(106.30, 29.60, 106.31, 29.61)], crs="EPSG:4326")


def stage(project_id: str, value: str = "construction") -> Actual:
    return Actual("project", project_id, 2024, SOURCE, stage=value)


def drafts_of_plan_in_use() -> Drafts:
    """The drafts service for the plan in use (its tables, its id), as the page and the CLI build it."""
    return Drafts(Office(ws.open_store()), DraftPlan.of(load_projects(), load_tracks(), load_zone_table()))


def fill(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An upload (switched on), an actual and a draft (in use) under each plan; the two drafts' ids."""
    ids = {}
    for plan, uid, step in ((None, "builtin1", "construction"), (OTHER, "other1", "planned")):
        if plan is None:
            monkeypatch.delenv("GEO_PLAN", raising=False)
        else:
            monkeypatch.setenv("GEO_PLAN", str(plan))
        off = ws.office()
        off.save(ME, uid, surveyed("T2-1"), NO_FINDINGS, info={"name": f"示例-{uid}.gpkg"}, file_hash="a" * 64)
        off.switch(ME, uid, True)
        off.record_actuals(ME, [stage("T2-1", step)], origin="page")  # T2-1: a project of both plans
        drafts = drafts_of_plan_in_use()
        made = drafts.create(ME, "示例方案")  # the same name in two plans: two drafts
        drafts.use(ME, made.draft.draft_id, 1)
        ids[uid] = made.draft.draft_id
    monkeypatch.delenv("GEO_PLAN", raising=False)
    return ids


def seen(monkeypatch: pytest.MonkeyPatch, plan: Path | None) -> dict[str, object]:
    """What the readers show with ``plan`` in use (None: the built-in plan)."""
    if plan is None:
        monkeypatch.delenv("GEO_PLAN", raising=False)
    else:
        monkeypatch.setenv("GEO_PLAN", str(plan))
    off = ws.office()
    drafts = drafts_of_plan_in_use()
    use = drafts.in_use()
    return {"uploads": [u.upload_id for u in off.uploads(ME)], "listed": list(ws.list_uploads()["upload_id"]),
            "actuals": [(a.subject_id, a.version, a.plan_id) for a in off.actuals(ME, history=True)],
            "drafts": [d.draft.draft_id for d in drafts.list(ME)], "in_use": None if use is None else use.draft_id}


def test_the_plan_ids_are_the_packages():
    from geo.plan.package import builtin_plan_id, package_id, plan_id_in_use

    assert (builtin_plan_id(), package_id(OTHER)) == (BUILTIN_ID, OTHER_ID) and BUILTIN_ID != OTHER_ID
    assert plan_id_in_use() == BUILTIN_ID


def test_rows_of_another_plan_are_not_shown_or_applied(backend, monkeypatch):
    ids = fill(monkeypatch)
    assert seen(monkeypatch, None) == {
        "uploads": ["builtin1"], "listed": ["builtin1"], "actuals": [("T2-1", 1, BUILTIN_ID)],
        "drafts": [ids["builtin1"]], "in_use": ids["builtin1"]}
    assert seen(monkeypatch, OTHER) == {
        "uploads": ["other1"], "listed": ["other1"], "actuals": [("T2-1", 1, OTHER_ID)],  # versions: per plan
        "drafts": [ids["other1"]], "in_use": ids["other1"]}
    store = backend.store
    assert {u.upload_id: u.plan_id for u in store.list_uploads()} == {"builtin1": BUILTIN_ID, "other1": OTHER_ID}
    assert {d.draft_id: d.plan_id for d in store.list_drafts()} == {ids["builtin1"]: BUILTIN_ID,
                                                                   ids["other1"]: OTHER_ID}
    saves = [e.detail["plan"] for e in store.audit() if e.action in ("save", "monitor_record", "draft_new")]
    assert saves == [BUILTIN_ID] * 3 + [OTHER_ID] * 3


def test_another_plans_upload_cannot_be_opened_switched_or_replaced(backend, monkeypatch):
    fill(monkeypatch)
    off = ws.office()  # the built-in plan in use
    for act in (lambda: off.open(ME, "other1"), lambda: off.switch(ME, "other1", False),
                lambda: off.delete(ME, "other1"), lambda: off.earlier("other1")):
        with pytest.raises(StoreError, match="no saved upload 'other1'"):
            act()
    with pytest.raises(StoreError, match=f"saved under plan '{OTHER_ID}'"):
        off.save(ME, "other1", surveyed("T2-1"), NO_FINDINGS, info={"name": "示例.gpkg"}, file_hash="b" * 64)
    assert backend.store.get_upload("other1").use_surveyed  # untouched
    assert ws.upload_id(b"x", "a.gpkg", "alice") != ws.upload_id(b"x", "a.gpkg", "alice", plan_id=OTHER_ID)
    assert ws.upload_id(b"x", "a.gpkg", "alice", plan_id=BUILTIN_ID) == ws.upload_id(b"x", "a.gpkg", "alice")


def test_only_the_plan_in_uses_switched_on_upload_and_draft_give_geometry(backend, monkeypatch):
    monkeypatch.setenv("GEO_PLAN", str(OTHER))
    off = ws.office()
    off.save(ME, "other1", surveyed("T2-1"), NO_FINDINGS, info={"name": "示例.gpkg"}, file_hash="a" * 64)
    off.switch(ME, "other1", True)
    monkeypatch.delenv("GEO_PLAN")
    plan_parcels = load_parcels()
    assert (parcels_in_use(plan_parcels)["geometry_basis"] == plan_parcels["geometry_basis"]).all()
    ws.office().save(ME, "builtin1", surveyed("T2-1"), NO_FINDINGS, info={"name": "示例.gpkg"}, file_hash="b" * 64)
    ws.office().switch(ME, "builtin1", True)
    basis = parcels_in_use(plan_parcels).set_index("project_id")["geometry_basis"]
    assert basis["T2-1"] == "surveyed" and (basis.drop("T2-1") != "surveyed").all()


def test_the_cli_with_plan_sees_only_that_plans_rows(backend, monkeypatch, capsys):
    fill(monkeypatch)

    def listed(*plan: str) -> list[str]:
        code, out, err = geo(capsys, monkeypatch, *plan, "workspace", "list", "--format", "json")
        assert code == 0, err
        return [r["upload_id"] for r in json.loads(out)]

    def history(*plan: str) -> list[tuple[int, str]]:
        code, out, err = geo(capsys, monkeypatch, *plan, "monitor", "history", "T2-1", "--format", "json")
        assert code == 0, err
        return [(r["version"], r["values"]["stage"]) for r in json.loads(out)]

    assert listed() == ["builtin1"]
    assert listed("--plan", str(OTHER)) == ["other1"]
    assert history() == [(1, "construction")]
    assert history("--plan", str(OTHER)) == [(1, "planned")]


def test_dump_and_load_keep_plan_ids(backend, monkeypatch, tmp_path):
    ids = fill(monkeypatch)
    target = GeoPackageStore(tmp_path / "restored" / "workspace.gpkg")
    target.init()
    with dump_file(backend.store) as (path, _):
        load_dump(path, target)
    assert {u.upload_id: u.plan_id for u in target.list_uploads()} == {"builtin1": BUILTIN_ID, "other1": OTHER_ID}
    assert sorted((a.plan_id, a.version) for a in target.list_actuals(history=True)) == [(BUILTIN_ID, 1),
                                                                                         (OTHER_ID, 1)]
    assert {d.draft_id: d.plan_id for d in target.list_drafts()} == {ids["builtin1"]: BUILTIN_ID,
                                                                    ids["other1"]: OTHER_ID}
    assert (target.get_draft_in_use(BUILTIN_ID).draft_id, target.get_draft_in_use(OTHER_ID).draft_id) == (
        ids["builtin1"], ids["other1"])


# -- schema 6 -------------------------------------------------------------------------------------------------

#: The actuals table as schema 6 made it on SQLite (no plan, the key without it).
ACTUALS_V6 = """
DROP TRIGGER actuals_no_update;
DROP TRIGGER actuals_no_delete;
ALTER TABLE actuals RENAME TO actuals_v7;
CREATE TABLE actuals (
  kind TEXT NOT NULL CHECK (kind IN ('target', 'project', 'action')), subject_id TEXT NOT NULL,
  year INTEGER NOT NULL, version INTEGER NOT NULL, source TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
  value REAL, unit TEXT, stage TEXT, land_mu REAL, floor_wan_m2 REAL, firms REAL, revenue_yi REAL, state TEXT,
  recorded_by TEXT, recorded_at TEXT NOT NULL, PRIMARY KEY (kind, subject_id, year, version));
CREATE TRIGGER actuals_no_update BEFORE UPDATE ON actuals
  BEGIN SELECT RAISE(ABORT, 'actuals are kept: record a new version'); END;
CREATE TRIGGER actuals_no_delete BEFORE DELETE ON actuals
  BEGIN SELECT RAISE(ABORT, 'actuals are kept: record a new version'); END;
INSERT INTO actuals SELECT kind, subject_id, year, version, source, note, value, unit, stage, land_mu, floor_wan_m2,
  firms, revenue_yi, state, recorded_by, recorded_at FROM actuals_v7;
DROP TABLE actuals_v7;
DROP INDEX uploads_plan;
ALTER TABLE uploads DROP COLUMN plan_id;
"""


def downgrade_gpkg(path: Path) -> None:
    """The GeoPackage as schema 6 wrote it: no plan on uploads and actuals, drafts under schema 6's constant."""
    con = sqlite3.connect(path)
    con.executescript(ACTUALS_V6 + f"UPDATE drafts SET plan_id = '{SCHEMA6_DRAFT_PLAN}'; "
                      f"UPDATE draft_in_use SET plan_id = '{SCHEMA6_DRAFT_PLAN}'; "
                      "UPDATE geo_meta SET value = '6' WHERE key = 'schema_version';")
    con.close()


def downgrade(backend) -> None:
    if backend.kind == "gpkg":
        downgrade_gpkg(ws.workspace_path())
        return
    import psycopg

    s = backend.env["GEO_DATABASE_SCHEMA"]
    with psycopg.connect(backend.env["GEO_DATABASE_URL"], autocommit=True) as conn:
        conn.execute(f'ALTER TABLE "{s}".uploads DROP COLUMN plan_id')
        conn.execute(f'ALTER TABLE "{s}".actuals DROP COLUMN plan_id, '
                     "ADD PRIMARY KEY (kind, subject_id, year, version)")
        for table in ("drafts", "draft_in_use"):
            conn.execute(f'UPDATE "{s}".{table} SET plan_id = %s', (SCHEMA6_DRAFT_PLAN,))
        conn.execute(f"UPDATE \"{s}\".meta SET value = '6' WHERE key = 'schema_version'")


def builtin_rows() -> str:
    """An upload (switched on), two versions of an actual and a draft in use, under the built-in plan."""
    off = ws.office()
    off.save(ME, "old1", surveyed("T2-1"), NO_FINDINGS, info={"name": "示例.gpkg"}, file_hash="a" * 64)
    off.switch(ME, "old1", True)
    off.record_actuals(ME, [stage("T2-1", "preparation")], origin="page")
    off.record_actuals(ME, [stage("T2-1")], origin="page")
    drafts = drafts_of_plan_in_use()
    made = drafts.create(ME, "示例方案")
    drafts.use(ME, made.draft.draft_id, 1)
    return made.draft.draft_id


def test_a_schema_6_workspace_migrates_on_db_init_and_its_rows_are_the_builtin_plans(backend, monkeypatch, capsys):
    draft_id = builtin_rows()
    ws.close_stores()
    downgrade(backend)
    code, out, err = geo(capsys, monkeypatch, "db", "init")
    assert code == 0 and "6" in out and str(SCHEMA_VERSION) in out, err
    store = ws.open_store()
    assert store.init() == (SCHEMA_VERSION, SCHEMA_VERSION) and SCHEMA_VERSION == 7
    assert [(u.upload_id, u.plan_id, u.use_surveyed) for u in store.list_uploads()] == [("old1", BUILTIN_ID, True)]
    assert [(a.plan_id, a.version, a.stage) for a in store.list_actuals(history=True)] == [
        (BUILTIN_ID, 1, "preparation"), (BUILTIN_ID, 2, "construction")]
    assert [(d.draft_id, d.plan_id) for d in store.list_drafts()] == [(draft_id, BUILTIN_ID)]
    assert seen(monkeypatch, None) == {"uploads": ["old1"], "listed": ["old1"],
                                       "actuals": [("T2-1", 1, BUILTIN_ID), ("T2-1", 2, BUILTIN_ID)],
                                       "drafts": [draft_id], "in_use": draft_id}
    assert seen(monkeypatch, OTHER) == {"uploads": [], "listed": [], "actuals": [], "drafts": [], "in_use": None}
    monkeypatch.delenv("GEO_PLAN")
    (third,) = ws.office().record_actuals(ME, [stage("T2-1", "built")], origin="page")  # the key gained the plan
    assert (third.plan_id, third.version) == (BUILTIN_ID, 3)
    with pytest.raises(StoreError, match="actuals are kept"):  # the rebuilt table is still append-only
        _rewrite_actual(backend)


def _rewrite_actual(backend) -> None:
    """Try to change a recorded actual behind the store's back (the triggers refuse it)."""
    if backend.kind == "gpkg":
        with sqlite3.connect(ws.workspace_path()) as con:
            try:
                con.execute("UPDATE actuals SET stage = 'x'")
            except sqlite3.DatabaseError as exc:
                raise StoreError(str(exc)) from exc
        return
    import psycopg

    with psycopg.connect(backend.env["GEO_DATABASE_URL"], autocommit=True) as conn:
        try:
            conn.execute(f'UPDATE "{backend.env["GEO_DATABASE_SCHEMA"]}".actuals SET stage = \'x\'')
        except psycopg.Error as exc:
            raise StoreError(str(exc)) from exc


def test_an_old_dump_without_plan_ids_loads_as_the_builtin_plan(backend, monkeypatch, tmp_path):
    source = GeoPackageStore(tmp_path / "old" / "workspace.gpkg")
    source.init()
    monkeypatch.setenv("GEO_WORKSPACE", str(source.path.parent))
    monkeypatch.delenv("GEO_DATABASE_URL", raising=False)
    monkeypatch.delenv("GEO_DATABASE_SCHEMA", raising=False)
    ws.close_stores()
    draft_id = builtin_rows()
    ws.close_stores()
    old = tmp_path / "old-dump.gpkg"
    with dump_file(source) as (path, _):
        old.write_bytes(path.read_bytes())
    downgrade_gpkg(old)
    for key, value in backend.env.items():
        monkeypatch.setenv(key, value)
    ws.close_stores()
    load_dump(old, backend.store)
    assert [(u.upload_id, u.plan_id) for u in backend.store.list_uploads()] == [("old1", BUILTIN_ID)]
    assert seen(monkeypatch, None) == {"uploads": ["old1"], "listed": ["old1"],
                                       "actuals": [("T2-1", 1, BUILTIN_ID), ("T2-1", 2, BUILTIN_ID)],
                                       "drafts": [draft_id], "in_use": draft_id}
    assert seen(monkeypatch, OTHER) == {"uploads": [], "listed": [], "actuals": [], "drafts": [], "in_use": None}
