"""The one path of a parcel check: read → CRS → (repair) → match → checks → findings → save.

The Check page and ``python -m geo check`` both call these functions, so a
file checked in the browser and on the command line gets the same findings,
the same summary and the same saved record. The plan's own layers are passed
in (:class:`PlanLayers`): the engine does not load them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.checks.declared import add_findings, declared_area_findings
from geo.checks.diagnose import enrich
from geo.checks.matching import suggest_name_field
from geo.checks.registry import CHECKS, SEVERITIES, CheckResult, run_checks, summarise
from geo.checks.topology import make_valid_layer
from geo.errors import UsageError, said
from geo.io.columns import field_named
from geo.io.files import ReadResult, read_bytes, read_file
from geo.store import workspace
from geo.store.office import Actor


@dataclass(frozen=True)
class PlanLayers:
    """What a surveyed layer is checked against: plan parcels, zones, districts (WGS84)."""

    parcels: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame | None = None
    districts: gpd.GeoDataFrame | None = None


@dataclass(frozen=True)
class CheckOptions:
    """A user's choices for one check."""

    name_field: str | None = None
    tolerance_pct: float = 1.0
    make_valid: bool = False

    def __post_init__(self) -> None:
        if not self.tolerance_pct >= 0:
            raise UsageError(
                said("err.check.negative_tolerance", tolerance=self.tolerance_pct),
                source="tolerance",
                fix=said("err.check.tolerance_fix"),
            )


@dataclass
class CheckRun:
    """A checked file: how it was read, with which options, and what was found."""

    read: ReadResult
    options: CheckOptions
    result: CheckResult

    @property
    def summary(self) -> dict[str, Any]:
        """How the file was read (format, CRS and its basis, encoding, warnings) and the check's counts."""
        return {
            "file": self.read.source,
            "format": self.read.fmt,
            "crs": self.read.crs,
            "crs_basis": self.read.crs_basis,
            "crs_note": self.read.crs_note[1],
            "encoding": self.read.encoding,
            "warnings": self.read.warnings,
            "make_valid": self.options.make_valid,
        } | self.result.summary


def check_read(read: ReadResult, plan: PlanLayers, options: CheckOptions) -> CheckRun:
    """Check a layer already read (the page reads first, to offer the name fields)."""
    options = replace(options, name_field=field_named(options.name_field, read.renamed))
    layer = make_valid_layer(read.layer) if options.make_valid else read.layer
    result = run_checks(
        layer,
        plan_parcels=plan.parcels,
        zones=plan.zones,
        districts=plan.districts,
        name_field=options.name_field,
        tolerance_pct=options.tolerance_pct,
    )
    declared = declared_area_findings(read, result.parcels, tolerance_pct=options.tolerance_pct)  # 部标坐标txt only
    result = add_findings(result, declared, tolerance_pct=options.tolerance_pct)
    findings, named = enrich(result.findings, read.layer, file_crs=read.crs, name_field=options.name_field,
                             plan_parcels=plan.parcels, districts=plan.districts)
    result = CheckResult(findings=findings, summary=summarise(findings, result.parcels,
                                                             tolerance_pct=options.tolerance_pct) | named,
                         parcels=result.parcels)
    result.summary["renamed"] = dict(read.renamed)  # the user's attributes renamed on read: original → new
    return CheckRun(read=read, options=options, result=result)


def check_file(
    path: str | Path, plan: PlanLayers, options: CheckOptions, *, crs: str | None = None, layer: str | None = None
) -> CheckRun:
    """Read a file on disk (CRS from the file, inferred, or ``crs``) and check it."""
    return check_read(read_file(path, crs=crs, layer=layer), plan, options)


def check_upload(
    data: bytes, name: str, plan: PlanLayers, options: CheckOptions, *, crs: str | None = None
) -> CheckRun:
    """Read an uploaded file's bytes and check it."""
    return check_read(read_bytes(data, name=name, crs=crs), plan, options)


def save_run(
    run: CheckRun,
    payload: bytes,
    *,
    user: Actor | str | None = None,
    use_surveyed: bool | None = None,
    root: str | Path | None = None,
) -> str:
    """Save a checked file's parcels and findings to the workspace as ``user``'s; returns its upload id.

    ``user`` is who saves: an :class:`geo.store.Actor` (the app's signed-in
    user), an account name (the CLI's ``--user``), or None — the single user
    of a workspace without accounts (refused once accounts exist). The upload
    records its owner, time and the file's SHA-256; the same file saved again
    by the same user replaces their earlier save. ``use_surveyed`` True/False
    then switches its geometry in for (or out of) the plan's parcels (see
    :func:`geo.store.parcels_in_use`), as a separate recorded action; None
    keeps the switch as it was. Raises :class:`geo.errors.AccessError` when
    the role does not allow saving.
    """
    office = workspace.office(root)
    actor = user if isinstance(user, Actor) else office.actor(user, client="cli")
    uid = workspace.upload_id(payload, run.read.source, owner=actor.name)
    office.save(
        actor,
        uid,
        run.result.parcels,
        run.result.findings,
        info={
            "name": run.read.source,
            "fmt": run.read.fmt,
            "crs": run.read.crs,
            "crs_basis": run.read.crs_basis,
            "tolerance_pct": run.options.tolerance_pct,
            "name_field": run.options.name_field,
        },
        file_hash=workspace.file_hash(payload),
    )
    if use_surveyed is not None:
        office.switch(actor, uid, use_surveyed)
    return uid


