"""AppTest: the map page and the shared sidebar/URL state (no browser)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.fixtures.map_element import map_args, painted
from ui import safe

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def run(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return painted(at.run())


def test_map_page_draws_all_parcels_from_the_app():
    at = run(basemap="none")
    assert not at.exception
    assert at.title[0].value == "一核双圈两片 · 平台项目地图"
    assert "显示 26 / 26 个项目" in at.caption[0].value
    args = map_args(at)
    assert args["js"][0] == "/app/static/vendor/leaflet/leaflet.js"  # Leaflet first, then its plugins
    assert all(link.startswith("/app/static/vendor/") for link in args["js"] + args["css"])
    assert not args["report_view"] and args["overlay"] is None and args["height"] == 600
    assert f'L.map(\n                "{args["div_id"]}"' in args["script"]
    for pid in ("T2-3", "T4-1", "X-1", "T5-2"):
        assert f'"project_id":"{pid}"' in args["script"]
    assert "tile.openstreetmap.org" not in args["script"]


def test_filters_language_and_selection_from_the_url():
    at = run(lang="en", track="testing", sel="T4-1", basemap="osm")
    assert not at.exception
    assert at.title[0].value == "Core, circles and zones · platform projects map"
    assert "Showing 3 of 26 projects" in at.caption[0].value
    script = map_args(at)["script"]
    assert script.count('"project_id":"T4-') == 3 and '"project_id":"T2-3"' not in script
    assert "tile.openstreetmap.org" in script
    assert at.multiselect(key="w_track").value == ["testing"]
    assert any("National Quality Inspection Base" in h.value for h in at.subheader)


def test_widgets_change_the_map():
    at = run(basemap="none")
    at.radio(key="w_lang").set_value("en").run()
    at.multiselect(key="w_zone").set_value(["jinfeng"]).run()
    assert at.title[0].value == "Core, circles and zones · platform projects map"
    assert "Showing 7 of 26 projects" in at.caption[0].value
    assert map_args(at)["script"].count('"project_id":') == 7
    at.selectbox(key="w_colour").set_value("output_per_mu").run()
    assert '"_c":"600-1000"' in map_args(at)["script"]
    at.multiselect(key="w_zone").set_value([]).run()
    at.text_input(key="w_q").input("质检").run()
    assert "Showing 1 of 26 projects" in at.caption[0].value


def test_invalid_link_values_are_named_and_ignored():
    at = run(track="nope,testing", basemap="tianditu")
    assert not at.exception
    shown = safe.shown(at.warning[0].value)  # the values are escaped: they come from the link
    assert "track=nope" in shown and "basemap=tianditu" in shown
    assert at.multiselect(key="w_track").value == ["testing"]


def test_detail_panel_shows_attributes_and_reconciliation():
    at = run(lang="en", sel="T2-3", basemap="none")
    assert not at.exception
    heading = "Science Valley Frontier Technology Incubation Area (科学谷前沿科技孵化片区)"
    assert any(h.value == heading for h in at.subheader)
    fields = at.dataframe[0].value.set_index("Field")["Value"]
    assert fields["Declared land (mu)"] == "888"
    assert fields["Output value (100m CNY)"] == "80"
    assert fields["Output per mu (10k CNY/mu)"] == "901"
    assert fields["Source"] == "Table 2, row 3"
    assert fields["Land note"] == "—"
    assert fields["Region"] == "Hangu Town"
    assert fields["Spatial unit"] == "R&D Innovation Ecosystem Circle (研发创新生态圈)"
    assert fields["Why this spatial unit"] == ("stated: the description of R&D Innovation Ecosystem Circle "
                                              "(section 2(4), line 41) names the Science Valley area")
    assert fields["Placed at"] == "Science Valley · confidence: estimate (no source a reader can look up)"
    assert fields["Geometry"] == "indicative"
    assert any("Land (mu): Table 888 · Text not stated · Map 888" in m.value for m in at.markdown)
    assert at.button(key="clear_sel").label == "Clear selection"


def test_sidebar_widgets_change_the_map_and_the_link():
    """Real widget changes, rerun after rerun: filter, colour, language; the URL follows."""
    at = run(basemap="none")
    at.multiselect(key="w_track").set_value(["testing"]).run()
    assert not at.exception
    assert "显示 3 / 26 个项目" in at.caption[0].value
    script = map_args(at)["script"]
    assert '"project_id":"T4-1"' in script and '"project_id":"T2-3"' not in script
    at.selectbox(key="w_colour").set_value("zone").run()
    assert '"_c":"jinfeng"' in map_args(at)["script"]  # T4-* coloured by their zone, not their track
    at.radio(key="w_lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Core, circles and zones · platform projects map"
    assert "Showing 3 of 26 projects" in at.caption[0].value
    # no basemap is the default (no GEO_TILES): left out of the link
    assert dict(at.query_params) == {"colour": "zone", "track": "testing", "lang": "en"}


def test_a_sessions_first_map_is_drawn_alone_and_the_rest_once_it_has_painted():
    """The first run sends only the title, caption and map; the map's ``drawn`` report brings everything else."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["basemap"] = "none"
    at.query_params["zone"] = "nowhere"  # an ignored value: named once the whole page is drawn
    at.run()
    first = map_args(at)
    assert first["report_drawn"] is True
    assert at.title[0].value == "一核双圈两片 · 平台项目地图" and "显示 26 / 26 个项目" in at.caption[0].value
    assert not at.sidebar.radio and not at.sidebar.multiselect and not at.warning  # no sidebar widgets yet
    assert not at.header and not at.get("expander")  # no detail panel, no print panel
    painted(at)
    whole = map_args(at)
    assert whole["report_drawn"] is False and whole["signature"] == first["signature"]  # the same map, kept
    assert at.radio(key="w_lang").value == "zh" and at.header[0].value == "项目详情"
    assert [safe.shown(w.value) for w in at.warning] == ["链接中的参数无效，已忽略：zone=nowhere"]
    at.switch_page("pages/totals_page.py").run()
    at.switch_page("pages/map_page.py").run()  # later visits draw the whole page at once
    assert map_args(at)["report_drawn"] is False and at.header[0].value == "项目详情"

