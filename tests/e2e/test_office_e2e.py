"""The office in a real browser: sign-in kept across a reload, deep links, switches, user text shown as text.

The app is started on a workspace (GeoPackage) that already has accounts:
alice and bob (checkers), carol (admin), alice's saved check, and one of
bob's whose file name is Markdown with a link and an external image. Browser
contexts are people: an anonymous visitor, alice, bob, carol.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from geo.checks.registry import run_checks
from geo.store import Office
from geo.store.gpkg import GeoPackageStore
from layers import load_parcels, load_zones
from tests.e2e.conftest import Browse, Offline, serve_app
from tests.fixtures.synthetic import plan_survey

PASSWORDS = {"alice": "alice-Secret-1", "bob": "bob-Secret-22", "carol": "carol-Secret-333"}
ROLES = {"alice": "checker", "bob": "checker", "carol": "admin"}
EVIL = "[点此登录](http://evil.example/login) ![x](http://evil.example/pixel.png).geojson"
EVIL_LINK = "[重新登录](http://evil.example/again)"
INFO = {"fmt": "geojson", "crs": "EPSG:4326", "crs_basis": "file", "tolerance_pct": 1.0, "name_field": "名称"}


@pytest.fixture(scope="module")
def office_workspace(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("e2e-office")
    store = GeoPackageStore(folder / "workspace.gpkg")
    off = Office(store)
    root = off.actor(None)
    for name in PASSWORDS:
        off.add_user(root, name, ROLES[name], PASSWORDS[name])
    r = run_checks(plan_survey(), plan_parcels=load_parcels(), zones=load_zones(), name_field="名称")
    off.save(off.actor("bob"), "bob0evil", r.parcels, r.findings, info=INFO | {"name": EVIL}, file_hash="b" * 64)
    off.save(off.actor("alice"), "alice00a", r.parcels, r.findings, info=INFO | {"name": "测绘A.geojson"},
             file_hash="a" * 64)
    return folder


@pytest.fixture(scope="module")
def office_url(office_workspace) -> Iterator[str]:
    with serve_app(office_workspace, log_name="e2e-office-streamlit.log") as url:
        yield url


def person(browser: Browser, url: str, offline: Offline) -> tuple[Page, Browse]:
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    context.route("**/*", offline.route)
    page = context.new_page()
    return page, Browse(page, url)


def sign_in(page: Page, browse: Browse, name: str, path: str = "/check") -> None:
    browse.go(path)
    assert page.locator("h1").first.inner_text() == "登录"
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORDS[name])
    page.get_by_role("button", name="登录").click()
    page.get_by_text(f"已登录：{name}").wait_for(timeout=60_000)
    browse.wait()


def use_surveyed(store: GeoPackageStore, uid: str) -> bool:
    found = store.get_upload(uid)
    assert found is not None
    return found.use_surveyed


def test_anonymous_visitor_sees_only_the_sign_in_form(browser, office_url, offline):
    page, browse = person(browser, office_url, offline)
    browse.go("/check")
    assert page.locator("h1").first.inner_text() == "登录"
    body = page.locator("body").inner_text()
    assert "测绘A" not in body and "evil" not in body and "核查测绘地块" not in body
    assert page.locator("[data-testid='stFileUploader']").count() == 0
    page.context.close()


def test_bob_cannot_change_alices_switch(browser, office_url, office_workspace, offline):
    store = GeoPackageStore(office_workspace / "workspace.gpkg")
    alice, alice_browse = person(browser, office_url, offline)
    bob, bob_browse = person(browser, office_url, offline)
    sign_in(bob, bob_browse, "bob")  # bob's page is drawn while alice's upload is off …
    assert bob.get_by_role("button", name="停用实测几何").count() == 0
    sign_in(alice, alice_browse, "alice")
    assert alice.get_by_role("button", name="启用实测几何").count() == 1  # her own upload only
    alice.get_by_role("button", name="启用实测几何").click()  # … then alice switches hers on
    alice.get_by_role("button", name="停用实测几何").wait_for(timeout=60_000)
    alice_browse.wait()
    assert use_surveyed(store, "alice00a")

    tolerance = bob.get_by_label("面积容差（%）")  # bob's stale page reruns, twice
    tolerance.fill("5")
    tolerance.press("Enter")
    bob_browse.wait()
    bob.get_by_text("English", exact=True).click()
    bob_browse.wait()
    assert use_surveyed(store, "alice00a")
    bob.get_by_text("中文", exact=True).click()  # (so the reload's sign-in form is in Chinese again)
    bob_browse.wait()
    bob.wait_for_function("() => !location.search.includes('lang=en')", timeout=30_000)
    bob.reload()  # a new Streamlit session, still signed in (the session cookie), alice's switch read anew
    bob.get_by_text("已登录：bob").wait_for(timeout=60_000)
    bob_browse.wait()
    bob.get_by_text("正在使用实测几何").first.wait_for(timeout=30_000)  # alice's state, as text
    assert bob.get_by_role("button", name="停用实测几何").count() == 0  # nothing of alice's to click
    assert bob.get_by_role("button", name="删除").count() == 1  # only his own upload can be removed
    assert use_surveyed(store, "alice00a")
    alice.get_by_role("button", name="停用实测几何").wait_for()
    bob_browse.shot("office_bob_check")
    switches = [e for e in store.audit() if e.action == "switch"]
    assert [(e.user, e.object, e.detail["in_use"]) for e in switches] == [("alice", "alice00a", True)]
    alice.context.close()
    bob.context.close()


def test_markdown_in_names_and_links_shows_as_text(browser, office_url, offline):
    page, browse = person(browser, office_url, offline)
    sign_in(page, browse, "bob", path=f"/check?basemap={EVIL_LINK}")
    warning = page.locator("[data-testid='stAlert']").filter(has_text="链接中的参数无效").first
    warning.wait_for(timeout=30_000)
    assert f"basemap={EVIL_LINK}" in warning.inner_text().replace("\u2060", "")
    page.get_by_text(EVIL, exact=False).first.wait_for(timeout=30_000)  # the workspace panel: plain text
    page.get_by_role("button", name="查看").nth(1).click()  # newest first: alice's row, then bob's
    browse.wait()
    info = page.locator("[data-testid='stAlert']").filter(has_text="显示已保存的上传").first
    info.wait_for(timeout=60_000)
    assert EVIL in info.inner_text().replace("\u2060", "")
    assert page.locator("a[href*='evil.example']").count() == 0
    assert page.locator("img[src*='evil.example']").count() == 0
    assert not [u for u in offline.blocked if "evil.example" in u], "no request ever went to the attacker's host"
    browse.shot("office_markdown_as_text")
    page.context.close()


def session_cookie(page: Page) -> str:
    return next((c["value"] for c in page.context.cookies() if c["name"] == "geo_session"), "")


def test_a_reload_keeps_the_user_signed_in_until_they_sign_out(browser, office_url, offline):
    page, browse = person(browser, office_url, offline)
    sign_in(page, browse, "alice")
    cookie = session_cookie(page)
    assert len(cookie) >= 40  # an opaque random token: no name, no role in it
    assert "alice" not in cookie
    page.reload()
    page.get_by_text("已登录：alice").wait_for(timeout=60_000)
    browse.wait()
    assert page.locator("h1").first.inner_text() != "登录"
    other = page.context.new_page()  # a second tab of the same browser: signed in too
    Browse(other, office_url).go("/parcels")
    other.get_by_text("已登录：alice").wait_for(timeout=60_000)
    other.close()

    page.get_by_role("button", name="退出登录").click()
    page.locator("h1").filter(has_text="登录").wait_for(timeout=60_000)
    browse.wait()
    page.wait_for_function("() => !document.cookie.includes('geo_session')", timeout=30_000)  # dropped
    page.reload()
    browse.wait()
    assert page.locator("h1").first.inner_text() == "登录"
    assert page.locator("[data-testid='stFileUploader']").count() == 0
    page.context.close()


def test_a_stolen_cookie_names_nothing_once_its_owner_signed_out(browser, office_url, offline):
    page, browse = person(browser, office_url, offline)
    sign_in(page, browse, "bob", path="/parcels")
    stolen = session_cookie(page)
    page.get_by_role("button", name="退出登录").click()
    page.locator("h1").filter(has_text="登录").wait_for(timeout=60_000)
    thief, thief_browse = person(browser, office_url, offline)
    host = office_url.split("://", 1)[1].split("/", 1)[0].split(":")[0]
    thief.context.add_cookies([{"name": "geo_session", "value": stolen, "domain": host, "path": "/"}])
    thief_browse.go("/check")
    assert thief.locator("h1").first.inner_text() == "登录"
    assert thief.get_by_text("已登录：bob").count() == 0
    page.context.close()
    thief.context.close()


def test_a_deep_link_lands_on_its_page_after_sign_in(browser, office_url, offline):
    page, browse = person(browser, office_url, offline)
    browse.go("/admin")
    assert page.locator("h1").first.inner_text() == "登录"
    assert "Page not found" not in page.locator("body").inner_text()
    page.get_by_label("用户名").fill("carol")
    page.get_by_label("密码").fill(PASSWORDS["carol"])
    page.get_by_role("button", name="登录").click()
    page.get_by_text("已登录：carol").wait_for(timeout=60_000)
    browse.wait()
    assert page.locator("h1").first.inner_text() == "管理"
    assert page.url.rstrip("/").endswith("/admin")
    assert "Page not found" not in page.locator("body").inner_text()
    page.context.close()
