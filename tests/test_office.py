"""geo.store.Office on both backends: roles, ownership, soft deletion, sign-in limits, audit, no clear passwords.

The issue's "Done when", at the level every shell (app, CLI) goes through:
alice (checker) saves; carol (viewer) cannot; bob (checker) cannot delete
alice's upload; alice deletes and restores it; the audit lists each action
and each refusal with its user; no plaintext password anywhere in the database.
"""

from __future__ import annotations

import pytest

from geo.errors import AccessError, LoginError, UsageError
from geo.store import StoreError, single_user
from geo.store import workspace as ws
from geo.store.office import MAX_FAILURES_PER_NAME, Office
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
        office.login("alice", PASSWORDS["alice"], client="web:10.0.0.8")  # even the right password, for a while
    sign_in(office, "bob")  # others are not locked out
    actions = [(e.user, e.action, e.detail.get("reason")) for e in office.store.audit()][4:]
    assert actions == [("alice", "login_failed", "wrong password")] * MAX_FAILURES_PER_NAME + [
        ("alice", "login_refused", "too many failed sign-ins"), ("bob", "login_ok", None)]
    with pytest.raises(LoginError, match="wrong name or password"):
        office.login("nobody", "whatever-pass", client="web:10.0.0.9")
    assert office.store.audit()[-1].user is None  # an unknown name is not recorded (it may be a password)


def test_disabled_accounts_and_role_changes_take_effect_at_once(office):
    alice = sign_in(office, "alice")
    office.set_role(single_user(), "alice", "viewer")
    assert office.current(alice).role == "viewer"
    with pytest.raises(AccessError, match="a viewer may not save"):
        save(office, office.current(alice))
    office.set_disabled(single_user(), "alice", True)
    assert office.current(alice) is None
    with pytest.raises(LoginError, match="wrong name or password"):
        sign_in(office, "alice")
    assert office.store.audit()[-1].detail["reason"] == "disabled"
    with pytest.raises(AccessError, match="disabled"):
        office.actor("alice")
    office.set_disabled(single_user(), "alice", False)
    assert office.actor("ALICE").name == "alice"  # names are case-insensitive


def test_accounts_admin_only_and_duplicates_refused(office):
    bob = sign_in(office, "bob")
    with pytest.raises(AccessError, match="only an administrator may"):
        office.add_user(bob, "eve", "admin", "eve-Secret-55")
    with pytest.raises(AccessError, match="only an administrator may"):
        office.audit(bob)
    with pytest.raises(StoreError, match="the user 'alice' already exists"):
        office.add_user(sign_in(office, "dave"), "Alice", "viewer", "another-Secret")
    with pytest.raises(UsageError, match="shorter than 8"):
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
