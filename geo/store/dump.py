"""Back up and restore a workspace, whichever backend holds it.

A dump is itself a workspace GeoPackage (:class:`geo.store.gpkg.GeoPackageStore`):
every account (password hashes only), every upload — deleted ones too, with
owner, time, file hash, switch and plan — with its parcels and findings, every
plan's actuals and drafts (each keeps its ``plan_id``; a dump of schema 6 or
earlier loads as the built-in plan's, migrated as ``db init`` would), and the
whole audit trail with its original times and hash chain, as it is (a trail
that was tampered with stays so in the dump; the dump event says which). QGIS
opens it; ``load`` puts it into an empty workspace of either backend, so a dump
also moves an embedded workspace into PostGIS and back.

A load is one transaction: all of the dump, or nothing (a dump damaged half-way
leaves the workspace as empty as it was, and a retry works). It checks the
dump's hash chain first and refuses a changed one unless forced; the loaded
events are chained anew in the target, and the ``load`` event records the
dump's verdict and chain head. Every refusal is recorded in the audit trail.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from geo.errors import AccessError, GeoError, Said, UsageError, said
from geo.store.base import AuditEvent, Store, StoreError
from geo.store.gpkg import GeoPackageStore
from geo.store.office import may_not, normalise_name


@dataclass(frozen=True)
class Copied:
    """What a dump or load copied."""

    users: int
    uploads: int
    events: int
    #: The copied trail's hash chain: ``intact, N events (head …)``, or its first problem.
    chain: str = ""


class DamagedDumpError(StoreError):
    """Part of a dump cannot be read."""


def _english(words: str | Said) -> str:
    return words.text("en") if isinstance(words, Said) else words


def refusal(store: Store, user: str | None, attempted: str | Said, obj: str | Said, reason: str | Said, *,
            fix: str | Said, source: str, message: str | Said | None = None,
            error: type[StoreError | AccessError] = AccessError, **detail: object) -> StoreError | AccessError:
    """Record a command-line refusal in ``store``'s audit trail; the error to raise (one line, exit 2).

    The trail records ``attempted``, ``obj`` and ``reason`` in English; the error says them in the reader's
    language.
    """
    kept = {k: v for k, v in detail.items() if v is not None}
    store.append_audit(AuditEvent("refused", user, _english(obj), {
        "attempted": _english(attempted), "reason": _english(reason), "client": "cli", **kept}))
    who = user or said("err.store.operator")
    return error(message or may_not(who, attempted, obj, reason), source=source, fix=fix)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def copy_records(source: Store, target: Store) -> tuple[int, int]:
    """Copy accounts, uploads (with parcels and findings, deleted ones too) and actuals; (users, uploads) copied.

    :class:`DamagedDumpError` names an upload ``source`` cannot read.
    """
    users = source.list_users()
    for user in users:
        target.add_user(user)
    uploads = source.list_uploads() + source.list_uploads(deleted=True)
    for record in reversed(uploads):  # oldest first, so the copy lists them in the same order
        try:
            parcels, findings = source.load_upload(record.upload_id)
        except Exception as exc:  # whatever a damaged file raises: named, one line
            raise DamagedDumpError(said("err.store.dump_unreadable", id=record.upload_id, name=record.name,
                                        error=_first_line(exc)),
                                   source="workspace dump", fix=said("err.store.dump_unreadable_fix")) from exc
        target.save_upload(record, parcels, findings)
    if kept := source.list_actuals(history=True):  # 监测评估: every version, with who recorded it and when
        target.record_actuals(kept)
    copy_drafts(source, target)
    return len(users), len(uploads)


def copy_drafts(source: Store, target: Store) -> int:
    """Copy every draft (deleted ones too) with every version as saved (author, time, comment) and what is in use.

    Returns the number of drafts copied.
    """
    drafts = source.list_drafts() + source.list_drafts(deleted=True)
    for draft in drafts:
        target.create_draft(replace(draft, deleted_at=None, deleted_by=None))
        for version in source.list_draft_versions(draft.draft_id):
            _, parcels = source.load_draft_version(draft.draft_id, version.version)
            target.save_draft_version(draft.draft_id, version.version - 1, version, parcels)
        if draft.deleted:
            target.set_draft_deleted(draft.draft_id, at=draft.deleted_at, by=draft.deleted_by)
    for plan_id in sorted({d.plan_id for d in drafts}):
        use = source.get_draft_in_use(plan_id)
        if use is not None:
            target.set_draft_in_use(plan_id, use.draft_id, use.version, set_by=use.set_by, set_at=use.set_at)
    return len(drafts)


def is_empty(store: Store) -> bool:
    """No account, no upload (deleted or not), no actual and no draft."""
    return (not store.has_users() and not store.list_uploads() and not store.list_uploads(deleted=True)
            and not store.list_actuals(history=True) and not store.list_drafts()
            and not store.list_drafts(deleted=True))


@contextmanager
def dump_file(source: Store) -> Iterator[tuple[Path, Copied]]:
    """A dump of ``source`` in a temporary GeoPackage (removed afterwards), and what it holds."""
    with tempfile.TemporaryDirectory(prefix="geo-dump-") as tmp:
        path = Path(tmp) / "workspace-dump.gpkg"
        target = GeoPackageStore(path)
        target.init()
        users, uploads = copy_records(source, target)
        with source.audit_snapshot() as (head, records):  # the chain as it is, tampered with or not
            events = target.copy_chain(head, records)
        verdict = target.verify_audit()
        _checkpoint(path)
        yield path, Copied(users, uploads, events, verdict.line())


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so the dump is one self-contained file."""
    import sqlite3

    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode = DELETE")
    finally:
        con.close()


