"""The chunked engine gives exactly the whole-layer check's findings (same rows, same order, same values).

The layer is the benchmark's synthetic cadastre (bench/synth.py: a valid
coverage with planted invalid, overlapping, duplicate, sliver and empty
parcels), cut into small chunks so that overlaps and duplicates straddle chunk
borders and their halos.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

import layers
from bench import synth
from geo.checks.chunked import CheckSpec, Workers, run_chunked
from geo.checks.findings_out import json_rows, write_csv, write_json
from geo.checks.registry import run_checks
from geo.io.chunks import open_layer, partition
from geo.io.files import read_file
from geo.io.parquet import write_parquet

ROOT = Path(__file__).resolve().parents[1]
N = 2000


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("chunked")
    with pytest.MonkeyPatch.context() as mp:  # ten times the planted overlaps and duplicates
        mp.setattr(synth, "DEFECT_RATES", {**synth.DEFECT_RATES, "overlap": 0.02, "duplicate": 0.01})
        gdf, _ = synth.make_parcels(N)
    paths = {"gpkg": folder / "parcels.gpkg", "parquet": folder / "parcels.parquet"}
    pyogrio.write_dataframe(gdf, paths["gpkg"], driver="GPKG", layer="parcels")
    write_parquet(gdf, paths["parquet"])
    return paths


@pytest.fixture(scope="module")
def plan():
    return layers.load_parcels(), layers.load_zones(), layers.load_districts()


@pytest.fixture(scope="module")
def whole(files, plan):
    parcels, zones, districts = plan
    layer = read_file(files["gpkg"]).layer
    return {nf: run_checks(layer, plan_parcels=parcels, zones=zones, districts=districts, name_field=nf)
            for nf in ("XMBH", None)}


@pytest.mark.parametrize(("fmt", "whole_below"), [("gpkg", 0), ("parquet", 0), ("gpkg", 2**40)],
                         ids=["gpkg-chunk-reads", "parquet-row-groups", "gpkg-read-whole"])
@pytest.mark.parametrize("name_field", ["XMBH", None])
@pytest.mark.parametrize("workers", [1, 2, "forked-first"])
def test_chunked_findings_equal_the_whole_layer_check(files, plan, whole, fmt, whole_below, name_field, workers):
    """``forked-first``: the workers are forked before the light pass (as ``python -m geo check`` does) and
    the chunks are sent to them; a layer read whole gets workers forked after its read."""
    parcels, zones, districts = plan
    pool = Workers(2) if workers == "forked-first" else None
    with pool or Workers(1):
        layer = open_layer(files[fmt], whole_below=whole_below, before_pass=pool.start if pool else None)
        assert (layer._whole is None) == (whole_below == 0)
        if pool is not None:
            assert (pool.pool is not None) == (whole_below == 0)  # forked by the light pass, not by a whole read
        run = run_chunked(layer, CheckSpec(parcels, zones, districts, name_field=name_field),
                          chunk_size=300, workers=pool or int(workers))
    assert run.chunks >= 6 and run.halo > 0
    expected = whole[name_field]
    pd.testing.assert_frame_equal(run.result.findings, expected.findings)
    assert run.result.summary == expected.summary
    assert pool is None or pool.pool is None  # the workers exit once every piece is back


def test_pairs_straddle_chunk_borders(files, whole):
    """The comparison above is meaningful: overlaps and duplicates pair features of different chunks."""
    chunks = partition(open_layer(files["gpkg"]).bounds, size=300)
    owner = np.empty(N, dtype=int)
    for c in chunks:
        owner[c.owned] = c.number
    f = whole["XMBH"].findings
    other = f["message"].str.extract(r"feature (\d+)")[0].astype(float)
    pairs = f[f["check"].isin(["overlap", "duplicate"])].assign(other=other)
    across = owner[pairs["feature"].astype(int) - 1] != owner[pairs["other"].astype(int) - 1]
    assert across.sum() >= 10


def test_partition_owns_every_feature_once():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 100, (5000, 2))
    bounds = np.column_stack([xy, xy + rng.uniform(0.1, 2, (5000, 2))])
    bounds[7] = np.nan  # an empty geometry
    chunks = partition(bounds, size=400)
    owned = np.concatenate([c.owned for c in chunks])
    assert len(chunks) == 13 and np.array_equal(np.sort(owned), np.arange(5000))
    for c in chunks:
        assert not np.intersect1d(c.owned, c.halo).size and 7 not in c.halo


def test_unmatched_is_one_summary_line_without_a_name_field(whole):
    f = whole[None].findings
    line = f[f["check"] == "unmatched"]
    assert len(line) == 1 and pd.isna(line["feature"].iloc[0])
    count = int(line["value"].iloc[0])
    assert count > N // 2 and line["message"].iloc[0].startswith(f"{count:,} parcels match no plan project")
    assert line["message_zh"].iloc[0].startswith(f"{count:,} 个地块")
    each = whole["XMBH"].findings
    # with a name field, one warning per parcel as before
    assert 0 < (each["check"] == "unmatched").sum() <= whole["XMBH"].summary["unmatched"]
    assert each.loc[each["check"] == "unmatched", "feature"].notna().all()


def test_streamed_json_and_csv_carry_every_finding(whole, tmp_path):
    result = whole["XMBH"]
    path = tmp_path / "f.json"
    with open(path, "wb") as fh:
        write_json(fh, result.summary, result.findings)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["summary"] == result.summary
    back = pd.DataFrame(doc["findings"])
    expected = [None if pd.isna(v) else int(v) for v in result.findings["feature"]]
    assert [f["feature"] for f in doc["findings"]] == expected
    assert back["message_zh"].tolist() == result.findings["message_zh"].tolist()
    assert np.allclose(back["value"].astype(float), result.findings["value"], equal_nan=True)
    csv = tmp_path / "f.csv"
    with open(csv, "wb") as fh:
        write_csv(fh, result.findings)
    again = pd.read_csv(csv)
    assert len(again) == len(result.findings) and again["message"].tolist() == result.findings["message"].tolist()


def test_json_rows_escape_what_json_must_escape_and_keep_every_value():
    """Arrow builds the JSON text: quotes, backslashes and control characters escaped, NA and NaN null,
    integers exact, floats as floats; the text parses back to the same values."""
    nasty = ['a"b\\c', "line\nbreak\x01", "中文 “引号”", "</script>\u2028", None]
    findings = pd.DataFrame({
        "feature": pd.array([1, None, 3, 2**60, 5], dtype="Int64"),
        "project_id": pd.array(nasty, dtype="string"),
        "check": ["empty", "sliver", "overlap", "invalid", "duplicate"],
        "severity": pd.array(["error", "warning", "error", "error", None], dtype=object),
        "message": pd.array(["m", "面积 0.05 亩", "tab\there", "x", "y"], dtype="string"),
        "message_zh": ["一", "二", "三", "四", "五"],
        "value": [5.0, np.nan, 1e-5, np.inf, 123456789012.5],
        "detail": [None, np.nan, "d", "e", "f"],
    })
    text = json_rows(findings)
    rows = json.loads(b"[" + text + b"]")
    assert text.count(b"\n") == len(findings) - 1  # one finding a line: the newline in a value is escaped
    assert [r["project_id"] for r in rows] == nasty
    assert [r["feature"] for r in rows] == [1, None, 3, 2**60, 5]
    assert [r["value"] for r in rows] == [5.0, None, 1e-5, None, 123456789012.5]
    assert isinstance(rows[0]["value"], float) and b'"value":5.0,' in text
    assert [r["severity"] for r in rows] == ["error", "warning", "error", "error", None]
    assert [r["detail"] for r in rows] == [None, None, "d", "e", "f"]
    assert rows[2]["message"] == "tab\there" and rows[1]["message"] == "面积 0.05 亩"
    assert json_rows(findings.iloc[:0]) == b""


def geo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", "check", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=False)


def test_cli_chunked_list_unmatched_and_max_size(files, whole, tmp_path):
    out = tmp_path / "unmatched.gpkg"
    run = geo(str(files["gpkg"]), "--format", "json", "--chunk-size", "500", "--list-unmatched", str(out))
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["summary"]["by_check"] == whole[None].summary["by_check"]
    assert len(doc["findings"]) == len(whole[None].findings)
    listed = pyogrio.read_dataframe(out)
    line = whole[None].findings.query("check == 'unmatched'")
    assert len(listed) == int(line["value"].iloc[0]) and listed["feature"].is_monotonic_increasing is not None
    run = geo(str(files["gpkg"]), "--max-size", "0.01")
    assert run.returncode == 2 and "over the limit of 0 MB set by --max-size" in run.stderr
    assert run.stderr.count("\n") == 1
