"""Big uploads on the Check page (geo.checks.upload): the CLI's chunked check in a limited worker.

The same findings as the whole-layer check (the page's path for small files), compacted for the trip
from the worker; the page shows them with the large-file notes, saves the whole layer on the click, and
a check that runs away ends in one error naming the file.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from bench import citysynth
from geo.checks import CheckOptions, PlanLayers, check_read, findings_csv, html_report
from geo.checks import upload as big
from geo.errors import InputFileError
from geo.io import read_bytes
from geo.store import workspace as ws
from tests.test_page_check import PAGE, findings_table, run, save, texts
from tests.test_page_check import workspace as workspace
from ui import data

N = 3000


@pytest.fixture(scope="module")
def scale_bytes(tmp_path_factory) -> bytes:
    """A 示例 district layer of 3,000 parcels with the planted defects (bench.citysynth), as GeoPackage."""
    folder = tmp_path_factory.mktemp("big")
    citysynth.generate(N, folder, formats=("gpkg",), block=24)
    return (folder / "scale.gpkg").read_bytes()


def _plan() -> PlanLayers:
    return PlanLayers(parcels=data.indicative_parcels(), zones=data.zones(), districts=data.districts())


def _rows(findings: pd.DataFrame) -> list[tuple[str, ...]]:
    cols = ["feature", "check", "severity", "message", "message_zh", "value", "parcel_name", "fix_zh"]
    return sorted(tuple(str(v) for v in row) for row in findings[cols].astype(object).itertuples(index=False))


def test_the_worker_finds_what_the_whole_check_finds_and_proposes_the_name_field(scale_bytes):
    whole = check_read(read_bytes(scale_bytes, name="区.gpkg"), _plan(), CheckOptions(name_field="DKMC"))
    run_ = big.check_large(scale_bytes, name="区.gpkg", crs=None, options=CheckOptions(), plan=_plan(), suggest=True)
    assert run_.options.name_field == "DKMC" == run_.result.summary["suggested_field"]
    assert {"DKBM", "XMBH", "DKMC"} <= set(run_.result.summary["fields"])
    assert len(run_.result.findings) == len(whole.result.findings) > 100
    assert _rows(run_.result.findings) == _rows(whole.result.findings)
    for key in ("features", "matched", "flagged_features", "by_check"):
        assert run_.result.summary[key] == whole.result.summary[key], key
    assert run_.result.summary["measured_mu"] == pytest.approx(whole.result.summary["measured_mu"], rel=1e-9)
    assert str(run_.result.findings["fix_zh"].dtype) == "category"  # compacted for the trip
    assert len(run_.result.parcels) == whole.result.summary["flagged_features"]  # the flagged ones only
    # what the page builds from them works on the compacted frame
    assert findings_csv(run_.result.findings, lang="zh") == findings_csv(whole.result.findings, lang="zh")
    assert "区.gpkg" in html_report(run_.result, source="区.gpkg", plan_parcels=data.indicative_parcels(),
                                    crs_note="")


def test_every_parcel_name_is_read_for_the_resubmission_proposal(scale_bytes):
    names = big.upload_names(scale_bytes, name="区.gpkg", crs=None, name_field="DKMC")
    read = read_bytes(scale_bytes, name="区.gpkg")
    from geo.checks.resubmit import name_set

    assert names == name_set(read.layer, "DKMC") and len(names) > 5


def test_a_check_over_its_time_limit_is_one_error_naming_the_file(scale_bytes, monkeypatch):
    monkeypatch.setenv("GEO_CHECK_SECONDS", "0.01")
    with pytest.raises(InputFileError) as err:
        big.check_large(scale_bytes, name="区.gpkg", crs=None, options=CheckOptions(), plan=_plan(), suggest=True)
    assert err.value.source == "区.gpkg" and "0.01" in str(err.value)


def test_the_page_checks_a_big_upload_in_the_worker_and_saves_it_whole(workspace, scale_bytes,
                                                                        monkeypatch):
    small = run(AppTest.from_file(PAGE))
    small.file_uploader[0].upload("区.gpkg", scale_bytes, "application/geopackage+sqlite3")
    run(small)
    monkeypatch.setattr(big, "LARGE_BYTES", 1000)  # this file is "big" now
    at = run(AppTest.from_file(PAGE))
    at.file_uploader[0].upload("区.gpkg", scale_bytes, "application/geopackage+sqlite3")
    run(at)
    shown = texts(at)
    assert "大文件" in shown and "分块在两个进程中检查" in shown
    assert "地图只显示问题最严重的" in shown
    assert [m.value for m in at.metric] == [m.value for m in small.metric]  # same summary as the small path
    assert at.selectbox(key=next(k for k in at.session_state if str(k).startswith("chk_name_"))).value == "DKMC"
    table, whole_table = findings_table(at), findings_table(small)
    assert len(table) == len(whole_table) and sorted(map(str, table.iloc[:, 0])) == sorted(
        map(str, whole_table.iloc[:, 0]))
    uid = save(at)  # the whole layer is read again for the workspace
    parcels, findings = ws.load_upload(uid)
    assert len(parcels) == N and len(findings) == len(table)


def test_the_table_lists_at_most_its_limit_and_says_so(workspace, scale_bytes, monkeypatch):
    monkeypatch.setattr(big, "LISTED_AT_MOST", 50)
    at = run(AppTest.from_file(PAGE))
    at.file_uploader[0].upload("区.gpkg", scale_bytes, "application/geopackage+sqlite3")
    run(at)
    n = int(at.metric[3].value)  # 问题数
    assert n > 50 and len(findings_table(at)) == 50
    assert f"表中列出前 50 条问题（共 {n:,} 条）" in texts(at)
