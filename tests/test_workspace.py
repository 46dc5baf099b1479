"""geo.store.workspace: uploads survive restarts, removal, and crashes in the middle of a write."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyogrio
import pytest
import shapely

from geo.checks.registry import run_checks
from geo.store import parcels_in_use
from geo.store import workspace as ws
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


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_folder_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_WORKSPACE", str(tmp_path / "data"))
    assert ws.workspace_path() == tmp_path / "data" / "workspace.gpkg"
    monkeypatch.delenv("GEO_WORKSPACE")
    assert ws.workspace_path() == Path("workspace") / "workspace.gpkg"


def test_save_list_load_replace_remove(tmp_path):
    r = checked(203)
    uid = ws.upload_id(b"bytes", "测绘.zip")
    ws.save_upload(uid, r.parcels, r.findings, info=INFO, root=tmp_path)
    ws.save_upload(uid, r.parcels, r.findings, info=INFO, root=tmp_path)  # same upload again: replaced
    ws.save_upload("other1", r.parcels.iloc[:1], r.findings.iloc[:0], info=INFO | {"name": "b.gpkg"}, root=tmp_path)
    listed = ws.list_uploads(root=tmp_path)
    assert sorted(listed["upload_id"]) == sorted([uid, "other1"])
    row = listed.set_index("upload_id").loc[uid]
    assert (row["name"], row["features"], row["findings"], row["crs"], bool(row["use_surveyed"])) == (
        "测绘.zip",
        2,
        1,
        "EPSG:4544",
        False,
    )
    parcels, findings = ws.load_upload(uid, root=tmp_path)
    assert parcels.index.tolist() == [1, 2] and parcels["名称"].tolist() == ["T2-1", "T2-2"]
    assert parcels["measured_mu"].round(3).tolist() == [60.9, 15.0]
    assert (
        findings[["feature", "check", "message", "message_zh"]].values.tolist()
        == r.findings[["feature", "check", "message", "message_zh"]].values.tolist()
    )
    assert findings["message_zh"].tolist() == ["实测 60.9 亩，规划分配 60 亩（+1.5%，容差 1%）"]
    ws.remove_upload("other1", root=tmp_path)
    assert ws.list_uploads(root=tmp_path)["upload_id"].tolist() == [uid]
    assert sorted(pyogrio.list_layers(ws.workspace_path(tmp_path))[:, 0]) == sorted(
        [f"parcels_{uid}", f"findings_{uid}", "uploads"]
    )
    assert not list(tmp_path.glob(".tmp-*"))


def test_upload_saved_before_chinese_messages_loads_with_the_english_in_their_place(tmp_path):
    r = checked(203)
    older = r.findings.drop(columns="message_zh")  # the findings table of an older workspace
    ws.save_upload("old1", r.parcels, older, info=INFO, root=tmp_path)
    assert "message_zh" not in pyogrio.read_info(ws.workspace_path(tmp_path), layer="findings_old1")["fields"]
    _, findings = ws.load_upload("old1", root=tmp_path)
    assert findings.columns.tolist() == list(r.findings.columns)
    assert findings["message_zh"].tolist() == [
        "measures 60.9 mu against 60.0 mu allocated (+1.5 %, tolerance 1 %)"
    ]


def test_surveyed_geometry_replaces_indicative(tmp_path):
    r = checked(203)
    ws.save_upload("u1", r.parcels, r.findings, info=INFO, root=tmp_path)
    plan = syn.plan_parcels().assign(geometry_basis="indicative", measured_mu=[60.0, 15.0, float("nan")])
    assert parcels_in_use(plan, root=tmp_path)["geometry_basis"].tolist() == ["indicative"] * 3
    ws.set_use_surveyed("u1", True, root=tmp_path)
    out = parcels_in_use(plan, root=tmp_path)
    assert out["geometry_basis"].tolist() == ["surveyed", "surveyed", "indicative"]
    assert out["measured_mu"].round(1).tolist()[:2] == [60.9, 15.0]  # measured on the surveyed geometry
    ws.set_use_surveyed("u1", False, root=tmp_path)
    assert parcels_in_use(plan, root=tmp_path)["geometry_basis"].tolist() == ["indicative"] * 3


def test_crash_at_replace_keeps_previous_state(tmp_path, monkeypatch):
    r = checked()
    ws.save_upload("first1", r.parcels, r.findings, info=INFO, root=tmp_path)
    before = digest(ws.workspace_path(tmp_path))

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="No space left"):
        ws.save_upload("second", r.parcels, r.findings, info=INFO, root=tmp_path)
    with pytest.raises(OSError):
        ws.remove_upload("first1", root=tmp_path)
    monkeypatch.undo()
    assert digest(ws.workspace_path(tmp_path)) == before
    assert ws.list_uploads(root=tmp_path)["upload_id"].tolist() == ["first1"]
    assert not list(tmp_path.glob(".tmp-*")), "the temporary copy was not cleaned up"


KILLED_WRITER = """
import sys, time, pathlib, pyogrio
from geo.store import parcels_in_use
from geo.store import workspace as ws
from tests.test_workspace import checked, INFO
real = pyogrio.write_dataframe
def slow(*a, **k):
    real(*a, **k)
    pathlib.Path(sys.argv[2]).write_text("writing")
    time.sleep(60)
pyogrio.write_dataframe = slow
r = checked(250)
ws.save_upload("killed", r.parcels, r.findings, info=INFO, root=sys.argv[1])
"""


def test_process_killed_mid_write_keeps_previous_state(tmp_path):
    r = checked()
    ws.save_upload("first1", r.parcels, r.findings, info=INFO, root=tmp_path)
    before = digest(ws.workspace_path(tmp_path))
    marker = tmp_path / "marker"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(tmp_path), str(marker)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert list(tmp_path.glob(".tmp-*")), "the writer should be writing to a temporary copy"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert digest(ws.workspace_path(tmp_path)) == before
    assert ws.list_uploads(root=tmp_path)["upload_id"].tolist() == ["first1"]
    parcels, _ = ws.load_upload("first1", root=tmp_path)
    assert len(parcels) == 2
    ws.save_upload("after1", r.parcels, r.findings, info=INFO, root=tmp_path)  # the next write cleans up
    assert not list(tmp_path.glob(".tmp-*"))
    assert sorted(ws.list_uploads(root=tmp_path)["upload_id"]) == ["after1", "first1"]


def test_unknown_upload(tmp_path):
    from geo.errors import InputFileError

    with pytest.raises(InputFileError, match="no saved upload 'nope'"):
        ws.load_upload("nope", root=tmp_path)
