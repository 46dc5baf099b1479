"""The audit trail's hash chain, its triggers, database roles, and all-or-nothing loads — on both backends.

Tampering is done as an attacker with full access to the database would: by
raw SQL, with the triggers dropped first. ``python -m geo audit verify`` must
then exit 2 naming the event; ``db init`` must restore the triggers. On
PostgreSQL, ``db init --owner`` must leave the application's login role
unable to drop the triggers or delete from the trail (a real throwaway cluster).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from pathlib import Path

import pyogrio
import pytest

from geo.store import chain, close_stores
from geo.store import workspace as ws
from geo.store.base import AuditEvent
from geo.store.gpkg import GeoPackageStore
from tests.fixtures import synthetic as syn
from tests.fixtures.stores import drop_backend, make_backend
from tests.test_cli_office import PASSWORDS, geo, one_line

ADMIN = ("dave", "dave-Secret-4444")


# -- raw SQL, as someone with the database's keys --------------------------------------------------


def raw(backend, *statements: str, params: tuple = ()) -> list[tuple]:
    """Run statements on the workspace's database directly (``{audit}``, ``{s}``: the schema's names); last rows."""
    rows: list[tuple] = []
    if backend.kind == "gpkg":
        con = sqlite3.connect(ws.workspace_path(), isolation_level=None)
        try:
            for sql in statements:
                cur = con.execute(sql.format(audit="audit", meta="geo_meta", s="main"), params)
                rows = cur.fetchall()
        finally:
            con.close()
        return rows
    import psycopg

    schema = backend.env["GEO_DATABASE_SCHEMA"]
    with psycopg.connect(backend.env["GEO_DATABASE_URL"], autocommit=True) as conn:
        for sql in statements:
            cur = conn.execute(sql.format(audit=f'"{schema}".audit', meta=f'"{schema}".meta', s=f'"{schema}"'),
                               params)
            rows = cur.fetchall() if cur.description else []
    return rows


def drop_triggers(backend) -> None:
    if backend.kind == "gpkg":
        raw(backend, "DROP TRIGGER audit_no_update", "DROP TRIGGER audit_no_delete")
    else:
        raw(backend, "DROP TRIGGER audit_append_only ON {audit}", "DROP TRIGGER audit_no_truncate ON {audit}")


def events(n: int = 6) -> list[AuditEvent]:
    return [AuditEvent("save", "alice", f"u{i}", {"file_hash": f"{i:064x}", "features": i},
                       at=f"2026-05-20T08:{i:02d}:00+00:00") for i in range(1, n + 1)]


def verify(capsys, monkeypatch) -> tuple[int, str, str]:
    return geo(capsys, monkeypatch, "audit", "verify")


def assert_tampered(capsys, monkeypatch, *fragments: str) -> None:
    code, out, err = verify(capsys, monkeypatch)
    assert code == 2 and out == "", (out, err)
    for fragment in fragments:
        one_line(err, fragment)


# -- the chain ---------------------------------------------------------------------------------------


def test_canonical_form_and_hash_are_pinned():
    """The serialisation is part of the stored data: a change to it would make every trail look altered."""
    event = AuditEvent("save", "alice", "u1", {"b": 2, "a": "测绘", "n": 1.0}, at="2026-05-20T08:30:00+00:00")
    clean = chain.normalise(event)
    assert chain.canonical(1, clean, chain.GENESIS) == (
        '["geo-audit-1",1,"2026-05-20T08:30:00+00:00","alice","save","u1",{"a":"测绘","b":2,"n":1},'
        '"0000000000000000000000000000000000000000000000000000000000000000"]').encode()
    assert chain.digest(1, clean, chain.GENESIS) == "a40020338f2636b001197be1b5e690945f8b4a5d53ea408c6f318d4d2a9cb33c"


def test_normalised_events_read_back_the_same_on_either_backend():
    """What jsonb and timestamptz would change is normalised before hashing: 1e20, NaN, NUL, offsets, tuples."""
    event = AuditEvent("x\x00y", "al\x00ice", "o", {"big": 1e20, "nan": float("nan"), "t": (1, 2), 3: "k",
                                                     "s": "a\x00b", "f": 0.1}, at="2026-05-20T16:30:00.123+08:00")
    clean = chain.normalise(event)
    assert (clean.action, clean.user, clean.at) == ("xy", "alice", "2026-05-20T08:30:00+00:00")
    assert clean.detail == {"big": 10**20, "nan": "nan", "t": [1, 2], "3": "k", "s": "ab", "f": 0.1}
    assert chain.normalise(clean) == clean
    assert json.loads(chain.detail_text(clean.detail)) == clean.detail


def test_an_intact_trail_verifies(backend, capsys, monkeypatch):
    store = ws.open_store()
    store.append_audit(*events())
    code, out, err = verify(capsys, monkeypatch)
    assert code == 0, err
    head = raw(backend, "SELECT hash FROM {audit} WHERE seq = 6")[0][0]  # (#7 is the check's own event)
    assert out.strip() == f"intact, 6 events (head #6 {head})"
    recorded = store.audit()[-1]  # the check itself is recorded, and chained
    assert (recorded.action, recorded.detail["result"], recorded.detail["client"]) == (
        "audit_verify", out.strip(), "cli")
    assert verify(capsys, monkeypatch)[1].startswith("intact, 7 events (head #7 ")
    seqs = raw(backend, "SELECT seq, prev_hash, hash FROM {audit} ORDER BY id")
    assert [s for s, _, _ in seqs] == list(range(1, 9))
    assert all(prev == before for (_, prev, _), (_, _, before) in zip(seqs[1:], seqs[:-1], strict=True))
    assert seqs[0][1] == chain.GENESIS


def test_deleting_an_event_is_named(backend, capsys, monkeypatch):
    ws.open_store().append_audit(*events())
    drop_triggers(backend)
    raw(backend, "DELETE FROM {audit} WHERE id = 3")
    assert_tampered(capsys, monkeypatch, "event #3 was deleted: event #4 (id 4, 2026-05-20T08:04:00+00:00, save) "
                                         "follows #2")


def test_deleting_the_newest_events_is_named(backend, capsys, monkeypatch):
    ws.open_store().append_audit(*events())
    drop_triggers(backend)
    raw(backend, "DELETE FROM {audit} WHERE id >= 5")
    assert_tampered(capsys, monkeypatch, "event #5-#6 was deleted: the trail ends at #4, but #6 was recorded")
    ws.open_store().append_audit(AuditEvent("save", "bob", "u9"))  # the app goes on: the gap stays visible
    assert_tampered(capsys, monkeypatch, "event #5-#6 was deleted: event #7 (id ")


def test_editing_an_event_is_named(backend, capsys, monkeypatch):
    ws.open_store().append_audit(*events())
    drop_triggers(backend)
    raw(backend, 'UPDATE {audit} SET "user" = \'mallory\' WHERE id = 2')
    assert_tampered(capsys, monkeypatch,
                    "event #2 (id 2, 2026-05-20T08:02:00+00:00, save) was altered: its content does not match its hash")


def test_editing_a_detail_or_time_is_named(backend, capsys, monkeypatch):
    ws.open_store().append_audit(*events())
    drop_triggers(backend)
    detail = "detail = json_set(detail, '$.features', 99)" if backend.kind == "gpkg" else \
        "detail = jsonb_set(detail, '{{features}}', '99')"
    raw(backend, f"UPDATE {{audit}} SET {detail} WHERE id = 4")
    assert_tampered(capsys, monkeypatch, "event #4 (id 4, 2026-05-20T08:04:00+00:00, save) was altered")
    raw(backend, "UPDATE {audit} SET detail = (SELECT detail FROM {audit} WHERE id = 3) WHERE id = 4")
    raw(backend, "UPDATE {audit} SET at = '2026-05-20T07:00:00+00:00' WHERE id = 1")
    assert_tampered(capsys, monkeypatch, "event #1 (id 1, 2026-05-20T07:00:00+00:00, save) was altered")


def _make_room(backend, after: int) -> None:
    """Move the events after id ``after`` one id up, so that a row can be put in the middle."""
    raw(backend, "UPDATE {audit} SET id = -id WHERE id > %s" if backend.kind == "postgis"
        else "UPDATE {audit} SET id = -id WHERE id > ?", params=(after,))
    raw(backend, "UPDATE {audit} SET id = 1 - id WHERE id < 0")


def test_a_forged_event_in_the_middle_is_named(backend, capsys, monkeypatch):
    ws.open_store().append_audit(*events())
    drop_triggers(backend)
    _make_room(backend, 3)
    raw(backend, "INSERT INTO {audit} (id, at, \"user\", action, object, detail) VALUES "
                 "(4, '2026-05-20T08:03:30+00:00', 'alice', 'delete', 'u2', '{{}}')")
    assert_tampered(capsys, monkeypatch, "event (id 4, 2026-05-20T08:03:30+00:00, delete) has no place in the chain")


def test_a_forged_event_with_a_correct_hash_is_named(backend, tmp_path, capsys, monkeypatch):
    """Someone who knows the algorithm computes a valid hash: its position is taken, and the next link differs."""
    ws.open_store().append_audit(*events())
    drop_triggers(backend)
    raw(backend, "DROP INDEX {s}.audit_seq" if backend.kind == "postgis" else "DROP INDEX audit_seq")
    _make_room(backend, 3)
    prev = raw(backend, "SELECT hash FROM {audit} WHERE id = 3")[0][0]
    forged = chain.normalise(AuditEvent("delete", "alice", "u2", {}, at="2026-05-20T08:03:30+00:00"))
    digest = chain.digest(4, forged, prev)
    mark = "%s" if backend.kind == "postgis" else "?"
    raw(backend, f"INSERT INTO {{audit}} (id, seq, prev_hash, hash, at, \"user\", action, object, detail) VALUES "
                 f"(4, 4, {mark}, {mark}, {mark}, 'alice', 'delete', 'u2', '{{{{}}}}')",
        params=(prev, digest, forged.at))
    problem = "event #4 (id 5, 2026-05-20T08:04:00+00:00, save) is a second event at position #4 (the first is id 4)"
    assert_tampered(capsys, monkeypatch, problem)
    dump = tmp_path / "tampered.gpkg"  # a dump still works, and keeps the evidence
    code, _, err = geo(capsys, monkeypatch, "workspace", "dump", "-o", str(dump))
    assert code == 0 and "warning: the audit trail was changed" in err
    assert GeoPackageStore(dump).verify_audit().problem.startswith(problem)


def test_reordering_is_named(backend, capsys, monkeypatch):
    ws.open_store().append_audit(*events())
    drop_triggers(backend)
    raw(backend, "UPDATE {audit} SET id = -2 WHERE id = 2", "UPDATE {audit} SET id = 2 WHERE id = 3",
        "UPDATE {audit} SET id = 3 WHERE id = -2")  # rows swapped, chain columns and all
    assert [e.object for e in ws.open_store().audit()][:3] == ["u1", "u3", "u2"]
    assert_tampered(capsys, monkeypatch, "event #3 (id 2, 2026-05-20T08:03:00+00:00, save) was reordered: it is "
                                         "stored before event #2 (id 3)")


def test_swapping_contents_is_named(backend, capsys, monkeypatch):
    ws.open_store().append_audit(*events())
    drop_triggers(backend)
    for target, source in ((5, 2), (2, 3), (3, 5)):  # contents of 2 and 3 swapped through 5, chain columns kept
        raw(backend, f"UPDATE {{audit}} SET at = (SELECT at FROM {{audit}} WHERE id = {source}), object = (SELECT "
                     f"object FROM {{audit}} WHERE id = {source}), detail = (SELECT detail FROM {{audit}} "
                     f"WHERE id = {source}) WHERE id = {target}")
    assert_tampered(capsys, monkeypatch, "event #2 (id 2, 2026-05-20T08:03:00+00:00, save) was altered")


def test_concurrent_appends_never_fork_the_chain(backend):
    """Eight threads appending at once (each write its own transaction): one chain, no gap, no fork."""
    store = ws.open_store()
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            for i in range(15):
                store.append_audit(AuditEvent("save", f"w{worker}", f"u{i}"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    verdict = store.verify_audit()
    assert verdict.intact and verdict.events == 120 and verdict.head is not None and verdict.head.seq == 120


def test_events_of_an_older_workspace_are_chained_once_and_that_is_recorded(backend):
    store = ws.open_store()
    store.append_audit(*events(3))
    # back to version 2: no chain columns, no head
    if backend.kind == "gpkg":
        raw(backend, "DROP INDEX audit_seq", "ALTER TABLE audit DROP COLUMN seq", "ALTER TABLE audit DROP COLUMN "
            "prev_hash", "ALTER TABLE audit DROP COLUMN hash", "DELETE FROM geo_meta WHERE key = 'audit_head'",
            "UPDATE geo_meta SET value = '2' WHERE key = 'schema_version'")
        old = GeoPackageStore(ws.workspace_path())
    else:
        from geo.store.postgis import PostGISStore

        raw(backend, "ALTER TABLE {audit} DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN hash",
            "DELETE FROM {meta} WHERE key = 'audit_head'", "UPDATE {meta} SET value = '2' WHERE key = 'schema_version'")
        old = PostGISStore(backend.env["GEO_DATABASE_URL"], schema=backend.env["GEO_DATABASE_SCHEMA"])
    assert old.init()[0] == 2
    trail = old.audit()
    assert [e.object for e in trail] == ["u1", "u2", "u3", "audit"]
    assert (trail[-1].action, trail[-1].detail) == ("audit_chain", {"events": 3, "chained": "migration"})
    verdict = old.verify_audit()
    assert verdict.intact and verdict.events == 4
    assert old.init()[0] == old.init()[1]  # once: a second init chains nothing
    assert len(old.audit()) == 4
    old.close()


# -- the triggers -----------------------------------------------------------------------------------


def test_db_init_restores_dropped_triggers_and_says_so(backend, capsys, monkeypatch):
    ws.open_store().append_audit(*events(2))
    drop_triggers(backend)
    code, out, err = verify(capsys, monkeypatch)
    assert code == 0 and out.startswith("intact, 2 events") and "triggers are missing" in err
    code, out, err = geo(capsys, monkeypatch, "db", "init")
    assert code == 0, err
    names = "audit_no_delete, audit_no_update" if backend.kind == "gpkg" else "audit_append_only, audit_no_truncate"
    assert f"audit trail triggers restored ({names})" in out and "schema up to date" in out
    repaired = ws.open_store().audit()[-1]
    assert (repaired.action, repaired.detail["restored"], repaired.detail["client"]) == (
        "db_repair", names.split(", "), "cli")
    with pytest.raises(Exception, match="append-only"):
        raw(backend, "DELETE FROM {audit} WHERE id = 1")
    with pytest.raises(Exception, match="append-only"):
        raw(backend, "UPDATE {audit} SET object = 'x' WHERE id = 1")
    code, out, _ = geo(capsys, monkeypatch, "db", "init")
    assert code == 0 and "restored" not in out  # nothing more to restore


def test_db_init_restores_a_replaced_trigger(backend, capsys, monkeypatch):
    """A trigger under the right name that no longer refuses (or is disabled, or its function emptied)."""
    if backend.kind == "gpkg":
        raw(backend, "DROP TRIGGER audit_no_delete",
            "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit WHEN 0 BEGIN SELECT 1; END")
        expected = "(audit_no_delete)"
    else:
        raw(backend, "ALTER TABLE {audit} DISABLE TRIGGER audit_no_truncate",
            "CREATE OR REPLACE FUNCTION {s}.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN OLD; END $$")
        expected = "(audit_append_only(), audit_no_truncate)"
    code, out, _ = geo(capsys, monkeypatch, "db", "init")
    assert code == 0 and f"audit trail triggers restored {expected}" in out
    with pytest.raises(Exception, match="append-only"):
        raw(backend, "DELETE FROM {audit}")


# -- who did it: the operating-system user, refusals ----------------------------------------------------


@pytest.fixture
def accounts(backend, capsys, monkeypatch) -> None:
    for name, role in (("alice", "checker"), ("bob", "checker"), ("carol", "viewer"), (ADMIN[0], "admin")):
        password = ADMIN[1] if name == ADMIN[0] else PASSWORDS[name]
        code, _, err = geo(capsys, monkeypatch, "users", "add", name, "--role", role, stdin=password + "\n")
        assert code == 0, err


def test_command_line_events_name_the_operating_system_user(accounts, capsys, monkeypatch):
    assert geo(capsys, monkeypatch, "users", "list", "--user", "alice")[0] == 2
    trail = ws.open_store().audit()
    assert [e.detail["os_user"] for e in trail] == [chain.os_user()] * 5
    assert (trail[-1].user, trail[-1].action, trail[-1].detail["attempted"]) == ("alice", "refused", "list")
    ws.office().login("alice", PASSWORDS["alice"], client="web:10.0.0.1")  # the app's events have no OS user
    assert "os_user" not in ws.open_store().audit()[-1].detail


def test_a_viewer_refused_dump_is_recorded(accounts, tmp_path, capsys, monkeypatch):
    code, _, err = geo(capsys, monkeypatch, "workspace", "dump", "-o", str(tmp_path / "d.gpkg"), "--user", "carol")
    assert code == 2
    one_line(err, "carol may not dump the workspace: only an administrator may")
    last = ws.open_store().audit()[-1]
    assert (last.user, last.action, last.object, last.detail["attempted"], last.detail["os_user"]) == (
        "carol", "refused", "the workspace", "dump", chain.os_user())
    assert not (tmp_path / "d.gpkg").exists()
    code, _, err = geo(capsys, monkeypatch, "audit", "verify", "--user", "carol")
    assert code == 2 and ws.open_store().audit()[-1].detail["attempted"] == "verify"


# -- dump and load ------------------------------------------------------------------------------------


def _dump(capsys, monkeypatch, tmp_path, survey_count: int = 2) -> Path:
    layer = syn.plan_survey()
    for i in range(survey_count):
        path = tmp_path / f"survey{i}.geojson"
        pyogrio.write_dataframe(layer.iloc[: i + 1], path, driver="GeoJSON")
        code, _, err = geo(capsys, monkeypatch, "check", str(path), "--format", "json", "--save", "--user", "alice")
        assert code == 0, err
    dump = tmp_path / "backup.gpkg"
    code, _, err = geo(capsys, monkeypatch, "workspace", "dump", "-o", str(dump), "--user", ADMIN[0])
    assert code == 0 and err == "", err
    return dump


class Target:
    """A fresh, empty workspace of ``kind`` selected in the environment (``with``), dropped afterwards."""

    def __init__(self, kind, tmp_path, request, monkeypatch):
        self.made = make_backend(kind, tmp_path / f"to-{kind}-{uuid.uuid4().hex[:6]}", request)
        self.made.store.init()
        self.monkeypatch = monkeypatch

    def __enter__(self):
        self.ctx = self.monkeypatch.context()
        env = self.ctx.__enter__()
        env.delenv("GEO_DATABASE_URL", raising=False)
        for key, value in self.made.env.items():
            env.setenv(key, value)
        close_stores()
        return self.made

    def __exit__(self, *exc):
        close_stores()
        self.ctx.__exit__(*exc)
        close_stores()
        drop_backend(self.made)


def test_the_dump_keeps_the_chain_as_it_is(accounts, tmp_path, capsys, monkeypatch, backend):
    dump = _dump(capsys, monkeypatch, tmp_path)
    source = ws.open_store()
    dumped = GeoPackageStore(dump).verify_audit()
    assert dumped.intact and dumped.head is not None
    recorded = source.audit()[-1]
    assert recorded.action == "dump" and recorded.detail["chain"] == dumped.line()
    assert raw(backend, f"SELECT hash FROM {{audit}} WHERE seq = {dumped.head.seq}")[0][0] == dumped.head.hash
    drop_triggers(backend)  # tampering in the workspace is carried into its next dump
    raw(backend, "DELETE FROM {audit} WHERE id = 2")
    again = tmp_path / "again.gpkg"
    code, _, err = geo(capsys, monkeypatch, "workspace", "dump", "-o", str(again))
    assert code == 0 and "warning: the audit trail was changed (event #2 was deleted" in err
    assert GeoPackageStore(again).verify_audit().problem.startswith("event #2 was deleted")


@pytest.mark.parametrize("kind", ["gpkg", "postgis"])
def test_a_load_that_fails_half_way_leaves_the_workspace_empty(accounts, tmp_path, capsys, monkeypatch, request,
                                                              kind):
    dump = _dump(capsys, monkeypatch, tmp_path)
    good = tmp_path / "good.gpkg"
    good.write_bytes(dump.read_bytes())
    listed = GeoPackageStore(dump)
    last = (listed.list_uploads() + listed.list_uploads(deleted=True))[0].upload_id  # the last one copied
    con = sqlite3.connect(dump)
    for (trigger,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                                  (f"parcels_{last}",)).fetchall():  # R-tree upkeep needs SpatiaLite's functions
        con.execute(f'DROP TRIGGER "{trigger}"')
    con.execute(f"UPDATE parcels_{last} SET geom = X'47500003' WHERE fid = 1")  # a truncated GeoPackage blob
    con.commit()
    con.close()
    with Target(kind, tmp_path, request, monkeypatch) as target:
        saved: list[str] = []
        real_save = type(target.store).save_upload

        def spy(self, record, *args, **kwargs):
            real_save(self, record, *args, **kwargs)
            saved.append(record.upload_id)

        with monkeypatch.context() as patched:
            patched.setattr(type(target.store), "save_upload", spy)
            code, out, err = geo(capsys, monkeypatch, "workspace", "load", str(dump))
        assert code == 2 and out == ""
        one_line(err, f"nothing was loaded: the dump is damaged: upload {last} (survey1.geojson) cannot be read")
        assert len(saved) == 1 and saved[0] != last  # half-way: the accounts and the first upload were written
        store = target.store
        assert not store.has_users() and store.list_uploads() == [] and store.list_uploads(deleted=True) == []
        (refused,) = store.audit()
        assert (refused.action, refused.object, refused.detail["attempted"]) == ("refused", "backup.gpkg", "load")
        if target.kind == "postgis":  # no table of the first upload was left behind either
            tables = raw(target, "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s "
                                 "AND table_name LIKE 'parcels_%%'", params=(target.env["GEO_DATABASE_SCHEMA"],))
            assert tables[0][0] == 0
        else:
            assert pyogrio.list_layers(ws.workspace_path())[:, 0].tolist() == ["uploads"]
        code, out, err = geo(capsys, monkeypatch, "workspace", "load", str(good), "--user", ADMIN[0])
        assert code == 0, err
        assert out.startswith("loaded 2 uploads, 4 users")
        assert len(store.list_uploads()) == 2
        loaded = store.audit()[-1]
        assert (loaded.user, loaded.action, loaded.detail["os_user"]) == (ADMIN[0], "load", chain.os_user())
        assert loaded.detail["dump_chain"].startswith("intact")
        assert verify(capsys, monkeypatch)[0] == 0


def test_load_user_must_be_an_administrator_of_the_dump(accounts, tmp_path, capsys, monkeypatch, request):
    dump = _dump(capsys, monkeypatch, tmp_path, survey_count=1)
    with Target("gpkg", tmp_path, request, monkeypatch) as target:
        for user, message in (("bob", "bob may not load a dump: only an administrator may"),
                              ("mallory", "'mallory': no such account"),
                              ("'; DROP TABLE audit", "no such account")):
            code, _, err = geo(capsys, monkeypatch, "workspace", "load", str(dump), "--user", user)
            assert code == 2
            one_line(err, message)
        trail = [(e.user, e.action, e.detail.get("as"), e.detail["reason"]) for e in target.store.audit()]
        assert trail == [("bob", "refused", None, "only an administrator may"),
                         (None, "refused", "mallory", "no such account"),
                         (None, "refused", "'; DROP TABLE audit", "no such account")]
        code, _, err = geo(capsys, monkeypatch, "workspace", "load", str(tmp_path / "nope.gpkg"))
        assert code == 2 and target.store.audit()[-1].detail["reason"] == "the dump does not exist"
        assert not target.store.has_users()
        code, _, err = geo(capsys, monkeypatch, "workspace", "load", str(dump), "--user", ADMIN[0])
        assert code == 0, err


def test_a_dump_whose_chain_was_changed_is_refused_unless_forced(accounts, tmp_path, capsys, monkeypatch, request):
    dump = _dump(capsys, monkeypatch, tmp_path, survey_count=1)
    con = sqlite3.connect(dump)  # the dump edited offline: one event re-attributed
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("UPDATE audit SET \"user\" = 'bob' WHERE id = 5")
    con.commit()
    con.close()
    with Target("postgis", tmp_path, request, monkeypatch) as target:
        code, _, err = geo(capsys, monkeypatch, "workspace", "load", str(dump))
        assert code == 2
        one_line(err, "its audit trail was changed: event #5 (id 5, ")
        assert not target.store.has_users()
        code, _, err = geo(capsys, monkeypatch, "workspace", "load", str(dump), "--force")
        assert code == 0, err
        loaded = target.store.audit()[-1]
        assert loaded.action == "load" and loaded.detail["dump_chain"].startswith("event #5 (id 5, ")
        assert verify(capsys, monkeypatch)[0] == 0  # the new chain is intact; the load event says what was wrong


# -- PostgreSQL roles: the application cannot rewrite history --------------------------------------------


@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_with_an_owner_role_the_app_role_cannot_drop_triggers_or_delete(backend, tmp_path, capsys, monkeypatch):
    import psycopg

    suffix = uuid.uuid4().hex[:8]
    owner, app = f"geo_owner_{suffix}", f"geo_app_{suffix}"
    superuser = backend.env["GEO_DATABASE_URL"]
    schema = backend.env["GEO_DATABASE_SCHEMA"]
    with psycopg.connect(superuser, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {owner} NOLOGIN")
        conn.execute(f"CREATE ROLE {app} LOGIN")
    app_url = superuser.replace("postgresql://postgres@", f"postgresql://{app}@")
    try:
        ws.office().add_user(ws.office().actor(None), "alice", "admin", PASSWORDS["alice"])
        code, out, err = geo(capsys, monkeypatch, "db", "init", "--owner", owner, "--app", app)
        assert code == 0, err
        assert f"tables owned by {owner}; {app} may only read and append to the audit trail" in out
        with psycopg.connect(superuser) as conn:
            owners = dict(conn.execute("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = %s",
                                       (schema,)).fetchall())
        assert {owners[t] for t in ("audit", "users", "uploads", "findings", "meta")} == {owner}

        close_stores()
        monkeypatch.setenv("GEO_DATABASE_URL", app_url)  # from now on the application, as its login role
        survey = tmp_path / "survey.geojson"
        pyogrio.write_dataframe(syn.plan_survey(), survey, driver="GeoJSON")
        code, out, err = geo(capsys, monkeypatch, "check", str(survey), "--format", "json", "--save", "--user",
                             "alice")
        assert code == 0, err  # it still saves (its own parcels_ table), updates and audits
        uid = json.loads(out)["summary"]["upload_id"]
        assert geo(capsys, monkeypatch, "workspace", "use", uid, "on", "--user", "alice")[0] == 0
        assert geo(capsys, monkeypatch, "check", str(survey), "--save", "--user", "alice")[0] == 0  # replaced
        code, out, err = geo(capsys, monkeypatch, "audit", "verify", "--user", "alice")
        assert code == 0 and out.startswith("intact, ") and err == ""

        audit = f'"{schema}".audit'
        for attack in (f"DROP TRIGGER audit_append_only ON {audit}", f"ALTER TABLE {audit} DISABLE TRIGGER ALL",
                       f"DELETE FROM {audit}", f"UPDATE {audit} SET \"user\" = 'mallory'", f"TRUNCATE {audit}",
                       f"DROP TABLE {audit}", f'DROP FUNCTION "{schema}".audit_append_only() CASCADE',
                       (f"CREATE TRIGGER t BEFORE INSERT ON {audit} FOR EACH ROW EXECUTE FUNCTION "
                        f'"{schema}".audit_append_only()')):
            with psycopg.connect(app_url, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(attack)
        code, out, _ = geo(capsys, monkeypatch, "audit", "verify", "--user", "alice")
        assert code == 0 and out.startswith("intact, ")
    finally:
        close_stores()
        with psycopg.connect(superuser, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            for role in (app, owner):
                conn.execute(f"DROP OWNED BY {role}")
                conn.execute(f"DROP ROLE {role}")


def test_owner_needs_postgresql_and_both_roles(backend, capsys, monkeypatch):
    code, _, err = geo(capsys, monkeypatch, "db", "init", "--owner", "geo_owner")
    assert code == 2
    one_line(err, "--owner and --app go together")
    code, _, err = geo(capsys, monkeypatch, "db", "init", "--owner", "nobody_here", "--app", "nor_here")
    assert code == 2
    one_line(err, "PostgreSQL workspace only" if backend.kind == "gpkg" else "there is no database role 'nobody_here'")
