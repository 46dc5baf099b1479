"""geo.raster.allocation: synthetic parcels with known areas, the COGs read back by GDAL."""

from __future__ import annotations

import ctypes
import glob
import math
import os
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from shapely.geometry import Point, Polygon, box

from geo.area import M2_PER_MU
from geo.errors import ExportError, GeometryError, UsageError
from geo.raster.allocation import (
    allocation_zip,
    area_bound_m2,
    output_path_for,
    rasterize_parcels,
    rat_xml,
    write_allocation,
)
from layers import load_parcels, load_tracks

TRACKS = pd.DataFrame({
    "track_id": ["rd", "software", "testing"],
    "name_zh": ["研发孵化", "软件信息", "检验检测"],
    "name_en": ["R&D", "Software", "Testing & <inspection>"],
    "color": ["#1f77b4", "#9467bd", "#d62728"],
})
X0, Y0 = 640_000.0, 3_270_000.0  # EPSG:4544, inside the High-tech Zone


def frame(rows: list[dict], crs: str = "EPSG:4544") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows).drop(columns="geometry"), geometry=[r["geometry"] for r in rows],
                            crs=crs)


def parcel(pid: str, track: str, geom, *, declared_mu: float | None = None, output_yi: float | None = None) -> dict:
    return {"project_id": pid, "track_id": track, "declared_mu": declared_mu if declared_mu is not None else np.nan,
            "output_yi": output_yi if output_yi is not None else np.nan, "geometry": geom}


@pytest.fixture
def parcels() -> gpd.GeoDataFrame:
    square = box(X0, Y0, X0 + 200, Y0 + 100)  # 20 000 m² = 30 mu, on the 10 m grid
    rotated = shapely.affinity.rotate(box(X0 + 400, Y0, X0 + 700, Y0 + 150), 27, origin="centroid")
    circle = Point(X0 + 300, Y0 + 500).buffer(120, quad_segs=32)
    l_shape = Polygon([(X0, Y0 + 800), (X0 + 300, Y0 + 800), (X0 + 300, Y0 + 850), (X0 + 50, Y0 + 850),
                       (X0 + 50, Y0 + 1000), (X0, Y0 + 1000)])
    return frame([
        parcel("A", "rd", square, declared_mu=30, output_yi=3),
        parcel("B", "software", rotated, declared_mu=67.5, output_yi=None),
        parcel("C", "testing", circle, declared_mu=67.8, output_yi=1.5),
        parcel("D", "rd", l_shape, declared_mu=33.75, output_yi=0.5),
        parcel("E", "software", Point(X0 + 900, Y0 + 900)),  # area unknown: a point
    ])


def test_square_on_the_grid_is_exact(parcels: gpd.GeoDataFrame) -> None:
    raster = rasterize_parcels(parcels, TRACKS, cell=10)
    a = raster.check.set_index("project_id").loc["A"]
    assert a["cells"] == 200
    assert a["raster_mu"] == pytest.approx(30.0) and a["vector_mu"] == pytest.approx(30.0)


def test_every_parcel_within_the_stated_bound(parcels: gpd.GeoDataFrame) -> None:
    for cell in (5.0, 10.0, 25.0):
        check = rasterize_parcels(parcels, TRACKS, cell=cell).check
        assert check["within"].all(), check
        assert (check["difference_mu"].abs() <= check["bound_mu"]).all()
        assert check["cells"].to_numpy() @ np.full(len(check), cell * cell) / M2_PER_MU == pytest.approx(
            check["raster_mu"].sum())


def test_bound_is_about_root2_perimeter_times_cell() -> None:
    square = np.array([box(0, 0, 1000, 1000)])
    cell, perimeter = 10.0, 4000.0
    r = cell / math.sqrt(2)
    bound = area_bound_m2(square, cell)[0]
    # buffer of the boundary: 2·r·P, plus the outer corners (π r²), less the inner corners' overlap (4 r²)
    assert bound == pytest.approx(2 * r * perimeter + math.pi * r * r - 4 * r * r, rel=1e-3)
    assert bound == pytest.approx(math.sqrt(2) * perimeter * cell, rel=0.01)


