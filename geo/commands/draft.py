"""``python -m geo draft new|list|show|save|diff|check|export|use|unuse|restore|delete``: drafts of the layout.

A draft is a named working copy of the plan's parcels; every save is a new
version (author, time, comment), nothing is overwritten (:mod:`geo.drafts`).

- ``new NAME [--from FILE]``: a new draft, its version 1 the parcels of FILE (GeoJSON, GeoPackage, a zipped
  Shapefile … with the columns ``parcel_id, project_id, name_zh, name_en, track_id, zone_id, declared_mu,
  note``; missing ones are empty, a parcel without an id gets one) or none;
- ``save DRAFT --from FILE --base N``: the next version, based on version N (refused if someone saved since);
- ``list``, ``show DRAFT [--version N]`` (each parcel with its mu to 0.01, declared mu and the difference;
  its versions), ``diff DRAFT A B``, ``check DRAFT [--version N]`` (the checks of surveyed parcels);
- ``export DRAFT [--version N] --format FMT -o PATH [--crs CRS]``: every export format and CRS;
- ``use DRAFT --version N`` / ``unuse`` (administrators): the version whose shapes the plan's projects take
  (``geometry_basis = drawn``) in the map, totals and ``--surveyed`` exports;
- ``restore DRAFT N``: version N's parcels saved as the newest version;
- ``delete DRAFT`` (administrators; soft).

DRAFT is a draft's id or its name. ``--user NAME`` says who acts (needed once the workspace has accounts):
everyone reads, checkers and administrators create and save, administrators put in use and delete. Every
change is recorded in the audit trail (``draft_new``, ``draft_save``, ``draft_restore``, ``draft_use``,
``draft_delete``); a refusal exits 2 with one line and is recorded too.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.area import measured_mu
from geo.commands import h
from geo.crs import EXPORT_CRS
from geo.drafts import DraftPlan, Drafts, check_draft
from geo.drafts.export import export_draft
from geo.drafts.shapes import ON_DUPLICATE
from geo.io import FORMATS, read_file
from geo.io.export import crs_options
from geo.store import office
from geo.store.office import Actor
from layers import export_options, load_districts, load_parcels, load_projects, load_tracks, load_zone_table, load_zones

NAME = "draft"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Subcommands and their options."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=type(parser))
    new = sub.add_parser("new", help=h("help.draft.new"))
    new.add_argument("name", metavar="NAME")
    new.add_argument("--from", dest="source", metavar="FILE", help=h("help.draft.new.from"))
    save = sub.add_parser("save", help=h("help.draft.save"))
    save.add_argument("draft", metavar="DRAFT")
    save.add_argument("--from", dest="source", metavar="FILE", required=True, help=h("help.draft.save.from"))
    save.add_argument("--base", type=int, required=True, metavar="N", help=h("help.draft.save.base"))
    for p in (new, save):
        p.add_argument("--comment", default="", help=h("help.draft.comment"))
        p.add_argument("--on-duplicate", choices=ON_DUPLICATE, default="refuse", help=h("help.draft.on_duplicate"))
    listing = sub.add_parser("list", help=h("help.draft.list"))
    listing.add_argument("--deleted", action="store_true", help=h("help.draft.list.deleted"))
    show = sub.add_parser("show", help=h("help.draft.show"))
    show.add_argument("draft", metavar="DRAFT")
    diff = sub.add_parser("diff", help=h("help.draft.diff"))
    diff.add_argument("draft", metavar="DRAFT")
    diff.add_argument("a", type=int, metavar="A")
    diff.add_argument("b", type=int, metavar="B")
    check = sub.add_parser("check", help=h("help.draft.check"))
    check.add_argument("draft", metavar="DRAFT")
    check.add_argument("--tolerance", type=float, default=1.0, help=h("help.draft.check.tolerance"))
    for p in (listing, show, diff, check):
        p.add_argument("--format", choices=("table", "json"), default="table")
    for p in (show, check):
        p.add_argument("--version", type=int, metavar="N", help=h("help.draft.version"))
    export = sub.add_parser("export", help=h("help.draft.export"))
    export.add_argument("draft", metavar="DRAFT")
    export.add_argument("--version", type=int, metavar="N", help=h("help.draft.version"))
    export.add_argument("--format", choices=list(FORMATS), required=True, help=h("help.draft.export.format"))
    export.add_argument("--crs", choices=list(EXPORT_CRS), default=None, help=h("help.draft.export.crs"))
    export.add_argument("-o", "--output", required=True, type=Path, help=h("help.draft.export.output"))
    export.add_argument("--encoding", choices=["utf-8", "gbk"], default="utf-8", help=h("help.draft.export.encoding"))
    use = sub.add_parser("use", help=h("help.draft.use"))
    use.add_argument("draft", metavar="DRAFT")
    use.add_argument("--version", type=int, required=True, metavar="N")
    sub.add_parser("unuse", help=h("help.draft.unuse"))
    restore = sub.add_parser("restore", help=h("help.draft.restore"))
    restore.add_argument("draft", metavar="DRAFT")
    restore.add_argument("version", type=int, metavar="N")
    delete = sub.add_parser("delete", help=h("help.draft.delete"))
    delete.add_argument("draft", metavar="DRAFT")
    for p in sub.choices.values():
        p.add_argument("--user", metavar="NAME", help=h("help.draft.user"))


def plan() -> DraftPlan:
    """The plan drafts belong to, from ``data/plan/`` (its projects, tracks and zones)."""
    return DraftPlan.of(load_projects(), load_tracks(), load_zone_table())


def _read(path: str) -> gpd.GeoDataFrame:
    result = read_file(path, reserved=())  # a draft file names project_id itself: kept as it is
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return result.layer


def _mu(value: object) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 2)  # type: ignore[call-overload,arg-type]


def parcel_rows(parcels: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Each parcel with its measured mu (0.01), declared mu and measured − declared."""
    mu: list[float] = measured_mu(parcels, source="draft").tolist() if len(parcels) else []
    rows = []
    for (_, p), m in zip(parcels.iterrows(), mu, strict=True):
        declared = _mu(p["declared_mu"])
        measured = None if math.isnan(m) else round(float(m), 2)
        rows.append({"parcel_id": p["parcel_id"], "project_id": None if pd.isna(p["project_id"]) else p["project_id"],
                     "name_zh": p["name_zh"], "name_en": p["name_en"],
                     "track_id": None if pd.isna(p["track_id"]) else p["track_id"],
                     "zone_id": None if pd.isna(p["zone_id"]) else p["zone_id"], "measured_mu": measured,
                     "declared_mu": declared,
                     "difference_mu": None if declared is None or measured is None else round(measured - declared, 2),
                     "note": p["note"]})
    return rows


