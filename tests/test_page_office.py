"""The app once the workspace has accounts (AppTest, both backends): sign-in gate, roles on the Check page, admin page.

Anonymous visitors see a sign-in form and nothing else; a viewer reads the
team's saved checks but cannot upload or change them; a checker changes only
their own; sessions expire; the admin page manages accounts and shows the
audit trail; values from the URL are shown as text.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
from streamlit.testing.v1 import AppTest

from geo.store import single_user
from geo.store import workspace as ws
from tests.fixtures import synthetic as syn
from tests.fixtures.apptest import texts
from tests.fixtures.map_element import painted
from tests.test_workspace import INFO, checked
from ui import auth, safe

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
CHECK = "pages/check_page.py"
PASSWORDS = {"alice": "alice-Secret-1", "bob": "bob-Secret-22", "carol": "carol-Secret-333", "dave": "dave-Secret-4444"}
ROLES = {"alice": "checker", "bob": "checker", "carol": "viewer", "dave": "admin"}


def run(at: AppTest) -> AppTest:
    painted(at.run(timeout=120))
    assert not at.exception, at.exception
    return at


@pytest.fixture
def accounts(backend):
    off = ws.office()
    for name, role in ROLES.items():
        off.add_user(single_user(), name, role, PASSWORDS[name])
    r = checked(203)
    off.save(off.actor("alice"), "alice1", r.parcels, r.findings, info=INFO, file_hash="a" * 64)
    return off


def signed_in(name: str, page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    run(at)
    assert at.title[0].value == "登录"
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(PASSWORDS[name])
    at.button[0].click()  # the form's submit button
    run(at)
    if page:
        at.switch_page(page)
        run(at)
    return at


def test_single_user_app_needs_no_sign_in(backend):
    at = run(AppTest.from_file(APP, default_timeout=120))
    assert at.title[0].value != "登录"
    assert "单用户模式" in texts(at)


def test_anonymous_visitors_see_only_the_sign_in_form(accounts):
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(CHECK)
    run(at)
    assert [t.value for t in at.title] == ["登录"]
    assert not at.dataframe and not at.get("file_uploader") and not at.text
    assert "测绘.zip" not in texts(at) and "alice1" not in str(at.session_state)
    assert len(at.text_input) == 2 and at.text_input[1].proto.type == at.text_input[1].proto.PASSWORD


def test_wrong_password_is_refused_and_recorded(accounts):
    at = run(AppTest.from_file(APP, default_timeout=120))
    at.text_input(key="auth_name").input("alice")
    at.text_input(key="auth_password").input("not-the-password")
    at.button[0].click()
    run(at)
    assert "账户名或密码错误" in at.error[0].value.replace("\\", "")  # err.auth.wrong, in the session's Chinese
    assert at.title[0].value == "登录"
    last = accounts.store.audit()[-1]
    assert (last.user, last.action, last.detail["reason"]) == ("alice", "login_failed", "wrong password")
    assert last.detail["client"].startswith("web:")


def test_viewer_reads_the_teams_checks_but_changes_nothing(accounts):
    at = signed_in("carol", CHECK)
    assert not at.get("file_uploader")
    assert "您是查看者" in texts(at)
    assert any(t.value == "测绘.zip · 2 地块数 · 1 问题数" for t in at.text)
    keys = {b.key for b in at.button}
    assert "chk_open_alice1" in keys and "chk_use_alice1" not in keys and "chk_rm_alice1" not in keys
    at.button(key="chk_open_alice1").click()
    run(at)
    assert "显示已保存的上传：测绘.zip" in texts(at)


def test_a_checker_changes_only_their_own(accounts):
    bob = signed_in("bob", CHECK)
    keys = {b.key for b in bob.button}
    assert "chk_use_alice1" not in keys and "chk_rm_alice1" not in keys
    assert "alice · " in texts(bob) and "未使用" in texts(bob)  # owner, time and state shown as text
    alice = signed_in("alice", CHECK)
    alice.button(key="chk_use_alice1").click()
    run(alice)
    assert accounts.store.get_upload("alice1").use_surveyed
    bob.number_input(key="chk_tolerance").set_value(3.0)  # bob's reruns leave alice's switch alone
    run(bob)
    assert accounts.store.get_upload("alice1").use_surveyed
    assert "正在使用实测几何" in texts(bob)
    alice.button(key="chk_rm_alice1").click()
    run(alice)
    assert not accounts.store.get_upload("alice1").deleted  # asked first, naming the upload
    alice.button(key="chk_rm_yes_alice1").click()
    run(alice)
    assert accounts.store.get_upload("alice1").deleted
    assert "chk_restore_alice1" in {b.key for b in alice.button}


def test_the_app_script_does_nothing_when_a_read_worker_imports_it(accounts):
    """The file reader's worker processes import ``app.py`` as their main module, outside any Streamlit run.

    It once ran the sign-in there and failed, so every signed-in upload was
    refused as "used more than 1536 MB" whenever the worker started from the app.
    """
    imported = subprocess.run([sys.executable, "-c", f"import runpy; runpy.run_path({APP!r}, run_name='__mp_main__')"],
                              cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert imported.returncode == 0, imported.stderr
    assert "Traceback" not in imported.stderr


def test_saving_is_explicit_and_owned(accounts, tmp_path):
    path = tmp_path / "s.geojson"
    pyogrio.write_dataframe(syn.plan_survey(), path, driver="GeoJSON")
    at = signed_in("bob", CHECK)
    at.file_uploader[0].upload("bob.geojson", path.read_bytes(), "application/geo+json")
    run(at)
    assert [u.upload_id for u in accounts.store.list_uploads()] == ["alice1"]
    at.button(key="chk_save").click()
    run(at)
    mine = [u for u in accounts.store.list_uploads() if u.owner == "bob"]
    assert len(mine) == 1 and mine[0].name == "bob.geojson"
    assert mine[0].file_hash == ws.file_hash(path.read_bytes())
    assert f"已保存到工作区（编号 {mine[0].upload_id}）。" in texts(at)


def test_sessions_expire(accounts, monkeypatch):
    at = signed_in("alice")
    monkeypatch.setenv("GEO_SESSION_IDLE_MINUTES", "0")
    run(at)
    assert at.title[0].value == "登录" and "会话已过期" in texts(at)
    last = accounts.store.audit()[-1]
    assert (last.user, last.action, last.detail["reason"]) == ("alice", "logout", "session expired")


def test_sign_out(accounts):
    at = signed_in("alice")
    at.button(key="auth_sign_out").click()
    run(at)
    assert at.title[0].value == "登录"
    assert accounts.store.audit()[-1].action == "logout"


def test_disabled_account_is_signed_out_at_the_next_click(accounts):
    at = signed_in("bob", CHECK)
    accounts.set_disabled(single_user(), "bob", True)
    run(at)
    assert at.title[0].value == "登录"


def test_admin_page_for_admins_only(accounts):
    carol = signed_in("carol")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        carol.switch_page("pages/admin_page.py")  # not in a viewer's navigation
    page = AppTest.from_file(str(ROOT / "pages" / "admin_page.py"), default_timeout=120)
    page.session_state[auth.SESSION_KEY] = dict(carol.session_state[auth.SESSION_KEY])  # carol opens it anyway
    run(page)
    assert "只有管理员可以打开此页" in texts(page) and not page.dataframe
    assert accounts.store.audit()[-1].detail["attempted"] == "list"

    dave = signed_in("dave", "pages/admin_page.py")
    users = next(d.value for d in dave.dataframe if "名称" in d.value.columns)
    assert users["名称"].tolist() == ["alice", "bob", "carol", "dave"]
    audit = next(d.value for d in dave.dataframe if "操作" in d.value.columns)
    assert {"登录成功", "保存上传", "添加账户", "操作被拒绝"} <= set(audit["操作"])  # words, not action keys
    assert not {"login_ok", "save", "user_add", "refused"} & set(audit["操作"])
    assert not any(str(v).lstrip().startswith("{") for v in audit["详情"])  # not raw JSON
    assert "尝试：查看账户" in " ".join(audit["详情"])  # carol's refused visit, in words
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", v) for v in audit["时间（北京时间）"])
    assert not any("argon2" in str(v) for v in audit.to_numpy().ravel())
    dave.text_input(key="adm_add_name").input("erin")
    dave.selectbox(key="adm_add_role").set_value("checker")
    dave.text_input(key="adm_add_pw").input("erin-Secret-55")
    dave.text_input(key="adm_add_pw2").input("erin-Secret-55")
    next(b for b in dave.button if b.proto.label == "添加账户").click()
    run(dave)
    assert accounts.store.get_user("erin").role == "checker"
    assert "已添加 erin。" in texts(dave)


def test_url_parameters_are_shown_as_text(accounts):
    at = signed_in("alice", basemap="[重新登录](http://evil.example/login)", q="![x](http://evil.example/x.png)")
    (warning,) = [w.value for w in at.warning]
    assert "](" not in warning and "http:" not in warning
    assert "basemap=[重新登录](http://evil.example/login)" in safe.shown(warning)


def test_single_sign_on_maps_a_verified_identity_to_a_local_account(accounts, monkeypatch):
    """GEO_AUTH=oidc: st.login's identity (mocked here: no identity provider in tests) must name an enabled
    account and be verified; a refused identity is recorded once per session."""
    monkeypatch.setenv("GEO_AUTH", "oidc")
    identity: list[tuple[str, bool] | None] = [None]
    monkeypatch.setattr(auth, "oidc_identity", lambda: identity[0])
    at = run(AppTest.from_file(APP, default_timeout=120))
    assert at.title[0].value == "登录" and not at.text_input
    assert [b.label for b in at.button] == ["使用单点登录"]
    identity[0] = ("mallory@bureau.example", True)
    run(at)
    run(at)
    assert "mallory@bureau.example 在本工作区没有启用的账户" in texts(at)
    refused = [e for e in accounts.store.audit() if e.detail.get("via") == "oidc"]
    assert [(e.action, e.detail["identity"], e.detail["reason"]) for e in refused] == [
        ("login_failed", "mallory@bureau.example", "no enabled account")]  # once, not per rerun
    identity[0] = ("Alice", False)  # the provider did not verify it: refused although the account exists
    unverified = run(AppTest.from_file(APP, default_timeout=120))
    assert "已登录" not in texts(unverified) and unverified.title[0].value == "登录"
    assert accounts.store.audit()[-1].detail["reason"] == "not verified"
    identity[0] = ("Alice", True)
    fresh = run(AppTest.from_file(APP, default_timeout=120))
    assert "已登录：alice（核查员）" in texts(fresh)
    last = accounts.store.audit()[-1]
    assert (last.user, last.action, last.detail["via"]) == ("alice", "login_ok", "oidc")


def test_the_verified_claim_must_be_true(monkeypatch):
    assert auth.identity_of({"email": "a@b.cn", "email_verified": True}) == ("a@b.cn", True)
    for claims in ({"email": "a@b.cn"}, {"email": "a@b.cn", "email_verified": "true"},
                   {"email": "a@b.cn", "email_verified": 1}):
        assert auth.identity_of(claims) == ("a@b.cn", False)
    assert auth.identity_of({"preferred_username": "wang"}) == ("wang", False)
    assert auth.identity_of({"sub": "x"}) is None
    monkeypatch.setenv("GEO_OIDC_VERIFIED_CLAIM", "staff")
    assert auth.identity_of({"preferred_username": "wang", "staff": True}) == ("wang", True)


def test_clients_behind_a_trusted_proxy_are_told_apart_and_a_proxy_without_the_header_is_refused():
    assert auth.client_of("10.0.0.7", None, None) == "web:10.0.0.7"
    assert auth.client_of("10.0.0.7", "1.2.3.4", None) == "web:10.0.0.7"  # an untrusted peer's header is ignored
    proxy = "10.0.0.1"
    assert auth.client_of(proxy, "10.8.0.5", proxy) == "web:10.8.0.5"
    assert auth.client_of(proxy, "6.6.6.6, 10.8.0.5", proxy) == "web:10.8.0.5"  # what the proxy saw, not the client
    assert auth.client_of(proxy, "10.8.0.5, 10.0.0.2", "10.0.0.1, 10.0.0.2") == "web:10.8.0.5"
    assert auth.client_of(proxy, None, proxy) == f"web:{proxy}:{auth.NO_FORWARDED}"


@pytest.fixture
def open_to_others():
    """The server bound to every address, as a deployment passes ``--server.address 0.0.0.0``."""
    from streamlit import config

    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    yield
    config.set_option("server.address", before)


def test_a_server_open_to_others_with_no_account_refuses_everyone(backend, open_to_others, monkeypatch):
    for page in (None, CHECK, "pages/export_page.py"):
        at = AppTest.from_file(APP, default_timeout=120)
        if page:
            at.switch_page(page)
        run(at)
        assert [t.value for t in at.title] == ["首次设置：尚无账户"]
        assert "python -m geo users add 管理员名 --role admin" in at.code[0].value
        assert not at.get("file_uploader") and not at.text_input and not at.button
    assert not ws.office().accounts_exist()
    monkeypatch.setenv("GEO_SINGLE_USER", "1")  # the operator says so
    at = run(AppTest.from_file(APP, default_timeout=120))
    assert "单用户模式" in texts(at)


def test_a_reset_password_ends_the_old_session(accounts):
    at = signed_in("bob", CHECK)
    accounts.set_password(single_user(), "bob", "bob-Reset-Secret-77")
    run(at)
    assert at.title[0].value == "登录" and "会话已结束" in texts(at)


def test_users_change_their_own_password(accounts):
    at = signed_in("alice")
    at.text_input(key="auth_pw_old").input(PASSWORDS["alice"])
    at.text_input(key="auth_pw_new").input("alice-Own-Secret-99")
    at.text_input(key="auth_pw_again").input("alice-Own-Secret-99")
    next(b for b in at.button if b.proto.label == "修改密码").click()
    run(at)
    assert "密码已修改" in texts(at) and "已登录：alice" in texts(at)  # this session goes on
    run(at)
    assert "已登录：alice" in texts(at)
    accounts.login("alice", "alice-Own-Secret-99", client="web:test")


def test_account_changes_start_with_nothing_chosen_and_need_a_confirmation(accounts):
    dave = signed_in("dave", "pages/admin_page.py")
    assert dave.selectbox(key="adm_change_user").value is None
    assert dave.selectbox(key="adm_change_role").value is None
    dave.button(key="adm_role").click()  # one click with nothing chosen changes nothing
    run(dave)
    assert "请先选择账户" in texts(dave)
    dave.selectbox(key="adm_change_user").set_value("dave")
    dave.selectbox(key="adm_change_role").set_value("viewer")
    dave.button(key="adm_role").click()
    run(dave)
    assert "确认将 dave 的角色设为「查看者」？" in texts(dave)
    assert accounts.store.get_user("dave").role == "admin"  # not yet
    dave.button(key="adm_confirm").click()
    run(dave)
    assert "dave 是" not in texts(dave) and "'dave' 是最后一个已启用的管理员" in texts(dave)  # err.store.last_admin
    assert accounts.store.get_user("dave").role == "admin"  # the last admin stays one
    dave.selectbox(key="adm_change_user").set_value("carol")
    dave.button(key="adm_disable").click()
    run(dave)
    dave.button(key="adm_cancel").click()
    run(dave)
    assert not accounts.store.get_user("carol").disabled
    dave.selectbox(key="adm_change_user").set_value("carol")
    dave.button(key="adm_disable").click()
    run(dave)
    dave.button(key="adm_confirm").click()
    run(dave)
    assert accounts.store.get_user("carol").disabled and "已更改。" in texts(dave)
    dave.button(key="adm_verify").click()
    run(dave)
    # the verdict in the session's language; the audit trail records it in English, as always
    assert "审计记录完整。" in texts(dave) and any(t.value.startswith("完整，共 ") for t in dave.text)
    assert accounts.store.audit()[-1].action == "audit_verify"
    assert str(accounts.store.audit()[-1].detail["result"]).startswith("intact, ")