def test_worst_case_half_cell_loss_stays_inside_the_bound() -> None:
    """Edges just inside the cell centres lose a half cell along the whole perimeter: ~P × cell / 2."""
    cell, eps = 10.0, 0.01
    worst = box(X0 + cell / 2 + eps, Y0 + cell / 2 + eps, X0 + 10.5 * cell - eps, Y0 + 10.5 * cell - eps)
    row = frame([parcel("W", "rd", worst)])
    c = rasterize_parcels(row, TRACKS, cell=cell).check.iloc[0]
    assert c["cells"] == 81  # 9 × 9 centres inside a ~10 × 10 cell square
    perimeter_half_cell_mu = 4 * 10 * cell * cell / 2 / M2_PER_MU
    assert abs(c["difference_mu"]) == pytest.approx(perimeter_half_cell_mu - cell * cell / M2_PER_MU, rel=0.01)
    assert c["within"]


def test_overlapping_parcels_break_the_bound_and_are_flagged() -> None:
    big = box(X0, Y0, X0 + 500, Y0 + 500)
    rows = [parcel("P", "rd", big), parcel("Q", "software", box(X0 + 100, Y0 + 100, X0 + 400, Y0 + 400))]
    check = rasterize_parcels(frame(rows), TRACKS, cell=10).check.set_index("project_id")
    assert not check.at["P", "within"] and check.at["Q", "within"]
    assert check.at["P", "raster_mu"] == pytest.approx((500 * 500 - 300 * 300) / M2_PER_MU)


def test_codes_values_and_skipped_points(parcels: gpd.GeoDataFrame) -> None:
    raster = rasterize_parcels(parcels, TRACKS, cell=10)
    assert raster.skipped == ("E",)
    assert [(c.code, c.track_id) for c in raster.classes] == [(1, "rd"), (2, "software"), (3, "testing")]
    check = raster.check.set_index("project_id")
    counts = np.bincount(raster.codes.ravel(), minlength=4)
    assert counts[1] == check.loc[["A", "D"], "cells"].sum()
    assert counts[2] == check.at["B", "cells"] and counts[3] == check.at["C", "cells"]
    values = raster.output_per_mu
    assert set(np.unique(values[raster.codes == 1])) == {np.float32(1000.0), np.float32(0.5e4 / 33.75)}
    assert np.isnan(values[raster.codes == 2]).all()  # B's output is unknown
    assert np.isnan(values[raster.codes == 0]).all()
    assert values[raster.codes == 3][0] == np.float32(1.5e4 / 67.8)


def test_grid_is_snapped_to_the_cell(parcels: gpd.GeoDataFrame) -> None:
    raster = rasterize_parcels(parcels.to_crs("EPSG:4326"), TRACKS, cell=25)
    t = raster.transform
    assert (t.a, t.e) == (25, -25) and t.c % 25 == 0 and t.f % 25 == 0
    assert raster.crs == "EPSG:4544"


@pytest.mark.parametrize("cell", [0, -10, 0.1, 5000, float("nan")])
def test_bad_cell_size(parcels: gpd.GeoDataFrame, cell: float) -> None:
    with pytest.raises(UsageError, match=r"--cell: cell size .* m is outside 0.5–1000 m"):
        rasterize_parcels(parcels, TRACKS, cell=cell)


def test_grid_too_large_names_a_cell_that_fits(parcels: gpd.GeoDataFrame) -> None:
    with pytest.raises(UsageError, match=r"would have [\d,]+ cells \(limit 1,000\)\. Use a cell size of at least"):
        rasterize_parcels(parcels, TRACKS, cell=1, max_cells=1000)


def test_unknown_track_and_missing_crs(parcels: gpd.GeoDataFrame) -> None:
    bad = parcels.copy()
    bad.loc[0, "track_id"] = "mining"
    with pytest.raises(UsageError, match=r"unknown track ids \['mining'\]"):
        rasterize_parcels(bad, TRACKS)
    with pytest.raises(GeometryError, match="no CRS"):
        rasterize_parcels(gpd.GeoDataFrame(parcels.drop(columns="geometry"), geometry=list(parcels.geometry)),
                          TRACKS)


# --- the files, read back by GDAL ---------------------------------------------------

