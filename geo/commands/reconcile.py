"""``python -m geo reconcile``: the plan's tables vs its text vs the map."""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd
from pandas.api.typing import NAType

from geo.plan import reconcile
from geo.store import parcels_in_use
from layers import load_parcels, load_plan

NAME = "reconcile"
HELP = "Reconcile land (mu) and output (亿元) per plan, track, zone and project: tables vs text vs map."
FORMATS = ("table", "json", "csv")
#: Columns of the human-readable table (the json/csv keep all columns).
TABLE_COLUMNS = ["scope", "key", "metric", "table_value", "unknown_count", "stated_value", "mapped_value",
                 "difference", "status"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the command."""
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument("--scope", choices=("plan", "track", "zone", "project"), action="append",
                        help="only these scopes (repeatable; default: all)")
    parser.add_argument("--surveyed", action="store_true",
                        help="measure surveyed geometry switched on in the workspace (see `check`) where there is some")


def rows(scopes: list[str] | None = None, *, surveyed: bool = False) -> pd.DataFrame:
    """The reconciliation of the built-in plan and its parcels (indicative, or surveyed where switched on)."""
    parcels = parcels_in_use(load_parcels()) if surveyed else load_parcels()
    result = reconcile(load_plan(), parcels=parcels)
    return result[result["scope"].isin(scopes)] if scopes else result


def _json_value(value: str | float | NAType | None) -> str | float | None:
    """A reconciliation cell for JSON: missing (NA, NaN, None) becomes null."""
    return None if pd.isna(value) else value


def run(args: argparse.Namespace) -> int:
    """Print the rows in the chosen format."""
    result = rows(args.scope, surveyed=args.surveyed)
    if args.format == "json":
        records = [{k: _json_value(v) for k, v in r.items()} for r in result.to_dict(orient="records")]
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif args.format == "csv":
        result.to_csv(sys.stdout, index=False)
    else:
        view = result[TABLE_COLUMNS].copy()
        for col in ("table_value", "stated_value", "mapped_value", "difference"):
            view[col] = view[col].map(lambda v: "—" if pd.isna(v) else f"{v:,.1f}")
        print(view.to_string(index=False))
        flagged = result[result["status"] == "differs"]
        print(f"\n{len(flagged)} disagreement(s) between the tables and the text:")
        for r in flagged.itertuples():
            print(f"- {r.scope} {r.key} {r.metric}: {r.note}")
    return 0
