"""Resubmissions: a corrected file checked against the findings of the upload it replaces.

A surveyor sends a file, the office checks it and sends back the findings; a corrected file comes back.
Saved with ``resubmits`` (``python -m geo check FILE --save --resubmits UPLOAD_ID``, or the Check page's
choice), the new upload records which earlier upload it resubmits (:attr:`geo.store.Upload.resubmits`), and
its findings are compared with the earlier ones:

- **已整改 fixed**: found in the earlier upload, no longer in the new one;
- **仍存在 open**: found in both;
- **新增 new**: found only in the new one.

**How findings are matched** (:func:`finding_keys`). Not by row number: a corrected file may add, drop or
reorder parcels. Each finding gets a key of three parts:

1. the check (``area_mismatch``, ``invalid`` …);
2. the parcel, by the file's own name for it (the name field — ``--name-field`` or the detected 地块名称, 地块编号,
   宗地号 … column; compared after Unicode NFKC normalisation, with spaces removed and case folded); a parcel
   without a name by the plan project it was matched to; one matched to no project by its row (第 N 个要素: only
   then does the row count). A finding about a whole project (its parcels' total area) is keyed by the project,
   a whole-file diagnosis as the file;
3. for a finding placed at a boundary point (a self-intersection near 界址点 J3), the point's number.

Two findings with the same key (two parcels of one name, both duplicates) are matched in file order, so the
counts stay right: ``open`` is the smaller of the two numbers, the rest are ``fixed`` or ``new``.

**Which earlier upload** (:func:`propose`): the upload whose parcels' names (or 编号) cover the largest share of
the new file's names, proposed only when that share is more than half (:data:`PROPOSE_ABOVE`); the newest of
equally good ones, so a third submission is proposed as resubmitting the second.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from geo.checks.diagnose import detect_name_field
from geo.store import workspace
from geo.store.base import Upload
from geo.store.office import Actor, Office

if TYPE_CHECKING:
    from geo.checks.pipeline import CheckRun

#: The three states of a finding of a resubmission, in the order reports list them (their words:
#: ``resubmit.status.<state>`` in the catalogue).
STATUSES: Final = ("fixed", "open", "new")
#: An earlier upload is proposed only when more than this share of the new file's parcel names are its names.
PROPOSE_ABOVE: Final = 0.5
#: At most this many of the newest uploads are read to propose one (each one's parcel names).
PROPOSE_FROM: Final = 20

#: A saved finding's ``parcel_name`` that is only its row or its project, as geo.checks.diagnose wrote it into
#: uploads saved before (stored data: it matches their bytes, whatever the catalogue says now).
_ROW_LABEL: Final = re.compile(r"^(第\s*\d+\s*个要素|feature \d+)$")
_PROJECT_LABEL: Final = re.compile(r"^(项目 |project )")
_SPACE: Final = re.compile(r"\s+")


def name_key(name: object) -> str:
    """A parcel name as compared: NFKC (full-width → half-width), no spaces, case folded; ``""`` if missing."""
    if name is None or (not isinstance(name, str) and pd.isna(name)):  # type: ignore[call-overload]
        return ""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(name))).casefold()


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    return str(value).strip()


def own_names(parcels: pd.DataFrame, name_field: str | None) -> pd.Series:
    """Each parcel's own name (the name field, else the detected one), ``""`` where it has none; by feature."""
    field = name_field if name_field and name_field in parcels.columns else detect_name_field(parcels)
    if field is None:
        return pd.Series("", index=parcels.index, dtype=object)
    return parcels[field].map(_text).astype(object)


def finding_keys(findings: pd.DataFrame, *, parcels: pd.DataFrame | None = None,
                 name_field: str | None = None) -> pd.Series:
    """Each finding's key, ``check|parcel|point#n`` (see the module's docstring), aligned with ``findings``.

    The parcel's name is the finding's ``parcel_name`` (:mod:`geo.checks.diagnose`) unless that is only its row
    (第 N 个要素); where the findings do not carry it (an upload saved before they did), it is read from
    ``parcels`` (index = feature) and their ``name_field``.
    """
    n = len(findings)
    labels = findings["parcel_name"].map(_text).tolist() if "parcel_name" in findings.columns else [""] * n
    from_parcels = own_names(parcels, name_field).to_dict() if parcels is not None and len(parcels) else {}
    features = findings["feature"].astype("Float64").tolist() if "feature" in findings.columns else [None] * n
    projects = findings["project_id"].map(_text).tolist() if "project_id" in findings.columns else [""] * n
    points = findings["point"].map(_text).tolist() if "point" in findings.columns else [""] * n
    checks = findings["check"].astype(str).tolist()
    keys: list[str] = []
    for check, feature, label, project, point in zip(checks, features, labels, projects, points, strict=True):
        if feature is None or pd.isna(feature):
            parcel = f"project:{project}" if project else "file"
        else:
            row = int(feature)
            own = "" if _ROW_LABEL.match(label) or _PROJECT_LABEL.match(label) else label
            own = own or _text(from_parcels.get(row, ""))
            if own:
                parcel = f"name:{name_key(own)}"
            elif project:
                parcel = f"parcel-of:{project}"
            else:
                parcel = f"row:{row}"
        keys.append(f"{check}|{parcel}|{point}")
    base = pd.Series(keys, index=findings.index, dtype=object)
    return base + "#" + base.groupby(base).cumcount().astype(str)


