"""What moved out of the code for issue 21 works on any plan: Gauss–Krüger zones, the CRS guess, the
equal-area projection, the 坐标txt and figure defaults, the footnote's missing tables, range targets.

Each is checked on the built-in plan (unchanged) and on the second package (``tests/fixtures/plans/other``:
CM 108°E, EPSG:4545, zone 36 prefixed EPSG:4524; a land target of 240–260 mu against 250 mu of table rows).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import CRS

from geo import crs
from geo.plan.current import ENV

ROOT = Path(__file__).resolve().parents[1]
OTHER = ROOT / "tests" / "fixtures" / "plans" / "other"


@pytest.fixture()
def other_plan(monkeypatch):
    monkeypatch.setenv(ENV, str(OTHER))
    return OTHER


@pytest.mark.parametrize("zone", list(crs.GK_ZONES))
def test_gk_epsg_names_every_cgcs2000_3_degree_zone(zone):
    params = {p.name: p.value for p in CRS.from_user_input(crs.gk_epsg(zone)).coordinate_operation.params}
    assert params["Longitude of natural origin"] == 3 * zone and params["False easting"] == 500_000
    prefixed = CRS.from_user_input(crs.gk_epsg(zone, prefixed=True))
    assert prefixed.name == f"CGCS2000 / 3-degree Gauss-Kruger zone {zone}"
    assert crs.gk_zone_of_crs(crs.gk_epsg(zone)) == (zone, False)
    assert crs.gk_zone_of_crs(crs.gk_epsg(zone, prefixed=True)) == (zone, True)


def test_gk_zone_of_a_longitude():
    assert [crs.gk_zone_of(lon) for lon in (75.0, 106.33, 108.1, 109.4, 134.9)] == [25, 35, 36, 36, 45]
    with pytest.raises(ValueError):
        crs.gk_epsg(46)
    assert crs.gk_zone_of_crs("EPSG:4326") is None


def test_the_built_in_plan_keeps_its_values():
    from geo.io.zbtxt import zbtxt_crs

    assert crs.local_crs() == "EPSG:4544"
    assert crs.local_zoned_crs() == "EPSG:4523"
    assert zbtxt_crs() == ("EPSG:4523", "EPSG:4544")
    assert crs.plan_area_centre() == (106.33, 29.55)


def _guess(x: tuple[float, float], y: tuple[float, float]):
    from geo.io.crsguess import guess_crs

    return guess_crs((x[0], y[0], x[1], y[1]))


def test_the_crs_guess_reads_any_zone_prefix_and_the_plans_own_zone(monkeypatch):
    # the built-in plan: unprefixed eastings are its zone; prefixed ones name theirs
    assert _guess((600_000, 640_000), (3_260_000, 3_280_000)).crs == "EPSG:4544"
    assert _guess((35_600_000, 35_640_000), (3_260_000, 3_280_000)).crs == "EPSG:4523"
    assert _guess((36_500_000, 36_520_000), (3_240_000, 3_250_000)).crs == "EPSG:4524"
    assert _guess((40_400_000, 40_420_000), (4_400_000, 4_410_000)).crs == "EPSG:4528"
    swapped = _guess((3_240_000, 3_250_000), (36_500_000, 36_520_000))
    assert swapped.crs == "EPSG:4524" and swapped.swap
    plain = _guess((600_000, 640_000), (3_260_000, 3_280_000))
    assert plain.en == "CGCS2000 Gauss–Krüger CM 105E, easting without zone prefix"
    assert _guess((106.2, 106.4), (29.5, 29.7)).crs == "EPSG:4326"
    assert _guess((46_500_000, 46_520_000), (3_240_000, 3_250_000)) is None  # no zone 46
    monkeypatch.setenv(ENV, str(OTHER))
    assert _guess((500_000, 520_000), (3_240_000, 3_250_000)).crs == "EPSG:4545"
    swapped = _guess((3_240_000, 3_250_000), (500_000, 520_000))
    assert swapped.en == "CGCS2000 Gauss–Krüger CM 108E with X = northing, swapped"


def test_equal_area_is_centred_on_the_plan_in_use(other_plan):
    assert crs.equal_area() == ("+proj=laea +lat_0=29.3 +lon_0=108.1 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs "
                                "+type=crs")
    assert crs.equal_area((106.33, 29.55)).startswith("+proj=laea +lat_0=29.55 +lon_0=106.33 ")


def test_the_txt_and_figure_defaults_follow_the_plan(other_plan):
    from geo.io.export import crs_options
    from geo.io.zbtxt import zbtxt_crs

    assert zbtxt_crs() == ("EPSG:4524", "EPSG:4545")
    assert crs_options("txt") == ["EPSG:4524", "EPSG:4545"] and crs_options("dxf")[0] == "EPSG:4545"


def test_the_footnotes_missing_table_is_named_only_where_it_is_missing(monkeypatch):
    from geo.plan.reconcile import _footnote_missing

    built_in = _footnote_missing()
    assert [w.en for w in built_in] == ["(The footnote also names a Table 6, which the plan does not contain.)"]
    assert [w.zh for w in built_in] == ["（脚注提及的表6在规划中并不存在。）"]
    monkeypatch.setenv(ENV, str(OTHER))
    assert _footnote_missing() == []  # its footnote names 表1 and 表2, both its own


def test_off_range_and_status():
    from geo.plan.reconcile import _off_range, _status

    assert _off_range(250.0, 240.0, 260.0) == 0.0
    assert _off_range(230.0, 240.0, 260.0) == -10.0 and _off_range(275.0, 240.0, 260.0) == 15.0
    assert _off_range(250.0, 240.0) == 10.0  # a single figure: the plain difference
    assert _status(250.0, 240.0, comparable=True, stated_max=260.0) == "match"
    assert _status(240.0, 240.0, comparable=True, stated_max=260.0) == "match"
    assert _status(261.0, 240.0, comparable=True, stated_max=260.0) == "differs"
    assert _status(250.0, 240.0, comparable=True) == "differs"
    assert _status(np.nan, 240.0, comparable=True, stated_max=260.0) == "text_only"


def test_a_value_inside_a_range_target_is_within_range(capsys, monkeypatch):
    import json

    from tests.fixtures.cli import geo

    code, out, err = geo(capsys, monkeypatch, "--plan", str(OTHER), "reconcile", "--format", "json")
    assert code == 0, err
    rows = pd.DataFrame(json.loads(out))
    row = rows[(rows["scope"] == "track") & (rows["key"] == "logistics") & (rows["metric"] == "land_mu")].iloc[0]
    assert row["table_value"] == 250 and row["stated_value"] == 240  # the text: 240–260 mu
    assert row["status"] == "match" and row["difference"] == 0
    assert "within the range the text gives, 240–260 mu" in row["note"]
    assert "在文本所给范围240–260亩之内" in row["note_zh"]
