"""Reading 部标坐标txt: public samples, holes/islands/parts, encodings, CRS by header, line-numbered errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import CRS

from geo.checks import CheckOptions, PlanLayers, check_file, check_upload
from geo.errors import CRSError, GeoError, InputFileError
from geo.io import read_bytes, read_file
from geo.io.zbtxt import PARCEL_FIELDS, assemble, infer_area_unit, parse_zbtxt
from tests.fixtures import synthetic as syn
from tests.fixtures import zbtxt_build as zb
from tests.fixtures.io_sandbox import assert_clear, sandbox_fixture  # noqa: F401  (autouse fixture)

SAMPLES = Path(__file__).parent / "fixtures" / "zbtxt"
#: The public samples (tests/fixtures/README.md): file → (界址点数, 地块面积 in 公顷).
PUBLIC = {
    "44120000105.txt": (50, 8.7423),
    "44120000120.txt": (9, 2.6708),
    "44120000957.txt": (5, 0.7749),
    "44120001148.txt": (29, 5.238),
    "44120002411.txt": (18, 2.6377),
}


def plan() -> PlanLayers:
    return PlanLayers(parcels=syn.plan_parcels(), zones=syn.zones(), districts=syn.districts())


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_sample_reads_with_its_declared_area(name):
    read = read_file(SAMPLES / name)
    points, declared_ha = PUBLIC[name]
    assert read.fmt == "zbtxt" and read.encoding == "UTF-8" and read.crs_basis == "file"
    assert read.crs == "EPSG:4526"
    assert CRS.from_user_input(read.crs).name == "CGCS2000 / 3-degree Gauss-Kruger zone 38"
    assert list(read.layer.columns[:-1]) == list(PARCEL_FIELDS)
    assert len(read.layer) == 1 and read.layer.geom_type.tolist() == ["Polygon"]
    row = read.layer.iloc[0]
    assert row["界址点数"] == points and row["地块面积"] == declared_ha and row["地块名称"] == "DKMC"
    measured_ha = float(read.layer.to_crs(read.crs).area.iloc[0]) / 10000
    assert abs(measured_ha / declared_ha - 1) < 0.001  # within 0.1 %
    assert any("地块面积 read as 公顷 (ha)" in w for w in read.warnings)


def test_public_samples_check_without_declared_area_findings():
    for name in PUBLIC:
        run = check_file(SAMPLES / name, plan(), CheckOptions(name_field="地块名称"))
        assert "declared_area" not in set(run.result.findings["check"])
        assert run.summary["by_check"]["declared_area"] == 0


def test_holes_islands_and_parts_by_containment():
    layer, encoding, notes = parse_zbtxt(zb.survey(), "s.txt")
    assert encoding == "GBK" and layer.crs.to_epsg() == 4523
    assert layer["地块名称"].tolist() == zb.NAMES and layer["地块用途"].tolist() == ["工业用地"] * 5
    for got, want in zip(layer.geometry, zb.expected_geometries(), strict=True):
        assert shapely.equals(got, want)
    assert shapely.get_num_geometries(layer.geometry.to_numpy()).tolist() == [1, 1, 2, 2, 1]
    assert shapely.area(layer.geometry.to_numpy()).tolist() == zb.AREAS_M2
    assert layer["界址点数"].tolist() == [5, 10, 15, 10, 7]
    assert any("地块面积 read as 平方米 (m²)" in n for n in notes)


def test_island_in_a_hole_is_a_part_and_a_ring_outside_is_another():
    outer, hole, island = zb.square(0, 0, 30), zb.square(5, 5, 20), zb.square(10, 10, 10)
    far = zb.square(100, 0, 10)
    geom = assemble([np.array(r + r[:1]) for r in (island, far, hole, outer)])
    assert geom.geom_type == "MultiPolygon" and len(geom.geoms) == 3
    assert geom.area == 30 * 30 - 20 * 20 + 10 * 10 + 10 * 10
    assert not geom.contains(shapely.Point(7, 7))  # in the hole
    assert geom.contains(shapely.Point(15, 15))  # on the island


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_encodings_and_line_endings(encoding, newline, sandbox):
    path = sandbox / "测绘.txt"
    path.write_bytes(zb.survey(encoding=encoding, newline=newline))
    read = read_file(path)
    assert read.encoding == ("GBK" if encoding == "gbk" else "UTF-8")
    assert read.layer["地块名称"].tolist() == zb.NAMES
    expected = "测绘.txt: 地块面积 read as 平方米 (m²): it agrees with the area of the points (planar, EPSG:4523)"
    assert read.warnings == [f"{expected} to a median 0.000%"]


def test_sniffed_by_content_whatever_the_name():
    data = zb.survey()
    assert read_bytes(data, name="a.txt").fmt == "zbtxt"
    read = read_bytes(data, name="a.geojson")  # before: taken for GeoJSON, "not UTF-8 text"
    assert read.fmt == "zbtxt" and "content is 部标坐标txt" in read.warnings[0]
    with pytest.raises(InputFileError, match="not valid JSON"):  # a JSON array still goes to the JSON reader
        read_bytes(b'[{"type": "Feature"', name="b.geojson")


def test_area_unit_inferred_as_ha_m2_or_mu():
    measured = np.array([10_000.0, 37_500.0, 60_000.0])
    assert infer_area_unit(measured / 10_000, measured)[0].key == "ha"
    assert infer_area_unit(measured, measured)[0].key == "m2"
    assert infer_area_unit(measured / (10_000 / 15), measured)[0].key == "mu"
    assert infer_area_unit(measured * 3, measured)[0] is None  # agrees in no unit
    unit, error = infer_area_unit(np.array([np.nan]), np.array([1.0]))
    assert unit is None and np.isnan(error)


def _header(**changes: str) -> dict[str, str]:
    return {k: v for k, v in {**zb.HEADER, **changes}.items() if v is not None}


def _unprefixed(rings, zone_offset=35e6):
    return [[[(e - zone_offset, n) for e, n in ring] for ring in parcel] for parcel in rings]


def _file(header: dict[str, str], rings, offset: float = 0.0) -> bytes:
    moved = [[[(e + offset, n) for e, n in ring] for ring in parcel] for parcel in rings]
    return zb.document([zb.block(["1.0", "DK", "地块", "面", "", "", ""], r) for r in moved], header=header)


@pytest.mark.parametrize(
    ("system", "width", "zone", "offset", "name", "code"),
    [
        ("2000国家大地坐标系", "3", "35", 0, "CGCS2000 / 3-degree Gauss-Kruger zone 35", "EPSG:4523"),
        ("2000国家大地坐标系", "3", "35", -35e6, "CGCS2000 / 3-degree Gauss-Kruger CM 105E", "EPSG:4544"),
        ("2000国家大地坐标系", "3", "37", 2e6, "CGCS2000 / 3-degree Gauss-Kruger zone 37", "EPSG:4525"),
        ("2000国家大地坐标系", "3", "37", -35e6, "CGCS2000 / 3-degree Gauss-Kruger CM 111E", "EPSG:4546"),
        ("CGCS2000", "6", "18", -17e6, "CGCS2000 / Gauss-Kruger zone 18", "EPSG:4496"),
        ("2000国家大地坐标系", "6度带", "18", -35e6, "CGCS2000 / Gauss-Kruger CM 105E", "EPSG:4507"),
        ("1980西安坐标系", "3", "35", 0, "Xian 1980 / 3-degree Gauss-Kruger zone 35", "EPSG:2359"),
        ("80国家大地坐标系", "3", "35", -35e6, "Xian 1980 / 3-degree Gauss-Kruger CM 105E", "EPSG:2380"),
        ("1954北京坐标系", "3", "35", 0, "Beijing 1954 / 3-degree Gauss-Kruger zone 35", "EPSG:2411"),
        ("北京54", "6", "18", -17e6, "Beijing 1954 / Gauss-Kruger zone 18", "EPSG:21418"),
    ],
)
def test_crs_from_header_and_zone_prefix(system, width, zone, offset, name, code):
    header = _header(坐标系=system, 几度分带=width, 带号=zone)
    layer, _, notes = parse_zbtxt(_file(header, zb.rings()[:1], offset), "s.txt")
    assert layer.crs.to_string() == code and layer.crs.name == name  # the code says what pyproj's database says
    if "2000" not in system and "CGCS" not in system:
        assert any("positions may be off by up to about 100 m" in n for n in notes)


def test_zone_from_the_prefix_when_带号_and_几度分带_are_empty():
    layer, _, notes = parse_zbtxt(_file(_header(带号="", 几度分带=""), zb.rings()[:1]), "s.txt")
    assert layer.crs.to_string() == "EPSG:4523"
    assert any("zone 35 read from the prefix" in n for n in notes) and any("a 3° zone" in n for n in notes)


def test_easting_first_columns_are_recognised():
    data = zb.survey().decode("gbk").splitlines()
    swapped = [",".join([*f[:2], f[3], f[2]]) if len(f := line.split(",")) == 4 else line for line in data]
    layer, _, notes = parse_zbtxt("\r\n".join(swapped).encode("gbk"), "s.txt")
    assert shapely.area(layer.geometry.to_numpy()).tolist() == zb.AREAS_M2
    assert any("easting before northing" in n for n in notes)


def _lines() -> list[str]:
    return zb.survey().decode("gbk").split("\r\n")[:-1]


def _bad(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def _edit(no: int, text: str) -> bytes:
    lines = _lines()
    lines[no - 1] = text
    return _bad(lines)


# Line numbers of the sample: 1 [属性描述], 2–11 header (5 坐标系, 6 几度分带, 9 带号), 12 [地块坐标],
# 13 parcel 1's header, 14–18 its points, 19 parcel 2's header, 20–29 its points …
BAD = {
    "truncated": (_bad(_lines()[:-3]), 61, ("the file ends after 4 of the 7 point lines", "truncated")),
    "cut_mid_line": (_bad([*_lines()[:-2], _lines()[-2][:9]]), 63, ("is neither a parcel header", "may be truncated")),
    "not_closed": (_bad([*_lines()[:12], "4" + _lines()[12][1:], *_lines()[13:17], *_lines()[18:]]), 17,
                   ("ring 1 (lines 14–17) is not closed",)),
    "count": (_edit(19, "12" + _lines()[18][2:]), 19, ("界址点数 is 12 but the parcel has 10 point lines",)),
    "no_at": (_edit(13, _lines()[12].removesuffix(",@")), 13, ("does not end with ',@'",)),
    "x_not_a_number": (_edit(15, "J2,1,327000O.000,35620100.000"), 15, ("X '327000O.000' is not a number",)),
    "y_not_a_number": (_edit(15, "J2,1,3270000.000,"), 15, ("Y '' is not a number",)),
    "ring_not_integer": (_edit(14, "J1,a,3270000.000,35620000.000"), 14, ("圈号 'a' is not a whole number",)),
    "chinese_comma": (_edit(14, "J1，1,3270000.000,35620000.000"), 14, ("Chinese comma",)),
    "point_before_header": (_bad([*_lines()[:12], "J9,1,3270000.000,35620000.000", *_lines()[12:]]), 13,
                            ("a point line comes before any parcel header",)),
    "line_not_polygon": (_edit(13, _lines()[12].replace(",面,", ",线,")), 13, ("图形属性 is '线'",)),
    "short_line": (_edit(16, "J3,1"), 16, ("is neither a parcel header",)),
    "prefix_not_带号": (_edit(9, "带号=36"), 14, ("zone prefix 35 but 带号 is 36",)),
    "unknown_datum": (_edit(5, "坐标系=WGS84坐标系"), 5, ("坐标系 is 'WGS84坐标系'",)),
    "unknown_width": (_edit(6, "几度分带=1.5"), 6, ("几度分带 is '1.5', not 3 or 6",)),
    "not_metres": (_edit(8, "计量单位=度"), 8, ("only metres",)),
    "not_gauss": (_edit(7, "投影类型=UTM"), 7, ("only Gauss–Krüger",)),
    "text_before_section": (_bad(["坐标文件", *_lines()]), 1, ("comes before the first [section]",)),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_names_the_file_the_line_and_the_fix(case):
    data, line, words = BAD[case]
    with pytest.raises(GeoError) as exc:
        read_bytes(data, name="测绘.txt")
    assert_clear(exc, "测绘.txt", f"测绘.txt: line {line}: ", *words)


def test_unknown_带号_without_prefix():
    header = _header(带号="52")
    with pytest.raises(CRSError) as exc:
        read_bytes(_file(header, zb.rings()[:1], -35e6), name="s.txt")
    assert_clear(exc, "s.txt", "line 9: unknown 带号 52 for 3° zones (China lies in zones 25–45)")


def test_empty_带号_without_prefix():
    with pytest.raises(CRSError) as exc:
        read_bytes(_file(_header(带号=""), zb.rings()[:1], -35e6), name="s.txt")
    assert_clear(exc, "s.txt", "line 9: 带号 is empty and the Y coordinates carry no zone prefix")


def test_no_attribute_section_and_no_parcels():
    no_header = "\r\n".join(_lines()[11:]).encode("gbk")
    with pytest.raises(CRSError) as exc:
        read_bytes(no_header, name="s.txt")
    assert_clear(exc, "s.txt", "no [属性描述] section")
    with pytest.raises(InputFileError) as exc:
        read_bytes(_bad(_lines()[:12]), name="s.txt")
    assert_clear(exc, "s.txt", "line 12: [地块坐标] holds no parcel")


def test_neither_utf8_nor_gbk():
    data = _edit(13, _lines()[12]).replace("地块一".encode("gbk"), b"\x80\x80")
    with pytest.raises(InputFileError) as exc:
        read_bytes(data, name="s.txt")
    assert_clear(exc, "s.txt", "line 13: the text is neither UTF-8 nor GBK")


def test_a_bad_file_is_not_checked_at_all():
    data, _, _ = BAD["count"]
    with pytest.raises(GeoError, match="line 19"):
        check_upload(data, "测绘.txt", plan(), CheckOptions())


def _declared(areas: list[str]) -> bytes:
    return zb.document(zb.blocks(areas))


@pytest.mark.parametrize(
    ("areas", "unit"),
    [
        ([f"{a / 10000:.4f}" for a in zb.AREAS_M2], "公顷"),
        ([f"{a:.2f}" for a in zb.AREAS_M2], "平方米"),
        ([f"{a * 15 / 10000:.2f}" for a in zb.AREAS_M2], "亩"),
    ],
)
def test_declared_area_disagreeing_with_the_points_is_a_finding(areas, unit):
    wrong = list(areas)
    wrong[1] = f"{float(areas[1]) * 1.05:.4f}"  # parcel 2 declares 5 % more than its points
    run = check_upload(_declared(wrong), "测绘.txt", plan(), CheckOptions(tolerance_pct=1))
    found = run.result.findings[run.result.findings["check"] == "declared_area"]
    assert found["feature"].tolist() == [2]
    assert found["message_zh"].iloc[0].startswith("申报地块面积 ")
    message = found["message_zh"].iloc[0]
    assert f" {unit}，按界址点坐标计算 " in message and "（+5%，容差 1%）" in message
    assert found["severity"].iloc[0] == "warning"
    assert found["value"].iloc[0] == pytest.approx(37_500 * 0.05 / (10000 / 15), rel=1e-3)
    assert run.summary["by_check"]["declared_area"] == 1
    assert any(f"地块面积 read as {unit}" in w for w in run.read.warnings)
    clean = check_upload(_declared(areas), "测绘.txt", plan(), CheckOptions(tolerance_pct=1))
    assert clean.summary["by_check"]["declared_area"] == 0


def test_declared_areas_in_no_unit_are_all_reported():
    run = check_upload(_declared([f"{a * 3:.2f}" for a in zb.AREAS_M2]), "测绘.txt", plan(), CheckOptions())
    found = run.result.findings[run.result.findings["check"] == "declared_area"]
    assert found["feature"].tolist() == [1, 2, 3, 4, 5]
    assert "in none of ha, m², mu" in found["message"].iloc[0]
    assert any("agrees with the area of the points in none of" in w for w in run.read.warnings)


def test_declared_area_ignores_other_formats(sandbox):
    layer, _, _ = parse_zbtxt(_declared([f"{a * 3:.2f}" for a in zb.AREAS_M2]), "s.txt")
    path = sandbox / "s.gpkg"
    layer.to_file(path, driver="GPKG")  # 地块面积 is there, but a GeoPackage states no unit we could trust
    run = check_file(path, plan(), CheckOptions())
    assert run.summary["by_check"]["declared_area"] == 0
