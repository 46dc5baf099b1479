"""``python -m geo db init``: create or migrate the workspace's schema (idempotent).

On the embedded GeoPackage (the default) it creates ``workspace.gpkg`` or
migrates a workspace written by an earlier version in place (WAL mode,
owners, soft deletion, accounts, audit trail). With ``GEO_DATABASE_URL`` it
creates the PostGIS extension (when the database role may), the schema
(``geo`` or ``GEO_DATABASE_SCHEMA``) and its tables. Running it again changes
nothing — except that it checks the triggers that keep the audit trail
append-only and restores any that was dropped or changed (and says so, and
records ``db_repair``).

On PostgreSQL, ``db init --owner geo_owner --app geo_app`` (run as a
superuser) gives the schema and the office's tables to ``geo_owner``, a role
the application does not log in as; ``geo_app``, the role it logs in as, may
then only SELECT and INSERT on the audit trail (it can neither drop its
triggers nor delete from it), and SELECT, INSERT, UPDATE and DELETE on the
other tables (recorded as ``db_owner``).
"""

from __future__ import annotations

import argparse

from geo.commands import add_lang, h, out
from geo.errors import UsageError, said
from geo.store import AuditEvent, open_store
from geo.store.postgis import PostGISStore

NAME = "db"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The one action, ``init``."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=type(parser))
    init = sub.add_parser("init", help=h("help.db.init"))
    init.add_argument("--owner", metavar="ROLE", help=h("help.db.init.owner"))
    init.add_argument("--app", metavar="ROLE", help=h("help.db.init.app"))
    add_lang(init)


def run(args: argparse.Namespace) -> int:
    """Create or migrate; restore the audit triggers; set the owner; say which."""
    store = open_store()
    if (args.owner is None) != (args.app is None):
        raise UsageError(said("err.cmd.db.owner_app"), source="db init", fix=said("err.cmd.db.owner_app_fix"))
    if args.owner is not None and not isinstance(store, PostGISStore):
        raise UsageError(said("err.cmd.db.owner_postgres"), source="db init",
                         fix=said("err.cmd.db.owner_postgres_fix"))
    where = said("cmd.db.where", kind=store.kind, where=store.describe())
    before, now = store.init()
    if before == now:
        out(args, said("cmd.db.up_to_date", where=where, now=now))
    else:
        store.append_audit(AuditEvent("db_init", None, store.kind, {"from": before, "to": now, "client": "cli"}))
        out(args, said("cmd.db.created", where=where, now=now) if before == 0
            else said("cmd.db.migrated", where=where, before=before, now=now))
    restored = store.guard_audit(repair=True)
    if restored:
        store.append_audit(AuditEvent("db_repair", None, "audit", {"restored": restored, "client": "cli"}))
        out(args, said("cmd.db.restored", where=where, names=", ".join(restored)))
    if isinstance(store, PostGISStore) and args.owner is not None:
        tables = store.set_owner(args.owner, args.app)
        store.append_audit(AuditEvent("db_owner", None, store.kind, {"owner": args.owner, "app": args.app,
                                                                     "tables": tables, "client": "cli"}))
        out(args, said("cmd.db.owner", where=where, n=len(tables), owner=args.owner, app=args.app))
    return 0
