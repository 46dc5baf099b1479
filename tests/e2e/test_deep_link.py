"""A deep link as the very first request after the server starts (see ``ui/launch.py``).

Streamlit treats a folder named ``pages/`` beside the entry script as a
legacy multipage app until ``st.navigation`` has run once in the process.
The first request must still get the shared sidebar, our menu, the page it
asked for and no "page not found" notice. This test needs a fresh server.
"""

from __future__ import annotations

from tests.e2e.conftest import Browse, serve_app


def test_first_request_to_a_deep_link_on_a_fresh_server(page, tmp_path, offline):
    with serve_app(tmp_path / "ws", log_name="e2e-deep-link.log") as url:
        browse = Browse(page, url)
        browse.go("/totals?lang=en&track=testing")
        assert page.locator("h1").first.inner_text() == "Totals: tables, text and map reconciled"
        sidebar = page.locator("[data-testid='stSidebar']")
        assert sidebar.get_by_text("Language 语言", exact=True).count() == 1  # the shared sidebar, not a bare page
        assert page.get_by_text("Page not found").count() == 0
        assert sidebar.get_by_role("link", name="Totals").count() == 1  # our menu, not file names
        assert sidebar.get_by_text("totals_page").count() == 0
        page.get_by_text("By track").first.wait_for()  # the page ran to its tables
        assert "track=testing" in page.url  # the link's state survived
        assert offline.blocked == []
        browse.shot("deep_link_totals")