@dataclass(frozen=True)
class Resubmission:
    """A new check compared with the earlier upload it resubmits.

    ``findings``: the new findings with ``since`` (``"open"``/``"new"``); ``fixed``: the earlier findings no
    longer found, with ``since`` = ``"fixed"`` (listed, so nothing disappears silently).
    """

    of: str
    findings: pd.DataFrame
    fixed: pd.DataFrame
    of_name: str = ""
    of_saved_at: str = ""

    @property
    def counts(self) -> dict[str, int]:
        """``{fixed, open, new}``: how many findings are in each state."""
        since = self.findings["since"]
        return {"fixed": len(self.fixed), "open": int((since == "open").sum()), "new": int((since == "new").sum())}

    def summary(self) -> dict[str, Any]:
        """``{of, fixed, open, new}`` (the JSON summary's ``resubmission``)."""
        return {"of": self.of, **self.counts}

    def sentence(self) -> str:
        """The counts in words, for the command line."""
        c = self.counts
        return (f"resubmission of {self.of}: {c['fixed']} fixed (no longer found), {c['open']} still open, "
                f"{c['new']} new")

    def listed(self) -> pd.DataFrame:
        """Every finding of the comparison, fixed first, then still open, then new (``since`` says which)."""
        both = pd.concat([self.fixed, self.findings], ignore_index=True)
        order = both["since"].map({s: i for i, s in enumerate(STATUSES)})
        return both.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order")


def compare(
    earlier: pd.DataFrame,
    new: pd.DataFrame,
    *,
    of: str,
    earlier_parcels: pd.DataFrame | None = None,
    earlier_name_field: str | None = None,
    new_parcels: pd.DataFrame | None = None,
    new_name_field: str | None = None,
    of_name: str = "",
    of_saved_at: str = "",
) -> Resubmission:
    """Classify findings as fixed, open or new by their keys (:func:`finding_keys`; parcels name them if needed)."""
    old_keys = finding_keys(earlier, parcels=earlier_parcels, name_field=earlier_name_field)
    new_keys = finding_keys(new, parcels=new_parcels, name_field=new_name_field)
    still = new_keys.isin(set(old_keys)).to_numpy()
    current = new.copy()
    current["since"] = pd.array(np.where(still, "open", "new").astype(object), dtype="string")
    gone = earlier.loc[~old_keys.isin(set(new_keys)).to_numpy()].copy()
    gone["since"] = pd.array(["fixed"] * len(gone), dtype="string")
    return Resubmission(of=of, findings=current, fixed=gone.reset_index(drop=True), of_name=of_name,
                        of_saved_at=of_saved_at)


def _label_field(run: CheckRun) -> str | None:
    return run.options.name_field or run.result.summary.get("label_field")


def against(office: Office, actor: Actor, of: str, run: CheckRun) -> Resubmission:
    """``run`` compared with the saved upload ``of`` (which must exist and not be deleted), opened as ``actor``."""
    earlier = office.earlier(of)
    parcels, findings = office.open(actor, of)
    return compare(findings, run.result.findings, of=of, earlier_parcels=parcels,
                   earlier_name_field=earlier.name_field or None, new_parcels=run.result.parcels,
                   new_name_field=_label_field(run), of_name=earlier.name, of_saved_at=earlier.saved_at)


def saved_against(office: Office, actor: Actor, upload: Upload, findings: pd.DataFrame,
                  parcels: pd.DataFrame) -> Resubmission | None:
    """A saved resubmission compared with the upload it resubmits; None if it resubmits none, or that is deleted."""
    if not upload.resubmits:
        return None
    earlier = office.store.get_upload(upload.resubmits)
    if earlier is None or earlier.deleted:
        return None
    old_parcels, old_findings = office.open(actor, earlier.upload_id)
    return compare(old_findings, findings, of=earlier.upload_id, earlier_parcels=old_parcels,
                   earlier_name_field=earlier.name_field or None, new_parcels=parcels,
                   new_name_field=upload.name_field or None, of_name=earlier.name, of_saved_at=earlier.saved_at)


def save_resubmission(
    run: CheckRun,
    payload: bytes,
    *,
    resubmits: str,
    user: Actor | str | None = None,
    use_surveyed: bool | None = None,
    root: str | Path | None = None,
) -> str:
    """:func:`geo.checks.pipeline.save_run`, recording that the upload resubmits ``resubmits``; its upload id.

    The link is checked (the earlier upload exists, is not deleted, is not this file's own save) and written in
    the same transaction as the upload and its ``save`` event.
    """
    office = workspace.office(root)
    actor = user if isinstance(user, Actor) else office.actor(user, client="cli")
    uid = workspace.upload_id(payload, run.read.source, owner=actor.name)
    office.save(actor, uid, run.result.parcels, run.result.findings, info={
        "name": run.read.source, "fmt": run.read.fmt, "crs": run.read.crs, "crs_basis": run.read.crs_basis,
        "tolerance_pct": run.options.tolerance_pct, "name_field": run.options.name_field,
    }, file_hash=workspace.file_hash(payload), resubmits=resubmits)
    if use_surveyed is not None:
        office.switch(actor, uid, use_surveyed)
    return uid


