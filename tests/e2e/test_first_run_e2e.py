"""Fail closed in a real browser: a server on 0.0.0.0 before its first account, and a workspace that went missing.

The server is bound to every address (as an intranet deployment is) with an
empty workspace: no visitor may become the single user, so every page shows
how the operator creates the first administrator, and nothing can be uploaded
or written. Then the workspace file is moved away (a wrong GEO_WORKSPACE, an
unmounted volume): the app shows an error, not an empty workspace.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Browse, serve_app


@pytest.fixture(scope="module")
def open_server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("e2e-first-run")
    with serve_app(folder, log_name="e2e-first-run-streamlit.log", address="0.0.0.0") as url:
        yield url, folder


@pytest.mark.parametrize("path", ["/", "/check", "/export", "/admin"])
def test_a_server_open_to_others_with_no_account_shows_only_how_to_create_the_first_admin(page, open_server, path):
    url, _ = open_server
    browse = Browse(page, url)
    browse.go(path)
    assert page.locator("h1").first.inner_text() == "首次设置：尚无账户"
    page.locator("[data-testid='stCode']").first.wait_for(timeout=30_000)
    browse.wait()
    body = page.locator("body").inner_text()
    assert "python -m geo users add 管理员名 --role admin" in body
    assert "单用户模式" not in body.replace("即为单用户模式", "")  # nobody is made the single user
    assert page.locator("[data-testid='stFileUploader']").count() == 0
    assert page.locator("input").count() == 0  # no form, no upload, no sign-in: nothing can be written
    assert page.get_by_role("button").filter(has_text="保存").count() == 0


def test_a_workspace_that_went_missing_is_an_error_not_an_empty_app(page, open_server):
    url, folder = open_server
    moved = folder / "moved.gpkg"
    (folder / "workspace.gpkg").rename(moved)
    try:
        browse = Browse(page, url)
        page.goto(url + "/check")
        error = page.locator("[data-testid='stAlert']").first
        error.wait_for(timeout=30_000)
        text = error.inner_text().replace("\u2060", "")
        assert "workspace.gpkg 不存在" in text and "python -m geo db init" in text  # the session is Chinese
        assert page.locator("[data-testid='stFileUploader']").count() == 0
        browse.shot("first_run_missing_workspace")
        assert not (folder / "workspace.gpkg").exists()  # nothing was created in its place
    finally:
        moved.rename(folder / "workspace.gpkg")
