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
from geo.commands import add_lang, h, out, said_lang, warn
from geo.crs import EXPORT_CRS
from geo.drafts import DraftPlan, Drafts, check_draft
from geo.drafts.export import export_draft
from geo.drafts.shapes import ON_DUPLICATE
from geo.errors import said, say
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
        add_lang(p)


def plan() -> DraftPlan:
    """The plan drafts belong to, from ``data/plan/`` (its projects, tracks and zones)."""
    return DraftPlan.of(load_projects(), load_tracks(), load_zone_table())


def _read(args: argparse.Namespace, path: str) -> gpd.GeoDataFrame:
    result = read_file(path, reserved=())  # a draft file names project_id itself: kept as it is
    for warning in result.warnings:
        warn(args, warning)
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


def _said(args: argparse.Namespace, notes: list[str]) -> None:
    for note in notes:
        warn(args, note, kind="note")


def _counts(args: argparse.Namespace, counts: dict[str, int]) -> str:
    """``added 1, removed 0, …`` in the language of the command's messages."""
    lang = said_lang(args)
    return say(said("cmd.draft.count_sep"), lang).join(
        said("cmd.draft.count", what=said(f"cmd.draft.change.{k}"), n=v).text(lang) for k, v in counts.items())


def run(args: argparse.Namespace) -> int:
    """Do the action; say what was done (one line for a change)."""
    off = office()
    actor: Actor = off.actor(args.user)
    desk = Drafts(off, plan())
    action = args.action
    lang = said_lang(args)
    if action == "new":
        saved = desk.create(actor, args.name, _read(args, args.source) if args.source else None,
                            comment=args.comment, on_duplicate=args.on_duplicate)
        _said(args, saved.notes)
        out(args, said("cmd.draft.created", name=saved.draft.name, draft_id=saved.draft.draft_id,
                       parcels=saved.version.n_parcels, mu=f"{saved.version.total_mu:,.2f}"))
    elif action == "save":
        draft = desk.get(actor, args.draft)
        saved = desk.save(actor, draft.draft_id, _read(args, args.source), base_version=args.base,
                          comment=args.comment, on_duplicate=args.on_duplicate)
        _said(args, saved.notes)
        out(args, said("cmd.draft.saved", name=draft.name, version=saved.version.version,
                       counts=_counts(args, saved.changes)))
    elif action == "list":
        infos = [i.as_dict() for i in desk.list(actor, deleted=args.deleted)]
        if args.format == "json":
            _dump(infos)
        for i in infos if args.format == "table" else []:
            use = say(said("cmd.draft.in_use", version=i["in_use_version"]), lang) if i["in_use_version"] else ""
            out(args, said("cmd.draft.list_row", draft_id=i["draft_id"], version=f"{i['latest_version'] or 0:<3}",
                           saved_at=f"{i['latest_saved_at'] or '-':<25}", author=f"{i['latest_author'] or '-':<14}",
                           parcels=f"{i['n_parcels'] or 0:>5}", mu=f"{_num(i['total_mu']):>12}", use=f"{use:<10}",
                           name=i["name"]))
        if not infos and args.format == "table":
            out(args, said("cmd.draft.none_deleted" if args.deleted else "cmd.draft.none"))
    elif action == "show":
        _show(desk, actor, args)
    elif action == "diff":
        draft = desk.get(actor, args.draft)
        found = desk.diff(actor, draft.draft_id, args.a, args.b)
        if args.format == "json":
            _dump({"draft": draft.name, "a": args.a, "b": args.b, "counts": found.counts,
                   "parcels": found.records()})
        else:
            out(args, said("cmd.draft.diff", name=draft.name, a=args.a, b=args.b, counts=_counts(args, found.counts)))
            for r in found.records():
                what = say(said(f"cmd.draft.change.{r['change']}"), lang) if r["change"] != "changed" else " + ".join(
                    ([say(said("cmd.draft.change.reshaped"), lang)] if r["reshaped"] else [])
                    + ([say(said("cmd.draft.change.attributes_fields", fields=r["fields"]), lang)]
                       if r["attributes"] else []))
                out(args, said("cmd.draft.diff_row", parcel_id=r["parcel_id"], what=f"{what:<40}",
                               name=r["name_zh"] or "", before=_num(r["mu_before"]), after=_num(r["mu_after"])))
    elif action == "check":
        draft = desk.get(actor, args.draft)
        version, parcels = desk.load(actor, draft.draft_id, args.version)
        findings = check_draft(parcels, plan_parcels=load_parcels(), zones=load_zones(), districts=load_districts(),
                               tolerance_pct=args.tolerance)
        if args.format == "json":
            _dump({"draft": draft.name, "version": version.version,
                   "findings": json.loads(findings.to_json(orient="records", force_ascii=False))})
        else:
            out(args, said("cmd.draft.findings", name=draft.name, version=version.version, n=len(findings)))
            for f in findings.to_dict("records"):
                zh = f.get("message_zh") if lang == "zh" else None  # the finding's own words in Chinese
                print(f"  {f['parcel_id'] or '-'}  {f['severity']:<7} {f['check']:<18} "
                      f"{zh if isinstance(zh, str) and zh else f['message']}")
    elif action == "export":
        draft = desk.get(actor, args.draft)
        version, parcels = desk.load(actor, draft.draft_id, args.version)
        crs = args.crs or crs_options(args.format)[0]
        made = export_draft(draft, version, parcels, fmt=args.format, path=args.output, crs=crs,
                            options=export_options(), encoding=args.encoding)
        for note in made.notes:
            warn(args, note.zh if lang == "zh" else note.en, kind="warning" if note.warning else "note")
        out(args, said("cmd.draft.wrote", path=made.path, format=args.format, crs=crs, name=draft.name,
                       version=version.version, parcels=len(parcels)))
    elif action == "use":
        draft = desk.get(actor, args.draft)
        desk.use(actor, draft.draft_id, args.version)
        out(args, said("cmd.draft.used", name=draft.name, version=args.version))
    elif action == "unuse":
        desk.unuse(actor)
        out(args, said("cmd.draft.unused"))
    elif action == "restore":
        draft = desk.get(actor, args.draft)
        saved = desk.restore(actor, draft.draft_id, args.version)
        out(args, said("cmd.draft.restored", name=draft.name, version=args.version, new=saved.version.version))
    else:
        draft = desk.get(actor, args.draft)
        desk.delete(actor, draft.draft_id)
        out(args, said("cmd.draft.deleted", name=draft.name))
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
    lang = said_lang(args)
    single = say(said("cmd.draft.single_user"), lang)
    print(say(said("cmd.draft.show", name=draft.name, draft_id=draft.draft_id, version=version.version,
                   author=version.author or single, saved_at=version.saved_at, parcels=version.n_parcels,
                   mu=f"{version.total_mu:,.2f}"), lang)
          + (f" — {version.comment}" if version.comment else ""))

    def col(name: str) -> str:
        return say(said(f"cmd.draft.col.{name}"), lang)

    print(f"  {col('parcel'):<11} {col('project'):<8} {col('mu'):>10} {col('declared'):>10} {col('difference'):>10}"
          f"  {col('name')}")
    for r in rows:
        print(f"  {r['parcel_id']:<11} {r['project_id'] or '-':<8} {_num(r['measured_mu']):>10} "
              f"{_num(r['declared_mu']):>10} {_num(r['difference_mu']):>10}  {r['name_zh']}")
    out(args, said("cmd.draft.versions"))
    for v in versions:
        out(args, said("cmd.draft.version_row", version=f"{v.version:<3}", saved_at=v.saved_at,
                       author=f"{v.author or single:<14}", parcels=f"{v.n_parcels:>5}", mu=f"{v.total_mu:>12,.2f}",
                       comment=v.comment))