def _dump(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1, default=str)
    sys.stdout.write("\n")


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _said(notes: list[str]) -> None:
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Do the action; say what was done (one line for a change)."""
    off = office()
    actor: Actor = off.actor(args.user)
    desk = Drafts(off, plan())
    action = args.action
    if action == "new":
        saved = desk.create(actor, args.name, _read(args.source) if args.source else None, comment=args.comment,
                            on_duplicate=args.on_duplicate)
        _said(saved.notes)
        print(f"draft 「{saved.draft.name}」 ({saved.draft.draft_id}) created: v1, {saved.version.n_parcels} parcels, "
              f"{saved.version.total_mu:,.2f} mu")
    elif action == "save":
        draft = desk.get(actor, args.draft)
        saved = desk.save(actor, draft.draft_id, _read(args.source), base_version=args.base, comment=args.comment,
                          on_duplicate=args.on_duplicate)
        _said(saved.notes)
        counts = ", ".join(f"{k} {v}" for k, v in saved.changes.items())
        print(f"draft 「{draft.name}」: saved v{saved.version.version} ({counts})")
    elif action == "list":
        infos = [i.as_dict() for i in desk.list(actor, deleted=args.deleted)]
        if args.format == "json":
            _dump(infos)
        for i in infos if args.format == "table" else []:
            use = f"in use v{i['in_use_version']}" if i["in_use_version"] else ""
            print(f"{i['draft_id']}  v{i['latest_version'] or 0:<3} {i['latest_saved_at'] or '-':<25} "
                  f"{i['latest_author'] or '-':<14} {i['n_parcels'] or 0:>5} parcels {_num(i['total_mu']):>12} mu  "
                  f"{use:<10} {i['name']}")
        if not infos and args.format == "table":
            print("no deleted drafts" if args.deleted else "no drafts")
    elif action == "show":
        _show(desk, actor, args)
    elif action == "diff":
        draft = desk.get(actor, args.draft)
        found = desk.diff(actor, draft.draft_id, args.a, args.b)
        if args.format == "json":
            _dump({"draft": draft.name, "a": args.a, "b": args.b, "counts": found.counts,
                   "parcels": found.records()})
        else:
            print(f"draft 「{draft.name}」 v{args.a} → v{args.b}: "
                  + ", ".join(f"{k} {v}" for k, v in found.counts.items()))
            for r in found.records():
                what = r["change"] if r["change"] != "changed" else " + ".join(
                    (["reshaped"] if r["reshaped"] else []) + ([f"attributes ({r['fields']})"] if r["attributes"]
                                                              else []))
                print(f"  {r['parcel_id']}  {what:<40} {r['name_zh'] or ''}  "
                      f"{_num(r['mu_before'])} → {_num(r['mu_after'])} mu")
    elif action == "check":
        draft = desk.get(actor, args.draft)
        version, parcels = desk.load(actor, draft.draft_id, args.version)
        findings = check_draft(parcels, plan_parcels=load_parcels(), zones=load_zones(), districts=load_districts(),
                               tolerance_pct=args.tolerance)
        if args.format == "json":
            _dump({"draft": draft.name, "version": version.version,
                   "findings": json.loads(findings.to_json(orient="records", force_ascii=False))})
        else:
            print(f"draft 「{draft.name}」 v{version.version}: {len(findings)} findings")
            for f in findings.to_dict("records"):
                print(f"  {f['parcel_id'] or '-'}  {f['severity']:<7} {f['check']:<18} {f['message']}")
    elif action == "export":
        draft = desk.get(actor, args.draft)
        version, parcels = desk.load(actor, draft.draft_id, args.version)
        crs = args.crs or crs_options(args.format)[0]
        out = export_draft(draft, version, parcels, fmt=args.format, path=args.output, crs=crs,
                           options=export_options(), encoding=args.encoding)
        for note in out.notes:
            print(f"{'warning' if note.warning else 'note'}: {note.en}", file=sys.stderr)
        print(f"wrote {out.path} ({args.format}, {crs}; draft 「{draft.name}」 v{version.version}, "
              f"{len(parcels)} parcels)")
    elif action == "use":
        draft = desk.get(actor, args.draft)
        desk.use(actor, draft.draft_id, args.version)
        print(f"draft 「{draft.name}」 v{args.version} is in use for the plan")
    elif action == "unuse":
        desk.unuse(actor)
        print("no draft is in use for the plan")
    elif action == "restore":
        draft = desk.get(actor, args.draft)
        saved = desk.restore(actor, draft.draft_id, args.version)
        print(f"draft 「{draft.name}」: v{args.version} restored as v{saved.version.version}")
    else:
        draft = desk.get(actor, args.draft)
        desk.delete(actor, draft.draft_id)
        print(f"draft 「{draft.name}」 deleted")
    return 0


def _show(desk: Drafts, actor: Actor, args: argparse.Namespace) -> None:
    draft = desk.get(actor, args.draft)
    version, parcels = desk.load(actor, draft.draft_id, args.version)
    versions = desk.versions(actor, draft.draft_id)
    rows = parcel_rows(parcels)
    if args.format == "json":
        _dump({"draft": draft.as_dict(), "version": version.as_dict(), "versions": [v.as_dict() for v in versions],
               "parcels": rows})
        return
    print(f"draft 「{draft.name}」 ({draft.draft_id}) v{version.version} by {version.author or 'the single user'} "
          f"at {version.saved_at}: {version.n_parcels} parcels, {version.total_mu:,.2f} mu"
          + (f" — {version.comment}" if version.comment else ""))
    print(f"  {'parcel':<11} {'project':<8} {'mu':>10} {'declared':>10} {'difference':>10}  name")
    for r in rows:
        print(f"  {r['parcel_id']:<11} {r['project_id'] or '-':<8} {_num(r['measured_mu']):>10} "
              f"{_num(r['declared_mu']):>10} {_num(r['difference_mu']):>10}  {r['name_zh']}")
    print("versions:")
    for v in versions:
        print(f"  v{v.version:<3} {v.saved_at}  {v.author or 'the single user':<14} {v.n_parcels:>5} parcels "
              f"{v.total_mu:>12,.2f} mu  {v.comment}")
