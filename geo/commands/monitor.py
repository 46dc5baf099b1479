"""``python -m geo monitor status|history|template|import``: 监测评估 on the command line.

- ``status --year Y [--format json|csv|table] [--lang zh|en]``: what the evaluation rules
  (``data/README.md``, :mod:`geo.monitor.evaluate`) make of every target and project in year Y,
  one object per row, the keys :data:`STATUS_KEYS` first;
- ``history ID [--year Y]``: every recorded version of one target, project or action (a
  correction is a new version, never an overwrite);
- ``template --year Y -o FILE.xlsx``: the workbook the office fills in, pre-filled with the
  plan and the latest values recorded up to Y (:func:`geo.monitor.template.write_template`);
- ``import FILE --year Y``: read a filled workbook (or CSV) back and record its values as
  new versions (:func:`geo.monitor.template.read_filled`, then
  :meth:`geo.store.Office.record_actuals`, in one transaction with its audit event). Its
  warnings go to stderr, one line each; a bad file exits 2 with one line and stores nothing.

``--user NAME`` says who acts; it is needed once the workspace has accounts: everyone signed
in reads, checkers and administrators record (a viewer's import is refused and audited).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import pandas as pd

from geo import atomic
from geo.commands import add_lang, h, out, said_lang, warn
from geo.errors import UsageError, said, say
from geo.i18n import DEFAULT_LANG, LANGS, t
from geo.monitor.evaluate import action_rows, status_rows
from geo.monitor.model import KINDS, MIN_YEAR, STAGES, STATUSES, Actual, MonitorPlan, StatusRow
from geo.store import Office, file_hash, office
from layers import load_monitor_plan

NAME = "monitor"
#: The values of its one-line help, ``help.monitor``.
HELP_VALUES: Final = {"name": t("cmd_monitor.title", "zh")}
FORMATS: Final = ("table", "json", "csv")
#: The keys every row of ``status`` starts with, in this order (json and csv).
STATUS_KEYS: Final = ("id", "kind", "name_zh", "name_en", "unit", "baseline", "baseline_year", "target",
                      "target_year", "actual", "actual_year", "evaluated", "progress", "status", "source")
#: The keys that follow them.
MORE_KEYS: Final = ("status_zh", "status_en", "stage", "track_id", "zone_id", "note_zh", "note_en")
#: The recorded fields of each kind of record (``history`` shows them as ``values``).
VALUE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "target": ("value", "unit"),
    "project": ("stage", "land_mu", "floor_wan_m2", "firms", "revenue_yi"),
    "action": ("state",),
}
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Subcommands and their options."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=type(parser))
    status = sub.add_parser("status", help=h("help.monitor.status"))
    status.add_argument("--year", type=int, required=True, help=h("help.monitor.status.year"))
    status.add_argument("--format", choices=FORMATS, default="table", help=h("help.monitor.status.format"))
    status.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG,
                        help=h("help.monitor.status.lang", default=DEFAULT_LANG))
    history = sub.add_parser("history", help=h("help.monitor.history"))
    history.add_argument("subject_id", metavar="ID", help=h("help.monitor.history.subject_id"))
    history.add_argument("--year", type=int, help=h("help.monitor.history.year"))
    history.add_argument("--format", choices=("table", "json"), default="table")
    template = sub.add_parser("template", help=h("help.monitor.template"))
    template.add_argument("--year", type=int, required=True, help=h("help.monitor.template.year"))
    template.add_argument("-o", "--output", required=True, metavar="FILE.xlsx", help=h("help.monitor.template.output"))
    imported = sub.add_parser("import", help=h("help.monitor.import"))
    imported.add_argument("file", metavar="FILE", help=h("help.monitor.import.file"))
    imported.add_argument("--year", type=int, required=True, help=h("help.monitor.import.year"))
    for p in sub.choices.values():
        p.add_argument("--user", metavar="NAME", help=h("help.monitor.user"))
        if p is not status:  # status has its own --lang: the language of its table too
            add_lang(p)


def checked_year(year: int, *, source: str = "--year") -> int:
    """``year``, unless it is before :data:`~geo.monitor.model.MIN_YEAR` (refused: no plan looks back so far)."""
    if year < MIN_YEAR:
        raise UsageError(said("err.cmd.monitor.year_early", year=year, min_year=MIN_YEAR), source=source,
                         fix=said("err.cmd.monitor.year_early_fix"))
    return year


def status_records(rows: Sequence[StatusRow]) -> list[dict[str, Any]]:
    """The rows as plain objects: :data:`STATUS_KEYS`, then :data:`MORE_KEYS` (what json and csv print)."""
    out = []
    for row in rows:
        data = row.as_dict()
        zh, en = STATUSES[row.status]
        record = {key: data[key] for key in STATUS_KEYS}
        record.update(status_zh=zh, status_en=en, stage=row.stage, track_id=row.track_id, zone_id=row.zone_id,
                      note_zh=row.note_zh, note_en=row.note_en)
        out.append(record)
    return out


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:,.6g}"


def _print_table(plan: MonitorPlan, rows: Sequence[StatusRow], actuals: Sequence[Actual], year: int,
                 *, lang: str) -> None:
    """The rows for a reader: names, statuses and notes in one language; then the key actions."""
    zh = lang == "zh"
    if not actuals:
        print(t("cmd_monitor.none", lang, year=year))
    view = pd.DataFrame([{
        "id": r.id, "name": r.name_zh if zh else r.name_en, "unit": r.unit, "baseline": _figure(r.baseline),
        "target": _figure(r.target), "year": r.target_year,
        "actual": "—" if r.actual is None else f"{_figure(r.actual)} ({r.actual_year})",
        "evaluated": _figure(r.evaluated),
        "progress": "—" if r.progress is None else f"{r.progress:.1%}",
        "stage": "" if r.stage is None else t(f"monitor.stage.{r.stage}", lang) if r.stage in STAGES else r.stage,
        "status": t(f"monitor.status.{r.status}", lang),
    } for r in rows])
    print(view.to_string(index=False))
    noted = [r for r in rows if (r.note_zh if zh else r.note_en)]
    if noted:
        print("\n" + t("cmd_monitor.notes", lang))
        for r in noted:
            print(f"- {r.id}: {r.note_zh if zh else r.note_en}")
    print("\n" + t("cmd_monitor.actions", lang))
    for a in action_rows(plan, actuals, year):
        when = "" if a["actual_year"] is None else f" ({a['actual_year']}; {a['source']})"
        print(f"  {a['id']}  {a['name_zh'] if zh else a['name_en']}: {a['state_zh'] if zh else a['state_en']}{when}")


def _status(off: Office, args: argparse.Namespace) -> None:
    year = checked_year(args.year)
    plan = load_monitor_plan()
    actuals = [a for a in off.actuals(off.actor(args.user)) if a.year <= year]
    rows = status_rows(plan, actuals, year)
    if args.format == "json":
        json.dump(status_records(rows), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif args.format == "csv":
        pd.DataFrame(status_records(rows), columns=[*STATUS_KEYS, *MORE_KEYS]).to_csv(sys.stdout, index=False)
    else:
        _print_table(plan, rows, actuals, year, lang=args.lang)


def subject_ids(plan: MonitorPlan) -> dict[str, str]:
    """Every id a record may name → its kind (targets, projects, actions)."""
    frames = {"target": (plan.targets, "target_id"), "project": (plan.projects, "project_id"),
              "action": (plan.actions, "action_id")}
    return {str(i): kind for kind, (frame, column) in frames.items() for i in frame[column].dropna()}


def history_records(records: Sequence[Actual]) -> list[dict[str, Any]]:
    """Each version as ``year, version, kind, values, source, note, recorded_by, recorded_at`` (by year, version)."""
    ordered = sorted(records, key=lambda r: (r.year, r.version))
    return [{"year": r.year, "version": r.version, "kind": r.kind,
             "values": {f: getattr(r, f) for f in VALUE_FIELDS[r.kind] if getattr(r, f) is not None},
             "source": r.source, "note": r.note, "recorded_by": r.recorded_by, "recorded_at": r.recorded_at}
            for r in ordered]


def _history(off: Office, args: argparse.Namespace) -> None:
    plan = load_monitor_plan()
    kinds = subject_ids(plan)
    if args.subject_id not in kinds:
        raise UsageError(said("err.cmd.monitor.unknown_id", subject_id=args.subject_id), source="monitor history",
                         fix=said("err.cmd.monitor.unknown_id_fix"))
    year = None if args.year is None else checked_year(args.year)
    found = off.actuals(off.actor(args.user), kind=kinds[args.subject_id], subject_id=args.subject_id, year=year,
                        history=True)
    rows = history_records(found)
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return
    for r in rows:
        values = ", ".join(f"{k}={v}" for k, v in r["values"].items()) or "-"
        out(args, said("cmd.monitor.history_row", year=r["year"], version=r["version"], values=values,
                       source=r["source"] or "-",
                       by=r["recorded_by"] or say(said("cmd.monitor.single_user"), said_lang(args)),
                       at=r["recorded_at"]))
    if not rows:
        out(args, said("cmd.monitor.no_records", subject_id=args.subject_id) if year is None
            else said("cmd.monitor.no_records_year", subject_id=args.subject_id, year=year))


def _template(off: Office, args: argparse.Namespace) -> None:
    year = checked_year(args.year)
    atomic.check_target(args.output)
    from geo.monitor.template import write_template  # openpyxl: only for this action

    plan = load_monitor_plan()
    actuals = off.actuals(off.actor(args.user))
    if args.output != atomic.STDOUT:
        write_template(plan, actuals, year, Path(args.output))
        out(args, said("cmd.monitor.wrote_template", year=year, path=args.output))
        return
    with tempfile.TemporaryDirectory(prefix="geo-template-") as folder:
        staged = Path(folder) / f"monitor_{year}.xlsx"
        write_template(plan, actuals, year, staged)
        atomic.copy_to_output(atomic.STDOUT, staged)


def _import(off: Office, args: argparse.Namespace) -> None:
    year = checked_year(args.year)
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(said("err.cmd.monitor.no_file"), source=args.file, fix=said("err.cmd.monitor.no_file_fix"))
    actor = off.actor(args.user)
    from geo.monitor.template import read_filled  # openpyxl: only for this action

    plan = load_monitor_plan()
    # the records stored so far: a stage going back is warned about, last year's pre-fill left as it was skipped
    filled = read_filled(path, plan, year, previous=off.actuals(actor))
    for warning in filled.warnings:
        warn(args, warning)
    stored = off.record_actuals(actor, filled.records, origin=path.name, file_hash=file_hash(path.read_bytes()))
    counts = Counter(r.kind for r in stored)
    parts = ", ".join(say(said(f"cmd.monitor.kind.{k}", n=counts[k]), said_lang(args)) for k in KINDS if counts[k])
    out(args, said("cmd.monitor.imported", n=len(stored), year=year, parts=parts, name=path.name))


def run(args: argparse.Namespace) -> int:
    """Do the action (see the module)."""
    off = office()
    {"status": _status, "history": _history, "template": _template, "import": _import}[args.action](off, args)
    return 0