def saved_result(
    uid: str, *, tolerance_pct: float, root: str | Path | None = None, user: Actor | None = None
) -> CheckResult:
    """A saved check, as the page shows it again: its parcels, findings and their summary.

    With ``user``, opened as that user (a deleted upload only for whoever may restore it).
    """
    if user is None:
        parcels, findings = workspace.load_upload(uid, root=root)
    else:
        parcels, findings = workspace.office(root).open(user, uid)
    return CheckResult(
        findings=findings, summary=summarise(findings, parcels, tolerance_pct=tolerance_pct), parcels=parcels
    )


def check_layer_file(
    path: str | Path,
    plan: PlanLayers,
    options: CheckOptions,
    *,
    crs: str | None = None,
    layer: str | None = None,
    engine: str = "local",
    chunk_size: int | None = None,
    workers: int | None = None,
    max_bytes: int | None = None,
    each_unmatched: bool | None = None,
    list_unmatched: str | Path | None = None,
    keep_flagged: bool = False,
    name: str | None = None,
    suggest_name: bool = False,
) -> CheckRun:
    """Check a file of any size in bounded memory: chunk by chunk here (``engine="local"``) or on Dask.

    The findings and summary are those of :func:`check_file` (tests/test_chunked.py); the result's
    ``parcels`` are only the flagged ones (worst first, capped), for the report's map. ``list_unmatched``
    writes the parcels that match no project to a GeoPackage or GeoParquet file. ``name``: the file's
    name as the user knows it (an upload's copy has another). ``suggest_name``: with no name field chosen,
    match by the one :func:`~geo.checks.matching.suggest_name_field` proposes from an even sample of
    :data:`SUGGEST_SAMPLE` features (the Check page's default choice); the summary's ``fields`` lists the
    attribute fields and ``suggested_field`` that proposal.
    """
    from geo.checks.chunked import CheckSpec, Workers, default_workers, run_chunked
    from geo.io.chunks import DEFAULT_CHUNK, open_layer

    if engine not in ("local", "dask"):
        raise UsageError(said("err.check.unknown_engine", engine=engine), source="--engine",
                         fix=said("err.check.engine_fix"))
    pool = Workers((workers or default_workers()) if engine == "local" else 1)
    with pool:  # forked before the light pass fills this process (see Workers)
        chunked = open_layer(path, name=name, crs=crs, layer=layer, max_bytes=max_bytes, before_pass=pool.start)
        options = replace(options, name_field=field_named(options.name_field, chunked.renamed))
        fields, suggested = _fields_and_suggestion(chunked, plan, options.name_field is None) if (
            suggest_name) else ([], None)
        if suggested is not None:
            options = replace(options, name_field=suggested)
        spec = CheckSpec(plan.parcels, plan.zones, plan.districts, name_field=options.name_field,
                         tolerance_pct=options.tolerance_pct, make_valid=options.make_valid,
                         each_unmatched=each_unmatched, keep_unmatched=list_unmatched is not None,
                         keep_flagged=keep_flagged)
        if options.name_field is not None:  # a missing column is refused here, not in a worker
            from geo.checks.matching import match_parcels

            match_parcels(chunked.read(np.array([0])), plan.parcels, name_field=options.name_field)
        sink = _UnmatchedSink(Path(list_unmatched)) if list_unmatched is not None else None
        if engine == "dask":
            from geo.checks.distributed import run_dask

            stats: dict[str, Any] = {}
            result = run_dask(chunked, spec, chunk_size=chunk_size or DEFAULT_CHUNK,
                              on_unmatched=sink.add if sink else None, stats=stats)
            seconds = stats.pop("piece_seconds")
            info = {"engine": "dask", "partitions": stats["partitions"], "workers": stats["workers"],
                    "halo_features": stats["halo_features"]}
        else:
            run = run_chunked(chunked, spec, chunk_size=chunk_size or DEFAULT_CHUNK, workers=pool,
                              on_unmatched=sink.add if sink else None)
            result, seconds = run.result, run.seconds
            info = {"engine": "local", "chunks": run.chunks, "workers": pool.n, "halo_features": run.halo}
    if sink is not None:
        sink.close()
    info["chunk_seconds"] = [round(s, 3) for s in seconds]
    findings, named = enrich(result.findings, _named_layer(chunked, result.findings), file_crs=chunked.crs,
                             name_field=options.name_field, plan_parcels=plan.parcels, districts=plan.districts)
    result = CheckResult(findings=findings, summary=result.summary | {
        "findings": len(findings),
        "by_severity": {s: int((findings["severity"] == s).sum()) for s in SEVERITIES},
        "by_check": {c: int((findings["check"] == c).sum()) for c in CHECKS},
    } | named, parcels=result.parcels)
    result.summary["engine"] = info
    result.summary["renamed"] = dict(chunked.renamed)
    if suggest_name:
        result.summary |= {"fields": fields, "suggested_field": suggested}
    read = ReadResult(layer=result.parcels, source=chunked.source, fmt=chunked.fmt, crs=chunked.crs,
                      crs_basis=chunked.crs_basis, crs_note=chunked.crs_note, encoding=chunked.encoding,
                      warnings=chunked.warnings, renamed=dict(chunked.renamed))
    return CheckRun(read=read, options=options, result=result)


