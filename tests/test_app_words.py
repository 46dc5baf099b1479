"""AppTest: every text the sidebar, the legend and the Totals page show is in the chosen language.

The browser test (tests/e2e/test_language.py) proves what is drawn; this one
also reads the tables' cells, which the browser draws on a canvas.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.fixtures.map_element import painted
from tests.test_words import CJK, english_problems, latin_identifiers

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SIDEBAR_KEYS = ("w_basemap", "w_colour", "w_track", "w_zone", "w_region", "w_ctx")


def app(**params: str) -> AppTest:
    """The app as a link opens it (map page, with the shared sidebar)."""
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in {"basemap": "none", **params}.items():
        at.query_params[key] = value
    return painted(at.run())


def page(path: str, **state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(path)
    return at.run()


def shown_texts(at: AppTest) -> list[str]:
    """Every text element's value and every table's headers and cells."""
    texts = [e.value for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning")
             for e in getattr(at, kind)]
    texts += [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    for df in at.dataframe:
        frame: pd.DataFrame = df.value
        texts += [str(c) for c in frame.columns] + [str(v) for v in frame.to_numpy().ravel()]
    return texts


def sidebar_texts(at: AppTest) -> list[str]:
    texts = []
    for key in SIDEBAR_KEYS:
        widget = at.selectbox(key=key) if key in ("w_basemap", "w_colour") else at.multiselect(key=key)
        texts += [widget.label, widget.proto.placeholder, *widget.options]
    texts += [at.text_input(key="w_q").label] + [c.value for c in at.sidebar.caption]
    return texts


def test_english_totals_and_sidebar_have_no_chinese():
    at = page("pages/totals_page.py", w_lang="en")
    assert not at.exception
    sidebar = app(lang="en")
    found = [t for t in shown_texts(at) + sidebar_texts(sidebar) if CJK.search(t)]
    assert found == []
    # and no internal id or snake_case in what an English reader reads
    assert [t for t in shown_texts(at) if english_problems(t) and not re.fullmatch(r"[\d,.\-—() a-z]*", t)] == []


def test_chinese_totals_and_sidebar_carry_no_latin_identifier():
    at = page("pages/totals_page.py")
    assert not at.exception
    notes = at.dataframe[2].value["说明"].tolist() + at.dataframe[3].value["说明"].tolist()
    assert all(latin_identifiers(n) == [] for n in notes)
    at = app()
    assert at.selectbox(key="w_basemap").proto.placeholder == "请选择一项"
    assert at.multiselect(key="w_zone").proto.placeholder == "请选择（不选即全部）"
    assert at.multiselect(key="w_zone").label == "空间单元"
    regions = at.multiselect(key="w_region").options
    assert "曾家镇" in regions and "Zengjia Town" not in regions


def test_switching_language_relabels_every_sidebar_option():
    at = app()
    at.radio(key="w_lang").set_value("en").run()
    assert not at.exception
    assert "Zengjia Town" in at.multiselect(key="w_region").options
    assert at.selectbox(key="w_colour").options == ["Track", "Spatial unit (core, circles, zones)",
                                                    "Output per mu (10k CNY/mu)"]
    assert at.multiselect(key="w_ctx").value == ["places", "districts", "metro"]  # the choice survives the switch
    assert [t for t in sidebar_texts(at) if CJK.search(t)] == []


def test_map_legend_in_each_language():
    at = app(colour="zone")
    (legend,) = [m.value for m in at.markdown if 'class="legend"' in m.value]
    assert "空间单元" in legend and "不属于任何空间单元" in legend
    at.radio(key="w_lang").set_value("en").run()
    (legend,) = [m.value for m in at.markdown if 'class="legend"' in m.value]
    assert CJK.search(legend) is None
    assert "In no spatial unit" in legend and "Spatial units" in legend


def test_chinese_detail_panel_says_why_in_chinese():
    at = app(sel="T2-6")
    assert not at.exception
    fields = at.dataframe[0].value.set_index("字段")["值"]
    assert fields["用地备注"] == "可用"
    assert fields["空间单元归属依据"].startswith("推定：所属区域“西永”——西永即片区名称“西永集成电路设计片区”中的西永")
    assert fields["几何性质"] == "示意"
    assert fields["定位地名"] == "西永街道 · 可信度：低"


def test_downloaded_reconciliation_says_each_status_in_the_glossary_words(plan, parcels):
    from geo.plan.reconcile import reconcile
    from ui.detail import with_status_terms

    frame = with_status_terms(reconcile(plan, parcels=parcels))
    row = frame[(frame["key"] == "X-1") & (frame["metric"] == "land_mu")].iloc[0]
    assert (row["status"], row["status_zh"], row["status_en"]) == ("text_only", "仅见于文本", "text only")
    assert list(frame.columns).index("status_zh") == list(frame.columns).index("status") + 1