# -- which earlier upload --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Proposal:
    """The earlier upload a new file most likely resubmits, and why: the share of its names found there."""

    upload: Upload
    matched: int
    names: int

    @property
    def share(self) -> float:
        return self.matched / self.names if self.names else 0.0


def name_set(parcels: pd.DataFrame, name_field: str | None) -> set[str]:
    """The parcels' own names (or 编号), as compared (:func:`name_key`); empty if they have none."""
    return {k for k in (name_key(v) for v in own_names(parcels, name_field)) if k}


def propose(names: set[str], candidates: Iterable[tuple[Upload, set[str]]], *,
            above: float = PROPOSE_ABOVE) -> Proposal | None:
    """The candidate holding the largest share of ``names`` (the newest of equals; candidates newest first).

    None when no share is more than ``above`` (or the new file names no parcel).
    """
    if not names:
        return None
    best: Proposal | None = None
    for upload, theirs in candidates:
        found = Proposal(upload, len(names & theirs), len(names))
        if found.share > above and (best is None or found.matched > best.matched):
            best = found
    return best


def candidates(office: Office, actor: Actor, uploads: Sequence[Upload], *, exclude: str = "",
               at_most: int = PROPOSE_FROM) -> list[tuple[Upload, set[str]]]:
    """The newest ``at_most`` uploads (not ``exclude``) with their parcel names, for :func:`propose`."""
    out = []
    for upload in [u for u in uploads if u.upload_id != exclude][:at_most]:
        parcels, _ = office.open(actor, upload.upload_id)
        out.append((upload, name_set(parcels, upload.name_field or None)))
    return out


# -- cases: an upload and its resubmissions --------------------------------------------------------------------

def cases(uploads: Sequence[Upload]) -> list[list[Upload]]:
    """The uploads grouped by case: the first submission and its resubmissions, oldest first in each case.

    In a case an upload comes after the one it resubmits (then by time: two saved in the same second keep
    their order). A resubmission of an upload not in ``uploads`` (deleted) starts its own case. Cases come
    newest activity first (the order of ``uploads``, newest first).
    """
    by_id = {u.upload_id: u for u in uploads}

    def chain(u: Upload) -> list[str]:
        """``u``'s id and those of the uploads it resubmits, back to the first submission."""
        ids = [u.upload_id]
        while u.resubmits and u.resubmits in by_id and u.resubmits not in ids:
            u = by_id[u.resubmits]
            ids.append(u.upload_id)
        return ids

    grouped: dict[str, list[tuple[int, str, Upload]]] = {}
    for u in uploads:  # newest first: the case whose newest upload is newest comes first
        ids = chain(u)
        grouped.setdefault(ids[-1], []).append((len(ids), u.saved_at, u))
    return [[u for _, _, u in sorted(members, key=lambda m: m[:2])] for members in grouped.values()]


# -- JSON with each finding's state ----------------------------------------------------------------------------

def _with_since(rows: bytes, since: Sequence[str]) -> bytes:
    """``json_rows`` output (one object a line) with ``"since"`` added to each object."""
    if not rows:
        return b""
    lines = rows.split(b"\n")  # every string is escaped (no raw line break): one object per line
    out = []
    for line, state in zip(lines, since, strict=True):
        end = line.rstrip(b",")
        out.append(end[:-1] + b',"since":"' + state.encode() + b'"}' + line[len(end):])
    return b"\n".join(out)


def write_json(out: IO[bytes], summary: dict[str, Any], resubmission: Resubmission) -> None:
    """``{"summary", "findings", "fixed_findings"}``: each finding with ``since`` (``new``/``open``), the fixed ones
    listed apart (with ``since`` = ``fixed``), as :func:`geo.checks.findings_out.write_json` writes the rest."""
    import orjson

    from geo.checks.findings_out import BATCH, json_rows

    out.write(b'{"summary": ' + orjson.dumps(summary, option=orjson.OPT_NON_STR_KEYS) + b',\n"findings": [\n')
    for name, frame in (("findings", resubmission.findings), ("fixed_findings", resubmission.fixed)):
        if name != "findings":
            out.write(b'\n],\n"' + name.encode() + b'": [\n')
        since = frame["since"].astype(str).tolist()
        for start in range(0, len(frame), BATCH):
            if start:
                out.write(b",\n")
            out.write(_with_since(json_rows(frame.iloc[start:start + BATCH]), since[start:start + BATCH]))
    out.write(b"\n]}\n")


__all__ = [
    "PROPOSE_ABOVE", "PROPOSE_FROM", "STATUSES", "Proposal", "Resubmission", "against",
    "candidates", "cases", "compare", "finding_keys", "name_key", "name_set", "own_names", "propose",
    "save_resubmission", "saved_against", "write_json",
]
