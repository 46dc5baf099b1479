"""``python -m geo check FILE``: check surveyed parcels against the plan.

With ``--format json`` each finding carries its message in English
(``message``) and in Chinese (``message_zh``).

Exit 0 when the check ran (with findings or not); any problem reading the file
is a :class:`geo.errors.GeoError`, which :mod:`geo.cli` prints as one line on
stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo.atomic import STDOUT, check_target, write_output
from geo.checks import CHECKS, CheckOptions, PlanLayers, check_file, html_report, resubmit, save_run
from geo.checks.findings_out import write_csv, write_json
from geo.checks.formal import build_formal
from geo.checks.pipeline import check_layer_file
from geo.checks.report import CSV_HEADERS_ZH, CSV_LANGS, findings_csv
from geo.commands import h, out, said_lang
from geo.errors import UsageError, said
from geo.i18n import DEFAULT_LANG, LANGS, t
from geo.reports import report_format, write_report
from layers import load_districts, load_parcels, load_zones

NAME = "check"
FORMATS = ("table", "json", "csv")
ENGINES = ("local", "dask")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the command."""
    parser.add_argument("file", metavar="FILE", help=h("help.check.file"))
    parser.add_argument("--crs", help=h("help.check.crs"))
    parser.add_argument("--name-field", help=h("help.check.name_field"))
    parser.add_argument("--tolerance", type=float, default=1.0, metavar="PCT", help=h("help.check.tolerance"))
    parser.add_argument("--layer", help=h("help.check.layer"))
    parser.add_argument("--format", choices=FORMATS, default="table", help=h("help.check.format"))
    parser.add_argument("-o", "--output", metavar="REPORT.html", help=h("help.check.output"))
    report, checker = t("check.report_term", "zh"), t("check.checker_term", "zh")
    parser.add_argument("--report", metavar=t("check.report_metavar", "zh"),
                        help=h("help.check.report", report=report, checker=checker))
    parser.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG,
                        help=h("help.check.lang", default=DEFAULT_LANG))
    parser.add_argument("--findings-csv", metavar="PATH", help=h("help.check.findings_csv"))
    parser.add_argument("--csv-lang", choices=CSV_LANGS, default="zh",
                        help=h("help.check.csv_lang", headers=", ".join(list(CSV_HEADERS_ZH.values())[:3])))
    parser.add_argument("--make-valid", action="store_true", help=h("help.check.make_valid"))
    parser.add_argument("--save", action="store_true", help=h("help.check.save"))
    parser.add_argument("--user", metavar="NAME", help=h("help.check.user", checker=checker))
    parser.add_argument("--resubmits", metavar="UPLOAD_ID", help=h("help.check.resubmits"))
    parser.add_argument("--use-surveyed", action="store_true", help=h("help.check.use_surveyed"))
    scale = parser.add_argument_group(h("help.check.large_layers"))
    scale.add_argument("--engine", choices=ENGINES, default="local", help=h("help.check.engine"))
    scale.add_argument("--chunk-size", type=int, metavar="N", help=h("help.check.chunk_size"))
    scale.add_argument("--workers", type=int, metavar="N", help=h("help.check.workers"))
    scale.add_argument("--max-size", type=float, metavar="MB", default=MAX_SIZE_MB,
                       help=h("help.check.max_size", max_size=f"{MAX_SIZE_MB:g}"))
    scale.add_argument("--list-unmatched", metavar="FILE.gpkg|.parquet", help=h("help.check.list_unmatched"))


def _checker(name: str) -> str:
    """The 核查人 named by ``--user``: an enabled account of the workspace (refused and audited otherwise)."""
    from geo.store import workspace

    actor = workspace.office().actor(name, client="cli")
    return actor.name or ""


#: ``--max-size`` default (MB): the CLI takes any layer a disk holds; browser uploads keep geo.io.MAX_FILE_BYTES.
MAX_SIZE_MB = 100_000.0


