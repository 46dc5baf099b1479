"""A second, different plan package (issue 21): the engine works on it unchanged, chosen by ``--plan``/``GEO_PLAN``.

``tests/fixtures/plans/other/`` is a small hand-written 示例 plan (see its README): 3 tracks (one without a
table or projects), 4 spatial units (one without projects), 5 projects near 108.1°E 29.3°N (so its
Gauss–Krüger zone is CGCS2000 3° CM 108E, EPSG:4545; zone 36 with prefix, EPSG:4524), one project whose mu
is “——”, one row of “可用” land, a range target (240–260 mu). Its geometry was built by
``GEO_PLAN=tests/fixtures/plans/other python -m tools.build_geometry``.

- it validates clean;
- ``reconcile`` on it gives per-track and per-zone table totals equal to pandas sums of its projects.csv;
- ``export`` in its own zone writes GeoPackage and Shapefile that pyogrio reads back in EPSG:4545, with
  every feature;
- the plan facts (local CRS, map centre, footnote, row numbering, title) are its own;
- without ``--plan`` the default plan's output is unchanged; a bad ``--plan``/``GEO_PLAN`` is one line, exit 2.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from geo.crs import EXPORT_CRS, local_crs, local_zoned_crs
from geo.plan.current import DEFAULT_DIR, ENV, plan_dir
from geo.plan.package import validate_package
from tests.fixtures.cli import geo, one_line

ROOT = Path(__file__).resolve().parents[1]
OTHER = ROOT / "tests" / "fixtures" / "plans" / "other"
OTHER_CRS = "EPSG:4545"  # CGCS2000 / 3-degree Gauss-Kruger CM 108E


@pytest.fixture()
def other_plan(monkeypatch):
    """``GEO_PLAN`` set to the second package for the test (as ``--plan`` sets it for a run)."""
    monkeypatch.setenv(ENV, str(OTHER))
    return OTHER


def _reconcile(capsys, monkeypatch, *plan: str) -> pd.DataFrame:
    code, out, err = geo(capsys, monkeypatch, *plan, "reconcile", "--format", "json")
    assert code == 0, err
    return pd.DataFrame(json.loads(out))


def test_it_validates_clean():
    assert validate_package(OTHER) == []


def test_reconcile_totals_equal_pandas_sums_of_its_projects(capsys, monkeypatch):
    rows = _reconcile(capsys, monkeypatch, "--plan", str(OTHER))
    projects = pd.read_csv(OTHER / "plan" / "projects.csv", dtype={"zone_id": str})
    tracks = pd.read_csv(OTHER / "plan" / "tracks.csv")
    zones = pd.read_csv(OTHER / "plan" / "zones.csv")
    assert len(tracks) == 3 and len(zones) == 4
    for scope, column, keys in (("track", "track_id", tracks["track_id"]), ("zone", "zone_id", zones["zone_id"])):
        for metric, value in (("land_mu", "declared_mu"), ("output_yi", "output_yi")):
            got = rows[(rows["scope"] == scope) & (rows["metric"] == metric)].set_index("key")["table_value"]
            assert set(keys) <= set(got.index), (scope, metric)
            for key in keys:
                members = projects.loc[projects[column] == key, value]
                expected = float(members.sum()) if members.notna().any() else None
                assert (got[key] is None or pd.isna(got[key])) if expected is None else got[key] == expected, \
                    (scope, key, metric, got[key], expected)
    # the track with no table and no projects, and the unit without projects: no table value, never 0
    land = rows[rows["metric"] == "land_mu"].set_index(["scope", "key"])["table_value"]
    assert pd.isna(land[("track", "tourism")]) and pd.isna(land[("zone", "west")])
    # the project without mu is unknown, not 0
    assert pd.isna(land[("project", "T2-2")])
    assert land[("track", "logistics")] == 250.0  # 200 + 50; T2-2's “——” is left out
    assert land[("plan", "plan")] == float(projects["declared_mu"].sum()) == 450.0


@pytest.mark.parametrize("fmt", ["gpkg", "shp"])
def test_export_in_its_own_gauss_kruger_zone(capsys, monkeypatch, tmp_path, fmt):
    out = tmp_path / ("parcels.gpkg" if fmt == "gpkg" else "parcels.zip")
    code, _, err = geo(capsys, monkeypatch, "--plan", str(OTHER), "export", "--layer", "parcels", "--format", fmt,
                       "--crs", OTHER_CRS, "-o", str(out))
    assert code == 0, err
    if fmt == "gpkg":
        layers = [str(name) for name, _ in pyogrio.list_layers(out)]
        sources = [(out, name) for name in layers if name != "layer_styles"]
    else:
        unpacked = tmp_path / "unzipped"
        with zipfile.ZipFile(out) as zf:
            zf.extractall(unpacked)
        sources = [(path, None) for path in sorted(unpacked.rglob("*.shp"))]
    features = 0
    for path, layer in sources:
        info = pyogrio.read_info(path, layer=layer)
        assert info["crs"] == OTHER_CRS, (path, layer, info["crs"])
        features += int(info["features"])
    assert features == len(pd.read_csv(OTHER / "plan" / "projects.csv")) == 5  # 4 polygons + the point of “——”


def test_export_offers_its_zone_and_not_the_default_ones(capsys, monkeypatch, tmp_path):
    code, _, err = geo(capsys, monkeypatch, "--plan", str(OTHER), "export", "--layer", "parcels", "--format", "gpkg",
                       "--crs", "EPSG:4544", "-o", str(tmp_path / "p.gpkg"))
    assert code == 2 and "EPSG:4545" in err and "Traceback" not in err


def test_the_plan_facts_are_its_own(other_plan):
    from geo.mapview.plan import map_view
    from geo.plan import notes
    from layers import load_parcels, load_tracks, load_zones
    from layers.export import export_title

    assert plan_dir() == OTHER.resolve()
    assert (local_crs(), local_zoned_crs()) == (OTHER_CRS, "EPSG:4524")
    assert list(EXPORT_CRS) == ["EPSG:4326", "EPSG:4490", "EPSG:4545", "EPSG:4524"]
    assert EXPORT_CRS[OTHER_CRS][1] == "CGCS2000 Gauss–Krüger 3° CM 108E"
    assert map_view() == ((29.3, 108.1), 13)
    assert notes.footnote().table == 1 and notes.FOOTNOTE_ZH == "到2025年该产业平台全部建成后的预计产值指标"
    assert export_title() == "示例县“十四五”服务业空间布局（示意）"
    assert list(load_tracks()["track_id"]) == ["lab", "logistics", "tourism"]
    assert len(load_parcels()) == 5 and len(load_zones()) == 4


def test_gk_area_is_measured_in_its_zone(other_plan):
    import shapely

    from geo.area import M2_PER_MU, area_mu
    from layers import load_parcels

    parcels = load_parcels()
    polygons = parcels[parcels.geom_type == "Polygon"]
    gk = area_mu(polygons, method="gk")
    ellipsoidal = area_mu(polygons, method="ellipsoidal")
    # in its own zone (CM 108E, 0.1° off the meridian) GK overstates by well under 0.01 %; in CM 105E (3.1° off)
    # it would overstate by about 0.22 %
    assert ((gk / ellipsoidal - 1).abs() < 1e-4).all()
    cm105 = shapely.area(polygons.to_crs("EPSG:4544").geometry.values) / M2_PER_MU
    assert ((cm105 / ellipsoidal.to_numpy() - 1) > 2e-3).all()


def test_caches_never_mix_two_plans(monkeypatch):
    from layers import load_projects, load_zones

    default_ids = list(load_projects()["project_id"])
    default_zones = len(load_zones())
    monkeypatch.setenv(ENV, str(OTHER))
    assert list(load_projects()["project_id"]) == ["T1-1", "T1-2", "T2-1", "T2-2", "T2-3"]
    assert len(load_zones()) == 4
    monkeypatch.delenv(ENV)
    assert plan_dir() == DEFAULT_DIR
    assert list(load_projects()["project_id"]) == default_ids and len(load_zones()) == default_zones


def test_the_default_plan_is_unchanged_without_plan(capsys, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    default = _reconcile(capsys, monkeypatch)
    explicit = _reconcile(capsys, monkeypatch, "--plan", str(DEFAULT_DIR))
    _reconcile(capsys, monkeypatch, "--plan", str(OTHER))  # a run on the other plan in between
    again = _reconcile(capsys, monkeypatch)
    pd.testing.assert_frame_equal(default, explicit)
    pd.testing.assert_frame_equal(default, again)
    land = default[(default["scope"] == "track") & (default["metric"] == "land_mu")].set_index("key")
    assert land.at["rd", "table_value"] == 7620 and land.at["fintech", "stated_value"] == 2400
    assert local_crs() == "EPSG:4544"


@pytest.mark.parametrize(("args", "env", "fragment"), [
    (["--plan", "/no/such/plan"], None, "--plan: /no/such/plan is not a usable plan package"),
    (["--plan", str(ROOT / "tests")], None, "has no datapackage.json"),
    (["--plan="], None, "--plan: is empty"),
    ([], "/no/such/plan", "GEO_PLAN: /no/such/plan is not a usable plan package"),
])
def test_bad_plan_is_one_line(capsys, monkeypatch, args, env, fragment):
    if env is not None:
        monkeypatch.setenv(ENV, env)
    code, out, err = geo(capsys, monkeypatch, *args, "reconcile")
    assert code == 2 and out == ""
    one_line(err, fragment)
    if args[1:]:
        assert f"python -m geo plan validate {args[1]}" in err
    code, out, err = geo(capsys, monkeypatch, "reconcile", "--plan")  # no folder after it
    assert code == 2 and out == ""
    one_line(err, "--plan: expected one argument")


def test_the_totals_page_shows_its_totals(other_plan):
    """AppTest: with ``GEO_PLAN`` the second package, the Totals page's track chart gives its table sums."""
    import pyarrow as pa
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["w_lang"] = "en"
    at.switch_page("pages/totals_page.py")
    at.run()
    assert not at.exception, at.exception
    charts = [(json.loads(c.proto.spec), c.proto) for c in at.get("vega_lite_chart")]
    (proto,) = [p for spec, p in charts if spec.get("title") == "Land by track (mu): tables, text and map"]
    (dataset,) = proto.datasets
    data = pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
    projects = pd.read_csv(OTHER / "plan" / "projects.csv")
    expected = projects.groupby("track_id")["declared_mu"].sum()
    text = " ".join(str(v) for v in data.astype(str).to_numpy().ravel())
    assert "Example R&D" in text and "Example logistics" in text, data
    numbers = set(pd.to_numeric(data.stack(), errors="coerce").dropna().astype(float))
    assert {float(expected["lab"]), float(expected["logistics"])} <= numbers, data
