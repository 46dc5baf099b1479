"""``python -m geo audit [--format json]``: the workspace's audit trail, oldest first.

Each event is ``{at, user, action, object, detail}``: sign-ins (``login_ok``,
``login_failed``, ``login_refused``, ``logout``), ``save``, ``switch``,
``delete``, ``restore``, ``refused`` (what was attempted and why), account
changes (``user_add``, ``user_role``, ``user_disable``, ``user_enable``,
``user_password``), ``dump``, ``load``, ``db_init``, ``db_repair``,
``db_owner``, ``audit_chain``, ``audit_verify``. ``user`` is null for the
single user of a workspace without accounts and for the server operator;
command-line events also name the operating-system user (``os_user``).

``python -m geo audit verify`` checks the trail's hash chain
(:mod:`geo.store.chain`): it prints ``intact, N events (head #N HASH)`` and
exits 0, or names the first event that was deleted, altered, inserted or
reordered in one line and exits 2. Each verification is itself recorded.
"""

from __future__ import annotations

import argparse
import json
import sys

from geo.commands import add_lang, h, out, said_lang
from geo.commands.users import operator
from geo.errors import said
from geo.store import office
from geo.store.office import Actor, Office

NAME = "audit"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the command."""
    parser.add_argument("action", nargs="?", choices=("list", "verify"), default="list",
                        help=h("help.audit.action"))
    parser.add_argument("--format", choices=("table", "json"), default="table", help=h("help.audit.format"))
    parser.add_argument("--limit", type=int, metavar="N", help=h("help.audit.limit"))
    parser.add_argument("--user", metavar="ADMIN", help=h("help.audit.user"))
    add_lang(parser)


def run(args: argparse.Namespace) -> int:
    """Print the events, or verify them."""
    off = office()
    if args.action == "verify":
        return _verify(off, operator(off, args.user), args)
    events = off.audit(operator(off, args.user), limit=args.limit)
    if args.format == "json":
        json.dump([e.as_dict() for e in events], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    for e in events:
        detail = ", ".join(f"{k}={v}" for k, v in sorted(e.detail.items()))
        print(f"{e.at}  {e.user or '-':<16} {e.action:<14} {e.object:<14} {detail}")
    return 0


def _verify(off: Office, actor: Actor, args: argparse.Namespace) -> int:
    """Check the chain (recorded); exit 0 (intact) or raise the first problem (one line, exit 2)."""
    verdict, unguarded = off.verify_audit(actor)
    if not verdict.intact:
        raise verdict.error()
    if unguarded:
        out(args, said("note.store.unguarded", names=", ".join(unguarded)), file=sys.stderr)
    print(verdict.line(said_lang(args)))
    return 0
