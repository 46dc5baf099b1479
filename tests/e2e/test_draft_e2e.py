"""Drafting in a real browser: draw a parcel by clicking its vertices, read its mu while drawing, attach it to a
project, save; two people saving the same draft; every figure checked against the store and the CLI.

The workspace has two checkers, alice and bob (示例 accounts). The mu shown while drawing is compared with the
CLI's ``draft show`` and with an independent computation: pyproj's geodesic area on the CGCS2000 ellipsoid of
the vertices the map itself holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from pyproj import Geod

from geo.store import Office
from geo.store.gpkg import GeoPackageStore
from tests.e2e.conftest import Browse, Offline, serve_app

ROOT = Path(__file__).resolve().parents[2]
PASSWORDS = {"alice": "alice-Draft-1", "bob": "bob-Draft-22"}
MU_M2 = 10000 / 15
#: The drafting map (the diff of two versions has a map of its own).
MAP = ".st-key-draft_map .geo-map"
#: The vertices the map's drawn layer holds (its first ring), as [lng, lat].
RING_JS = """() => {
    let ring = null;
    window.map.eachLayer(l => { if (l.feature && l.feature.properties && l.feature.properties.parcel_id
                                    && l.getLatLngs) ring = l.getLatLngs()[0].map(p => [p.lng, p.lat]); });
    return ring;
}"""


@pytest.fixture(scope="module")
def draft_workspace(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("e2e-draft")
    off = Office(GeoPackageStore(folder / "workspace.gpkg"))
    root = off.actor(None)
    for name, password in PASSWORDS.items():
        off.add_user(root, name, "checker", password)
    return folder


@pytest.fixture(scope="module")
def draft_url(draft_workspace) -> Iterator[str]:
    with serve_app(draft_workspace, log_name="e2e-draft-streamlit.log") as url:
        yield url


def person(browser: Browser, url: str, offline: Offline, name: str) -> tuple[Page, Browse]:
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    context.route("**/*", offline.route)
    page = context.new_page()
    browse = Browse(page, url)
    browse.go("/draft")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORDS[name])
    page.get_by_role("button", name="登录").click()
    page.get_by_text(f"已登录：{name}").wait_for(timeout=60_000)
    browse.wait()
    return page, browse


def ready_to_draw(page: Page) -> None:
    page.wait_for_selector(f"{MAP} .leaflet-pm-toolbar .leaflet-pm-icon-polygon", timeout=60_000)
    page.wait_for_function("() => { const h = document.querySelector('.st-key-draft_map .geo-map');"
                           " if (h && h.geoMap) { window.map = h.geoMap; return true; } return false; }")


def draw_square(page: Page, left: float, top: float, side: float) -> tuple[str, tuple[float, float]]:
    """Click the polygon tool and four vertices; the area box's text after the fourth (still drawing) and the
    square's centre on the page (the map draws on a canvas: a parcel is clicked where it is)."""
    page.locator(".leaflet-pm-icon-polygon").click()
    page.wait_for_function("() => document.querySelector('.st-key-draft_map .geo-map')"
                           ".geoMap.pm.globalDrawModeEnabled()",
                           timeout=30_000)
    box = page.locator(MAP).bounding_box()
    assert box is not None
    x, y = box["x"] + left, box["y"] + top
    corners = [(x, y), (x + side, y), (x + side, y + side), (x, y + side)]
    for cx, cy in corners:
        page.mouse.click(cx, cy)
        page.wait_for_timeout(250)
    shown = page.locator(f"{MAP} .geo-draw-area").inner_text()
    # 完成 ends it (a snapped first vertex may lie a few pixels from where it was clicked: not clicked again)
    page.locator(".leaflet-pm-actions-container .action-finish").filter(visible=True).click()
    return shown, (x + side / 2, y + side / 2)


