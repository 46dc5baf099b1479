"""``python -m geo audit [--format json]``: the workspace's audit trail, oldest first.

Each event is ``{at, user, action, object, detail}``: sign-ins (``login_ok``,
``login_failed``, ``login_refused``, ``logout``), ``save``, ``switch``,
``delete``, ``restore``, ``refused`` (what was attempted and why), account
changes (``user_add``, ``user_role``, ``user_disable``, ``user_enable``,
``user_password``), ``dump``, ``load``, ``db_init``. ``user`` is null for
the single user of a workspace without accounts and for the server operator.
"""

from __future__ import annotations

import argparse
import json
import sys

from geo.commands.users import operator
from geo.store import office

NAME = "audit"
HELP = "Print the audit trail (who did what, when): every sign-in, save, switch, delete, restore and refusal."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the command."""
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    parser.add_argument("--limit", type=int, metavar="N", help="only the last N events")
    parser.add_argument("--user", metavar="ADMIN", help="act as this administrator (default: the server operator)")


def run(args: argparse.Namespace) -> int:
    """Print the events."""
    off = office()
    events = off.audit(operator(off, args.user), limit=args.limit)
    if args.format == "json":
        json.dump([e.as_dict() for e in events], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    for e in events:
        detail = ", ".join(f"{k}={v}" for k, v in sorted(e.detail.items()))
        print(f"{e.at}  {e.user or '-':<16} {e.action:<14} {e.object:<14} {detail}")
    return 0
