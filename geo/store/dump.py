"""Back up and restore a workspace, whichever backend holds it.

A dump is itself a workspace GeoPackage (:class:`geo.store.gpkg.GeoPackageStore`):
every account (password hashes only), every upload — deleted ones too, with
owner, time, file hash and switch — with its parcels and findings, and the
whole audit trail with its original times. QGIS opens it; ``load`` puts it
into an empty workspace of either backend, so a dump also moves an embedded
workspace into PostGIS and back.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from geo.store.base import AuditEvent, Store, StoreError
from geo.store.gpkg import GeoPackageStore


@dataclass(frozen=True)
class Copied:
    """What a dump or load copied."""

    users: int
    uploads: int
    events: int


def copy_workspace(source: Store, target: Store) -> Copied:
    """Copy accounts, uploads (with parcels and findings) and the audit trail from ``source`` into ``target``."""
    users = source.list_users()
    for user in users:
        target.add_user(user)
    uploads = source.list_uploads() + source.list_uploads(deleted=True)
    for record in reversed(uploads):  # oldest first, so the copy lists them in the same order
        parcels, findings = source.load_upload(record.upload_id)
        target.save_upload(record, parcels, findings)
    events = source.audit()
    if events:
        target.append_audit(*events)
    return Copied(len(users), len(uploads), len(events))


def is_empty(store: Store) -> bool:
    """No account and no upload (deleted or not)."""
    return not store.has_users() and not store.list_uploads() and not store.list_uploads(deleted=True)


@contextmanager
def dump_file(source: Store) -> Iterator[tuple[Path, Copied]]:
    """A dump of ``source`` in a temporary GeoPackage (removed afterwards), and what it holds."""
    with tempfile.TemporaryDirectory(prefix="geo-dump-") as tmp:
        path = Path(tmp) / "workspace-dump.gpkg"
        target = GeoPackageStore(path)
        target.init()
        copied = copy_workspace(source, target)
        _checkpoint(path)
        yield path, copied


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so the dump is one self-contained file."""
    import sqlite3

    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode = DELETE")
    finally:
        con.close()


def load_dump(path: str | Path, target: Store, *, user: str | None = None) -> Copied:
    """Restore a dump into ``target``, which must be empty; the load itself is recorded in the audit trail."""
    path = Path(path)
    if not path.is_file():
        raise StoreError("the dump does not exist", source=path.name, fix="Name a file made by `workspace dump`")
    if not is_empty(target):
        raise StoreError("the workspace is not empty", source="workspace load",
                         fix="Load a dump into a new, empty workspace (another GEO_WORKSPACE or database schema)")
    with tempfile.TemporaryDirectory(prefix="geo-load-") as tmp:  # read a copy: the dump itself is never changed
        copy = Path(tmp) / "dump.gpkg"
        with open(path, "rb") as src, open(copy, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        source = GeoPackageStore(copy)
        before, _ = source.init()
        if before == 0:
            raise StoreError("the file is not a workspace dump", source=path.name,
                             fix="Name a file made by `python -m geo workspace dump`")
        copied = copy_workspace(source, target)
    target.append_audit(AuditEvent("load", user, path.name, {"users": copied.users, "uploads": copied.uploads,
                                                             "events": copied.events, "client": "cli"}))
    return copied
