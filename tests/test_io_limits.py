"""geo.io limits: what a user's file may make the server do (depth, columns, time, memory).

Each limit ends in one clear error (file, problem, fix) — never a traceback, a
hang or runaway memory.
"""

from __future__ import annotations

import json
import time

import pytest

from geo.errors import InputFileError
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