#: Features a file read in chunks is sampled by for the whole-file diagnoses (evenly spread).
DIAGNOSIS_SAMPLE = 2000
#: Features the name field is proposed from (evenly spread over the file).
SUGGEST_SAMPLE = 2000


def _even_sample(n: int, at_most: int) -> Any:
    """``at_most`` positions spread evenly over ``n`` features (all of them when fewer)."""
    return np.unique(np.linspace(0, n - 1, min(n, at_most)).astype(np.int64)) if n else np.zeros(0, np.int64)


def _fields_and_suggestion(chunked: Any, plan: PlanLayers, suggest: bool) -> tuple[list[str], str | None]:
    """The layer's attribute fields (as renamed on read) and, if ``suggest``, the field proposed to match by."""
    if not chunked.n:
        return [], None
    sample = chunked.read(_even_sample(chunked.n, SUGGEST_SAMPLE if suggest else 1))  # one feature names the fields
    fields = [str(c) for c in sample.columns if c != sample.geometry.name]
    return fields, (suggest_name_field(sample, plan.parcels) if suggest else None)
#: At most this many flagged features of a file read in chunks are read again to name them.
NAMED_AT_MOST = 50_000


def _named_layer(chunked: Any, findings: pd.DataFrame) -> gpd.GeoDataFrame:
    """The features :func:`geo.checks.diagnose.enrich` names and places: the whole layer when it was read
    whole, else the flagged ones (up to :data:`NAMED_AT_MOST`) and an even sample for the whole-file checks."""
    if chunked._whole is not None:
        return chunked._whole  # type: ignore[no-any-return]
    flagged = findings["feature"].dropna().astype("int64").unique()[:NAMED_AT_MOST] - 1
    positions = np.unique(np.concatenate([flagged.astype(np.int64), _even_sample(chunked.n, DIAGNOSIS_SAMPLE)]))
    positions = positions[(positions >= 0) & (positions < chunked.n)]
    return chunked.read(positions)  # type: ignore[no-any-return]


class _UnmatchedSink:
    """Unmatched parcels appended chunk by chunk to a GeoPackage (or collected and written as GeoParquet)."""

    def __init__(self, path: Path) -> None:
        if not path.parent.is_dir():
            raise UsageError(said("err.check.no_folder"), source=str(path), fix=said("err.check.no_folder_fix"))
        self.path = path
        self.parquet = path.suffix.lower() == ".parquet"
        self.parts: list[gpd.GeoDataFrame] = []
        self.tmp = path.with_name(f".part-{path.name}")
        self.tmp.unlink(missing_ok=True)
        self.count = 0

    def add(self, layer: gpd.GeoDataFrame) -> None:
        import pyogrio

        layer = layer.reset_index()
        self.count += len(layer)
        if self.parquet:
            self.parts.append(layer)
            return
        pyogrio.write_dataframe(layer, self.tmp, layer="unmatched", driver="GPKG", append=self.tmp.exists(),
                                geometry_type="Unknown")

    def close(self) -> None:
        import os

        if self.parquet:
            from geo.io.parquet import write_parquet

            frame = (pd.concat(self.parts).sort_values("feature") if self.parts
                     else gpd.GeoDataFrame({"feature": []}, geometry=[], crs="EPSG:4326"))
            write_parquet(gpd.GeoDataFrame(frame, crs="EPSG:4326"), self.tmp)
        elif not self.tmp.exists():
            import pyogrio

            pyogrio.write_dataframe(gpd.GeoDataFrame({"feature": pd.array([], dtype="Int64")}, geometry=[],
                                                     crs="EPSG:4326"), self.tmp, layer="unmatched", driver="GPKG",
                                    geometry_type="Unknown")
        os.replace(self.tmp, self.path)
