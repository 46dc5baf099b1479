"""``python -m geo reconcile``: the plan's tables vs its text vs the map.

The table keeps ids in its id columns (scope, key, metric, status); every
sentence a reader quotes (the disagreements, the statuses' meaning) is in the
language of ``--lang`` and in the plan's glossary terms.
"""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd
from pandas.api.typing import NAType

from geo.commands import h
from geo.i18n import DEFAULT_LANG, LANGS, t
from geo.plan import reconcile
from geo.store import parcels_in_use
from layers import load_glossary, load_parcels, load_plan

NAME = "reconcile"
FORMATS = ("table", "json", "csv")
#: Glossary keys of the metrics' names.
METRIC_TERMS = {"land_mu": "land", "output_yi": "output"}
#: Columns of the human-readable table (the json/csv keep all columns).
TABLE_COLUMNS = ["scope", "key", "metric", "table_value", "unknown_count", "stated_value", "mapped_value",
                 "difference", "status"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the command."""
    parser.add_argument("--format", choices=FORMATS, default="table", help=h("help.reconcile.format"))
    parser.add_argument("--scope", choices=("plan", "track", "zone", "project"), action="append",
                        help=h("help.reconcile.scope"))
    parser.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG,
                        help=h("help.reconcile.lang", default=DEFAULT_LANG))
    parser.add_argument("--surveyed", action="store_true", help=h("help.reconcile.surveyed"))


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
        _print_table(result, lang=args.lang)
    return 0


def _print_table(result: pd.DataFrame, *, lang: str) -> None:
    """The rows as a table (ids in id columns), then each disagreement and the statuses in words."""
    zh = lang == "zh"
    terms = load_glossary().set_index("key")

    def term(key: str) -> str:
        return str(terms.at[key, "zh" if zh else "en"]) if key in terms.index else key

    view = result[TABLE_COLUMNS].copy()
    for col in ("table_value", "stated_value", "mapped_value", "difference"):
        view[col] = view[col].map(lambda v: "—" if pd.isna(v) else f"{v:,.1f}")
    print(view.to_string(index=False))
    flagged = result[result["status"] == "differs"]
    print("\n" + t("cmd_reconcile.disagreements", lang, n=len(flagged)))
    for r in flagged.to_dict("records"):
        name, note = (str(r["name_zh"]), str(r["note_zh"])) if zh else (str(r["name_en"]), str(r["note"]))
        print(f"- {name} · {term(METRIC_TERMS.get(str(r['metric']), str(r['metric'])))}: {note}")
    print("\n" + t("cmd_reconcile.statuses", lang))
    for status in dict.fromkeys(str(s) for s in result["status"]):
        key = f"status_{status}"
        meaning = str(terms.at[key, "definition_zh" if zh else "definition_en"]) if key in terms.index else ""
        print(f"  {status:<15} {term(key)}: {meaning}")
