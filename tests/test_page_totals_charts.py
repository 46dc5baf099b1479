"""AppTest: the Totals page's charts of table vs text vs map (land, mu) per track and per zone."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from geo.plan.summary import comparison
from layers import load_parcels, load_plan

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def totals(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["w_lang"] = lang
    at.switch_page("pages/totals_page.py")
    at.run()
    assert not at.exception, at.exception
    return at


TITLES = {"track": ("Land by track (mu): tables, text and map", "各赛道用地（亩）：表中数、文本数与图上量算"),
          "zone": ("Land by zone (mu): tables, text and map", "各片区用地（亩）：表中数、文本数与图上量算")}


def chart_data(at: AppTest, scope: str) -> tuple[dict, pd.DataFrame]:
    """The Vega-Lite spec of the ``scope`` comparison chart and the data it was given (Arrow, read back)."""
    specs = [(json.loads(c.proto.spec), c.proto) for c in at.get("vega_lite_chart")]
    found = [(spec, proto) for spec, proto in specs if spec.get("title") in TITLES[scope]]
    assert len(found) == 1, [spec.get("title") for spec, _ in specs]
    spec, proto = found[0]
    (dataset,) = proto.datasets
    return spec, pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()


@pytest.fixture(scope="module")
def english() -> AppTest:
    return totals("en")


def test_track_chart_has_table_text_and_map_bars(english):
    spec, frame = chart_data(english, "track")
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["yOffset"]["field"] == "series"  # grouped, not stacked
    rd = frame[frame["name"] == "R&D and incubation"].set_index("series")["mu"]
    assert rd.index.tolist() == ["Table", "Text", "Map"]
    assert rd["Table"] == 7620 and rd["Text"] == 7680 and rd["Map"] == pytest.approx(7620.0, abs=0.05)
    assert spec["encoding"]["color"]["scale"]["domain"] == ["Table", "Text", "Map"]


def test_unknown_table_figure_is_a_missing_bar_not_zero(english):
    _, frame = chart_data(english, "track")
    fintech = frame[frame["name"] == "Technology finance"].set_index("series")["mu"]
    assert "Table" not in fintech.index  # 科技金融 has no table: no bar at all
    assert fintech["Text"] == 2400
    assert (frame["mu"] > 0).all()
    digital = frame[frame["name"] == "Digital creative industries"]
    assert set(digital["unknown_cells"]) == {1}  # T5-2 "——" left out of the table sum, and said so


def test_zone_chart_leaves_out_what_the_text_does_not_state(english):
    _, frame = chart_data(english, "zone")
    circle = frame[frame["name"] == "R&D Innovation Ecosystem Circle"].set_index("series")["mu"]
    # T2-3 科学谷 only: the circle's text names no other row (data/README.md, zone rule)
    assert circle.index.tolist() == ["Table", "Map"] and circle["Table"] == 888
    core = frame[frame["name"] == "Sci-tech Central Business Core"].set_index("series")["mu"]
    assert core.index.tolist() == ["Text", "Map"]


def test_chinese_page_labels_the_series_in_chinese():
    _, frame = chart_data(totals("zh"), "track")
    assert frame.loc[frame["name"] == "研发孵化", "series"].tolist() == ["表中数", "文本数", "图上量算"]


def test_comparison_rows_come_from_the_reconciliation():
    from geo.plan import reconcile
    recon = reconcile(load_plan(), parcels=load_parcels())
    rows = comparison(recon, scope="track")
    assert rows.groupby("key")["series"].apply(list).to_dict()["fintech"] == ["text", "map"]
    assert rows["value"].notna().all() and len(rows) == 14  # 5 tracks × 3, less fintech's table
    none = comparison(recon.assign(mapped_value=float("nan")), scope="zone")
    assert set(none["series"]) == {"table", "text"}
