"""geo.store on both backends: uploads survive restarts, soft removal, failures and killed writers mid-transaction.

Every test taking ``backend`` runs twice: on the embedded GeoPackage and on a
throwaway PostgreSQL + PostGIS cluster (tests/fixtures/stores.py).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.checks.registry import run_checks
from geo.errors import AccessError
from geo.store import StoreError, parcels_in_use, single_user
from geo.store import workspace as ws
from geo.store.base import SCHEMA_VERSION, AuditEvent
from geo.store.gpkg import GeoPackageStore
from tests.fixtures import synthetic as syn

ROOT = Path(__file__).resolve().parents[1]
INFO = {
    "name": "测绘.zip",
    "fmt": "zip",
    "crs": "EPSG:4544",
    "crs_basis": "file",
    "tolerance_pct": 1.0,
    "name_field": "名称",
}


def checked(height: float = 200):
    layer = syn.survey([shapely.box(0, 0, 200, height), shapely.box(1000, 0, 1100, 100)], ["T2-1", "T2-2"])
    return run_checks(
        layer, plan_parcels=syn.plan_parcels(), zones=syn.zones(), districts=syn.districts(), name_field="名称"
    )


def test_folder_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_WORKSPACE", str(tmp_path / "data"))
    assert ws.workspace_path() == tmp_path / "data" / "workspace.gpkg"
    monkeypatch.delenv("GEO_WORKSPACE")
    assert ws.workspace_path() == ws.DEFAULT_DIR / "workspace.gpkg"
    assert Path(__file__).resolve().parents[1] / "workspace" == ws.DEFAULT_DIR  # not the working directory


def test_backend_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_WORKSPACE", str(tmp_path / "data"))
    monkeypatch.delenv("GEO_DATABASE_URL", raising=False)
    assert ws.open_store().kind == "gpkg"
    monkeypatch.setenv("GEO_DATABASE_URL", "postgresql://geo:secret@db.example/geo")
    store = ws.open_store()
    assert store.kind == "postgis" and "secret" not in store.describe()
    assert ws.open_store(tmp_path).kind == "gpkg"  # an explicit folder is always the GeoPackage in it
    ws.close_stores()


def test_save_list_load_replace_remove_restore(backend):
    r = checked(203)
    uid = ws.upload_id(b"bytes", "测绘.zip")
    ws.save_upload(uid, r.parcels, r.findings, info=INFO, file_hash="ab" * 32)
    version = backend.store.version()
    ws.save_upload(uid, r.parcels, r.findings, info=INFO)  # same upload again: replaced
    assert backend.store.version() > version
    ws.save_upload("other1", r.parcels.iloc[:1], r.findings.iloc[:0], info=INFO | {"name": "b.gpkg"})
    listed = ws.list_uploads()
    assert sorted(listed["upload_id"]) == sorted([uid, "other1"])
    row = listed.set_index("upload_id").loc[uid]
    assert (row["name"], row["features"], row["findings"], row["crs"], bool(row["use_surveyed"])) == (
        "测绘.zip", 2, 1, "EPSG:4544", False,
    )
    parcels, findings = ws.load_upload(uid)
    assert parcels.index.tolist() == [1, 2] and parcels["名称"].tolist() == ["T2-1", "T2-2"]
    assert parcels.crs.to_epsg() == 4326
    assert parcels["measured_mu"].round(3).tolist() == [60.9, 15.0]
    assert shapely.equals_exact(parcels.geometry.to_numpy(), r.parcels.to_crs(4326).geometry.to_numpy(),
                                tolerance=1e-12).all()
    assert (
        findings[["feature", "check", "message", "message_zh"]].values.tolist()
        == r.findings[["feature", "check", "message", "message_zh"]].values.tolist()
    )
    assert findings["message_zh"].tolist() == ["实测 60.9 亩，规划分配 60 亩（+1.5%，容差 1%）"]
    ws.remove_upload("other1")
    assert ws.list_uploads()["upload_id"].tolist() == [uid]
    gone = ws.list_uploads(deleted=True)
    assert gone["upload_id"].tolist() == ["other1"] and gone["deleted_at"].notna().all()
    ws.office().restore(ws.office().actor(None), "other1")
    assert sorted(ws.list_uploads()["upload_id"]) == sorted([uid, "other1"])
    assert len(ws.load_upload("other1")[0]) == 1
    if backend.kind == "gpkg":
        assert not list(backend.folder.glob(".tmp-*")), "no temporary copy of the workspace is ever made"
        layers = sorted(pyogrio.list_layers(ws.workspace_path())[:, 0])
        assert layers == sorted([f"parcels_{uid}", f"findings_{uid}", "parcels_other1", "findings_other1", "uploads"])


@pytest.mark.parametrize("kind", ["int", "float", "text", "bool", "datetime", "date", "nulls"])
def test_attribute_types_round_trip(backend, kind):
    r = checked()
    values = {
        "int": pd.Series([7, -3], dtype="int64"),
        "float": pd.Series([1.5, np.nan]),
        "text": pd.Series(["路 [a](http://x)", None], dtype="str"),
        "bool": pd.Series([True, False]),
        "datetime": pd.Series(pd.to_datetime(["2024-01-02 03:04:05", "2025-12-31 00:00:00"])),
        "date": pd.Series([dt.date(2024, 1, 2), None], dtype=object),
        "nulls": pd.Series([1, None], dtype="Int64"),
    }[kind]
    parcels = r.parcels.assign(attr=values.to_numpy())
    if kind == "nulls":
        parcels["attr"] = values.to_numpy()
        parcels["attr"] = parcels["attr"].astype("Int64")
    ws.save_upload("types1", parcels, r.findings, info=INFO)
    back = ws.load_upload("types1")[0]["attr"]
    expected = parcels["attr"]
    if kind == "datetime":
        assert back.tolist() == expected.tolist()
    elif kind in ("float",):
        assert np.allclose(back.to_numpy(), expected.to_numpy(), equal_nan=True)
    else:
        assert [None if pd.isna(v) else v for v in back] == [None if pd.isna(v) else v for v in expected]


def test_colliding_and_odd_attribute_names_are_renamed_not_fatal(backend):
    """Attributes named like ours (fid, geom, feature) or equal but for case are stored under a suffix."""
    r = checked()
    parcels = r.parcels.assign(fid=[1, 2], geom=["a", "b"], feature=["x", "y"], Name=["n1", "n2"], NAME=["N1", "N2"])
    parcels[("长" * 40)] = ["long", "name"]
    ws.save_upload("names1", parcels, r.findings, info=INFO)
    back = ws.load_upload("names1")[0]
    assert back.index.tolist() == [1, 2]  # the feature number, not the attribute called "feature"
    assert back["fid_2"].tolist() == [1, 2] and back["geom_2"].tolist() == ["a", "b"]
    assert back["feature_2"].tolist() == ["x", "y"]
    assert back["Name"].tolist() == ["n1", "n2"] and back["NAME_2"].tolist() == ["N1", "N2"]
    assert ["long", "name"] in [back[c].tolist() for c in back.columns if c.startswith("长")]


def test_empty_and_missing_geometry_and_no_findings(backend):
    r = checked()
    parcels = r.parcels.copy()
    parcels.loc[parcels.index[0], parcels.geometry.name] = shapely.Polygon()
    parcels.loc[parcels.index[1], parcels.geometry.name] = None
    ws.save_upload("empty1", parcels, r.findings.iloc[:0], info=INFO)
    back, findings = ws.load_upload("empty1")
    assert back.geometry.iloc[0].is_empty and back.geometry.iloc[1] is None
    assert findings.empty


def test_too_many_attributes_is_one_clear_error(backend):
    r = checked()
    wide = pd.concat([r.parcels, pd.DataFrame({f"c{i}": [i, i] for i in range(1001)}, index=r.parcels.index)], axis=1)
    with pytest.raises(StoreError, match=r"1,00[0-9] attribute columns"):
        ws.save_upload("wide1", wide, r.findings, info=INFO)
    assert ws.list_uploads().empty


def test_upload_saved_before_chinese_messages_loads_with_the_english_in_their_place(backend):
    r = checked(203)
    older = r.findings.drop(columns="message_zh")  # the findings table of an older workspace
    ws.save_upload("old1", r.parcels, older, info=INFO)
    _, findings = ws.load_upload("old1")
    assert findings.columns.tolist() == list(r.findings.columns)
    assert findings["message_zh"].tolist() == [
        "measures 60.9 mu against 60.0 mu allocated (+1.5 %, tolerance 1 %)"
    ]


def test_surveyed_geometry_replaces_indicative(backend):
    r = checked(203)
    ws.save_upload("u1", r.parcels, r.findings, info=INFO)
    plan = syn.plan_parcels().assign(geometry_basis="indicative", measured_mu=[60.0, 15.0, float("nan")])
    assert parcels_in_use(plan)["geometry_basis"].tolist() == ["indicative"] * 3
    ws.set_use_surveyed("u1", True)
    out = parcels_in_use(plan)
    assert out["geometry_basis"].tolist() == ["surveyed", "surveyed", "indicative"]
    assert out["measured_mu"].round(1).tolist()[:2] == [60.9, 15.0]  # measured on the surveyed geometry
    ws.remove_upload("u1")  # a deleted upload is never in use, and is switched off
    assert parcels_in_use(plan)["geometry_basis"].tolist() == ["indicative"] * 3
    ws.office().restore(ws.office().actor(None), "u1")
    assert parcels_in_use(plan)["geometry_basis"].tolist() == ["indicative"] * 3
    ws.set_use_surveyed("u1", True)
    ws.set_use_surveyed("u1", False)
    assert parcels_in_use(plan)["geometry_basis"].tolist() == ["indicative"] * 3


def test_failure_mid_save_rolls_back_to_the_previous_state(backend, monkeypatch):
    r = checked()
    ws.save_upload("first1", r.parcels, r.findings, info=INFO)
    before = ws.load_upload("first1")[0]
    store_cls = type(ws.open_store())

    def crash(*args, **kwargs):
        raise StoreError("No space left on device", source="workspace")

    with monkeypatch.context() as patched:
        patched.setattr(store_cls, "_bump", crash)  # fails after the layers were written, before the commit
        with pytest.raises(StoreError, match="No space left"):
            ws.save_upload("first1", r.parcels.iloc[:1], r.findings.iloc[:0], info=INFO | {"name": "new.zip"})
        with pytest.raises(StoreError, match="No space left"):
            ws.save_upload("second", r.parcels, r.findings, info=INFO)
    assert ws.list_uploads()["upload_id"].tolist() == ["first1"]
    assert ws.list_uploads()["name"].tolist() == ["测绘.zip"]
    after = ws.load_upload("first1")[0]
    assert after.index.tolist() == before.index.tolist() and len(after) == 2
    assert [e.action for e in ws.open_store().audit()] == ["save"]  # the failed saves left no event either


KILLED_WRITER = """
import sys, time, pathlib
from geo.store import workspace as ws
from tests.test_workspace import checked, INFO
store = ws.open_store()
real = type(store)._bump
def slow(*a, **k):
    real(*a, **k)
    pathlib.Path(sys.argv[1]).write_text("writing")
    time.sleep(60)
