"""``python -m geo check FILE``: check surveyed parcels against the plan.

With ``--format json`` each finding carries its message in English
(``message``) and in Chinese (``message_zh``).

Exit 0 when the check ran (with findings or not); any problem reading the file
is a :class:`geo.errors.GeoError`, which :mod:`geo.cli` prints as one line on
stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from geo import workspace
from geo.checks import CHECKS, run_checks
from geo.errors import UsageError
from geo.io import read_file
from geo.report import html_report, write_text_atomic
from layers import load_districts, load_parcels, load_zones

NAME = "check"
HELP = "Check surveyed parcels (zipped Shapefile, GeoPackage, GeoJSON, KML/KMZ, CSV) against the plan."
FORMATS = ("table", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the command."""
    parser.add_argument("file", metavar="FILE", help="the surveyed parcels")
    parser.add_argument("--crs", help="CRS of the coordinates, e.g. EPSG:4544 (default: from the file, else inferred)")
    parser.add_argument(
        "--name-field", help="column holding the project id (T2-3) or name, to match parcels to projects"
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=1.0,
        metavar="PCT",
        help="allowed difference between measured and allocated area, percent (default: 1)",
    )
    parser.add_argument("--layer", help="layer of a GeoPackage/KML, or Shapefile name in a zip")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument("-o", "--output", metavar="REPORT.html", help="also write a printable HTML report")
    parser.add_argument("--save", action="store_true",
                        help="save the upload and its findings to the workspace ($GEO_WORKSPACE or ./workspace)")
    parser.add_argument("--use-surveyed", action="store_true",
                        help="with --save: use this geometry in place of the indicative parcels (reconcile/export --surveyed, the app)")


def _json_value(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def run(args: argparse.Namespace) -> int:
    """Read the file, run every check, print the findings and optionally write a report."""
    if args.tolerance < 0:
        raise UsageError(
            f"--tolerance {args.tolerance:g} is negative", source="--tolerance", fix="Give a percentage such as 1"
        )
    read = read_file(args.file, crs=args.crs, layer=args.layer)
    plan = load_parcels()
    result = run_checks(
        read.layer,
        plan_parcels=plan,
        zones=load_zones(),
        districts=load_districts(),
        name_field=args.name_field,
        tolerance_pct=args.tolerance,
    )
    summary = {
        "file": read.source,
        "format": read.fmt,
        "crs": read.crs,
        "crs_basis": read.crs_basis,
        "crs_note": read.crs_note[1],
        "encoding": read.encoding,
        "warnings": read.warnings,
    } | result.summary
    if args.use_surveyed and not args.save:
        raise UsageError("--use-surveyed needs --save", source="--use-surveyed", fix="Add --save")
    if args.save:
        uid = workspace.upload_id(Path(args.file).read_bytes(), read.source)
        workspace.save_upload(uid, result.parcels, result.findings, info={
            "name": read.source, "fmt": read.fmt, "crs": read.crs, "crs_basis": read.crs_basis,
            "tolerance_pct": args.tolerance, "name_field": args.name_field})
        workspace.set_use_surveyed(uid, args.use_surveyed)
        print(f"saved to {workspace.workspace_path()} as {uid}" + (" (in use)" if args.use_surveyed else ""),
              file=sys.stderr)
    if args.output:
        write_text_atomic(
            args.output, html_report(result, source=read.source, plan_parcels=plan, crs_note=read.crs_note[1])
        )
    if args.format == "json":
        records = [{k: _json_value(v) for k, v in r.items()} for r in result.findings.to_dict(orient="records")]
        json.dump({"summary": summary, "findings": records}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    print(f"{read.source}: {read.fmt}, {summary['features']} features; CRS {read.crs_note[1]}")
    for w in read.warnings:
        print(f"warning: {w}")
    print(
        f"matched {summary['matched']} of {summary['features']} features to {summary['projects']} projects; "
        f"measured {summary['area_mu']:,.2f} mu; tolerance {args.tolerance:g} %"
    )
    print(
        f"{summary['findings']} findings on {summary['flagged_features']} features: "
        + ", ".join(f"{n} {s}" for s, n in summary["by_severity"].items())
    )
    for check, n in summary["by_check"].items():
        if n:
            print(f"  {check:<18} {n:>6}  {CHECKS[check].en}")
    if len(result.findings):
        view = (  # the terminal table is English like the rest of it; JSON has message_zh too
            result.findings.drop(columns="message_zh")
            .assign(value=result.findings["value"].round(3))
            .fillna({"project_id": "", "value": float("nan")})
        )
        print()
        print(view.to_string(index=False, na_rep="—"))
    if args.output:
        print(f"\nreport written to {args.output}")
    return 0