def _gdal_rat(path: Path) -> list[list[str]]:
    """Read band 1's raster attribute table with GDAL's C API (the libgdal rasterio ships)."""
    lib = glob.glob(os.path.join(os.path.dirname(rasterio.__file__), "..", "rasterio.libs", "libgdal-*.so*"))
    gdal = ctypes.CDLL(lib[0])
    vp = ctypes.c_void_p
    gdal.GDALOpen.restype, gdal.GDALOpen.argtypes = vp, [ctypes.c_char_p, ctypes.c_int]
    gdal.GDALGetRasterBand.restype, gdal.GDALGetRasterBand.argtypes = vp, [vp, ctypes.c_int]
    gdal.GDALGetDefaultRAT.restype, gdal.GDALGetDefaultRAT.argtypes = vp, [vp]
    gdal.GDALRATGetRowCount.argtypes = gdal.GDALRATGetColumnCount.argtypes = [vp]
    gdal.GDALRATGetNameOfCol.restype, gdal.GDALRATGetNameOfCol.argtypes = ctypes.c_char_p, [vp, ctypes.c_int]
    gdal.GDALRATGetValueAsString.restype = ctypes.c_char_p
    gdal.GDALRATGetValueAsString.argtypes = [vp, ctypes.c_int, ctypes.c_int]
    gdal.GDALClose.argtypes = [vp]
    gdal.GDALAllRegister()
    ds = gdal.GDALOpen(str(path).encode(), 0)
    assert ds, "GDAL could not open the file"
    try:
        rat = gdal.GDALGetDefaultRAT(gdal.GDALGetRasterBand(ds, 1))
        assert rat, "band 1 has no raster attribute table"
        ncol = gdal.GDALRATGetColumnCount(rat)
        table = [[gdal.GDALRATGetNameOfCol(rat, c).decode() for c in range(ncol)]]
        table += [[gdal.GDALRATGetValueAsString(rat, r, c).decode() for c in range(ncol)]
                  for r in range(gdal.GDALRATGetRowCount(rat))]
        return table
    finally:
        gdal.GDALClose(ds)


def test_cogs_read_back(tmp_path: Path, parcels: gpd.GeoDataFrame) -> None:
    raster = rasterize_parcels(parcels, TRACKS, cell=10)
    files = write_allocation(raster, tmp_path / "allocation.tif")
    assert [f.name for f in files] == ["allocation.tif", "allocation.tif.aux.xml", "allocation_output_per_mu.tif",
                                       "allocation.qml"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f in files)  # no temp files left
    assert all(oct(f.stat().st_mode & 0o777) == "0o644" for f in files)
    with rasterio.open(files[0]) as src:
        assert src.driver == "GTiff" and src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert src.crs.to_epsg() == 4544 and src.res == (10.0, 10.0)
        assert src.dtypes == ("uint8",) and src.nodata == 0 and src.block_shapes[0] == (256, 256)
        assert src.colormap(1)[1] == (0x1F, 0x77, 0xB4, 255) and src.colormap(1)[3] == (0xD6, 0x27, 0x28, 255)
        assert src.tags()["TRACK_2"] == "software|软件信息|Software"
        codes = src.read(1)
    check = raster.check.set_index("project_id")
    assert np.array_equal(codes, raster.codes)
    assert (codes == 3).sum() * 100 / M2_PER_MU == pytest.approx(check.at["C", "raster_mu"])
    assert abs((codes == 3).sum() * 100 / M2_PER_MU - check.at["C", "vector_mu"]) <= check.at["C", "bound_mu"]
    with rasterio.open(files[2]) as src:
        assert src.dtypes == ("float32",) and math.isnan(src.nodata) and src.crs.to_epsg() == 4544
        assert src.tags()["UNITS"].startswith("万元/亩")
        values = src.read(1)
    assert np.array_equal(values, raster.output_per_mu, equal_nan=True)
    assert _gdal_rat(files[0]) == [
        ["Value", "track_id", "name_zh", "name_en", "Red", "Green", "Blue"],
        ["1", "rd", "研发孵化", "R&D", "31", "119", "180"],
        ["2", "software", "软件信息", "Software", "148", "103", "189"],
        ["3", "testing", "检验检测", "Testing & <inspection>", "214", "39", "40"],
    ]


def test_qml_sidecar_labels_the_classes_in_chinese(tmp_path: Path, parcels: gpd.GeoDataFrame) -> None:
    """QGIS 3.22 shows the .qml's palette labels (it cannot read the .aux.xml attribute table)."""
    files = write_allocation(rasterize_parcels(parcels, TRACKS, cell=10), tmp_path / "allocation.tif")
    qml = tmp_path / "allocation.qml"
    assert qml in files
    root = ElementTree.parse(qml).getroot()
    renderer = root.find("pipe/rasterrenderer")
    assert renderer is not None and renderer.get("type") == "paletted" and renderer.get("band") == "1"
    entries = [(e.get("value"), e.get("label"), e.get("color")) for e in renderer.iter("paletteEntry")]
    assert entries == [("1", "研发孵化", "#1f77b4"), ("2", "软件信息", "#9467bd"), ("3", "检验检测", "#d62728")]
    with rasterio.open(files[0]) as src:  # the palette's values are the raster's codes
        assert set(np.unique(src.read(1))) - {0} <= {int(v) for v, _, _ in entries}