def saved_rows(workspace: Path, draft: str) -> dict:
    env = os.environ | {"GEO_WORKSPACE": str(workspace)}
    command = [sys.executable, "-m", "geo", "draft", "show", draft, "--format", "json", "--user", "alice"]
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_draw_a_parcel_attach_it_and_save_it_with_the_mu_shown(browser, draft_url, draft_workspace, offline):
    page, browse = person(browser, draft_url, offline, "alice")
    page.get_by_label("草稿名称").fill("示例草稿")
    page.get_by_role("button", name="创建").click()
    ready_to_draw(page)
    browse.wait()

    while_drawing, centre = draw_square(page, 300, 160, 80)
    assert while_drawing.startswith("面积 ") and while_drawing.endswith(" 亩")
    page.get_by_text("有未保存的修改（基于 v1）").wait_for(timeout=60_000)  # the map reported the new parcel
    browse.wait()
    shown_mu = float(page.locator(f"{MAP} .geo-draw-area").get_attribute("data-mu") or "nan")
    ring = page.evaluate(RING_JS)
    lons, lats = zip(*ring, strict=True)
    independent = abs(Geod(a=6378137.0, f=1 / 298.257222101).polygon_area_perimeter(lons, lats)[0]) / MU_M2
    assert shown_mu == pytest.approx(independent, rel=1e-3)
    assert float(while_drawing.split()[1]) == pytest.approx(shown_mu, rel=1e-3)  # four vertices: the same square

    page.mouse.click(*centre)  # the new, unattached parcel
    page.get_by_text("所选地块：").wait_for(timeout=60_000)
    browse.wait()
    page.get_by_label("规划项目").click()
    option = page.get_by_role("option").first
    project = option.inner_text().split(" · ")[0]
    option.click()
    page.get_by_role("button", name="应用").click()
    page.locator("[data-testid='stDataFrame']").first.get_by_text(project).wait_for(state="attached", timeout=60_000)
    browse.wait()
    page.get_by_label("保存说明").fill("示例：描绘第一块")
    page.get_by_role("button", name="保存为新版本").click()
    page.get_by_text("已保存为 v2").wait_for(timeout=60_000)
    browse.shot("draft_saved")

    report = saved_rows(draft_workspace, "示例草稿")
    assert report["version"]["version"] == 2 and report["version"]["author"] == "alice"
    (parcel,) = report["parcels"]
    assert parcel["project_id"] == project  # attached
    assert parcel["measured_mu"] == pytest.approx(shown_mu, rel=1e-3)
    assert parcel["measured_mu"] == pytest.approx(independent, rel=1e-3)
    page.context.close()


def test_two_people_saving_the_same_draft_lose_nothing(browser, draft_url, draft_workspace, offline):
    store = GeoPackageStore(draft_workspace / "workspace.gpkg")
    alice, alice_browse = person(browser, draft_url, offline, "alice")
    bob, bob_browse = person(browser, draft_url, offline, "bob")
    for page, browse in ((alice, alice_browse), (bob, bob_browse)):
        ready_to_draw(page)
        browse.wait()
    draw_square(alice, 200, 300, 60)
    alice.get_by_text("有未保存的修改").wait_for(timeout=60_000)
    draw_square(bob, 420, 300, 60)
    bob.get_by_text("有未保存的修改").wait_for(timeout=60_000)
    alice_browse.wait()
    bob_browse.wait()

    alice.get_by_role("button", name="保存为新版本").click()
    alice.get_by_text("已保存为 v3").wait_for(timeout=60_000)
    bob.get_by_role("button", name="保存为新版本").click()
    conflict = bob.get_by_text("保存未完成").first
    conflict.wait_for(timeout=60_000)
    assert "alice" in conflict.inner_text() and "v3" in conflict.inner_text()
    bob.get_by_role("button", name="把我的修改另存为新草稿").click()
    bob.get_by_text("与 v1 相同").wait_for(timeout=60_000)
    bob_browse.shot("draft_conflict_saved_as_new")

    drafts = {d.name: d for d in store.list_drafts()}
    assert set(drafts) == {"示例草稿", "示例草稿（bob 的修改）"}
    versions = store.list_draft_versions(drafts["示例草稿"].draft_id)
    assert [(v.version, v.author, v.n_parcels) for v in versions][-1] == (3, "alice", 2)
    bobs = store.list_draft_versions(drafts["示例草稿（bob 的修改）"].draft_id)
    assert [(v.version, v.author, v.n_parcels) for v in bobs] == [(1, "bob", 2)]  # v2's parcel and his own
    saves = [(e.action, e.user) for e in store.audit() if e.action in ("draft_save", "draft_new")]
    assert ("draft_save", "alice") in saves and ("draft_new", "bob") in saves
    alice.context.close()
    bob.context.close()
