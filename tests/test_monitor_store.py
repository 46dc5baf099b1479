"""Actuals of 监测评估 in the workspace (both backends): versions never overwritten, roles, audit, dump and load."""

from __future__ import annotations

import sqlite3

import pytest

from geo.errors import AccessError
from geo.monitor.model import Actual
from geo.store import StoreError, single_user
from geo.store import workspace as ws
from geo.store.dump import dump_file, load_dump
from tests.fixtures.stores import make_backend

SOURCE = "示例：2024年高新区统计公报，第3页"


def c1(value: float, year: int = 2024, source: str = SOURCE) -> Actual:
    return Actual("target", "C-1", year, source, value=value, unit="家")


def test_a_correction_is_a_new_version_and_the_first_stays_in_the_history(backend):
    off = ws.office()
    me = single_user("test")
    first = off.record_actuals(me, [c1(60), c1(42, 2023)], origin="填报表.xlsx", file_hash="a" * 64)
    assert [(r.year, r.version, r.value) for r in first] == [(2024, 1, 60.0), (2023, 1, 42.0)]
    off.record_actuals(me, [c1(62, source="示例：更正后的统计公报")], origin="page")
    (now,) = off.actuals(me, kind="target", subject_id="C-1", year=2024)
    assert (now.value, now.version, now.source) == (62.0, 2, "示例：更正后的统计公报")
    history = off.actuals(me, subject_id="C-1", history=True)
    assert [(r.year, r.version, r.value) for r in history] == [(2023, 1, 42.0), (2024, 1, 60.0), (2024, 2, 62.0)]
    assert all(r.recorded_at and r.recorded_by is None for r in history)  # the single user is nobody
    stage = off.record_actuals(me, [Actual("project", "T2-3", 2024, SOURCE, stage="construction", land_mu=300.5)],
                               origin="page")[0]
    assert (stage.stage, stage.land_mu, stage.value) == ("construction", 300.5, None)
    events = [e for e in backend.store.audit() if e.action == "monitor_record"]
    assert [(e.object, e.detail["records"], e.detail["years"]) for e in events] == [
        ("填报表.xlsx", 2, [2023, 2024]), ("page", 1, [2024]), ("page", 1, [2024])]
    assert events[0].detail["file_hash"] == "a" * 64


def test_viewers_read_and_cannot_record(backend):
    off = ws.office()
    off.add_user(single_user(), "dave", "admin", "dave-Secret-4444")
    off.add_user(single_user(), "carol", "viewer", "carol-Secret-333")
    off.record_actuals(off.actor("dave"), [c1(60)], origin="page")
    carol = off.actor("carol")
    with pytest.raises(AccessError, match=r"carol may not record 填报表\.xlsx: a viewer may not record actuals"):
        off.record_actuals(carol, [c1(61)], origin="填报表.xlsx")
    assert [(r.value, r.recorded_by) for r in off.actuals(carol)] == [(60.0, "dave")]
    assert backend.store.audit()[-1].detail["attempted"] == "record"


def test_the_database_refuses_to_change_a_recorded_actual(backend):
    ws.office().record_actuals(single_user(), [c1(60)], origin="page")
    if backend.kind == "gpkg":
        with sqlite3.connect(backend.folder / "workspace.gpkg") as con, pytest.raises(
                sqlite3.DatabaseError, match="actuals are kept"):
            con.execute("UPDATE actuals SET value = 99")
    else:
        import psycopg

        schema = backend.env["GEO_DATABASE_SCHEMA"]
        with psycopg.connect(backend.env["GEO_DATABASE_URL"]) as conn, pytest.raises(
                psycopg.Error, match="actuals are kept"):
            conn.execute(f'DELETE FROM "{schema}".actuals')
    assert [r.value for r in backend.store.list_actuals()] == [60.0]


def test_dump_and_load_keep_every_version(backend, tmp_path, request):
    off = ws.office()
    off.record_actuals(single_user(), [c1(60)], origin="page")
    off.record_actuals(single_user(), [c1(62)], origin="page")
    target = make_backend("gpkg", tmp_path / "copy", request)
    target.store.init()
    with dump_file(backend.store) as (path, _):
        load_dump(path, target.store)
    copied = target.store.list_actuals(history=True)
    assert [(r.version, r.value, r.source) for r in copied] == [(1, 60.0, SOURCE), (2, 62.0, SOURCE)]
    assert copied == backend.store.list_actuals(history=True)
    with pytest.raises(StoreError, match="not empty"), dump_file(backend.store) as (path, _):
        load_dump(path, target.store)
