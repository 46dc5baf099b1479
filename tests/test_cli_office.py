"""The office on the command line, on both backends: users, check --save --user, workspace, audit, db, dump/load.

Most commands run in-process (``geo.cli.main``: one import, exit code and
stderr checked); the concurrency test runs eight real processes at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
import shapely

from geo.store import close_stores
from geo.store import workspace as ws
from geo.store.base import SCHEMA_VERSION
from tests.fixtures import synthetic as syn
from tests.fixtures.cli import geo, one_line
from tests.fixtures.stores import drop_backend, make_backend

ROOT = Path(__file__).resolve().parents[1]
PASSWORDS = {"alice": "alice-Secret-1", "bob": "bob-Secret-22", "carol": "carol-Secret-333"}


@pytest.fixture
def survey(tmp_path) -> Path:
    path = tmp_path / "survey.geojson"
    pyogrio.write_dataframe(syn.plan_survey(), path, driver="GeoJSON")
    return path


@pytest.fixture
def accounts(backend, capsys, monkeypatch) -> None:
    for name, role in (("alice", "checker"), ("bob", "checker"), ("carol", "viewer")):
        code, out, _ = geo(capsys, monkeypatch, "users", "add", name, "--role", role, stdin=PASSWORDS[name] + "\n")
        assert code == 0 and out.strip() == f"added {name} ({role})"


def test_users_commands(accounts, capsys, monkeypatch):
    code, _, err = geo(capsys, monkeypatch, "users", "add", "alice", "--role", "viewer", stdin="another-Secret\n")
    assert code == 2
    one_line(err, "the user 'alice' already exists")
    code, _, err = geo(capsys, monkeypatch, "users", "add", "dave", "--role", "admin", stdin="short\n")
    assert code == 2
    one_line(err, "shorter than 10 characters")
    assert "short" not in err.replace("shorter", "")  # the password itself is never echoed
    code, _, err = geo(capsys, monkeypatch, "users", "add", "dave", "--role", "root", stdin="long-enough-1\n")
    assert code == 2 and "invalid choice: 'root'" in err
    assert geo(capsys, monkeypatch, "users", "set-role", "bob", "admin")[0] == 0
    assert geo(capsys, monkeypatch, "users", "disable", "carol")[0] == 0
    code, out, _ = geo(capsys, monkeypatch, "users", "list", "--format", "json")
    listed = {u["name"]: (u["role"], u["disabled"]) for u in json.loads(out)}
    assert listed == {"alice": ("checker", False), "bob": ("admin", False), "carol": ("viewer", True)}
    assert "argon2" not in out and "hash" not in out
    code, _, err = geo(capsys, monkeypatch, "users", "list", "--user", "alice")
    assert code == 2
    one_line(err, "alice may not list users: only an administrator may")
    assert geo(capsys, monkeypatch, "users", "password", "alice", "--user", "bob", stdin="alice-New-Secret\n")[0] == 0
    assert ws.office().login("alice", "alice-New-Secret", client="t").name == "alice"
    for action in (("set-role", "bob", "viewer"), ("disable", "bob")):  # bob is the only admin
        code, _, err = geo(capsys, monkeypatch, "users", *action)
        assert code == 2
        one_line(err, "'bob' is the last enabled administrator")
    assert ws.open_store().get_user("bob").role == "admin"
    assert ws.open_store().audit()[-1].detail["attempted"] == "disable"


def test_check_save_delete_restore_and_audit_done_when(accounts, survey, capsys, monkeypatch):
    code, out, err = geo(capsys, monkeypatch, "check", str(survey), "--format", "json", "--save", "--user", "alice")
    assert code == 0, err
    uid = json.loads(out)["summary"]["upload_id"]
    code, _, err = geo(capsys, monkeypatch, "check", str(survey), "--format", "json", "--save", "--user", "carol")
    assert code == 2
    one_line(err, "carol may not save survey.geojson: a viewer may not save")
    code, _, err = geo(capsys, monkeypatch, "check", str(survey), "--format", "json", "--save")
    assert code == 2
    one_line(err, "this workspace has accounts")
    code, _, err = geo(capsys, monkeypatch, "check", str(survey), "--save", "--user", "mallory")
    assert code == 2
    one_line(err, "'mallory': no such account")
    refused = ws.open_store().audit()[-1]
    assert (refused.action, refused.detail["client"], refused.detail["reason"]) == ("refused", "cli", "no such account")
    assert refused.detail["os_user"]  # who ran the command on the server

    code, out, _ = geo(capsys, monkeypatch, "workspace", "list", "--format", "json", "--user", "carol")
    (row,) = json.loads(out)
    assert {k: row[k] for k in ("upload_id", "name", "owner", "features", "in_use")} == {
        "upload_id": uid, "name": "survey.geojson", "owner": "alice", "features": 2, "in_use": False}
    assert row["saved_at"].endswith("+00:00") and len(row["file_hash"]) == 64
    assert row["file_hash"] == ws.file_hash(survey.read_bytes())

    code, _, err = geo(capsys, monkeypatch, "workspace", "delete", uid, "--user", "bob")
    assert code == 2
    one_line(err, f"bob may not delete {uid}: it belongs to alice")
    code, _, err = geo(capsys, monkeypatch, "workspace", "use", uid, "on", "--user", "bob")
    assert code == 2
    one_line(err, f"bob may not switch {uid}")
    assert geo(capsys, monkeypatch, "workspace", "use", uid, "on", "--user", "alice")[0] == 0
    assert geo(capsys, monkeypatch, "workspace", "delete", uid, "--user", "alice")[1].strip() == f"{uid}: deleted"
    assert json.loads(geo(capsys, monkeypatch, "workspace", "list", "--format", "json", "--user", "alice")[1]) == []
    code, out, _ = geo(capsys, monkeypatch, "workspace", "list", "--deleted", "--format", "json", "--user", "alice")
    assert [r["upload_id"] for r in json.loads(out)] == [uid]
    assert geo(capsys, monkeypatch, "workspace", "restore", uid, "--user", "alice")[1].strip() == f"{uid}: restored"
    code, out, _ = geo(capsys, monkeypatch, "workspace", "list", "--format", "json", "--user", "alice")
    assert [(r["upload_id"], r["in_use"]) for r in json.loads(out)] == [(uid, False)]

    code, out, _ = geo(capsys, monkeypatch, "audit", "--format", "json")
    events = json.loads(out)
    assert all(set(e) == {"at", "user", "action", "object", "detail"} for e in events)
    trail = [(e["user"], e["action"], e["object"], e["detail"].get("attempted")) for e in events]
    assert trail == [
        (None, "user_add", "alice", None), (None, "user_add", "bob", None), (None, "user_add", "carol", None),
        ("alice", "save", uid, None),
        ("carol", "refused", "survey.geojson", "save"),
        (None, "refused", "", "act"),
        (None, "refused", "", "act as"),
        ("bob", "refused", uid, "delete"),
        ("bob", "refused", uid, "switch"),
        ("alice", "switch", uid, None),
        ("alice", "delete", uid, None),
        ("alice", "restore", uid, None),
    ]
    assert events[3]["detail"]["file_hash"] == row["file_hash"]


def test_without_accounts_the_cli_is_single_user(backend, survey, capsys, monkeypatch):
    code, out, err = geo(capsys, monkeypatch, "check", str(survey), "--format", "json", "--save", "--use-surveyed")
    assert code == 0, err
    uid = json.loads(out)["summary"]["upload_id"]
    assert uid == ws.upload_id(survey.read_bytes(), "survey.geojson")
    assert "(in use)" in err
    (row,) = json.loads(geo(capsys, monkeypatch, "workspace", "list", "--format", "json")[1])
    assert (row["owner"], row["in_use"]) == (None, True)
    assert geo(capsys, monkeypatch, "workspace", "delete", uid)[0] == 0


def test_db_init_is_idempotent(uncreated, capsys, monkeypatch):
    code, out, err = geo(capsys, monkeypatch, "users", "list")  # only `db init` creates a configured workspace
    assert code == 2 and "does not exist" in err and "python -m geo db init" in err and "Traceback" not in err
    code, out, _ = geo(capsys, monkeypatch, "db", "init")
    assert code == 0 and f"schema created to version {SCHEMA_VERSION}" in out
    code, out, _ = geo(capsys, monkeypatch, "db", "init")
    assert code == 0 and f"schema up to date (version {SCHEMA_VERSION})" in out
    if uncreated.kind == "postgis":
        assert "postgresql://" in out and uncreated.env["GEO_DATABASE_SCHEMA"] in out
    assert [e.action for e in ws.open_store().audit()] == ["db_init"]


def test_dump_and_load_restore_either_backend(accounts, backend, survey, tmp_path, capsys, monkeypatch, request):
    code, out, _ = geo(capsys, monkeypatch, "check", str(survey), "--format", "json", "--save", "--user", "alice")
    uid = json.loads(out)["summary"]["upload_id"]
    geo(capsys, monkeypatch, "workspace", "use", uid, "on", "--user", "alice")
    other = syn.plan_survey().iloc[:1]
    second = tmp_path / "second.geojson"
    pyogrio.write_dataframe(other, second, driver="GeoJSON")
    code, out, _ = geo(capsys, monkeypatch, "check", str(second), "--format", "json", "--save", "--user", "bob")
    gone = json.loads(out)["summary"]["upload_id"]
    geo(capsys, monkeypatch, "workspace", "delete", gone, "--user", "bob")
    before = ws.open_store()
    users, uploads = before.list_users(), before.list_uploads() + before.list_uploads(deleted=True)
    events = before.audit()
    parcels = {u.upload_id: before.load_upload(u.upload_id)[0] for u in uploads}

    dump = tmp_path / "backup.gpkg"
    code, out, err = geo(capsys, monkeypatch, "workspace", "dump", "-o", str(dump))
    assert code == 0, err
    assert "dumped 2 uploads, 3 users" in out and oct(dump.stat().st_mode & 0o777) == "0o600"
    assert pyogrio.read_info(dump, layer=f"parcels_{uid}")["features"] == 2  # the dump is a GeoPackage (QGIS)

    for kind in ("gpkg", "postgis"):  # into a fresh, empty workspace of each kind
        target = make_backend(kind, tmp_path / f"to-{kind}", request)
        target.store.init()  # the new server's `db init`
        with monkeypatch.context() as env:
            env.delenv("GEO_DATABASE_URL", raising=False)
            for key, value in target.env.items():
                env.setenv(key, value)
            close_stores()
            code, out, err = geo(capsys, monkeypatch, "workspace", "load", str(dump))
            assert code == 0, err
            assert out.strip() == f"loaded 2 uploads, 3 users, {len(events)} audit events"
            after = ws.open_store()
            assert after.list_users() == users
            assert sorted(after.list_uploads() + after.list_uploads(deleted=True), key=lambda u: u.upload_id) == sorted(
                uploads, key=lambda u: u.upload_id)
            for key, layer in parcels.items():
                back = after.load_upload(key)[0]
                assert back.index.tolist() == layer.index.tolist()
                assert shapely.equals_exact(back.geometry.to_numpy(), layer.geometry.to_numpy(), tolerance=0).all()
            loaded = after.audit()
            assert loaded[:-1] == events and loaded[-1].action == "load"
            assert ws.office().login("alice", PASSWORDS["alice"], client="t").name == "alice"  # hashes carried over
            code, _, err = geo(capsys, monkeypatch, "workspace", "load", str(dump))
            assert code == 2
            one_line(err, "the workspace is not empty")
            close_stores()
        drop_backend(target)
    close_stores()


CHECK_SAVE = [sys.executable, "-m", "geo", "check", "{file}", "--format", "json", "--save", "--user", "alice"]


def test_eight_concurrent_check_saves_all_land_intact(backend, tmp_path, capsys, monkeypatch):
    """Eight ``check --save`` processes started at once: every upload saved whole, each save audited."""
    added = geo(capsys, monkeypatch, "users", "add", "alice", "--role", "checker", stdin=PASSWORDS["alice"] + "\n")
    assert added[0] == 0
    base = syn.plan_survey()
    files = []
    for i in range(8):
        layer = base.copy()
        layer["geometry"] = [shapely.affinity.scale(g, 1 + i / 100, 1 + i / 100) for g in layer.geometry]
        layer["batch"] = i
        path = tmp_path / f"survey_{i}.geojson"
        pyogrio.write_dataframe(layer, path, driver="GeoJSON")
        files.append(path)
    env = os.environ | backend.env
    procs = [subprocess.Popen([a.format(file=f) for a in CHECK_SAVE], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for f in files]
    results = [(p.wait(timeout=600), p.stdout.read(), p.stderr.read()) for p in procs]
    for code, _out, err in results:
        assert code == 0, err.decode()
    uids = [json.loads(out)["summary"]["upload_id"] for _, out, _ in results]
    assert len(set(uids)) == 8
    store = ws.open_store()
    listed = {u.upload_id: u for u in store.list_uploads()}
    assert set(listed) == set(uids)
    for i, uid in enumerate(uids):
        parcels, findings = store.load_upload(uid)
        assert listed[uid].owner == "alice" and listed[uid].features == len(parcels) == 2
        assert parcels["batch"].tolist() == [i, i]
        assert listed[uid].file_hash == ws.file_hash(files[i].read_bytes())
        expected = [shapely.affinity.scale(g, 1 + i / 100, 1 + i / 100) for g in base.geometry]
        assert all(a.equals_exact(b, 1e-9) for a, b in zip(parcels.geometry, expected, strict=True))
        assert len(findings) == listed[uid].findings
    saves = [e for e in store.audit() if e.action == "save"]
    assert sorted(e.object for e in saves) == sorted(uids) and {e.user for e in saves} == {"alice"}
    if backend.kind == "postgis":  # with GEO_DATABASE_URL set nothing is written to the GeoPackage
        assert not backend.folder.exists() or not any(backend.folder.iterdir())
