"""Switching plans in a real browser (issue 21 part 2): the sidebar's plan picker, on a server whose
``GEO_PLANS_DIR`` holds the built-in plan and the second 示例 package.

On the Totals page, choosing the 示例 plan shows its title in the picker, its table totals (450 亩) and puts
``plan=other`` in the address; choosing the built-in plan again brings its totals back (14,515 亩) and takes
``plan=`` out. A link with ``?plan=other`` opens on the 示例 plan. No request leaves localhost.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

from geo.plan.current import DEFAULT_DIR, PLANS_ENV
from tests.e2e.conftest import Browse, serve_app

ROOT = Path(__file__).resolve().parents[2]
OTHER = ROOT / "tests" / "fixtures" / "plans" / "other"
DATA_TITLE = "重庆高新区“十四五”高技术服务业发展规划（2021–2025）"
OTHER_TITLE = "示例县“十四五”服务业发展规划（2021–2025）"
SIDEBAR = "[data-testid='stSidebar']"


def choose(page: Page, browse: Browse, title: str) -> None:
    """Pick ``title`` in the sidebar's plan picker and wait for the page to be drawn again."""
    picker = page.locator(SIDEBAR).get_by_label("规划", exact=True)
    picker.click()
    page.get_by_role("option", name=title, exact=True).click()
    browse.wait()


def picker_shows(page: Page, title: str) -> None:
    """Wait until the sidebar's plan picker shows ``title`` (a selectbox shows its choice in its input)."""
    page.wait_for_function(
        "([sel, t]) => [...document.querySelectorAll(sel + ' input')].some(i => i.value === t)",
        arg=[SIDEBAR, title], timeout=60_000)


def land_total(page: Page, value: str) -> None:
    """Wait until the Totals page's first figure (the tables' land) reads ``value``."""
    page.wait_for_function(
        "(v) => { const m = document.querySelector('[data-testid=\"stMetricValue\"]');"
        " return m && m.innerText.trim() === v; }", arg=value, timeout=60_000)


def test_switching_plans_in_the_picker_shows_the_other_plans_title_and_totals(page, tmp_path, offline):
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "data").symlink_to(DEFAULT_DIR, target_is_directory=True)
    (plans / "other").symlink_to(OTHER, target_is_directory=True)
    before = os.environ.get(PLANS_ENV)
    os.environ[PLANS_ENV] = str(plans)
    try:
        with serve_app(tmp_path / "ws", log_name="e2e-plan-switch.log") as url:
            browse = Browse(page, url)
            browse.go("/totals")
            picker_shows(page, DATA_TITLE)  # the picker shows the plan in use
            land_total(page, "14,515 亩")
            assert "plan=" not in page.url

            choose(page, browse, OTHER_TITLE)
            picker_shows(page, OTHER_TITLE)
            land_total(page, "450 亩")  # the 示例 plan's tables
            page.wait_for_function("() => location.search.includes('plan=other')", timeout=30_000)
            browse.shot("plan_switch_other")

            choose(page, browse, DATA_TITLE)
            land_total(page, "14,515 亩")
            page.wait_for_function("() => !location.search.includes('plan=')", timeout=30_000)

            browse.go("/totals?plan=other")  # a link names the plan
            picker_shows(page, OTHER_TITLE)
            land_total(page, "450 亩")
            assert offline.blocked == []
    finally:
        if before is None:
            os.environ.pop(PLANS_ENV, None)
        else:
            os.environ[PLANS_ENV] = before
