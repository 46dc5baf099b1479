"""``python -m geo plan validate|diff|template|new|build``: plan packages (a plan as a folder of data).

- ``plan validate DIR``: every problem of the package in ``DIR`` (``data/`` is the default package), one line
  each: file, row, field, what is wrong, how to fix it; exit 2 if there is any, 0 (and one line) if none. The
  lines are English, as scripts read them, or in ``--lang`` when the command line gives it.
- ``plan diff A B [--format table|json]``: projects added, removed and changed (matched by id, then by name)
  and the totals per spatial unit and per track side by side, with B − A.
- ``plan template -o 规划模板.xlsx [--filled] [--package DIR]``: an Excel workbook to write a plan in (sheets
  规划, 赛道, 空间单元, 项目, 目标, 地名; row 1 the field names, row 2 their Chinese labels), empty or filled
  with the package's rows; the 规划 sheet also has the plan's metadata columns (:data:`geo.plan.template.META_FIELDS`).
- ``plan new DIR --from FILE.xlsx``: a complete package folder ``DIR`` from a filled template (tables,
  ``datapackage.json``, gazetteer, indicative geometry), built beside it and renamed into place once it
  validates; each problem of the workbook one line (sheet, row, field, what is wrong, the fix), exit 2, nothing
  written. Problems are printed in English, or in ``--lang`` when the command line gives it (as ``plan validate``).
- ``plan build [DIR]``: rebuild a package's indicative geometry (parcels, spatial units, schematic metro) by
  the written placement rule (``tools/build_geometry.py`` is its old name).

The engine is :mod:`geo.plan.package`, :mod:`geo.plan.diff`, :mod:`geo.plan.template` and
:mod:`geo.plan.build`; this module only reads arguments and prints.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Final

from geo import atomic
from geo.commands import add_lang, h, out, said_lang
from geo.errors import UsageError, said
from geo.i18n import DEFAULT_LANG, LANGS, t
from geo.plan.build import build_package, write_layers
from geo.plan.current import ENV
from geo.plan.diff import diff_plans, format_table
from geo.plan.package import TEMPLATE_SHEETS, load_package, validate_package
from geo.plan.template import PlanInputError, new_package, template_workbook
from layers.schema import DATA_DIR

NAME: Final = "plan"
FORMATS: Final = ("table", "json")
#: The template's sheets as the help names them (:data:`geo.plan.package.TEMPLATE_SHEETS`).
_SHEETS: Final = ", ".join(TEMPLATE_SHEETS)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The three actions and their options."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    validate = actions.add_parser("validate", help=h("help.plan.validate"),
                                  description=h("help.plan.validate.description"))
    validate.add_argument("package", metavar="DIR", nargs="?", default=None, help=h("help.plan.validate.package"))
    validate.add_argument("--format", choices=FORMATS, default="table", help=h("help.plan.validate.format"))
    validate.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG,
                          help=h("help.plan.validate.lang"))
    diff = actions.add_parser("diff", help=h("help.plan.diff"), description=h("help.plan.diff.description"))
    diff.add_argument("a", metavar="A", help=h("help.plan.diff.a"))
    diff.add_argument("b", metavar="B", help=h("help.plan.diff.b"))
    diff.add_argument("--format", choices=FORMATS, default="table", help=h("help.plan.diff.format"))
    add_lang(diff)
    template = actions.add_parser("template", help=h("help.plan.template"),
                                  description=h("help.plan.template.description", sheets=_SHEETS))
    template.add_argument("-o", "--output", required=True, metavar="FILE.xlsx", help=h("help.plan.template.output"))
    template.add_argument("--filled", action="store_true", help=h("help.plan.template.filled"))
    template.add_argument("--package", metavar="DIR", default=str(DATA_DIR), help=h("help.plan.template.package"))
    add_lang(template)
    new = actions.add_parser("new", help=h("help.plan.new"), description=h("help.plan.new.description"))
    new.add_argument("folder", metavar="DIR", help=h("help.plan.new.folder"))
    new.add_argument("--from", dest="workbook", required=True, metavar="FILE.xlsx",
                     help=h("help.plan.new.from", sheets=_SHEETS))
    new.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG, help=h("help.plan.new.lang"))
    build = actions.add_parser("build", help=h("help.plan.build"), description=h("help.plan.build.description"))
    build.add_argument("package", metavar="DIR", nargs="?", default=None, help=h("help.plan.build.package"))
    add_lang(build)


def run(args: argparse.Namespace) -> int:
    """Run the chosen action."""
    actions = {"validate": _validate, "diff": _diff, "template": _template, "new": _new, "build": _build}
    return int(actions[args.action](args))


def _validate(args: argparse.Namespace) -> int:
    # the plan in use, named but not loaded (plan_dir() would refuse a broken one: here its problems are the answer)
    args.package = args.package or os.environ.get(ENV, "").strip() or str(DATA_DIR)
    problems = validate_package(args.package)
    if args.format == "json":
        json.dump([p.as_dict() for p in problems], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif problems:
        for p in problems:
            print(p.line(args.package, lang=said_lang(args)), file=sys.stderr)
    else:
        print(t("prob.package.valid", said_lang(args), path=args.package))
    return 2 if problems else 0


def _diff(args: argparse.Namespace) -> int:
    result = diff_plans(load_package(args.a), load_package(args.b))
    if args.format == "json":
        data = {"a": str(args.a), "b": str(args.b), **result.to_dict()}
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(format_table(result, label_a=str(args.a), label_b=str(args.b), lang=said_lang(args)))
    return 0


def _template(args: argparse.Namespace) -> int:
    if str(args.output) != atomic.STDOUT and Path(args.output).suffix.lower() != ".xlsx":
        raise UsageError(said("err.cmd.plan.not_xlsx", output=args.output), source="-o",
                         fix=said("err.cmd.plan.not_xlsx_fix"))
    data = template_workbook(load_package(args.package), filled=args.filled)
    where = atomic.write_output(args.output, data)
    out(args, said("cmd.plan.wrote_template" if args.filled else "cmd.plan.wrote_template_empty", path=where,
                   sheets=_SHEETS), file=sys.stderr)
    return 0


def _new(args: argparse.Namespace) -> int:
    try:
        made = new_package(args.folder, args.workbook)
    except PlanInputError as exc:
        for line in exc.lines(said_lang(args)):
            print(line, file=sys.stderr)
        return 2
    print(t("prob.plantemplate.wrote", said_lang(args), path=made.path, tracks=made.tracks, zones=made.zones,
            projects=made.projects, parcels=made.parcels, points=made.points, epsg=made.local_epsg))
    return 0


def _build(args: argparse.Namespace) -> int:
    from geo.plan.current import check_plan

    given = args.package or os.environ.get(ENV, "").strip() or str(DATA_DIR)
    folder = check_plan(given, source="plan build")
    for path, count in write_layers(build_package(folder)):
        out(args, said("cmd.plan.wrote_layer", path=path, n=count))
    return 0