def test_cog_has_overviews_when_large_enough(tmp_path: Path) -> None:
    rows = [parcel("A", "rd", box(X0, Y0, X0 + 6000, Y0 + 6000))]
    files = write_allocation(rasterize_parcels(frame(rows), TRACKS, cell=10), tmp_path / "big.tif")
    with rasterio.open(files[0]) as src:
        assert src.overviews(1) and src.block_shapes[0] == (256, 256)


def test_failed_write_leaves_nothing(tmp_path: Path, parcels: gpd.GeoDataFrame) -> None:
    target = tmp_path / "taken.tif"
    target.mkdir()  # a folder where the file should go: the final rename fails
    with pytest.raises(ExportError, match=r"taken\.tif: the output is a folder"):
        write_allocation(rasterize_parcels(parcels, TRACKS), target)
    assert [p.name for p in tmp_path.iterdir()] == ["taken.tif"]


def test_bad_output_names(tmp_path: Path, parcels: gpd.GeoDataFrame) -> None:
    raster = rasterize_parcels(parcels, TRACKS)
    with pytest.raises(UsageError, match=r"'a\.png' does not end in \.tif"):
        write_allocation(raster, tmp_path / "a.png")
    with pytest.raises(ExportError, match="folder does not exist"):
        write_allocation(raster, tmp_path / "missing" / "a.tif")
    assert output_path_for("x/alloc.tif") == Path("x/alloc_output_per_mu.tif")


def test_zip_download(parcels: gpd.GeoDataFrame, tmp_path: Path) -> None:
    payload = allocation_zip(rasterize_parcels(parcels, TRACKS))
    zip_path = tmp_path / "allocation.zip"
    zip_path.write_bytes(payload)
    with zipfile.ZipFile(zip_path) as zf:
        assert sorted(zf.namelist()) == ["allocation.qml", "allocation.tif", "allocation.tif.aux.xml",
                                         "allocation_output_per_mu.tif"]
        zf.extractall(tmp_path)
    with rasterio.open(tmp_path / "allocation.tif") as src:
        assert src.crs.to_epsg() == 4544
    assert _gdal_rat(tmp_path / "allocation.tif")[1][1] == "rd"


def test_rat_xml_escapes_names() -> None:
    xml = rat_xml(rasterize_parcels(frame([parcel("A", "testing", box(X0, Y0, X0 + 50, Y0 + 50))]),
                                    TRACKS).classes)
    assert "Testing &amp; &lt;inspection&gt;" in xml


def test_plan_parcels_within_bound_at_10m() -> None:
    """The plan's own parcels at the default cell size: every parcel within its bound."""
    parcels = load_parcels()
    raster = rasterize_parcels(parcels, load_tracks(), cell=10)
    check = raster.check
    assert check["within"].all(), check[~check["within"]]
    polygons = parcels[parcels.geom_type.isin(["Polygon", "MultiPolygon"])]
    assert len(check) == len(polygons)
    assert set(raster.skipped) == set(parcels.loc[parcels.geom_type == "Point", "project_id"])
    # 10 m cells on parcels of 15–3000 mu: the total differs by far less than the sum of bounds
    assert abs(check["raster_mu"].sum() - check["vector_mu"].sum()) < 0.05 * check["bound_mu"].sum()


def test_write_keeps_a_symlinked_output_a_link(tmp_path: Path, parcels: gpd.GeoDataFrame) -> None:
    real = tmp_path / "shared.tif"
    real.write_bytes(b"old")
    link = tmp_path / "allocation.tif"
    link.symlink_to(real)
    write_allocation(rasterize_parcels(parcels, TRACKS, cell=10), link)
    assert link.is_symlink() and real.read_bytes()[:4] in (b"II*\x00", b"MM\x00*")  # GeoTIFF through the link
    with rasterio.open(link) as ds:
        assert ds.crs == "EPSG:4544" and ds.count == 1
