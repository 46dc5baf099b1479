"""geo.mapview.basemaps: the tile source of ``GEO_TILES``, its checks and the default basemap."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.errors import UsageError
from geo.mapview.basemaps import (
    BASEMAPS,
    CUSTOM,
    OFFLINE,
    available_basemaps,
    default_basemap,
    get_basemap,
    parse_tiles,
    tile_source,
    tiles_problem,
)
from tests.fixtures.map_element import map_args, painted
from ui import safe

LOCAL = "http://10.0.0.9/tiles/{z}/{x}/{y}.png"
TIANDITU = ("http://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
            "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=abc123")


def test_nothing_configured_means_no_basemap_by_default_and_public_tiles_still_offered():
    assert tile_source({}) is None and tiles_problem({}) is None
    assert default_basemap({}) == OFFLINE
    assert default_basemap({"GEO_TILES": "   "}) == OFFLINE  # blank is unset
    offered = available_basemaps(env={})
    assert offered[0] == OFFLINE and CUSTOM not in offered
    assert {"osm", "carto", "esri", "gaode"} <= set(offered)  # a planner on the internet can still choose them
    assert "tianditu" not in offered and "tianditu" in available_basemaps(keys={"TIANDITU_KEY": "k"}, env={})


def test_a_local_tile_server_is_the_default_and_first_choice():
    env = {"GEO_TILES": f"  {LOCAL} ", "GEO_TILES_ATTRIBUTION": "市规划院 <内网>"}
    custom = tile_source(env)
    assert custom is not None
    assert custom.key == CUSTOM and custom.tiles == LOCAL and custom.shift is None and custom.key_name is None
    assert custom.attribution == "市规划院 &lt;内网&gt;"  # shown as text, never HTML
    assert "10.0.0.9" in custom.name_zh and "10.0.0.9" in custom.name_en
    assert default_basemap(env) == CUSTOM
    assert available_basemaps(env=env)[:2] == [CUSTOM, OFFLINE]
    assert get_basemap(CUSTOM, env=env) == custom
    assert get_basemap("osm", env=env) is BASEMAPS["osm"]


def test_tianditu_with_its_key_in_the_url_and_a_default_attribution():
    custom = parse_tiles(TIANDITU)
    assert custom.tiles == TIANDITU and custom.shift is None  # CGCS2000: no shift
    assert custom.attribution == "t0.tianditu.gov.cn"  # folium needs one: the host
    assert "abc123" not in custom.name_zh + custom.name_en  # the key is never shown as a name


def test_gcj02_switch_and_known_gcj02_hosts():
    gaode = "https://webrd01.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}"
    assert parse_tiles(LOCAL, gcj02="1").shift == "gcj02"
    assert parse_tiles(LOCAL, gcj02="0").shift is None
    assert parse_tiles(LOCAL).shift is None
    assert parse_tiles(gaode).shift == "gcj02"  # Gaode is GCJ-02 without being told
    assert parse_tiles(gaode, gcj02="0").shift is None  # … unless told otherwise
    assert tile_source({"GEO_TILES": LOCAL, "GEO_TILES_GCJ02": "1"}).shift == "gcj02"  # type: ignore[union-attr]
    with pytest.raises(UsageError, match=r"^GEO_TILES_GCJ02: 'maybe' is neither 1 nor 0\. Set GEO_TILES_GCJ02=1"):
        parse_tiles(LOCAL, gcj02="maybe")


@pytest.mark.parametrize(("url", "problem"), [
    ("ftp://10.0.0.9/{z}/{x}/{y}.png", "is not an http(s) address"),
    ("10.0.0.9/tiles/{z}/{x}/{y}.png", "is not an http(s) address"),
    ("http:///{z}/{x}/{y}.png", "is not an http(s) address"),
    ("javascript:alert(1)//{z}{x}{y}", "is not an http(s) address"),
    ("http://10.0.0.9/tiles/{z}/{x}.png", "has no {y}"),
    ("http://10.0.0.9/tiles/z/x/y.png", "has no {z} {x} {y}"),
    ("http://10.0.0.9/tiles/{z}/{x}/{y}.png?tk={key}", "has {key}, which the map cannot fill in"),
    ("http://10.0.0.9/my tiles/{z}/{x}/{y}.png", "contains a space"),
])
def test_a_bad_tile_url_is_one_line_naming_the_variable_and_the_fix(url, problem):
    with pytest.raises(UsageError) as info:
        parse_tiles(url)
    message = info.value.message
    assert message.startswith("GEO_TILES: ") and problem in message and "\n" not in message
    assert info.value.fix  # how to fix it
    env = {"GEO_TILES": url}
    assert tiles_problem(env) == message
    assert default_basemap(env) == OFFLINE and CUSTOM not in available_basemaps(env=env)  # never a crash


def test_tms_rows_and_subdomains_are_accepted():
    assert parse_tiles("https://{s}.tiles.example/{z}/{x}/{-y}{r}.png").tiles.endswith("{-y}{r}.png")  # type: ignore[union-attr]


def test_custom_without_a_tile_server_names_the_variable():
    with pytest.raises(UsageError, match=r"^GEO_TILES: no tile server is configured\. Set GEO_TILES"):
        get_basemap(CUSTOM, env={})
    with pytest.raises(UsageError, match="unknown basemap 'nope'"):
        get_basemap("nope")


def test_the_environment_is_read_when_no_env_is_given(monkeypatch):
    monkeypatch.delenv("GEO_TILES", raising=False)
    assert default_basemap() == OFFLINE
    monkeypatch.setenv("GEO_TILES", LOCAL)
    assert default_basemap() == CUSTOM and get_basemap(CUSTOM).tiles == LOCAL
    monkeypatch.setenv("GEO_TILES", "not a url")
    assert default_basemap() == OFFLINE and (tiles_problem() or "").startswith("GEO_TILES: ")


def _app(monkeypatch, **env: str):
    for name in ("GEO_TILES", "GEO_TILES_ATTRIBUTION", "GEO_TILES_GCJ02"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
    return painted(at.run())


def test_the_app_opens_with_no_tiles_and_its_context_layers_when_nothing_is_configured(monkeypatch):
    at = _app(monkeypatch)
    assert not at.exception
    script = map_args(at)["script"]
    assert "L.tileLayer" not in script and "openstreetmap" not in script
    assert '"_c":"districts"' in script and '"_c":"metro"' in script and '"project_id":"T2-3"' in script
    assert at.selectbox(key="w_basemap").value == OFFLINE
    assert at.selectbox(key="w_basemap").options[:2] == ["无底图（离线）", "OpenStreetMap 街道图"]  # still selectable
    assert at.multiselect(key="w_ctx").value == ["places", "districts", "metro"]  # towns, districts, metro on
    assert '"_c":"places"' in script
    assert "basemap" not in at.query_params  # the default is left out of the link
    assert not at.sidebar.warning


def test_the_app_opens_on_the_configured_tiles(monkeypatch):
    at = _app(monkeypatch, GEO_TILES=LOCAL)
    assert not at.exception
    script = map_args(at)["script"]
    assert LOCAL in script and '"_c":"districts"' in script
    assert at.selectbox(key="w_basemap").value == CUSTOM
    assert at.selectbox(key="w_basemap").options[0] == "本单位底图（10.0.0.9）"
    assert "basemap" not in at.query_params


def test_a_bad_geo_tiles_is_named_on_the_page_and_the_map_still_draws(monkeypatch):
    at = _app(monkeypatch, GEO_TILES="10.0.0.9/{z}/{x}/{y}.png")
    assert not at.exception
    assert "L.tileLayer" not in map_args(at)["script"] and '"project_id":"T2-3"' in map_args(at)["script"]
    (warning,) = at.sidebar.warning
    text = safe.shown(warning.value)
    assert text.startswith("服务器配置的底图无效") and "GEO_TILES：'10.0.0.9/{z}/{x}/{y}.png' 不是 http(s) 地址" in text
    assert "请将 GEO_TILES 设为 XYZ 瓦片地址" in text
