"""``python -m geo db init``: create or migrate the workspace's schema (idempotent).

On the embedded GeoPackage (the default) it creates ``workspace.gpkg`` or
migrates a workspace written by an earlier version in place (WAL mode,
owners, soft deletion, accounts, audit trail). With ``GEO_DATABASE_URL`` it
creates the PostGIS extension (when the database role may), the schema
(``geo`` or ``GEO_DATABASE_SCHEMA``) and its tables. Running it again changes
nothing.
"""

from __future__ import annotations

import argparse

from geo.store import AuditEvent, open_store

NAME = "db"
HELP = "Database: `db init` creates or migrates the workspace schema (GeoPackage, or PostGIS with GEO_DATABASE_URL)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The one action, ``init``."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=type(parser))
    sub.add_parser("init", help="create or migrate the schema (idempotent)")


def run(args: argparse.Namespace) -> int:
    """Create or migrate; say which."""
    store = open_store()
    before, now = store.init()
    if before == now:
        print(f"{store.kind} workspace {store.describe()}: schema up to date (version {now})")
        return 0
    what = "created" if before == 0 else f"migrated from version {before}"
    store.append_audit(AuditEvent("db_init", None, store.kind, {"from": before, "to": now, "client": "cli"}))
    print(f"{store.kind} workspace {store.describe()}: schema {what} to version {now}")
    return 0
