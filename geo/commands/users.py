"""``python -m geo users add|list|set-role|disable|enable|password``: the workspace's accounts.

Passwords are read from stdin (one line; asked twice, unseen, at a terminal),
never from the command line, and stored as Argon2id hashes. The CLI is the
server operator's tool: without ``--user`` it acts as the operator (recorded
in the audit trail with no user name, ``client: cli``); with ``--user NAME``
it acts as that account, which must be an administrator. Adding an existing
user, an unknown role or a short password exit 2 with one line.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from geo.commands import add_lang, h, out, said_lang
from geo.errors import UsageError, said, say
from geo.store import ROLES, Actor, Office, office

NAME = "users"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Subcommands and their options."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=type(parser))
    add = sub.add_parser("add", help=h("help.users.add"))
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    listing = sub.add_parser("list", help=h("help.users.list"))
    listing.add_argument("--format", choices=("table", "json"), default="table")
    role = sub.add_parser("set-role", help=h("help.users.set_role"))
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    for action, text in (("disable", h("help.users.disable")), ("enable", h("help.users.enable")),
                         ("password", h("help.users.password"))):
        sub.add_parser(action, help=text).add_argument("name")
    for p in sub.choices.values():
        p.add_argument("--user", metavar="ADMIN", help=h("help.users.user"))
        add_lang(p)


def read_password(*, confirm: bool = True, lang: str = "en") -> str:
    """A password from a terminal (asked twice, unseen; asked in ``lang``) or the first line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass(say(said("cmd.users.password_prompt"), lang))
        if confirm and getpass.getpass(say(said("cmd.users.again_prompt"), lang)) != first:
            raise UsageError(said("err.cmd.users.passwords_differ"), source="password",
                             fix=said("err.cmd.users.passwords_differ_fix"))
        return first
    line = sys.stdin.readline()
    if not line:
        raise UsageError(said("err.cmd.users.no_password"), source="password",
                         fix=said("err.cmd.users.no_password_fix"))
    return line.rstrip("\r\n")


def operator(off: Office, user: str | None) -> Actor:
    """The server operator, or the administrator named by ``--user``."""
    return Actor(None, "admin", "cli") if user is None else off.actor(user, client="cli")


def run(args: argparse.Namespace) -> int:
    """Do the action; one line on stdout says what changed."""
    off = office()
    actor = operator(off, args.user)
    if args.action == "add":
        user = off.add_user(actor, args.name, args.role, read_password(lang=said_lang(args)))
        out(args, said("cmd.users.added", name=user.name, role=user.role))
    elif args.action == "list":
        users = off.users(actor)
        rows = [{"name": u.name, "role": u.role, "disabled": u.disabled, "created_at": u.created_at} for u in users]
        if args.format == "json":
            json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
            sys.stdout.write("\n")
        else:
            for r in rows:
                state = say(said("cmd.users.state.disabled" if r["disabled"] else "cmd.users.state.enabled"),
                            said_lang(args))
                print(f"{r['name']:<24} {r['role']:<8} {state:<9} {r['created_at']}")
            if not rows:
                out(args, said("cmd.users.none"))
    elif args.action == "set-role":
        off.set_role(actor, args.name, args.role)
        out(args, said("cmd.users.role", name=args.name, role=args.role))
    elif args.action in ("disable", "enable"):
        off.set_disabled(actor, args.name, args.action == "disable")
        out(args, said(f"cmd.users.{args.action}d", name=args.name))
    else:
        off.set_password(actor, args.name, read_password(lang=said_lang(args)))
        out(args, said("cmd.users.password_changed", name=args.name))
    return 0
