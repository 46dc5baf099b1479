"""Browser tests: ``streamlit run app.py`` on localhost, driven by Debian's chromium.

Every request to a host other than localhost/127.0.0.1 is aborted and
recorded (``blocked`` fixture), so the tests prove the app works with no
internet. Playwright's own browser download is never needed: the browser is
``/usr/bin/chromium`` (override with ``E2E_CHROMIUM``). Screenshots and
server logs go to ``$E2E_ARTIFACTS`` (default: ``geo-e2e`` in the system's
temporary folder), never into the checkout. Every test here carries the
``e2e`` marker (``pytest -m "not e2e"`` leaves the browser out).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Frame, Page, sync_playwright

from bench.server import serve
from geo.store.gpkg import GeoPackageStore

ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", Path(tempfile.gettempdir()) / "geo-e2e"))
SHOTS = ARTIFACTS / "screenshots"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
#: True once the page's map element (ui/map_element.js) has drawn its Leaflet map and neither the map's box
#: nor its view changed for half a second (Streamlit settles its layout after the map is drawn); then
#: ``window.map`` is the map.
MAP_READY_JS = """() => {
    const host = document.querySelector('.geo-map');
    if (!host || !host.geoMap || !host.geoMap._loaded) return false;
    const r = host.getBoundingClientRect(), c = host.geoMap.getCenter();
    const now = [r.left, r.top, r.width, r.height, c.lat, c.lng, host.geoMap.getZoom()].join();
    const probe = window.__mapProbe;
    if (!probe || probe.state !== now || probe.map !== host.geoMap) {
        window.__mapProbe = {state: now, map: host.geoMap, since: performance.now()};
        return false;
    }
    if (performance.now() - probe.since < 500) return false;
    window.map = host.geoMap;
    return true;
}"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every browser test ``e2e``."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


@contextmanager
def serve_app(workspace: Path, *, log_name: str, address: str = "127.0.0.1") -> Iterator[str]:
    """The app as ``./run.sh`` starts it (``python -m ui.launch``) on a free port, bound to ``address``.

    ``GEO_WORKSPACE`` is ``workspace`` (created first, as ``python -m geo db init`` does: a configured workspace
    must exist); the server's output goes to ``$E2E_ARTIFACTS/<log_name>``; yields the URL.
    """
    GeoPackageStore(workspace / "workspace.gpkg").init()
    log = ARTIFACTS / log_name
    log.parent.mkdir(parents=True, exist_ok=True)
    with serve(["ui.launch"], env=os.environ | {"GEO_WORKSPACE": str(workspace)}, log=log, start_timeout=60,
               address=address) as app:
        yield app.url


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free port, with an empty workspace of its own; stopped after the session."""
    with serve_app(tmp_path_factory.mktemp("workspace"), log_name="e2e-streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set E2E_CHROMIUM")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Offline:
    """Records every request to a non-local host, which the page route aborts."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    def route(self, route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if host in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()


@pytest.fixture
def offline() -> Offline:
    return Offline()


@pytest.fixture
def page(browser: Browser, offline: Offline) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, accept_downloads=True, locale="zh-CN")
    context.route("**/*", offline.route)
    pg = context.new_page()
    yield pg
    context.close()


class Browse:
    """Helpers a test uses on its page: go, wait, screenshots, the map's frame."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url

    def go(self, path: str = "/") -> Page:
        """Open ``path`` (with query string) and wait for the script to finish."""
        self.page.goto(self.url + path)
        self.wait()
        return self.page

    def wait(self) -> None:
        """Wait until Streamlit has drawn a page title and finished running.

        A session's first map is drawn before the rest of its page (``ui.map_element.map_first``):
        the page is done once the run that the map's report starts has arrived.
        """
        self.page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=30_000)
        self.page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"] button')"
            " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
            " && (!document.querySelector('.st-key-map')"  # the plan map: mounted, and its page whole
            "     || !!document.querySelector('.st-key-map .geo-map:not([data-map-first=\"1\"])'))",
            timeout=30_000,
        )

    def shot(self, name: str) -> Path:
        """Save a full-page screenshot as a test artifact."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def map_frame(self) -> Frame:
        """The page's frame once its map has loaded, with ``window.map`` set to the Leaflet map.

        The map is drawn in the page itself (no iframe); tests evaluate map code in this frame.
        """
        frame = self.page.main_frame
        frame.wait_for_function(MAP_READY_JS, timeout=30_000)
        return frame

    def drawn_projects(self, frame: Frame) -> list[str]:
        """``project_id`` of every feature layer Leaflet has on the map."""
        return frame.evaluate(DRAWN_PROJECTS_JS)


@pytest.fixture
def browse(page: Page, app_url: str) -> Browse:
    return Browse(page, app_url)


DRAWN_PROJECTS_JS = """() => {
    const ids = [];
    window.map.eachLayer(l => {
        if (l.feature && l.feature.properties.project_id) ids.push(l.feature.properties.project_id);
    });
    return ids;
}"""
