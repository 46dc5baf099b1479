"""Layer loaders: schemas, and clear errors for a broken data file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.errors import DataError
from layers import load_districts, load_metro, load_parcels, load_places, load_zones
from layers.schema import PROJECTS, cast, check_values, read_csv


def test_cast_collects_every_problem_before_failing():
    frame = pd.DataFrame({"project_id": ["T2-1", "T2-2"], "declared_mu": ["3052", "三千"], "output_yi": ["x", ""]})
    with pytest.raises(DataError) as exc:
        cast(frame, PROJECTS, source="projects.csv")
    message = str(exc.value)
    assert message.startswith("projects.csv: missing column 'table'")
    assert "declared_mu row 3: '三千' is not a number" in message and "output_yi row 2: 'x' is not a number" in message


def test_empty_cell_is_missing_not_zero():
    frame = pd.DataFrame({c: [""] for c in PROJECTS} | {"project_id": ["T5-2"]})
    out = cast(frame, PROJECTS, source="x")
    assert pd.isna(out.at[0, "declared_mu"]) and out.at[0, "project_id"] == "T5-2"


def test_missing_file_and_unknown_values(tmp_path: Path):
    with pytest.raises(DataError, match=r"file is missing\. Restore it from git"):
        read_csv(tmp_path / "nope.csv", PROJECTS)
    with pytest.raises(DataError, match=r"track_id has unknown values \['finance'\]"):
        check_values(pd.DataFrame({"track_id": ["rd", "finance"]}), "track_id", ("rd",), source="x")


@pytest.mark.parametrize("loader,count,geom", [
    (load_parcels, 26, {"Polygon", "Point"}), (load_zones, 5, {"Polygon"}), (load_places, 42, {"Point", None}),
    (load_districts, 7, {"Polygon", "MultiPolygon"}), (load_metro, 4, {"LineString"}),
])
def test_layers_load_in_wgs84(loader, count, geom):
    gdf = loader()
    assert len(gdf) == count and gdf.crs == "EPSG:4326"
    assert set(gdf.geom_type.replace({float("nan"): None})) <= geom
    gdf.loc[gdf.index[0], gdf.columns[0]] = None  # a copy: the cached layer is not changed
    assert loader().iloc[0, 0] is not None
