"""geo.io limits: what a user's file may make the server do (depth, columns, time, memory).

Each limit ends in one clear error (file, problem, fix) — never a traceback, a
hang or runaway memory.
"""

from __future__ import annotations

import json
import time

import pytest

from geo.errors import InputFileError
from geo.io.columns import MAX_COLUMNS
from geo.io.files import read_file
from geo.io.jsondepth import MAX_JSON_DEPTH, json_depth
from tests.fixtures.io_sandbox import assert_clear, sandbox_fixture, write_layer  # noqa: F401 (autouse fixture)
from tests.fixtures.synthetic import clean_survey

# --- JSON nesting ----------------------------------------------------------------------


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_json_nested_10000_deep_is_refused_quickly(sandbox, opener):
    closer = "]" if opener == "[" else "}"
    path = sandbox / "deep.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [' + opener * 10_000 + "1" + closer * 10_000 + "]}")
    start = time.perf_counter()
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert time.perf_counter() - start < 2
    assert_clear(exc, "deep.geojson", f"too deeply nested (more than {MAX_JSON_DEPTH} levels")
    assert "RecursionError" not in str(exc.value)


def test_json_depth_skips_brackets_in_strings(sandbox):
    path = sandbox / "s.json"
    value = {"a": ['x"]]]\\', "[[[[{{{{", "\\\\"], "b": [[[1]]], 'c"[': {"d": "\\\"[["}}
    path.write_text(json.dumps(value))
    assert json_depth(path) == 4  # {"b": [[[1]]]}


def test_a_normal_geojson_is_not_too_deep(sandbox):
    path = write_layer(clean_survey(), sandbox, "geojson")
    assert json_depth(path) < 10
    assert len(read_file(path).layer) == 2


# --- columns ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_more_than_max_columns_is_refused(sandbox, fmt):
    ring = [[106.3, 29.5], [106.31, 29.5], [106.31, 29.51], [106.3, 29.5]]
    props = {f"c{i}": i for i in range(MAX_COLUMNS + 1)}
    path = sandbox / f"wide.{fmt}"
    if fmt == "geojson":
        feature = {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    else:
        values = [*map(str, props.values()), "106.3", "29.5"]
        path.write_text(",".join([*props, "lon", "lat"]) + "\n" + ",".join(values))
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert_clear(exc, f"wide.{fmt}", f"the layer has {MAX_COLUMNS + 1:,} attribute columns, more than the 2,000")


def test_max_columns_is_accepted(sandbox):
    path = sandbox / "wide.csv"
    names = [f"c{i}" for i in range(MAX_COLUMNS)]
    path.write_text(",".join([*names, "lon", "lat"]) + "\n" + ",".join(["1"] * MAX_COLUMNS + ["106.3", "29.5"]))
    assert len(read_file(path).fields) == MAX_COLUMNS
