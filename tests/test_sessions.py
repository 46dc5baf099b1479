"""The server's session table behind the sign-in cookie (``ui.sessions``): what a cookie can and cannot do."""

from __future__ import annotations

import json

from ui.sessions import COOKIE, Session, Sessions, cookie_script, root_path

HOUR = 3600.0


def opened(table: Sessions, at: float = 1000.0) -> str:
    return table.open(Session("alice", "checker", 3, at, at))


def test_a_token_resumes_its_session_and_only_its_hash_is_kept():
    table = Sessions()
    token = opened(table)
    found = table.resume(token, idle=30 * 60, max_age=12 * HOUR, now=1060.0)
    assert found is not None
    assert (found.name, found.role, found.generation, found.since, found.seen) == ("alice", "checker", 3, 1000.0,
                                                                                     1060.0)
    assert token not in repr(table._by_key)  # the server keeps the SHA-256 only
    assert len(token) >= 40


def test_unknown_forged_or_oversized_tokens_resume_nothing():
    table = Sessions()
    token = opened(table)
    for other in (None, "", token[:-1] + ("A" if token[-1] != "A" else "B"), token + "x", "x" * 10_000):
        assert table.resume(other, idle=1e9, max_age=1e9, now=1001.0) is None
    assert len(table) == 1


def test_an_idle_session_expires_and_is_forgotten():
    table = Sessions()
    token = opened(table)
    assert table.resume(token, idle=600, max_age=12 * HOUR, now=1000.0 + 599) is not None  # seen moves on
    assert table.resume(token, idle=600, max_age=12 * HOUR, now=1000.0 + 599 + 601) is None
    assert len(table) == 0
    assert table.resume(token, idle=1e9, max_age=1e9, now=1000.0 + 1300) is None  # gone, not just refused


def test_activity_does_not_extend_the_maximum_age():
    table = Sessions()
    token = opened(table)
    for minute in range(1, 12 * 60, 10):
        assert table.touch(token, now=1000.0 + minute * 60)
    assert table.resume(token, idle=30 * 60, max_age=12 * HOUR, now=1000.0 + 12 * HOUR + 1) is None


def test_closing_a_token_ends_it_everywhere():
    table = Sessions()
    first, second = opened(table), opened(table)
    table.close(first)
    assert not table.touch(first)
    assert table.resume(first, idle=1e9, max_age=1e9, now=1001.0) is None
    assert table.resume(second, idle=1e9, max_age=1e9, now=1001.0) is not None  # another sign-in stays


def test_the_cookie_script_sets_or_drops_the_cookie_with_its_attributes():
    setting = cookie_script("tok_EN-123", max_age=43_200, path="/geo")
    assert f"'{COOKIE}='+encodeURIComponent({json.dumps('tok_EN-123')})" in setting
    assert "Max-Age=43200" in setting and "SameSite=Strict" in setting and "'; Secure'" in setting
    assert "Path='+\"/geo\"" in setting
    dropping = cookie_script(None, max_age=43_200)
    assert "Max-Age=0" in dropping and 'encodeURIComponent("")' in dropping
    hostile = cookie_script("</script><script>alert(1)</script>", max_age=60)
    assert hostile.count("</script>") == 1 and hostile.count("<script>") == 1


def test_the_cookie_path_is_the_apps_root():
    assert [root_path(v) for v in (None, "", "/", "geo", "/geo/", "a//b/")] == ["/", "/", "/", "/geo", "/geo",
                                                                               "/a/b"]
