"""Who may do what in a shared workspace, and the audit trail of everything they did.

Roles (:data:`geo.store.base.ROLES`):

- ``viewer``: reads — the plan pages and the team's saved checks;
- ``checker``: also uploads, checks and saves, and deletes, restores and
  switches "in use" *their own* uploads;
- ``admin``: everything, including other people's uploads, accounts and the
  audit trail.

While no account exists the workspace is single-user: the one user may do
everything and is recorded as nobody (``user`` null). Who may be that user is
decided by the shells, failing closed: the CLI's operator (who has the
machine), and the app only when it serves this machine alone (``ui.auth``).
Once an account exists every action needs a named, enabled account: the app
signs users in with a password (:meth:`Office.login`), the CLI names them with
``--user``.

Sign-in limits: each attempt is first counted, in one transaction, against
the (name, client) pair and the client (:meth:`Store.signin_attempt`), and the
password is checked only when neither is full, so parallel guesses cannot
pass a limit. A name that does not exist takes the same path (counted under a
hash of the name, checked against a dummy hash, the same answer), and the
owner signing in from another client is never locked out by someone else's
guesses. Refusals for a full limit are summarised in the audit trail (one row
per client and minute). A password change, reset, role change or disabling
raises the account's ``generation``, which ends its open sessions. Every change, every sign-in (ok or failed) and every
refusal is appended to the audit trail with who, when, what and — for
uploads — the file's SHA-256; a change and its audit event are written in one
transaction. :class:`Office` is the only writer the app and the CLI use.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from geo.errors import AccessError, LoginError, Said, UsageError, said
from geo.monitor.model import Actual
from geo.store import codec, passwords
from geo.store.base import (
    LAST_ADMIN_MESSAGE,
    ROLES,
    AuditEvent,
    LastAdminError,
    Store,
    StoreError,
    Upload,
    User,
    now_iso,
    plan_in_use,
)
from geo.store.chain import Verdict

NAME_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
#: Sign-in attempts: at most this many failures per (name, client) pair (since its last success) and per
#: client, within the window.
MAX_FAILURES_PER_NAME: Final = 5
MAX_FAILURES_PER_CLIENT: Final = 20
FAILURE_WINDOW: Final = timedelta(minutes=15)


@dataclass(frozen=True)
class Actor:
    """Who is acting: an account (name, role) or, while no account exists, the single user (name None)."""

    name: str | None
    role: str
    client: str = ""
    #: The account's :attr:`User.generation` when the session began (a later change ends the session).
    generation: int = 0

    @property
    def label(self) -> str:
        return self.name or "(single user)"


def single_user(client: str = "") -> Actor:
    """The one user of a workspace that has no accounts (may do everything)."""
    return Actor(None, "admin", client)


def normalise_name(name: str) -> str:
    """An account name as stored: trimmed, lower case; :class:`UsageError` unless ``[a-z0-9][a-z0-9._@-]*``."""
    key = name.strip().lower()
    if not NAME_PATTERN.match(key):
        raise UsageError(said("err.office.bad_name", name=name[:64]), source="users",
                         fix=said("err.office.bad_name_fix"))
    return key


def may_not(who: str | Said, attempted: str | Said, obj: str | Said, reason: str | Said) -> Said:
    """``alice may not delete 3f2a…: it belongs to bob`` (no object: ``… may not act: …``)."""
    named = obj if isinstance(obj, Said) else obj.rstrip()
    if not named:
        return said("err.office.may_not_any", who=who, attempted=attempted, reason=reason)
    return said("err.office.may_not", who=who, attempted=attempted, obj=named, reason=reason)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UsageError(said("err.office.unknown_role", role=role), source="--role",
                         fix=said("err.office.unknown_role_fix", roles=", ".join(ROLES)))
    return role


class Office:
    """Accounts, uploads and the audit trail of one workspace, with permissions checked and recorded.

    Uploads and actuals are a plan's: the office reads and writes those of ``plan_id`` (default: the plan
    in use at each call, :func:`geo.store.base.plan_in_use`); another plan's are not listed, opened or
    changed through it (an upload of another plan is "no saved upload" here).
    """

    def __init__(self, store: Store, *, plan_id: str | None = None) -> None:
        self.store = store
        self._plan_id = plan_id

    @property
    def plan_id(self) -> str:
        """The plan whose uploads and actuals this office reads and writes."""
        return plan_in_use() if self._plan_id is None else self._plan_id

    # -- recording ------------------------------------------------------------------------

    @staticmethod
    def _event(actor: Actor | None, action: str, obj: str = "", **detail: Any) -> AuditEvent:
        if actor is not None and actor.client:
            detail.setdefault("client", actor.client)
        return AuditEvent(action=action, user=None if actor is None else actor.name, object=obj,
                          detail={k: v for k, v in detail.items() if v is not None})

    def _refuse(self, actor: Actor | None, attempted: Said, obj: str | Said, reason: Said, fix: str | Said,
                source: str = "workspace", message: str | Said | None = None, client: str = "") -> AccessError:
        """Record a refusal in the audit trail and return the error to raise (``client``: when nobody acts).

        The trail records ``attempted``, ``obj`` and ``reason`` in English (:mod:`ui.audit_words` translates them);
        the error says them in the reader's language.
        """
        where = {"client": client} if client else {}
        english = obj.text("en") if isinstance(obj, Said) else obj
        self.store.append_audit(self._event(actor, "refused", english, attempted=attempted.text("en"),
                                            reason=reason.text("en"), **where))
        who = said("err.office.nobody_signed_in") if actor is None else (actor.name or said("err.office.single_user"))
        return AccessError(message or may_not(who, attempted, obj, reason), source=source, fix=fix)

    # -- who is acting ----------------------------------------------------------------------

    def accounts_exist(self) -> bool:
        return self.store.has_users()

    def actor(self, name: str | None, *, client: str = "cli") -> Actor:
        """The actor named ``name`` (``--user``); None is the single user while no account exists."""
        if name is None:
            if self.accounts_exist():
                raise self._refuse(None, said("err.office.do_act"), "", said("err.office.has_accounts"),
                                   said("err.office.need_user_fix"), source="--user",
                                   message=said("err.office.need_user"), client=client)
            return single_user(client)
        try:
            key = normalise_name(name)
        except UsageError:
            key = ""
        user = self.store.get_user(key) if key else None
        if user is None or user.disabled:
            reason = said("err.auth.no_account") if user is None else said("err.auth.account_disabled")
            raise self._refuse(None, said("err.office.do_act_as"), "" if user is None else user.name, reason,
                               said("err.office.name_account_fix"), source="--user",
                               message=said("err.auth.named", name=name[:64], reason=reason), client=client)
        return Actor(user.name, user.role, client)

    def current(self, actor: Actor) -> Actor | None:
        """``actor`` as the workspace knows them now (role changes apply at once).

        None if the account is gone or disabled, or changed since the session began (its generation).
        """
        if actor.name is None:
            return None if self.accounts_exist() else actor
        user = self.store.get_user(actor.name)
        if user is None or user.disabled or user.generation != actor.generation:
            return None
        return replace(actor, role=user.role)

    @staticmethod
    def _buckets(name: str, client: str) -> tuple[tuple[str, int], tuple[str, int]]:
        """The sign-in counters of a (name, client) pair and of the client (a name may be a password: hashed)."""
        digest = hashlib.sha256(name.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]
        return (f"name:{digest}|{client}", MAX_FAILURES_PER_NAME), (f"client:{client}", MAX_FAILURES_PER_CLIENT)

    def _count_attempt(self, name: str, client: str) -> tuple[str, str]:
        """Count a sign-in attempt (:class:`LoginError` when a limit is full); the two counters' keys."""
        pair, per_client = self._buckets(name, client)
        now = datetime.now(UTC)
        refused = self.store.signin_attempt([pair, per_client], since=(now - FAILURE_WINDOW).isoformat(
            timespec="seconds"), minute=now.strftime("%Y-%m-%dT%H:%M"))
        if refused is not None:
            if refused:  # the first refusal of this minute from this client: one row for all since the last
                self.store.append_audit(AuditEvent("login_refused", None, "", {
                    "client": client, "reason": "too many failed sign-ins", "refused": refused}))
            minutes = int(FAILURE_WINDOW.total_seconds() // 60)
            raise LoginError(said("err.auth.too_many"), source="sign-in",
                             fix=said("err.auth.too_many_fix", minutes=minutes))
        return pair[0], per_client[0]

    def login(self, name: str, password: str, *, client: str) -> Actor:
        """Check a name and password (see the module: limits, same path for unknown names); every attempt recorded."""
        pair, per_client = self._count_attempt(name, client)
        try:
            key = normalise_name(name)
        except UsageError:
            key = ""
        user = self.store.get_user(key) if key else None
        ok = passwords.verify_password(password, user.password_hash if user else passwords.dummy_record())
        if user is None or not ok or user.disabled:
            reason = "unknown account" if user is None else ("disabled" if ok else "wrong password")
            account = user.name if user is not None else None  # an unknown name is not recorded: it may be a password
            self.store.append_audit(AuditEvent("login_failed", account, "", {"client": client, "reason": reason}))
            raise LoginError(said("err.auth.wrong"), source="sign-in", fix=said("err.auth.wrong_fix"))
        self.store.signin_succeeded(pair, per_client)
        if passwords.needs_rehash(user.password_hash):
            self.store.update_user(user.name, password_hash=passwords.hash_password(password), end_sessions=False)
        self.store.append_audit(AuditEvent("login_ok", user.name, "", {"client": client}))
        return Actor(user.name, user.role, client, user.generation)

    def change_own_password(self, actor: Actor, old: str, new: str) -> Actor:
        """A signed-in user's new password (the current one required, counted like a sign-in).

        Ends the account's other sessions; returns the actor for the session that made the change.
        """
        if actor.name is None:
            raise UsageError(said("err.auth.single_no_password"), source="password",
                             fix=said("err.auth.single_no_password_fix"))
        pair, per_client = self._count_attempt(actor.name, actor.client)
        user = self.store.get_user(actor.name)
        if user is None or not passwords.verify_password(old, user.password_hash):
            wrong = said("err.auth.current_wrong")
            raise self._refuse(actor, said("err.office.do_change_password"), actor.name, wrong,
                               said("err.auth.current_wrong_fix"), source="password", message=wrong)
        self.store.signin_succeeded(pair, per_client)
        passwords.check_strength(new, name=actor.name)
        self.store.update_user(actor.name, password_hash=passwords.hash_password(new),
                               event=self._event(actor, "user_password", actor.name, own=True))
        fresh = self.store.get_user(actor.name)
        return replace(actor, generation=fresh.generation if fresh else actor.generation + 1)

    def logout(self, actor: Actor, *, reason: str = "signed out") -> None:
        if actor.name is not None:
            self.store.append_audit(self._event(actor, "logout", "", reason=reason))

    # -- accounts --------------------------------------------------------------------------

    def _admin(self, actor: Actor, attempted: Said, obj: str | Said) -> None:
        if actor.role != "admin":
            raise self._refuse(actor, attempted, obj, said("err.office.only_admin"),
                               said("err.office.ask_admin_fix"), source="users")

    def add_user(self, actor: Actor, name: str, role: str, password: str) -> User:
        """Add an account (admin; the first account may be added by the single user)."""
        key, role = normalise_name(name), check_role(role)
        self._admin(actor, said("err.office.do_add_user"), key)
        passwords.check_strength(password, name=key)
        user = User(name=key, role=role, password_hash=passwords.hash_password(password))
        if self.store.get_user(key) is not None:
            self.store.append_audit(self._event(actor, "refused", key, attempted="add user",
                                                reason="the user already exists"))
            raise StoreError(said("err.store.user_exists", name=key), source="users",
                             fix=said("err.store.user_exists_fix"))
        self.store.add_user(user, event=self._event(actor, "user_add", key, role=role))
        return user

    def _change_user(self, actor: Actor, name: str, attempted: Said, action: str, **change: Any) -> None:
        key = normalise_name(name)
        self._admin(actor, attempted, key)
        if self.store.get_user(key) is None:
            raise StoreError(said("err.store.no_user", name=key), source="users", fix=said("err.store.no_user_fix"))
        detail = {k: v for k, v in change.items() if k != "password_hash"}
        try:
            self.store.update_user(key, **change, event=self._event(actor, action, key, **detail))
        except LastAdminError as exc:
            raise self._refuse(actor, attempted, key, LAST_ADMIN_MESSAGE, exc.said_fix or exc.fix or "",
                               source="users", message=exc.said or exc.problem) from exc

    def set_role(self, actor: Actor, name: str, role: str) -> None:
        self._change_user(actor, name, said("err.office.do_set_role"), "user_role", role=check_role(role))

    def set_disabled(self, actor: Actor, name: str, disabled: bool) -> None:
        self._change_user(actor, name, said("err.office.do_disable") if disabled else said("err.office.do_enable"),
                          "user_disable" if disabled else "user_enable", disabled=disabled)

    def set_password(self, actor: Actor, name: str, password: str) -> None:
        passwords.check_strength(password, name=normalise_name(name))
        self._change_user(actor, name, said("err.office.do_set_password"), "user_password",
                          password_hash=passwords.hash_password(password))

    def users(self, actor: Actor) -> list[User]:
        self._admin(actor, said("err.office.do_list"), said("err.office.obj_users"))
        return self.store.list_users()

    # -- uploads ---------------------------------------------------------------------------

    @staticmethod
    def may_write(actor: Actor) -> bool:
        """Whether the actor may upload, check and save (checker, admin, the single user)."""
        return actor.role in ("checker", "admin")

    @staticmethod
    def may_change(actor: Actor, upload: Upload) -> bool:
        """Whether the actor may delete, restore or switch this upload (its owner if checker, or an admin)."""
        return actor.role == "admin" or (actor.role == "checker" and upload.owner == actor.name)

    def _upload(self, uid: str) -> Upload:
        found = self._of_plan(self.store.get_upload(uid))
        if found is None:
            raise StoreError(said("err.store.no_upload", id=uid), source="workspace",
                             fix=said("err.store.no_upload_fix"))
        return found

    def _owned(self, actor: Actor, uid: str, attempted: Said) -> Upload:
        upload = self._upload(uid)
        if not self.may_change(actor, upload):
            reason = (said("err.office.viewer_uploads") if actor.role == "viewer"
                      else said("err.office.belongs_to", owner=upload.owner) if upload.owner
                      else said("err.office.belongs_to_nobody_before"))
            raise self._refuse(actor, attempted, uid, reason, said("err.office.ask_owner_fix"))
        return upload

    def _of_plan(self, upload: Upload | None) -> Upload | None:
        """``upload`` if it belongs to this office's plan, else None (another plan's is not seen here)."""
        return upload if upload is not None and upload.plan_id == self.plan_id else None

    def earlier(self, uid: str, *, resubmitted_by: str | None = None) -> Upload:
        """The upload a resubmission names: it must exist and not be deleted (:class:`StoreError` otherwise).

        With ``resubmitted_by`` (the new upload's id) a link that would make a loop (the new upload resubmitting
        itself, or one of its own resubmissions) is refused too.
        """
        found = self._of_plan(self.store.get_upload(uid))
        if found is None:
            raise StoreError(said("err.office.no_resubmit", id=uid), source="--resubmits",
                             fix=said("err.office.no_resubmit_fix"))
        if found.deleted:
            raise StoreError(said("err.office.resubmit_deleted", id=uid, name=found.name), source="--resubmits",
                             fix=said("err.office.resubmit_deleted_fix", id=uid))
        step: Upload | None = found
        seen = {uid}
        while resubmitted_by is not None and step is not None:
            if step.upload_id == resubmitted_by:
                raise StoreError(said("err.office.resubmit_loop", id=uid), source="--resubmits",
                                 fix=said("err.office.resubmit_loop_fix"))
            nxt = step.resubmits
            step = None if nxt is None or nxt in seen else self.store.get_upload(nxt)
            seen.add(nxt or "")
        return found

    def save(
        self, actor: Actor, uid: str, parcels: gpd.GeoDataFrame, findings: pd.DataFrame, *,
        info: dict[str, Any], file_hash: str, resubmits: str | None = None,
    ) -> Upload:
        """Save a checked upload owned by ``actor`` (replacing their earlier save of the same file).

        ``resubmits``: the earlier upload this corrected file resubmits (it must exist and not be deleted,
        :meth:`earlier`); the link is kept with the upload and named in the ``save`` event. Saving the same file
        again without it keeps the link it had. The upload belongs to the plan in use (:attr:`plan_id`, named
        in the event too).
        """
        if not self.may_write(actor):
            raise self._refuse(actor, said("err.office.do_save"), str(info.get("name") or uid),
                               said("err.office.viewer_save"), said("err.office.checker_fix"))
        plan = self.plan_id
        before = self.store.get_upload(uid)
        if before is not None and before.plan_id != plan:
            raise StoreError(said("err.office.other_plan", id=uid, plan=before.plan_id, want=plan), source="workspace",
                             fix=said("err.office.other_plan_fix"))
        if before is not None and not self.may_change(actor, before):
            raise self._refuse(actor, said("err.office.do_replace"), uid,
                               said("err.office.belongs_to", owner=before.owner) if before.owner
                               else said("err.office.belongs_to_nobody"),
                               said("err.office.own_name_fix"))
        if resubmits is not None:
            self.earlier(resubmits, resubmitted_by=uid)
        elif before is not None and not before.deleted:
            resubmits = before.resubmits
        tolerance = info.get("tolerance_pct")
        record = Upload(
            upload_id=uid, name=str(info.get("name") or ""), owner=actor.name, saved_at=now_iso(),
            file_hash=file_hash, fmt=info.get("fmt"), crs=info.get("crs"), crs_basis=info.get("crs_basis"),
            features=len(parcels), findings=len(findings),
            tolerance_pct=float("nan") if tolerance is None else float(tolerance),
            name_field=str(info.get("name_field") or ""),
            use_surveyed=bool(before is not None and before.use_surveyed and not before.deleted),
            resubmits=resubmits, plan_id=plan,
        )
        event = self._event(actor, "save", uid, name=record.name, file_hash=file_hash, features=record.features,
                            findings=record.findings, replaced=before is not None or None, resubmits=resubmits,
                            plan=plan)
        self.store.save_upload(record, parcels, findings, event=event)
        return record

    def switch(self, actor: Actor, uid: str, use: bool) -> None:
        """Switch the upload's surveyed geometry in (or out of) the parcels in use — an explicit, recorded act."""
        upload = self._owned(actor, uid, said("err.office.do_switch"))
        if upload.deleted:
            raise StoreError(said("err.office.upload_deleted", id=uid), source="workspace",
                             fix=said("err.office.restore_first_fix"))
        self.store.set_use_surveyed(uid, use, event=self._event(
            actor, "switch", uid, in_use=bool(use), was=upload.use_surveyed, file_hash=upload.file_hash))

    def delete(self, actor: Actor, uid: str) -> None:
        """Soft-delete: hidden and switched off, kept for :meth:`restore`."""
        upload = self._owned(actor, uid, said("err.office.do_delete"))
        if upload.deleted:
            return
        self.store.set_deleted(uid, at=now_iso(), by=actor.name, event=self._event(
            actor, "delete", uid, name=upload.name, file_hash=upload.file_hash, was_in_use=upload.use_surveyed))

    def restore(self, actor: Actor, uid: str) -> None:
        """Undo a deletion (the switch stays off)."""
        upload = self._owned(actor, uid, said("err.office.do_restore"))
        if not upload.deleted:
            return
        self.store.set_deleted(uid, at=None, by=None, event=self._event(
            actor, "restore", uid, name=upload.name, file_hash=upload.file_hash))

    def uploads(self, actor: Actor, *, deleted: bool = False) -> list[Upload]:
        """The plan's saved uploads (everyone signed in reads the team's); deleted: an admin's all, others their own."""
        found = self.store.list_uploads(deleted=deleted, plan_id=self.plan_id)
        return found if not deleted or actor.role == "admin" else [u for u in found if u.owner == actor.name]

    def open(self, actor: Actor, uid: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        """A saved upload's parcels and findings (a deleted one only for who may restore it)."""
        upload = self._upload(uid)
        if upload.deleted and not self.may_change(actor, upload):
            raise self._refuse(actor, said("err.office.do_open"), uid, said("err.office.is_deleted"),
                               said("err.office.ask_restore_fix"))
        return codec.compatible(*self.store.load_upload(uid))

    # -- actuals (监测评估) -------------------------------------------------------------------

    def record_actuals(
        self, actor: Actor, records: Sequence[Actual], *, origin: str, file_hash: str = ""
    ) -> list[Actual]:
        """Record facts (checkers and admins) as new versions, in one transaction with their audit event.

        ``origin`` says where they came from (the template's file name, or ``page``); each record keeps
        its own ``source``. Returns the records as stored (``recorded_by``, ``recorded_at``, ``version``,
        ``plan_id``: the plan in use, named in the event too).
        """
        if not self.may_write(actor):
            raise self._refuse(actor, said("err.office.do_record"), origin, said("err.office.viewer_actuals"),
                               said("err.office.checker_fix"), source="monitor")
        if not records:
            raise UsageError(said("err.office.nothing_to_record"), source=origin,
                             fix=said("err.office.nothing_to_record_fix"))
        at, plan = now_iso(), self.plan_id
        stamped = [replace(r, recorded_by=actor.name, recorded_at=at, version=0, plan_id=plan) for r in records]
        years = sorted({r.year for r in records})
        event = self._event(actor, "monitor_record", origin, records=len(records), years=years,
                            kinds=sorted({r.kind for r in records}), file_hash=file_hash or None, plan=plan)
        return self.store.record_actuals(stamped, event=event)

    def actuals(
        self, actor: Actor, *, kind: str | None = None, year: int | None = None, subject_id: str | None = None,
        history: bool = False,
    ) -> list[Actual]:
        """The plan's recorded facts (everyone signed in reads them): the version in force, or every version."""
        return self.store.list_actuals(kind=kind, year=year, subject_id=subject_id, history=history,
                                       plan_id=self.plan_id)

    # -- audit -----------------------------------------------------------------------------

    def verify_audit(self, actor: Actor) -> tuple[Verdict, list[str]]:
        """Check the audit trail's hash chain (admins), record the check; the verdict and the missing triggers.

        The verdict comes first: if a damaged table refuses the record, the verdict is still returned.
        """
        if actor.role != "admin":
            raise self._refuse(actor, said("err.office.do_verify"), said("err.office.obj_audit"),
                               said("err.office.only_admin"), said("err.office.ask_admin_fix"), source="audit verify")
        verdict = self.store.verify_audit()
        unguarded = self.store.guard_audit()
        detail: dict[str, Any] = {"result": verdict.line(), "events": verdict.events}
        if unguarded:
            detail["triggers_missing"] = unguarded
        with contextlib.suppress(StoreError):
            self.store.append_audit(self._event(actor, "audit_verify", "audit", **detail))
        return verdict, unguarded

    def audit(self, actor: Actor, *, limit: int | None = None) -> list[AuditEvent]:
        if actor.role != "admin":
            raise self._refuse(actor, said("err.office.do_read"), said("err.office.obj_audit"),
                               said("err.office.only_admin"), said("err.office.ask_admin_fix"), source="audit")
        return self.store.audit(limit=limit)
