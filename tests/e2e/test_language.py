"""Switching language in a real browser leaves no text of the other language in the sidebar, the map legend
and the Totals page (the language picker excepted)."""

from __future__ import annotations

import re

from tests.test_words import CJK, SEED_TOKENS

#: Visible text of an element: its text nodes (icons' ligature names and the language picker left out), the
#: values of its inputs (a selectbox shows its choice there) and the placeholders of empty ones.
VISIBLE_TEXT_JS = """(sel) => {
    const root = document.querySelector(sel);
    if (!root) return null;
    const skip = el => el.closest("[data-testid='stIconMaterial'], [data-testid='stRadio']");
    const parts = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const el = walker.currentNode.parentElement;
        const text = walker.currentNode.textContent.trim();
        if (text && el && !skip(el) && el.checkVisibility()) parts.push(text);
    }
    root.querySelectorAll("input").forEach(i => {
        if (skip(i)) return;
        if (i.value) parts.push(i.value); else if (i.placeholder) parts.push(i.placeholder);
    });
    return parts;
}"""
SIDEBAR = "[data-testid='stSidebar']"
MAIN = "[data-testid='stMain']"
LEGEND = ".legend"
#: Latin words a Chinese page may show: the plan's own (IC, GDP …) and product names.
NAMES = SEED_TOKENS | {"CSV", "Excel", "OpenStreetMap", "CartoDB", "Esri", "GCJ"}


def texts(page, selector: str) -> list[str]:
    page.wait_for_selector(selector, timeout=30_000)
    found = page.evaluate(VISIBLE_TEXT_JS, selector)
    assert found, f"nothing visible in {selector}"
    return found


def english_words(parts: list[str]) -> list[str]:
    return [w for p in parts for w in re.findall(r"[A-Za-z]{2,}", p) if w not in NAMES]


def chinese(parts: list[str]) -> list[str]:
    return [p for p in parts if CJK.search(p)]


def wait_for_legend(page, word: str) -> None:
    """Wait until the legend under the map is redrawn (it follows the map, so it is the last to change)."""
    page.wait_for_function(
        "(w) => { const l = document.querySelector('.legend'); return l && l.innerText.includes(w); }",
        arg=word, timeout=60_000)


def wait_for_totals(page, label: str, stale: str | None = None) -> None:
    """Wait for the page's last element, the Excel download (all drawn), and, after a switch, until no
    button holds the other language's ``stale`` text: Streamlit keeps the previous run's elements, faded,
    until the new run replaces them, the CSV button before the Excel one."""
    page.get_by_role("button", name=label).wait_for(timeout=60_000)
    if stale:
        page.wait_for_function(
            "(s) => ![...document.querySelectorAll('button')].some(b => b.innerText.includes(s))",
            arg=stale, timeout=60_000)


def test_language_switch_leaves_no_other_language(browse):
    page = browse.go("/?basemap=none&colour=zone")
    wait_for_legend(page, "不属于任何空间单元")
    assert english_words(texts(page, SIDEBAR)) == []
    assert english_words(texts(page, LEGEND)) == []

    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Core, circles and zones · platform projects map").wait_for()
    browse.wait()
    wait_for_legend(page, "In no spatial unit")
    assert chinese(texts(page, SIDEBAR)) == []
    legend = texts(page, LEGEND)
    assert chinese(legend) == [] and "In no spatial unit" in " ".join(legend)
    values = page.locator(f"{SIDEBAR} input[role='combobox']").evaluate_all("els => els.map(e => e.value)")
    assert values[:2] == ["No basemap (offline)", "Spatial unit (core, circles, zones)"]

    page.locator(f"{SIDEBAR} a", has_text="Totals").click()
    page.get_by_role("heading", name="Totals: tables, text and map reconciled").wait_for()
    wait_for_totals(page, "Download reconciliation Excel")
    browse.wait()
    assert chinese(texts(page, MAIN)) == []
    assert chinese(texts(page, SIDEBAR)) == []
    browse.shot("totals_english")

    page.get_by_text("中文", exact=True).click()
    page.get_by_role("heading", name="总量核对：表、文本与地图").wait_for()
    wait_for_totals(page, "下载核对表 Excel", stale="Download reconciliation")
    browse.wait()
    assert english_words(texts(page, MAIN)) == []
    sidebar = texts(page, SIDEBAR)
    assert english_words(sidebar) == []
    values = page.locator(f"{SIDEBAR} input[role='combobox']").evaluate_all("els => els.map(e => e.value)")
    assert values[:2] == ["无底图（离线）", "空间单元（一核双圈两片）"]  # the choices, relabelled
    assert "行政区" in sidebar and "轨道交通" in sidebar  # the chosen context layers' chips
    browse.shot("totals_chinese")


#: What the Check page itself names in Latin letters (formats, a unit); anything else is a Streamlit word left.
CHECK_NAMES = {"GeoJSON", "GeoPackage", "Shapefile", "KML", "KMZ", "WKT", "MB"}
UPLOADER_WORDS_JS = """(sel) => [...document.querySelectorAll(sel)].map(e => getComputedStyle(e, '::after').content)"""


def test_the_check_page_has_no_streamlit_english_in_chinese_mode(browse):
    page = browse.go("/check")
    page.wait_for_selector(".st-key-chk_upload [data-testid='stFileUploaderDropzone']", timeout=60_000)
    left = set(english_words(texts(page, MAIN))) - CHECK_NAMES
    assert left == set(), f"English words on the Chinese Check page: {sorted(left)}"
    button, limit = page.evaluate(
        UPLOADER_WORDS_JS, ".st-key-chk_upload button [data-testid='stMarkdownContainer'], "
                           ".st-key-chk_upload [data-testid='stFileUploaderDropzoneInstructions'] > div")
    assert button == '"选择文件"'
    assert "单个文件不超过 200 MB" in limit and "GPKG" in limit  # the limit Streamlit enforces, said in Chinese

    page.get_by_text("English", exact=True).click()
    page.get_by_text("200MB per file", exact=False).wait_for(timeout=60_000)  # English mode: Streamlit's own words
    browse_button = page.locator(".st-key-chk_upload [data-testid='stFileUploaderDropzone'] button")
    assert browse_button.inner_text().strip().endswith("Upload")