def run(args: argparse.Namespace) -> int:
    """Read the file, run every check, print the findings and optionally write a report and save."""
    if args.use_surveyed and not args.save:
        raise UsageError(said("err.cmd.check.surveyed_needs_save"), source="--use-surveyed",
                         fix=said("err.cmd.check.surveyed_needs_save_fix"))
    if args.resubmits and not args.save:
        raise UsageError(said("err.cmd.check.resubmits_needs_save"), source="--resubmits",
                         fix=said("err.cmd.check.resubmits_needs_save_fix"))
    options = CheckOptions(name_field=args.name_field, tolerance_pct=args.tolerance, make_valid=args.make_valid)
    plan = PlanLayers(parcels=load_parcels(), zones=load_zones(), districts=load_districts())
    if str(args.output) == STDOUT and args.format != "table":
        raise UsageError(said("err.cmd.check.stdout_twice", format=args.format), source="-o",
                         fix=said("err.cmd.check.stdout_twice_fix"))
    report_fmt = report_format(args.report) if args.report else None  # before any work: a wrong suffix
    if args.report:
        check_target(args.report)
    checker = _checker(args.user) if args.user and (args.report or args.output) else ""
    if min(args.chunk_size or 1, args.workers or 1) < 1:
        raise UsageError(said("err.cmd.check.at_least_one"), source="--chunk-size",
                         fix=said("err.cmd.check.at_least_one_fix"))
    if args.save or args.report:  # the workspace keeps the whole layer; the 核查报告 names and maps every parcel
        checked = check_file(args.file, plan, options, crs=args.crs, layer=args.layer)
    else:
        checked = check_layer_file(
            args.file, plan, options, crs=args.crs, layer=args.layer, engine=args.engine, chunk_size=args.chunk_size,
            workers=args.workers, max_bytes=int(args.max_size * 2**20), list_unmatched=args.list_unmatched,
            keep_flagged=bool(args.output),
        )
    read, result, summary = checked.read, checked.result, checked.summary
    resubmission = None
    if args.resubmits:  # compared (and the earlier upload checked) before anything is saved
        from geo.store import workspace

        office = workspace.office()
        resubmission = resubmit.against(office, office.actor(args.user, client="cli"), args.resubmits, checked)
    if args.save:
        payload = Path(args.file).read_bytes()
        use = True if args.use_surveyed else None
        uid = (resubmit.save_resubmission(checked, payload, resubmits=args.resubmits, user=args.user, use_surveyed=use)
               if args.resubmits else save_run(checked, payload, user=args.user, use_surveyed=use))
        summary["upload_id"] = uid
        out(args, said("cmd.check.saved", uid=uid, in_use=said("cmd.check.in_use") if args.use_surveyed else "",
                       resubmitting=said("cmd.check.resubmitting", earlier=args.resubmits) if args.resubmits else ""),
            file=sys.stderr)
    if resubmission is not None:
        summary["resubmission"] = resubmission.summary()
    if args.findings_csv:
        write_output(args.findings_csv, findings_csv(result.findings, lang=args.csv_lang))
    formal = None
    if args.report or args.output:  # the -o HTML report gets the 核查报告's file, SHA-256, date and 核查人 too
        formal = build_formal(checked, args.file, checker=checker, lang=args.lang, plan_parcels=plan.parcels,
                              with_map=bool(args.report), zones=plan.zones, districts=plan.districts,
                              resubmission=resubmission)
    if args.report and formal is not None:
        write_report(formal, args.report, report_fmt)
    if args.output:
        report = html_report(result, source=read.source, plan_parcels=plan.parcels, crs_note=read.crs_note[1],
                             formal=formal)
        write_output(args.output, report)
    if args.format == "json" and resubmission is not None:  # each finding's state; the fixed ones apart
        sys.stdout.flush()
        resubmit.write_json(sys.stdout.buffer, summary, resubmission)
        sys.stdout.buffer.flush()
        return 0
    if args.format == "json":
        sys.stdout.flush()
        write_json(sys.stdout.buffer, summary, result.findings)
        sys.stdout.buffer.flush()
        return 0
    if args.format == "csv":
        sys.stdout.flush()
        write_csv(sys.stdout.buffer, result.findings)
        sys.stdout.buffer.flush()
        return 0
    # the terminal's lines: in --lang when the command line gives one, else English (as errors: geo.cli)
    lang = said_lang(args)
    out(args, said("cmd.check.read", source=read.source, fmt=read.fmt, features=summary["features"],
                   crs=read.crs_note[0 if lang == "zh" else 1]))  # (zh, en)
    for w in read.warnings:
        out(args, said("cli.warning", text=w))
    out(args, said("cmd.check.matched", matched=summary["matched"], features=summary["features"],
                   projects=summary["projects"], measured_mu=summary["measured_mu"], tolerance=args.tolerance))
    by_severity = t("cmd.check.sep", lang).join(
        t("cmd.check.severity_count", lang, n=n, severity=t(f"cmd.check.severity.{s}", lang))
        for s, n in summary["by_severity"].items())
    out(args, said("cmd.check.findings", findings=summary["findings"], flagged=summary["flagged_features"],
                   by_severity=by_severity))
    for check, n in summary["by_check"].items():
        if n:
            name = CHECKS[check].en if lang == "en" else t(f"registry.{check}", lang)
            print(f"  {check:<18} {n:>6}  {name}")
    shown = result.findings if resubmission is None else resubmission.findings[  # `since` first: new or open
        ["since", *result.findings.columns]]
    if resubmission is not None:
        c = resubmission.counts
        out(args, said("cmd.check.resubmission", of=resubmission.of, fixed=c["fixed"], open=c["open"], new=c["new"]))
    if len(shown):
        view = (  # the terminal table's messages in the terminal's language; JSON has both
            (shown.drop(columns="message_zh") if lang == "en"
             else shown.drop(columns="message").rename(columns={"message_zh": "message"}))
            .assign(value=shown["value"].round(3))
            .fillna({"project_id": "", "value": float("nan")})
        )
        print()
        print(view.to_string(index=False, na_rep="—"))
    if resubmission is not None and len(resubmission.fixed):
        fixed = resubmission.fixed
        message = "message" if lang == "en" or "message_zh" not in fixed.columns else "message_zh"
        print()
        out(args, said("cmd.check.fixed_heading"))
        print(fixed[[c for c in ("parcel_name_en", "check", message) if c in fixed.columns]]
              .to_string(index=False, na_rep="—"))
    if args.output:
        print()
        out(args, said("cmd.check.report_written", path=args.output))
    if args.report:
        out(args, said("cmd.check.formal_written", report=t("check.report_term", "zh"), path=args.report))
    if args.findings_csv:
        out(args, said("cmd.check.findings_csv_written", path=args.findings_csv))
    return 0