type(store)._bump = staticmethod(slow) if isinstance(type(store).__dict__["_bump"], staticmethod) else slow
r = checked(250)
ws.save_upload("first1", r.parcels.iloc[:1], r.findings, info=INFO | {"name": "killed.zip"})
"""


def test_process_killed_mid_transaction_keeps_previous_state(backend, tmp_path):
    r = checked()
    ws.save_upload("first1", r.parcels, r.findings, info=INFO)
    marker = tmp_path / "marker"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(marker)], cwd=ROOT, env=os.environ | backend.env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert ws.list_uploads()["name"].tolist() == ["测绘.zip"], "readers see the last commit, not the writer's"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert ws.list_uploads()["name"].tolist() == ["测绘.zip"]
    parcels, _ = ws.load_upload("first1")
    assert len(parcels) == 2
    ws.save_upload("after1", r.parcels, r.findings, info=INFO)  # the next writer is not blocked
    assert sorted(ws.list_uploads()["upload_id"]) == ["after1", "first1"]


def test_audit_trail_is_append_only_in_the_database(backend):
    store = ws.open_store()
    store.append_audit(AuditEvent("save", "alice", "u1", {"file_hash": "00"}))
    if backend.kind == "gpkg":
        con = sqlite3.connect(ws.workspace_path())
        for sql in ("UPDATE audit SET user = 'mallory'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(sql)
        con.close()
    else:
        import psycopg

        with psycopg.connect(backend.env["GEO_DATABASE_URL"], autocommit=True) as conn:
            for sql in ('UPDATE {s}.audit SET "user" = \'mallory\'', "DELETE FROM {s}.audit", "TRUNCATE {s}.audit"):
                with pytest.raises(psycopg.Error, match="append-only"):
                    conn.execute(sql.format(s=backend.env["GEO_DATABASE_SCHEMA"]))
    assert [(e.user, e.action) for e in store.audit()] == [("alice", "save")]


def test_init_is_idempotent(uncreated):
    store = uncreated.store
    assert store.init() == (0, SCHEMA_VERSION)
    assert store.init() == (SCHEMA_VERSION, SCHEMA_VERSION)
    assert store.version() == 0 and store.list_uploads() == [] and not store.has_users()


def test_a_configured_workspace_that_is_missing_is_an_error_never_an_empty_one(uncreated):
    """Fail closed: a moved file or an unmounted volume must not look like a new workspace without accounts."""
    store = ws.open_store()
    for read in (store.has_users, store.list_uploads, store.audit, lambda: ws.office().accounts_exist()):
        with pytest.raises(StoreError, match=r"does not exist.*python -m geo db init"):
            read()
    with pytest.raises(StoreError, match="does not exist"):
        ws.office().add_user(single_user(), "eve", "admin", "eve-Long-Secret-1")
    if uncreated.kind == "gpkg":
        assert not uncreated.folder.exists()  # nothing was created by trying
    store.init()  # what `db init` does
    assert not store.has_users() and store.list_uploads() == []


def test_unknown_upload(backend):
    with pytest.raises(StoreError, match="no saved upload 'nope'"):
        ws.load_upload("nope")
    with pytest.raises(StoreError, match="no saved upload 'nope'"):
        ws.set_use_surveyed("nope", True)


def test_writes_need_a_user_once_accounts_exist(backend):
    r = checked()
    ws.office().add_user(ws.office().actor(None), "alice", "admin", "correct horse")
    with pytest.raises(AccessError, match="accounts"):
        ws.save_upload("u1", r.parcels, r.findings, info=INFO)


@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_nothing_is_written_to_a_geopackage_with_a_database_url(backend):
    r = checked()
    ws.save_upload("u1", r.parcels, r.findings, info=INFO)
    ws.set_use_surveyed("u1", True)
    parcels_in_use(syn.plan_parcels().assign(geometry_basis="indicative"))
    assert not backend.folder.exists() or not any(backend.folder.iterdir())


def test_geopackage_is_a_qgis_layer_file_in_wal_mode(tmp_path):
    """GDAL (QGIS's reader) lists every upload as a layer with a spatial index; the file is in WAL mode, 0600."""
    store = GeoPackageStore(tmp_path / "workspace.gpkg")
    r = checked(203)
    ws.save_upload("u1", r.parcels, r.findings, info=INFO, store=store)
    path = tmp_path / "workspace.gpkg"
    info = pyogrio.read_info(path, layer="parcels_u1")
    assert info["crs"] == "EPSG:4326" and info["features"] == 2 and info["geometry_name"] == "geom"
    assert info["capabilities"]["fast_spatial_filter"], "the R-tree index is there"
    layer = pyogrio.read_dataframe(path, layer="parcels_u1", bbox=(106.33, 29.54, 106.335, 29.56))
    assert layer["feature"].tolist() == [1]
    assert pyogrio.read_dataframe(path, layer="findings_u1", read_geometry=False)["check"].tolist() == ["area_mismatch"]
    assert pyogrio.read_dataframe(path, layer="uploads", read_geometry=False)["upload_id"].tolist() == ["u1"]
    names = set(pyogrio.list_layers(path)[:, 0])
    assert not names & {"users", "audit", "geo_meta"}, "accounts and the audit trail are not offered as layers"
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
    con.close()
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_workspace_of_an_earlier_version_is_migrated_in_place(tmp_path):
    """A workspace written by the old code (GDAL layers, index without owners) opens, lists, loads and saves."""
    path = tmp_path / "workspace.gpkg"
    r = checked(203)
    layer = r.parcels.to_crs(4326).reset_index()
    pyogrio.write_dataframe(layer, path, layer="parcels_old000000001", driver="GPKG")
    pyogrio.write_dataframe(r.findings.astype({"project_id": object, "message": object, "message_zh": object}),
                            path, layer="findings_old000000001", driver="GPKG")
    index = pd.DataFrame([{"upload_id": "old000000001", "name": "旧.zip", "saved_at": "2025-01-01T00:00:00+00:00",
                           "fmt": "zip", "crs": "EPSG:4544", "crs_basis": "file", "features": 2, "findings": 1,
                           "tolerance_pct": 1.0, "name_field": "名称", "use_surveyed": 1}])
    pyogrio.write_dataframe(index, path, layer="uploads", driver="GPKG")
    store = GeoPackageStore(path)
    assert store.init() == (1, SCHEMA_VERSION)
    (row,) = store.list_uploads()
    assert (row.upload_id, row.owner, row.use_surveyed, row.file_hash) == ("old000000001", None, True, "")
    parcels, findings = ws.load_upload("old000000001", store=store)
    assert parcels.index.tolist() == [1, 2] and parcels["measured_mu"].round(1).tolist() == [60.9, 15.0]
    assert findings["check"].tolist() == ["area_mismatch"]
    ws.save_upload("old000000001", r.parcels.iloc[:1], r.findings, info=INFO, store=store)  # replaces GDAL's layer
    assert len(ws.load_upload("old000000001", store=store)[0]) == 1
    assert pyogrio.read_info(path, layer="parcels_old000000001")["features"] == 1
    assert store.init() == (SCHEMA_VERSION, SCHEMA_VERSION)
