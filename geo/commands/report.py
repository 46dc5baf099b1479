"""``python -m geo report --year Y [--final] -o 报告.docx|.pdf``: the 监测评估 report, for an office to hand in.

Example::

    python -m geo report --year 2023 -o 2023年度发展报告.docx
    python -m geo report --year 2025 --final --user li.wei -o 终期评估报告.pdf

writes the plan's 年度发展报告 (annual development report) of year Y (``--final``: the 终期评估 of the
plan period up to Y, every year side by side) from the actuals recorded in the
workspace (:mod:`geo.monitor.report`): a Word document (``.docx``, Chinese fonts
set, a table of contents Word fills, editable) or a PDF (``.pdf``, the Chinese font
embedded) — the format follows the suffix of ``-o`` unless ``--format`` is given
(e.g. for ``-o -``). The file named is the file written, atomically; a symlink,
FIFO or device is written through, never replaced. ``--user NAME`` says who reads the
records once the workspace has accounts (everyone signed in may). With no actuals
recorded the report says so and how to fill the template.
"""

from __future__ import annotations

import argparse
import time
from typing import Final

from geo import atomic
from geo.commands import h, out, warn
from geo.errors import UsageError, said
from geo.i18n import DEFAULT_LANG, LANGS, t
from geo.monitor.model import MIN_YEAR
from geo.monitor.report import FORMATS, build_report, check_year, report_format, write_docx, write_pdf
from geo.store import office
from layers import load_monitor_plan

NAME: Final = "report"
#: The values of its one-line help, ``help.report``.
HELP_VALUES: Final = {"monitoring": t("report.monitoring", "zh"), "annual": t("report.annual", "zh"),
                      "final": t("report.final", "zh")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the command."""
    parser.add_argument("--year", type=int, required=True, metavar="Y", help=h("help.report.year"))
    parser.add_argument("--final", action="store_true", help=h("help.report.final", final=t("report.final", "zh")))
    parser.add_argument("-o", "--output", required=True, metavar=t("report.output_metavar", "zh"),
                        help=h("help.report.output"))
    parser.add_argument("--format", choices=list(FORMATS), help=h("help.report.format"))
    parser.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG, help=h("help.report.lang", default=DEFAULT_LANG))
    parser.add_argument("--no-map", action="store_true",
                        help=h("help.report.no_map", section=t("report.map_section", "zh")))
    parser.add_argument("--user", metavar="NAME", help=h("help.report.user"))


def run(args: argparse.Namespace) -> int:
    """Check the options, read the records, write the report, say what was written."""
    started = time.perf_counter()
    if args.year < MIN_YEAR:
        raise UsageError(said("err.cmd.report.year_early", year=args.year, min_year=MIN_YEAR), source="--year",
                         fix=said("err.cmd.report.year_early_fix"))
    fmt = report_format(args.output, args.format)
    if str(args.output) != atomic.STDOUT:
        atomic.check_target(args.output)  # before any work: a missing folder, or a folder named
    plan = load_monitor_plan()
    check_year(plan, args.year)
    off = office()
    actuals = off.actuals(off.actor(args.user))
    content = build_report(plan, actuals, year=args.year, final=args.final, lang=args.lang, with_map=not args.no_map)
    path = (write_docx if fmt == "docx" else write_pdf)(content, args.output)
    used = next((len(t.rows) for t in content.tables() if t.key == "sources"), 0)
    where = "stdout" if str(args.output) == atomic.STDOUT else str(path)
    kind = t("report.final" if args.final else "report.annual", "zh")
    # with -o - the CLI sends this line to stderr (geo.atomic.stdout_reserved)
    out(args, said("cmd.report.wrote", where=where, fmt=fmt, kind=kind, year=args.year, used=used,
                   seconds=time.perf_counter() - started))
    if used == 0:
        warn(args, said("cmd.report.no_actuals", year=args.year, file=t("report.template_file", "zh")), kind="note")
    return 0
