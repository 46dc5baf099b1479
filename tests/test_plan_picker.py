"""Choosing a plan in the app (issue 21 part 2): ``GEO_PLANS_DIR``, the sidebar's picker, ``?plan=``.

``GEO_PLANS_DIR`` is a temporary folder holding a link to ``data/`` (the built-in plan: listed once), a link to
the second 示例 package ``tests/fixtures/plans/other`` and ``broken``, a copy of it with a cell that is not a
number. The choice is the session's (:func:`ui.sidebar.session_plan`, the resolver of
:func:`geo.plan.current.plan_dir`): two sessions on two plans, or two threads, never see each other's plan,
and the process-wide plan (the CLI's) is unchanged.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.plan.current import (
    DEFAULT_DIR,
    PLANS_ENV,
    find_plan,
    list_plans,
    plan_dir,
    process_plan_dir,
    set_session_resolver,
    using_plan,
)
from tests.fixtures.apptest import texts
from tests.fixtures.map_element import painted

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
OTHER = ROOT / "tests" / "fixtures" / "plans" / "other"
OTHER_ID = "example-county-services-2021-2025"
DATA_TITLE = "重庆高新区“十四五”高技术服务业发展规划（2021–2025）"
OTHER_TITLE = "示例县“十四五”服务业发展规划（2021–2025）"


def make_plans(root: Path) -> Path:
    """``root/plans``: ``data`` (a link to the built-in plan), ``other`` (a link), ``broken`` (a bad copy)."""
    plans = root / "plans"
    plans.mkdir()
    (plans / "data").symlink_to(DEFAULT_DIR, target_is_directory=True)
    (plans / "other").symlink_to(OTHER, target_is_directory=True)
    broken = plans / "broken"
    shutil.copytree(OTHER, broken)
    projects = broken / "plan" / "projects.csv"
    lines = projects.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = lines[1].rstrip("\n").split(",")
    cells[header.index("declared_mu")] = "abc"
    lines[1] = ",".join(cells) + "\n"
    projects.write_text("".join(lines), encoding="utf-8")
    return plans


@pytest.fixture()
def plans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = make_plans(tmp_path)
    monkeypatch.setenv(PLANS_ENV, str(folder))
    monkeypatch.delenv("GEO_PLAN", raising=False)
    return folder


def app(**params: str) -> AppTest:
    """The app as a link opens it (the map page, whole, with the shared sidebar)."""
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in {"basemap": "none", **params}.items():
        at.query_params[key] = value
    return painted(at.run())


def plan_land(at: AppTest) -> str:
    """The Totals page's table land total, in the session's plan."""
    at.switch_page("pages/totals_page.py").run()
    assert not at.exception, at.exception
    return {m.label: m.value for m in at.metric}["规划用地合计（表）"]


# --- the library ------------------------------------------------------------------------------------------------


def test_the_plans_offered_are_the_builtin_then_each_subfolder(plans):
    entries = list_plans()
    assert [e.key for e in entries] == ["data", "broken", "other"]  # the link to data/ is the built-in, once
    builtin, broken, other = entries
    assert builtin.builtin and builtin.folder == DEFAULT_DIR and builtin.usable
    assert (other.plan_id, other.title_zh, other.period) == (OTHER_ID, "示例县“十四五”服务业发展规划", "2021–2025")
    assert not broken.usable and broken.problem is not None
    assert "broken is not a usable plan package" in broken.problem and "declared_mu" in broken.problem
    assert "'abc' is not a number" in broken.problem and "\n" not in broken.problem
    assert str(plans) not in broken.problem  # named by the folder's name: the server's paths are not shown


def test_a_subfolder_whose_name_is_taken_is_listed_with_its_problem(tmp_path, monkeypatch):
    plans = tmp_path / "plans"
    shutil.copytree(OTHER, plans / "data")  # a real folder named like the built-in plan, not a link to it
    monkeypatch.setenv(PLANS_ENV, str(plans))
    monkeypatch.delenv("GEO_PLAN", raising=False)
    builtin, taken = list_plans()
    assert builtin.folder == DEFAULT_DIR and taken.key == "data" and not taken.usable
    assert "the name 'data' is taken" in str(taken.problem)
    assert find_plan(list_plans(), "data") == builtin


def test_a_deferred_download_keeps_the_sessions_plan(monkeypatch):
    """Streamlit runs a download's callable in a thread of its own, outside the session: ``ui.data.in_plan``."""
    from layers import load_plan_info
    from ui.data import in_plan

    monkeypatch.delenv("GEO_PLAN", raising=False)
    try:
        set_session_resolver(lambda: OTHER.resolve())
        bound = in_plan(lambda: str(load_plan_info()["title_zh"]))
    finally:
        set_session_resolver(None)
    got: list[str] = []
    worker = threading.Thread(target=lambda: got.append(bound()))
    worker.start()
    worker.join()
    assert got == ["示例县“十四五”服务业发展规划"]
    assert plan_dir() == DEFAULT_DIR


def test_a_choice_is_matched_against_the_list_never_used_as_a_path(plans):
    entries = list_plans()
    assert find_plan(entries, "other").key == "other"
    assert find_plan(entries, OTHER_ID).key == "other"  # by the package's id
    assert find_plan(entries, "cq-hightech-services-2021-2025").key == "data"
    for value in ("broken", str(OTHER), "../other", "other/", "plans/other", "/", "", "nonexistent"):
        assert find_plan(entries, value) is None, value


def test_without_plans_dir_only_the_process_plan_is_offered(monkeypatch):
    monkeypatch.delenv(PLANS_ENV, raising=False)
    monkeypatch.delenv("GEO_PLAN", raising=False)
    assert [e.key for e in list_plans()] == ["data"]
    monkeypatch.setenv("GEO_PLAN", str(OTHER))  # GEO_PLAN: the server's default plan
    assert [(e.key, e.builtin) for e in list_plans()] == [("other", True)]