def load_dump(path: str | Path, target: Store, *, user: str | None = None, force: bool = False) -> Copied:
    """Restore a dump into ``target``, which must be empty, in one transaction; the load is recorded.

    ``user`` (``--user``) must name an enabled administrator of the dump or of ``target``; None is the
    server operator. A dump whose hash chain was changed is refused unless ``force`` (the ``load``
    event then records what was wrong). Every refusal is recorded in ``target``'s audit trail.
    """
    path = Path(path)
    claimed = None if user is None else user[:64]

    def refuse(reason: Said, fix: str | Said, *, who: str | None = None,
               error: type[StoreError | AccessError] = StoreError, message: Said | None = None
               ) -> StoreError | AccessError:
        return refusal(target, who, "load", path.name, reason, fix=fix, source="workspace load", error=error,
                       message=message or reason, **{"as": claimed if who is None else None})

    if not path.is_file():
        raise refuse(said("err.store.dump_missing"), said("err.store.dump_name_fix"))
    if not is_empty(target):
        raise refuse(said("err.store.not_empty"), said("err.store.not_empty_fix"))
    with tempfile.TemporaryDirectory(prefix="geo-load-") as tmp:  # read a copy: the dump itself is never changed
        copy = Path(tmp) / "dump.gpkg"
        with open(path, "rb") as src, open(copy, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        source = GeoPackageStore(copy)
        try:
            before, _ = source.init()
        except StoreError:
            before = 0
        if before == 0:
            raise refuse(said("err.store.not_a_dump"), said("err.store.dump_name_fix"))
        actor = _load_admin(source, target, user, refuse)
        verdict = source.verify_audit()
        if not verdict.intact and not force:
            raise refuse(said("err.store.dump_chain_changed", problem=verdict.words or verdict.problem),
                         said("err.store.dump_chain_fix"), who=actor)
        try:
            with target.transaction():  # all of it or nothing
                if not is_empty(target):
                    raise StoreError(said("err.store.not_empty"), source="workspace load",
                                     fix=said("err.store.not_empty_tx_fix"))
                users, uploads = copy_records(source, target)
                events = source.audit()
                target.append_audit(*events, as_recorded=True)  # chained anew, after what the target has
                detail: dict[str, object] = {"users": users, "uploads": uploads, "events": len(events),
                                             "client": "cli", "dump_chain": verdict.line()}
                if verdict.head is not None:
                    detail["dump_head"] = verdict.head.hash
                target.append_audit(AuditEvent("load", actor, path.name, detail))
        except GeoError as exc:
            problem = exc.said or exc.problem
            if isinstance(exc, DamagedDumpError):
                raise refuse(said("err.store.nothing_loaded_damaged", problem=problem),
                             said("err.store.dump_damaged_fix"), who=actor) from exc
            raise refuse(said("err.store.nothing_loaded", problem=problem),
                         exc.said_fix or exc.fix or said("err.store.try_again"), who=actor) from exc
    return Copied(users, uploads, len(events), verdict.line())


def _load_admin(
    source: Store, target: Store, user: str | None, refuse: Callable[..., StoreError | AccessError]
) -> str | None:
    """The administrator ``--user`` names (in the dump or the workspace), or None for the operator."""
    if user is None:
        return None
    try:
        key = normalise_name(user)
    except UsageError:
        key = ""
    found = (target.get_user(key) or source.get_user(key)) if key else None
    if found is None or found.disabled:
        reason = said("err.auth.no_account") if found is None else said("err.auth.account_disabled")
        raise refuse(reason, said("err.store.dump_admin_fix"), error=AccessError,
                     message=said("err.auth.named", name=user[:64], reason=reason))
    if found.role != "admin":
        raise refuse(said("err.office.only_admin"), said("err.office.ask_admin_fix"), who=found.name,
                     error=AccessError, message=said("err.store.load_not_admin", name=found.name))
    return found.name
