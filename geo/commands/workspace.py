"""``python -m geo workspace list|delete|restore|use|dump|load``: the saved uploads, and backups.

``--user NAME`` says who acts; it is needed once the workspace has accounts
(see ``users``) and is checked: a viewer only lists, a checker deletes,
restores and switches only their own uploads, an admin everyone's. A
refusal exits 2 with one line and is recorded in the audit trail. Deletion
is soft: ``restore ID`` brings the upload back (its switch stays off).

``list --format json`` prints ``[{upload_id, name, owner, saved_at, features,
findings, in_use, file_hash, deleted_at}]``. ``dump -o FILE`` writes the
whole workspace (accounts, uploads with their parcels and findings, deleted
ones too, the audit trail) as one GeoPackage, from either backend; ``load
FILE`` restores it into an empty workspace of either backend, in one
transaction (all or nothing), after checking the dump's audit hash chain
(``--force`` loads a changed one, recorded). Both are the server operator's
(like ``users``), or an administrator's with ``--user`` (for ``load``: an
administrator of the dump or of the workspace). Refusals are recorded, and
command-line events carry the operating-system user (``os_user``).
"""

from __future__ import annotations

import argparse
import json
import sys

from geo import atomic
from geo.commands import add_lang, h, out, said_lang, warn
from geo.commands.users import operator
from geo.errors import said, say
from geo.store import AuditEvent, Office, Upload, office, open_store
from geo.store.dump import dump_file, load_dump, refusal

NAME = "workspace"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Subcommands and their options."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=type(parser))
    listing = sub.add_parser("list", help=h("help.workspace.list"))
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.add_argument("--deleted", action="store_true", help=h("help.workspace.list.deleted"))
    for action, text in (("delete", h("help.workspace.delete")), ("restore", h("help.workspace.restore"))):
        sub.add_parser(action, help=text).add_argument("upload_id", metavar="ID")
    use = sub.add_parser("use", help=h("help.workspace.use"))
    use.add_argument("upload_id", metavar="ID")
    use.add_argument("state", choices=("on", "off"))
    dump = sub.add_parser("dump", help=h("help.workspace.dump"))
    dump.add_argument("-o", "--output", required=True, metavar="FILE", help=h("help.workspace.dump.output"))
    load = sub.add_parser("load", help=h("help.workspace.load"))
    load.add_argument("file", metavar="FILE")
    load.add_argument("--force", action="store_true", help=h("help.workspace.load.force"))
    for p in sub.choices.values():
        p.add_argument("--user", metavar="NAME", help=h("help.workspace.user"))
        add_lang(p)


def _row(u: Upload) -> dict[str, object]:
    return {"upload_id": u.upload_id, "name": u.name, "owner": u.owner, "saved_at": u.saved_at,
            "features": u.features, "findings": u.findings, "in_use": u.use_surveyed, "file_hash": u.file_hash,
            "deleted_at": u.deleted_at}


def _list(off: Office, args: argparse.Namespace) -> None:
    rows = [_row(u) for u in off.uploads(off.actor(args.user), deleted=args.deleted)]
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return
    for r in rows:
        flag = (say(said("cmd.workspace.flag.in_use"), said_lang(args)) if r["in_use"]
                else say(said("cmd.workspace.flag.deleted"), said_lang(args)) if r["deleted_at"] else "")
        out(args, said("cmd.workspace.row", upload_id=r["upload_id"], saved_at=r["saved_at"],
                       owner=f"{r['owner'] or '-':<16}", features=f"{r['features']:>7}",
                       findings=f"{r['findings']:>6}", flag=f"{flag:<7}", name=r["name"]))
    if not rows:
        out(args, said("cmd.workspace.none_deleted" if args.deleted else "cmd.workspace.none"))


def run(args: argparse.Namespace) -> int:
    """Do the action; one line on stdout says what changed."""
    off = office()
    if args.action == "list":
        _list(off, args)
    elif args.action in ("delete", "restore"):
        actor = off.actor(args.user)
        (off.delete if args.action == "delete" else off.restore)(actor, args.upload_id)
        out(args, said(f"cmd.workspace.{args.action}d", upload_id=args.upload_id))
    elif args.action == "use":
        off.switch(off.actor(args.user), args.upload_id, args.state == "on")
        out(args, said(f"cmd.workspace.use_{args.state}", upload_id=args.upload_id))
    elif args.action == "dump":
        actor = operator(off, args.user)
        if actor.role != "admin":
            raise refusal(off.store, actor.name, "dump", "the workspace", said("err.office.only_admin"),
                          fix=said("err.office.ask_admin_fix"), source="workspace dump",
                          message=said("err.cmd.workspace.dump_not_admin", name=actor.label))
        atomic.check_target(args.output)
        with dump_file(off.store) as (path, copied):
            where = atomic.copy_to_output(args.output, path, private=True)
        off.store.append_audit(AuditEvent("dump", actor.name, "", {"users": copied.users, "uploads": copied.uploads,
                                                                   "events": copied.events, "chain": copied.chain,
                                                                   "client": "cli"}))
        if not copied.chain.startswith("intact"):
            warn(args, said("cmd.workspace.chain_changed", chain=copied.chain))
        out(args, said("cmd.workspace.dumped", uploads=copied.uploads, users=copied.users, events=copied.events,
                       path=where))
    else:
        copied = load_dump(args.file, open_store(), user=args.user, force=args.force)
        out(args, said("cmd.workspace.loaded", uploads=copied.uploads, users=copied.users, events=copied.events))
    return 0