def test_the_block_then_the_session_then_the_process_plan(monkeypatch):
    monkeypatch.delenv("GEO_PLAN", raising=False)
    try:
        set_session_resolver(lambda: None)  # outside a session: the process-wide plan (the CLI's)
        assert plan_dir() == DEFAULT_DIR == process_plan_dir()
        set_session_resolver(lambda: OTHER.resolve())
        assert plan_dir() == OTHER.resolve()
        with using_plan(DEFAULT_DIR):
            assert plan_dir() == DEFAULT_DIR
        assert plan_dir() == OTHER.resolve()
        assert process_plan_dir() == DEFAULT_DIR
    finally:
        set_session_resolver(None)
    assert plan_dir() == DEFAULT_DIR


def test_concurrent_sessions_on_two_plans_never_mix(monkeypatch):
    """Two threads, each a "session" on its own plan, load the layers many times at once: each sees its own."""
    from layers import load_projects, load_zones

    monkeypatch.delenv("GEO_PLAN", raising=False)
    local = threading.local()
    expected = {DEFAULT_DIR: (list(load_projects()["project_id"]), len(load_zones()))}
    with using_plan(OTHER):
        expected[OTHER.resolve()] = (list(load_projects()["project_id"]), len(load_zones()))
    assert expected[DEFAULT_DIR] != expected[OTHER.resolve()]
    wrong: list[str] = []
    start = threading.Barrier(2)

    def session(folder: Path) -> None:
        local.folder = folder
        start.wait()
        for _ in range(50):
            got = (list(load_projects()["project_id"]), len(load_zones()))
            if plan_dir() != folder or got != expected[folder]:
                wrong.append(str(folder))

    try:
        set_session_resolver(lambda: getattr(local, "folder", None))
        threads = [threading.Thread(target=session, args=(f,)) for f in expected]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        set_session_resolver(None)
    assert wrong == []


# --- the app ----------------------------------------------------------------------------------------------------


def test_the_picker_lists_the_usable_plans_and_switches_the_session(plans):
    at = app()
    assert not at.exception, at.exception
    picker = at.selectbox(key="w_plan")
    assert picker.label == "规划" and picker.value == "data"
    assert picker.options == [DATA_TITLE, OTHER_TITLE]  # the broken package is not offered …
    unusable = [e for e in at.sidebar.expander if e.label == "无法使用的规划包（1）"]
    assert len(unusable) == 1  # … but listed apart, with its one-line reason (as text)
    reason = texts(at)
    # the reason in the session's language (Chinese), the values as they are
    assert "broken: " in reason and "broken 不是可用的规划包" in reason and "'abc' 不是数字" in reason
    assert "plan" not in at.query_params  # the default plan: not in the link
    assert plan_land(at) == "14,515 亩"

    at.selectbox(key="w_plan").select("other").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="w_plan").value == "other"
    assert at.query_params["plan"] == "other"
    assert plan_land(at) == "450 亩"  # the other plan's tables
    at.radio(key="w_lang").set_value("en").run()
    assert at.selectbox(key="w_plan").options == [
        "Chongqing High-tech Zone 14th Five-Year Plan for High-tech Service Industries (2021–2025)",
        "Example County 14th Five-Year Plan for Service Industries (示例) (2021–2025)"]
    at.selectbox(key="w_plan").select("data").run()
    assert "plan" not in at.query_params
    at.radio(key="w_lang").set_value("zh").run()
    assert plan_land(at) == "14,515 亩"


def test_the_plan_in_the_link_chooses_it_by_folder_name_or_package_id(plans):
    for value in ("other", OTHER_ID):
        at = app(plan=value)
        assert not at.exception, at.exception
        assert at.selectbox(key="w_plan").value == "other"
        assert at.error == [] or all(value not in e.value for e in at.error)
        assert plan_land(at) == "450 亩"


@pytest.mark.parametrize("value", ["nosuch", "broken", "../other", str(OTHER), "[x](http://example.com)"])
def test_an_unknown_plan_in_the_link_is_named_and_the_current_plan_kept(plans, value):
    at = app(plan=value)
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1
    shown = texts(at)
    assert f"链接中的规划“{value}”不在本服务器提供的规划中，仍显示当前规划。可选：data, other。" in shown
    assert "](" not in errors[0].replace("\\](", "")  # the value is text, never a link
    assert at.selectbox(key="w_plan").value == "data"
    assert plan_land(at) == "14,515 亩"


def test_two_sessions_on_two_plans_each_see_their_own(plans):
    one, two = app(plan="other"), app()
    assert plan_land(one) == "450 亩"
    assert plan_land(two) == "14,515 亩"
    assert plan_land(one) == "450 亩"  # after the other session ran
    assert plan_dir() == DEFAULT_DIR  # outside a session: the process-wide plan


def test_a_package_that_breaks_later_is_listed_unusable_and_the_session_keeps_its_plan(plans, tmp_path):
    edition = plans / "edition"
    shutil.copytree(OTHER, edition)
    at = app(plan="edition")
    assert at.selectbox(key="w_plan").value == "edition"
    assert plan_land(at) == "450 亩"
    descriptor = edition / "datapackage.json"
    descriptor.write_text("{ not json", encoding="utf-8")  # its descriptor changes: listed again
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="w_plan").value == "edition"  # the plan it had …
    assert plan_land(at) == "450 亩"  # … still served
    assert "edition: " in texts(at) and "不是有效的 UTF-8 JSON" in texts(at)  # the session's language
    fresh = app(plan="edition")  # a new session is not offered it
    assert fresh.selectbox(key="w_plan").value == "data" and len(fresh.error) == 1
