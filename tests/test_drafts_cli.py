"""``python -m geo draft …`` on both backends: new, list, show, save, diff, check, export, use, restore, delete.

Every parcel is an example (示例) near 西永; errors are one line and exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from geo.store.base import User
from tests.fixtures.cli import geo, one_line


def box(x: float, size: float = 0.002) -> shapely.Polygon:
    return shapely.box(106.30 + x, 29.60, 106.30 + x + size, 29.60 + size)


def write(path: Path, rows: list[tuple[str | None, str | None, str, shapely.Polygon]], **extra: list[object]) -> str:
    """A GeoJSON file of draft parcels ``(parcel_id, project_id, name_zh, geometry)``."""
    gpd.GeoDataFrame({"parcel_id": [r[0] for r in rows], "project_id": [r[1] for r in rows],
                      "name_zh": [r[2] for r in rows], **extra},
                     geometry=[r[3] for r in rows], crs="EPSG:4326").to_file(path, driver="GeoJSON")
    return str(path)


@pytest.fixture
def team(backend) -> None:
    for name, role in {"alice": "checker", "bob": "checker", "carol": "viewer", "dave": "admin"}.items():
        backend.store.add_user(User(name, role, "not-a-password-hash"))


def run(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    return geo(capsys, monkeypatch, "draft", *args)


def test_a_draft_from_new_to_restore(team, tmp_path, capsys, monkeypatch):
    first = write(tmp_path / "first.geojson", [("D-00000001", "T2-1", "示例甲", box(0)),
                                               (None, None, "示例新地块", box(0.01))],
                  declared_mu=[None, 60.0], zone_id=["rd-circle", None])
    code, out, err = run(capsys, monkeypatch, "new", "示例方案", "--from", first, "--comment", "第一稿",
                         "--user", "alice")
    assert code == 0, err
    assert "created: v1, 2 parcels" in out
    code, out, _ = run(capsys, monkeypatch, "list", "--format", "json", "--user", "carol")
    (listed,) = json.loads(out)
    assert (listed["name"], listed["latest_version"], listed["latest_author"], listed["n_parcels"]) == (
        "示例方案", 1, "alice", 2)
    code, out, _ = run(capsys, monkeypatch, "show", "示例方案", "--format", "json", "--user", "carol")
    shown = json.loads(out)
    rows = {r["name_zh"]: r for r in shown["parcels"]}
    assert rows["示例甲"]["declared_mu"] == 3052.0 and rows["示例新地块"]["declared_mu"] == 60.0
    new = rows["示例新地块"]
    assert new["parcel_id"].startswith("D-") and len(new["parcel_id"]) == 10
    assert new["difference_mu"] == pytest.approx(new["measured_mu"] - 60, abs=0.011)
    code, out, _ = run(capsys, monkeypatch, "show", "示例方案", "--user", "carol")
    assert "示例新地块" in out and "v1" in out and "第一稿" in out

    # two people edit v1: the second save is refused, one line naming the newer version and its author
    second = write(tmp_path / "second.geojson", [("D-00000001", "T2-1", "示例甲", box(0, 0.003))],
                   zone_id=["rd-circle"])
    code, out, err = run(capsys, monkeypatch, "save", "示例方案", "--from", second, "--base", "1", "--user", "bob")
    assert code == 0, err
    assert "saved v2 (added 0, removed 1, reshaped 1, attributes 0)" in out
    code, _, err = run(capsys, monkeypatch, "save", "示例方案", "--from", first, "--base", "1", "--user", "alice")
    assert code == 2
    one_line(err, "has a newer version v2, saved by bob at")

    code, out, _ = run(capsys, monkeypatch, "diff", "示例方案", "1", "2", "--format", "json", "--user", "carol")
    found = json.loads(out)
    assert found["counts"] == {"added": 0, "removed": 1, "reshaped": 1, "attributes": 0}
    assert sorted(r["parcel_id"] for r in found["parcels"]) == sorted(["D-00000001", new["parcel_id"]])
    code, out, _ = run(capsys, monkeypatch, "diff", "示例方案", "2", "2", "--user", "carol")
    assert "added 0, removed 0, reshaped 0, attributes 0" in out

    code, out, err = run(capsys, monkeypatch, "restore", "示例方案", "1", "--user", "alice")
    assert code == 0, err
    assert "v1 restored as v3" in out
    code, out, _ = run(capsys, monkeypatch, "diff", "示例方案", "1", "3", "--format", "json", "--user", "carol")
    assert json.loads(out)["parcels"] == []

    code, out, _ = geo(capsys, monkeypatch, "audit", "--format", "json", "--user", "dave")
    events = [e for e in json.loads(out) if e["action"].startswith("draft_")]
    assert [(e["action"], e["user"], e["detail"]["version"]) for e in events] == [
        ("draft_new", "alice", 1), ("draft_save", "bob", 2), ("draft_restore", "alice", 3)]
    assert events[1]["detail"]["reshaped"] == 1 and events[2]["detail"]["comment"] == "restored from v1"


def test_use_export_and_delete(team, tmp_path, capsys, monkeypatch):
    source = write(tmp_path / "d.geojson", [("D-00000001", "T2-1", "示例甲", box(0)),
                                            ("D-00000002", None, "示例新地块", box(0.01))])
    assert run(capsys, monkeypatch, "new", "示例方案", "--from", source, "--user", "alice")[0] == 0
    code, _, err = run(capsys, monkeypatch, "use", "示例方案", "--version", "1", "--user", "alice")
    assert code == 2
    one_line(err, "alice may not put in use")
    code, out, err = run(capsys, monkeypatch, "use", "示例方案", "--version", "1", "--user", "dave")
    assert code == 0, err
    code, out, _ = run(capsys, monkeypatch, "list", "--format", "json", "--user", "carol")
    assert json.loads(out)[0]["in_use_version"] == 1

    # the plan's export with the geometry in use says drawn, the version and its author
    code, out, err = geo(capsys, monkeypatch, "export", "--layer", "parcels", "--format", "gpkg", "--surveyed",
                         "-o", str(tmp_path / "plan.gpkg"))
    assert code == 0, err
    plan = pyogrio.read_dataframe(tmp_path / "plan.gpkg", layer="parcels").set_index("project_id")
    assert (plan.loc["T2-1", "geometry_basis"], plan.loc["T2-1", "basis_version"],
            plan.loc["T2-1", "basis_author"]) == ("drawn", "示例方案 v1", "alice")
    assert "D-00000002" not in set(plan.index)

    # the draft's own export, in a projected CRS and as a Shapefile with short field names
    code, out, err = run(capsys, monkeypatch, "export", "示例方案", "--format", "shp", "--crs", "EPSG:4544",
                         "-o", str(tmp_path / "draft.shp"), "--user", "carol")
    assert code == 0, err
    shp = tmp_path / "draft.shp"
    info = pyogrio.read_info(shp)
    assert {"basis_ver", "basis_auth", "parcel_id", "meas_mu"} <= set(info["fields"]) and info["features"] == 2
    assert "4544" in info["crs"]
    code, out, err = run(capsys, monkeypatch, "check", "示例方案", "--format", "json", "--user", "carol")
    assert code == 0, err
    assert any(f["check"] == "area_mismatch" and f["parcel_id"] == "D-00000001" for f in json.loads(out)["findings"])

    code, _, err = run(capsys, monkeypatch, "delete", "示例方案", "--user", "bob")
    assert code == 2
    one_line(err, "only an administrator may")
    assert run(capsys, monkeypatch, "delete", "示例方案", "--user", "dave")[0] == 0
    code, _, err = run(capsys, monkeypatch, "show", "示例方案", "--user", "carol")
    assert code == 2
    one_line(err, "draft")


def test_bad_input_is_one_line(team, tmp_path, capsys, monkeypatch):
    bowtie = shapely.Polygon([(106.3, 29.6), (106.31, 29.61), (106.31, 29.6), (106.3, 29.61)])
    bad = write(tmp_path / "bad.geojson", [("D-00000001", "T9-9", "示例甲", box(0)),
                                           ("D-00000002", None, "示例乙", bowtie)])
    code, _, err = run(capsys, monkeypatch, "new", "示例方案", "--from", bad, "--user", "alice")
    assert code == 2
    one_line(err, "project 'T9-9' is not in the plan")
    shapes = write(tmp_path / "shapes.geojson", [("D-00000002", None, "示例乙", bowtie)])
    code, _, err = run(capsys, monkeypatch, "new", "示例方案", "--from", shapes, "--user", "alice")
    assert code == 2
    one_line(err, "「示例乙」: its outline crosses itself")
    code, _, err = run(capsys, monkeypatch, "new", "示例方案", "--user", "carol")
    assert code == 2
    one_line(err, "a viewer may not change drafts")
    code, _, err = run(capsys, monkeypatch, "show", "没有这个草稿", "--user", "carol")
    assert code == 2
    one_line(err, "there is no draft")
