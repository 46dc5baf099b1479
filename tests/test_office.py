"""geo.store.Office on both backends: roles, ownership, soft deletion, sign-in limits, audit, no clear passwords.

The issue's "Done when", at the level every shell (app, CLI) goes through:
alice (checker) saves; carol (viewer) cannot; bob (checker) cannot delete
alice's upload; alice deletes and restores it; the audit lists each action
and each refusal with its user; no plaintext password anywhere in the database.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from geo.errors import AccessError, LoginError, UsageError
from geo.store import StoreError, single_user
from geo.store import workspace as ws
from geo.store.office import MAX_FAILURES_PER_CLIENT, MAX_FAILURES_PER_NAME, Office
from tests.test_workspace import INFO, checked

PASSWORDS = {"alice": "alice-Secret-1", "bob": "bob-Secret-22", "carol": "carol-Secret-333", "dave": "dave-Secret-4444"}
ROLES = {"alice": "checker", "bob": "checker", "carol": "viewer", "dave": "admin"}


@pytest.fixture
def office(backend) -> Office:
    off = ws.office()
    root = single_user("test")
    for name, role in ROLES.items():
        off.add_user(root, name, role, PASSWORDS[name])
    return off


def sign_in(off: Office, name: str):
    return off.login(name, PASSWORDS[name], client="web:127.0.0.1")


def save(off: Office, actor, uid: str = "up1"):
    r = checked(203)
    return off.save(actor, uid, r.parcels, r.findings, info=INFO, file_hash="f" * 64)


def test_roles_and_ownership_done_when(office):
    alice, bob, carol, dave = (sign_in(office, n) for n in ("alice", "bob", "carol", "dave"))
    record = save(office, alice)
    assert (record.owner, record.file_hash, record.features) == ("alice", "f" * 64, 2)
    with pytest.raises(AccessError, match=r"carol may not save 测绘\.zip: a viewer may not save"):
        save(office, carol, "up2")
    for attempt in (office.delete, office.restore):
        with pytest.raises(AccessError, match=r"bob may not .* up1: it belongs to alice"):
            attempt(bob, "up1")
    with pytest.raises(AccessError, match="bob may not switch up1"):
        office.switch(bob, "up1", True)
    with pytest.raises(AccessError, match="carol may not delete up1: a viewer"):
        office.delete(carol, "up1")
    assert [u.upload_id for u in office.uploads(carol)] == ["up1"]  # viewers read the team's saved checks
    assert len(office.open(carol, "up1")[0]) == 2
    office.switch(alice, "up1", True)
    office.delete(alice, "up1")
    assert office.uploads(alice) == [] and [u.upload_id for u in office.uploads(alice, deleted=True)] == ["up1"]
    assert office.uploads(bob, deleted=True) == []  # others' deleted uploads are not listed to them
    with pytest.raises(AccessError, match="bob may not open up1: it is deleted"):
        office.open(bob, "up1")
    office.restore(alice, "up1")
    (back,) = office.uploads(alice)
    assert not back.use_surveyed and not back.deleted  # a deletion switched it off; restoring keeps it off
    office.switch(dave, "up1", True)  # an administrator may change anyone's
    office.delete(dave, "up1")
    office.restore(dave, "up1")

    events = [(e.user, e.action, e.object, e.detail.get("attempted")) for e in office.store.audit()]
    assert events[:4] == [(None, "user_add", n, None) for n in ROLES]
    assert [e for e in events if e[1] != "login_ok"][4:] == [
        ("alice", "save", "up1", None),
        ("carol", "refused", "测绘.zip", "save"),
        ("bob", "refused", "up1", "delete"),
        ("bob", "refused", "up1", "restore"),
        ("bob", "refused", "up1", "switch"),
        ("carol", "refused", "up1", "delete"),
        ("alice", "switch", "up1", None),
        ("alice", "delete", "up1", None),
        ("bob", "refused", "up1", "open"),
        ("alice", "restore", "up1", None),
        ("dave", "switch", "up1", None),
        ("dave", "delete", "up1", None),
        ("dave", "restore", "up1", None),
    ]
    saved = next(e for e in office.store.audit() if e.action == "save")
    assert saved.detail["file_hash"] == "f" * 64 and saved.detail["client"] == "web:127.0.0.1"
    assert all(e.at for e in office.store.audit())


def test_the_same_file_saved_by_two_people_is_two_uploads(office):
    data = b"same bytes"
    assert ws.upload_id(data, "a.zip", owner="alice") != ws.upload_id(data, "a.zip", owner="bob")
    assert ws.upload_id(data, "a.zip") == ws.upload_id(data, "a.zip")  # single-user ids unchanged


def test_no_plaintext_password_anywhere_in_the_database(office, backend):
    for name in PASSWORDS:
        sign_in(office, name)
    with pytest.raises(LoginError):
        office.login("alice", "alice-typo-Secret", client="web:1")
    with pytest.raises(LoginError):
        office.login("alice-Secret-1", "whatever-else", client="web:1")  # a password typed as the name
    office.set_password(single_user(), "bob", "bob-New-Secret-5")
    secrets = [*PASSWORDS.values(), "alice-typo-Secret", "bob-New-Secret-5", "whatever-else"]
    if backend.kind == "gpkg":
        blob = b"".join(p.read_bytes() for p in backend.folder.iterdir())
        assert not [s for s in secrets if s.encode() in blob]
        assert b"$argon2id$" in blob
    else:
        import psycopg

        schema = backend.env["GEO_DATABASE_SCHEMA"]
        with psycopg.connect(backend.env["GEO_DATABASE_URL"]) as conn:
            tables = [r[0] for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))]
            text = "\n".join(str(r[0]) for t in tables
                             for r in conn.execute(f'SELECT t::text FROM "{schema}"."{t}" t'))
        assert not [s for s in secrets if s in text]
        assert "$argon2id$" in text
    assert "alice-Secret-1" not in str(office.store.audit())
    assert all(u.password_hash.startswith("$argon2id$") for u in office.store.list_users())


def test_sign_in_is_rate_limited_and_recorded(office):
    for _ in range(MAX_FAILURES_PER_NAME):
        with pytest.raises(LoginError, match="wrong name or password"):
            office.login("alice", "not-her-password", client="web:10.0.0.9")
    with pytest.raises(LoginError, match="too many failed sign-ins"):
        office.login("alice", PASSWORDS["alice"], client="web:10.0.0.9")  # even the right password, for a while
    assert sign_in(office, "alice").name == "alice"  # the owner, from another client, is not locked out
    sign_in(office, "bob")  # nor are others
    actions = [(e.user, e.action, e.detail.get("reason")) for e in office.store.audit()][4:]
    assert actions == [("alice", "login_failed", "wrong password")] * MAX_FAILURES_PER_NAME + [
        (None, "login_refused", "too many failed sign-ins"), ("alice", "login_ok", None), ("bob", "login_ok", None)]
    with pytest.raises(LoginError, match="wrong name or password"):
        office.login("nobody", "whatever-pass", client="web:10.0.0.9")
    assert office.store.audit()[-1].user is None  # an unknown name is not recorded (it may be a password)


def test_unknown_and_known_names_get_the_same_answers_and_the_same_limit(office):
    answers: dict[str, list[str]] = {}
    for name in ("alice", "nobody-here"):
        answers[name] = []
        for _ in range(MAX_FAILURES_PER_NAME + 2):
            with pytest.raises(LoginError) as caught:
                office.login(name, "not-the-password", client=f"web:{name}")
            answers[name].append(str(caught.value))
    assert answers["alice"] == answers["nobody-here"]
    assert answers["alice"][-1] == ("sign-in: too many failed sign-ins. "
                                    "Wait 15 minutes and try again, or ask an administrator")


def test_parallel_guesses_cannot_pass_the_limit(office):
    """16 guesses at once, from one client, for one account: at most the limit are checked and recorded."""
    def guess(i: int) -> str:
        try:
            office.login("alice", f"guess-number-{i}", client="web:10.9.9.9")
        except LoginError as exc:
            return exc.problem
        return "signed in"

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(guess, range(16)))
    failed = [e for e in office.store.audit() if e.action == "login_failed"]
    assert len(failed) == MAX_FAILURES_PER_NAME
    assert answers.count("wrong name or password") == MAX_FAILURES_PER_NAME
    assert answers.count("too many failed sign-ins") == 16 - MAX_FAILURES_PER_NAME
    refused = [e for e in office.store.audit() if e.action == "login_refused"]
    assert len(refused) <= 2 and sum(e.detail["refused"] for e in refused) <= 16 - MAX_FAILURES_PER_NAME
    assert sign_in(office, "alice").name == "alice"  # from another client


def test_refused_attempts_are_summarised_per_client_and_minute(office):
    for i in range(MAX_FAILURES_PER_CLIENT):  # a different name each time: the client's own limit
        with pytest.raises(LoginError, match="wrong name or password"):
            office.login(f"nobody{i}", "not-a-password", client="web:10.1.1.1")
    for i in range(30):
        with pytest.raises(LoginError, match="too many"):
            office.login(f"else{i}", "not-a-password", client="web:10.1.1.1")
    refused = [e for e in office.store.audit() if e.action == "login_refused"]
    assert 1 <= len(refused) <= 2  # one row per minute (two if the minute turned during the loop)
    assert refused[0].detail["client"] == "web:10.1.1.1" and refused[0].detail["refused"] == 1


def test_a_change_to_the_account_ends_its_open_sessions(office):
    alice = sign_in(office, "alice")
    office.set_role(single_user(), "alice", "viewer")
    assert office.current(alice) is None  # the session opened before the change ends
    alice = sign_in(office, "alice")
    assert office.current(alice).role == "viewer"
    with pytest.raises(AccessError, match="a viewer may not save"):
        save(office, office.current(alice))
    office.set_password(single_user(), "alice", "alice-Reset-Secret-9")  # an administrator's reset
    assert office.current(alice) is None
    alice = office.login("alice", "alice-Reset-Secret-9", client="web:1")
    other = office.login("alice", "alice-Reset-Secret-9", client="web:2")
    changed = office.change_own_password(alice, "alice-Reset-Secret-9", "alice-Own-Secret-10")
    assert office.current(changed) is not None and office.current(other) is None  # her other session ends
    with pytest.raises(AccessError, match="the current password is wrong"):
        office.change_own_password(changed, "not-it-at-all", "alice-Own-Secret-11")
    assert office.store.audit()[-1].detail["reason"] == "the current password is wrong"
    office.set_disabled(single_user(), "alice", True)
    assert office.current(changed) is None
    with pytest.raises(LoginError, match="wrong name or password"):
        office.login("alice", "alice-Own-Secret-10", client="web:1")
    assert office.store.audit()[-1].detail["reason"] == "disabled"
    with pytest.raises(AccessError, match="disabled"):
        office.actor("alice")
    office.set_disabled(single_user(), "alice", False)
    assert office.actor("ALICE").name == "alice"  # names are case-insensitive


def test_the_last_enabled_admin_cannot_be_demoted_or_disabled(office):
    dave = sign_in(office, "dave")
    for change in (lambda: office.set_role(dave, "dave", "viewer"), lambda: office.set_disabled(dave, "dave", True)):
        with pytest.raises(AccessError, match="'dave' is the last enabled administrator"):
            change()
    assert office.store.get_user("dave").role == "admin" and not office.store.get_user("dave").disabled
    assert office.store.audit()[-1].detail["reason"] == "it would leave the workspace without an enabled administrator"
    office.set_role(dave, "bob", "admin")
    office.set_role(dave, "dave", "checker")  # another admin exists now
    assert office.store.get_user("dave").role == "checker"


def test_the_password_policy(office):
    for password, problem in (("short-one", "shorter than 10"), ("Carol", "shorter than 10"),
                              ("qwertyuiop", "most common"), ("Password123", "most common"),
                              ("erin.zhang", "own name")):
        with pytest.raises(UsageError, match=problem):
            office.add_user(single_user(), "erin.zhang", "viewer", password)
    office.add_user(single_user(), "erin.zhang", "viewer", "glacier-teapot-mu")


def test_accounts_admin_only_and_duplicates_refused(office):
    bob = sign_in(office, "bob")
    with pytest.raises(AccessError, match="only an administrator may"):
        office.add_user(bob, "eve", "admin", "eve-Secret-55")
    with pytest.raises(AccessError, match="only an administrator may"):
        office.audit(bob)
    with pytest.raises(StoreError, match="the user 'alice' already exists"):
        office.add_user(sign_in(office, "dave"), "Alice", "viewer", "another-Secret")
    with pytest.raises(UsageError, match="shorter than 10"):
        office.add_user(single_user(), "eve", "viewer", "short")
    with pytest.raises(UsageError, match="not a valid user name"):
        office.add_user(single_user(), "<img src=x>", "viewer", "long-enough-1")
    with pytest.raises(UsageError, match="unknown role"):
        office.add_user(single_user(), "eve", "root", "long-enough-1")


def test_single_user_until_the_first_account(backend):
    off = ws.office()
    me = off.actor(None)
    assert (me.name, me.role) == (None, "admin")
    save(off, me, "solo1")
    off.add_user(me, "dave", "admin", PASSWORDS["dave"])
    with pytest.raises(AccessError, match="this workspace has accounts"):
        off.actor(None)
    dave = off.actor("dave")
    (solo,) = off.uploads(dave)
    assert solo.owner is None  # saved before accounts existed: only an admin may change it
    off.add_user(dave, "alice", "checker", PASSWORDS["alice"])
    with pytest.raises(AccessError, match="it belongs to nobody"):
        off.delete(off.actor("alice"), "solo1")
    off.delete(dave, "solo1")
