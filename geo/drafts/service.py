"""Who may do what with drafts, and each change with its audit event: the one API the page and the CLI call.

Rules (on top of :class:`geo.store.office.Office`'s accounts):

- everyone signed in reads drafts and their versions;
- checkers and admins create drafts and save versions of **any** draft
  (drafts are shared work; each version records its author);
- only admins put a version in use for the plan, take it out of use,
  delete a draft or bring a deleted one back.

Every save is a new version based on the version the editor opened
(``base_version``): if someone saved in between, the store refuses it
(:class:`~geo.drafts.model.DraftConflictError`, naming the newer version, its
author and time) and nothing is lost — the editor's parcels can be saved as a
new draft (:meth:`Drafts.save_as_new`). Restoring an old version saves its
parcels as a new version. Before a save the parcels are checked
(:func:`prepare`: ids, attributes against the plan, one holder per project,
shapes), so what is stored is always a valid layout.

Audit actions: ``draft_new``, ``draft_save``, ``draft_restore``, ``draft_use``,
``draft_delete`` (and ``draft_undelete``), with the draft, version, comment
and how many parcels were added, removed, reshaped or changed (a save, and
putting a version in use, also name the plan).

A :class:`Drafts` serves one plan (:class:`~geo.drafts.model.DraftPlan`, by default the plan in use): it
lists, opens, saves and puts in use that plan's drafts only; a draft of another plan is "no such draft"
here, and is listed when that plan is chosen.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from geo.area import measured_mu
from geo.drafts.diff import DraftDiff, diff_parcels
from geo.drafts.model import (
    Draft,
    DraftDataError,
    DraftInUse,
    DraftPlan,
    DraftVersion,
    empty_parcels,
    joined,
    new_draft_id,
    new_parcel_id,
    parcel_named,
    version_label,
)
from geo.drafts.shapes import OnDuplicate, resolve_projects, validate_shapes
from geo.errors import Said, UsageError, said
from geo.store.base import StoreError, now_iso
from geo.store.drafts_sql import as_parcels, no_draft
from geo.store.office import Actor, Office

#: The longest draft name and comment.
MAX_NAME: Final = 80
MAX_COMMENT: Final = 500


@dataclass(frozen=True)
class DraftInfo:
    """A draft as listed: the record, its latest version (None before the first save) and whether it is in use."""

    draft: Draft
    latest: DraftVersion | None
    in_use_version: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**self.draft.as_dict(), "latest_version": None if self.latest is None else self.latest.version,
                "latest_author": None if self.latest is None else self.latest.author,
                "latest_saved_at": None if self.latest is None else self.latest.saved_at,
                "n_parcels": None if self.latest is None else self.latest.n_parcels,
                "total_mu": None if self.latest is None else round(self.latest.total_mu, 2),
                "in_use_version": self.in_use_version}


@dataclass(frozen=True)
class Saved:
    """What a save did: the draft, the version stored, the notes of the checks and the change from its base."""

    draft: Draft
    version: DraftVersion
    notes: list[str] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value).strip()  # type: ignore[call-overload]


def check_attributes(parcels: gpd.GeoDataFrame, plan: DraftPlan) -> gpd.GeoDataFrame:
    """Parcels with ids given to new rows and blanks filled from their project; every misfit raised at once.

    A parcel without ``parcel_id`` gets one (``D-`` + 8 hex); a repeated id is refused. ``project_id`` must
    be a project of the plan; a parcel holding one takes its names, track, zone and declared mu where it
    leaves them blank. ``track_id`` and ``zone_id`` must be the plan's; ``declared_mu`` not negative.
    """
    frame = as_parcels(parcels)
    problems: list[Said] = []
    ids = [(_text(v) or new_parcel_id()) for v in frame["parcel_id"]]
    frame["parcel_id"] = pd.array(ids, dtype="string")
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        problems.append(said("err.drafts.ids_twice", ids=", ".join(repeated)))
    for pos in range(len(frame)):
        row = frame.iloc[pos].to_dict()
        label = parcel_named(row)
        pid = _text(row["project_id"])
        if pid:
            project = plan.projects.get(pid)
            if project is None:
                problems.append(said("err.drafts.no_project", label=label, id=pid))
            else:
                for column in ("name_zh", "name_en"):
                    if not _text(row[column]):
                        frame.at[frame.index[pos], column] = getattr(project, column)
                for column in ("track_id", "zone_id"):
                    if not _text(row[column]) and getattr(project, column):
                        frame.at[frame.index[pos], column] = getattr(project, column)
                if pd.isna(row["declared_mu"]) and project.declared_mu is not None:
                    frame.at[frame.index[pos], "declared_mu"] = project.declared_mu
        row = frame.iloc[pos].to_dict()
        track, zone = _text(row["track_id"]), _text(row["zone_id"])
        if track and track not in plan.track_ids:
            problems.append(said("err.drafts.bad_track", label=label, track=track,
                                 known=", ".join(sorted(plan.track_ids))))
        if zone and zone not in plan.zone_ids:
            problems.append(said("err.drafts.bad_zone", label=label, zone=zone, known=", ".join(sorted(plan.zone_ids))))
        mu = row["declared_mu"]
        if not pd.isna(mu) and float(mu) < 0:
            problems.append(said("err.drafts.negative_mu", label=label, mu=float(mu)))
    if problems:
        raise DraftDataError(joined(problems), source="draft", fix=said("err.drafts.attributes_fix"))
    return frame


def prepare(parcels: gpd.GeoDataFrame, plan: DraftPlan, *, on_duplicate: OnDuplicate = "refuse"
            ) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Parcels as they will be stored (attributes checked, one holder per project, shapes checked) and notes."""
    frame = check_attributes(parcels, plan)
    held = resolve_projects(frame, on_duplicate)
    shaped = validate_shapes(held.parcels)
    return shaped.parcels, held.notes + shaped.notes


def total_mu(parcels: gpd.GeoDataFrame) -> float:
    """The parcels' measured area in mu (ellipsoidal on CGCS2000), summed."""
    if not len(parcels):
        return 0.0
    return float(measured_mu(parcels, source="draft").fillna(0).sum())


class Drafts:
    """Drafts of one plan in one workspace, with permissions checked and every change recorded."""

    def __init__(self, office: Office, plan: DraftPlan) -> None:
        self.office = office
        self.store = office.store
        self.plan = plan

    # -- permissions -----------------------------------------------------------------------

    @staticmethod
    def may_edit(actor: Actor) -> bool:
        """Whether the actor may create drafts and save versions (checker, admin, the single user)."""
        return actor.role in ("checker", "admin")

    @staticmethod
    def may_admin(actor: Actor) -> bool:
        """Whether the actor may put a version in use and delete drafts (admin, the single user)."""
        return actor.role == "admin"

    def _need_edit(self, actor: Actor, attempted: Said, obj: str | Said) -> None:
        if not self.may_edit(actor):
            raise self.office._refuse(actor, attempted, obj, said("err.drafts.viewer"), said("err.office.checker_fix"),
                                      source="drafts")

    def _need_admin(self, actor: Actor, attempted: Said, obj: str | Said) -> None:
        if not self.may_admin(actor):
            raise self.office._refuse(actor, attempted, obj, said("err.office.only_admin"),
                                      said("err.office.ask_admin_fix"), source="drafts")

    # -- reading ---------------------------------------------------------------------------

    def get(self, actor: Actor, key: str, *, deleted: bool = False) -> Draft:
        """The draft of this plan with id ``key``, or else the one named ``key``; :class:`StoreError` if none.

        A deleted draft is found only with ``deleted`` (an admin's: to bring it back or read it).
        """
        found = self.store.get_draft(key)
        if found is None or found.plan_id != self.plan.plan_id:
            named = [d for d in self.store.list_drafts(plan_id=self.plan.plan_id) if d.name == key.strip()]
            if deleted and not named:
                named = [d for d in self.store.list_drafts(plan_id=self.plan.plan_id, deleted=True)
                         if d.name == key.strip()]
            found = named[-1] if named else None
        if found is None:
            raise no_draft(key)
        if found.deleted and not deleted:
            raise StoreError(said("err.drafts.deleted", name=found.name), source="drafts",
                             fix=said("err.drafts.deleted_fix"))
        return found

    def list(self, actor: Actor, *, deleted: bool = False) -> list[DraftInfo]:
        """The plan's drafts, oldest first, each with its latest version; deleted ones (``deleted``) for admins."""
        if deleted:
            self._need_admin(actor, said("err.drafts.do_list"), said("err.drafts.obj_deleted"))
        use = self.store.get_draft_in_use(self.plan.plan_id)
        out = []
        for draft in self.store.list_drafts(plan_id=self.plan.plan_id, deleted=deleted):
            versions = self.store.list_draft_versions(draft.draft_id)
            out.append(DraftInfo(draft, versions[-1] if versions else None,
                                 use.version if use is not None and use.draft_id == draft.draft_id else None))
        return out

    def versions(self, actor: Actor, draft_id: str) -> builtins.list[DraftVersion]:
        """Every version of a draft, oldest first (author, time, comment, parcels, mu)."""
        return self.store.list_draft_versions(self.get(actor, draft_id, deleted=self.may_admin(actor)).draft_id)

    def load(self, actor: Actor, draft_id: str, version: int | None = None) -> tuple[DraftVersion, gpd.GeoDataFrame]:
        """A version (None: the latest) and its parcels (:data:`~geo.drafts.model.PARCEL_COLUMNS`, EPSG:4326)."""
        draft = self.get(actor, draft_id, deleted=self.may_admin(actor))
        return self.store.load_draft_version(draft.draft_id, version)

    def in_use(self) -> DraftInUse | None:
        """The draft version in use for the plan, or None (indicative geometry, or surveyed, everywhere)."""
        return self.store.get_draft_in_use(self.plan.plan_id)

    def diff(self, actor: Actor, draft_id: str, a: int, b: int) -> DraftDiff:
        """What changed from version ``a`` to version ``b`` of a draft (:func:`geo.drafts.diff.diff_parcels`)."""
        draft = self.get(actor, draft_id, deleted=self.may_admin(actor))
        return diff_parcels(self.store.load_draft_version(draft.draft_id, a)[1],
                            self.store.load_draft_version(draft.draft_id, b)[1])

    # -- writing ---------------------------------------------------------------------------

    def _name(self, name: str, *, other_than: str | None = None) -> str:
        clean = " ".join(str(name).split())
        if not clean or len(clean) > MAX_NAME:
            raise UsageError(said("err.drafts.name_length", max=MAX_NAME, n=len(clean)), source="draft",
                             fix=said("drafts.name_fix"))
        taken = [d for d in self.store.list_drafts(plan_id=self.plan.plan_id) if d.name == clean
                 and d.draft_id != other_than]
        if taken:
            raise UsageError(said("err.drafts.name_taken", name=clean), source="draft",
                             fix=said("err.drafts.name_taken_fix"))
        return clean

    @staticmethod
    def _comment(comment: str) -> str:
        text = " ".join(str(comment or "").split())
        if len(text) > MAX_COMMENT:
            raise UsageError(said("err.drafts.comment_long", n=len(text), max=MAX_COMMENT), source="draft",
                             fix=said("err.drafts.comment_long_fix"))
        return text

    def _record(self, actor: Actor, parcels: gpd.GeoDataFrame, comment: str) -> DraftVersion:
        return DraftVersion(draft_id="", version=0, author=actor.name, saved_at=now_iso(), comment=comment,
                            n_parcels=len(parcels), total_mu=round(total_mu(parcels), 4))

    def create(
        self, actor: Actor, name: str, parcels: gpd.GeoDataFrame | None = None, *, comment: str = "",
        on_duplicate: OnDuplicate = "refuse", action: str = "draft_new", **detail: Any,
    ) -> Saved:
        """A new draft with ``parcels`` (none: empty) as its version 1, in one transaction with its event."""
        self._need_edit(actor, said("err.drafts.do_create"), said("err.drafts.obj_new"))
        clean, text = self._name(name), self._comment(comment)
        ready, notes = prepare(empty_parcels() if parcels is None else parcels, self.plan, on_duplicate=on_duplicate)
        draft = Draft(draft_id=new_draft_id(), plan_id=self.plan.plan_id, name=clean, created_by=actor.name,
                      created_at=now_iso())
        record = self._record(actor, ready, text)
        event = self.office._event(actor, action, draft.draft_id, draft=clean, version=1, comment=text or None,
                                   parcels=len(ready), added=len(ready), total_mu=round(record.total_mu, 2),
                                   plan=self.plan.plan_id, **detail)
        with self.store.transaction():
            self.store.create_draft(draft, event=event)
            stored = self.store.save_draft_version(draft.draft_id, 0, record, ready)
        return Saved(draft, stored, notes, {"added": len(ready), "removed": 0, "reshaped": 0, "attributes": 0})

    def save(
        self, actor: Actor, draft_id: str, parcels: gpd.GeoDataFrame, *, base_version: int, comment: str = "",
        on_duplicate: OnDuplicate = "refuse", action: str = "draft_save", **detail: Any,
    ) -> Saved:
        """Save ``parcels`` as the next version of a draft, based on ``base_version`` (the version opened).

        Raises :class:`~geo.drafts.model.DraftConflictError` if another version was saved since
        ``base_version`` (nothing is stored: save as a new draft, or reopen), and
        :class:`~geo.drafts.model.DraftGoneError` if the draft was deleted.
        """
        draft = self.store.get_draft(draft_id)
        if draft is None or draft.plan_id != self.plan.plan_id:
            raise no_draft(draft_id)
        self._need_edit(actor, said("err.drafts.do_save"), draft.draft_id)
        text = self._comment(comment)
        ready, notes = prepare(parcels, self.plan, on_duplicate=on_duplicate)
        try:
            base = self.store.load_draft_version(draft.draft_id, base_version)[1] if base_version else empty_parcels()
        except StoreError:
            base = empty_parcels()  # no such base: the store's own check names the problem below
        changes = diff_parcels(base, ready).counts
        record = self._record(actor, ready, text)
        event = self.office._event(actor, action, draft.draft_id, draft=draft.name, version=base_version + 1,
                                   base_version=base_version, comment=text or None, parcels=len(ready),
                                   total_mu=round(record.total_mu, 2), plan=self.plan.plan_id, **changes, **detail)
        stored = self.store.save_draft_version(draft.draft_id, base_version, record, ready, event=event)
        return Saved(draft, stored, notes, changes)

    def save_as_new(
        self, actor: Actor, name: str, parcels: gpd.GeoDataFrame, *, comment: str = "",
        from_draft: str | None = None, from_version: int | None = None, on_duplicate: OnDuplicate = "refuse",
    ) -> Saved:
        """Save parcels as a new draft (the way out of a conflict), recording which draft and version they came from."""
        return self.create(actor, name, parcels, comment=comment, on_duplicate=on_duplicate,
                           from_draft=from_draft, from_version=from_version)

    def restore(
        self, actor: Actor, draft_id: str, version: int, *, base_version: int | None = None, comment: str = "",
    ) -> Saved:
        """Save the parcels of an old version as the newest version (comment: restored from vN).

        ``base_version``: the latest version the user saw (None: the latest now).
        """
        draft = self.get(actor, draft_id)
        self._need_edit(actor, said("err.drafts.do_restore"), draft.draft_id)
        old, parcels = self.store.load_draft_version(draft.draft_id, version)
        if base_version is None:
            versions = self.store.list_draft_versions(draft.draft_id)
            base_version = versions[-1].version if versions else 0
        text = f"restored from v{old.version}" + (f": {comment}" if comment.strip() else "")
        return self.save(actor, draft.draft_id, parcels, base_version=base_version, comment=text,
                         action="draft_restore", restored_from=old.version)

    def use(self, actor: Actor, draft_id: str, version: int) -> DraftInUse:
        """Put a version in use for the plan (admins): its projects get the drawn geometry everywhere."""
        draft = self.get(actor, draft_id)
        self._need_admin(actor, said("err.drafts.do_use"), draft.draft_id)
        before = self.in_use()
        at = now_iso()
        event = self.office._event(actor, "draft_use", draft.draft_id, draft=draft.name, version=int(version),
                                   label=version_label(draft.name, int(version)), plan=self.plan.plan_id,
                                   was=None if before is None else f"{before.draft_id} v{before.version}")
        self.store.set_draft_in_use(self.plan.plan_id, draft.draft_id, int(version), set_by=actor.name, set_at=at,
                                    event=event)
        return DraftInUse(self.plan.plan_id, draft.draft_id, int(version), actor.name, at)

    def unuse(self, actor: Actor) -> None:
        """Take the plan's draft out of use (admins): projects go back to surveyed or indicative geometry."""
        self._need_admin(actor, said("err.drafts.do_unuse"), said("err.drafts.obj_in_use"))
        before = self.in_use()
        if before is None:
            return
        self.store.set_draft_in_use(self.plan.plan_id, None, None, set_by=actor.name, set_at=now_iso(),
                                    event=self.office._event(actor, "draft_use", before.draft_id, version=None,
                                                             plan=self.plan.plan_id,
                                                             was=f"{before.draft_id} v{before.version}"))

    def delete(self, actor: Actor, draft_id: str) -> None:
        """Soft-delete a draft (admins); taken out of use if it was; kept for :meth:`undelete`."""
        draft = self.get(actor, draft_id)
        self._need_admin(actor, said("err.drafts.do_delete"), draft.draft_id)
        use = self.in_use()
        was = use is not None and use.draft_id == draft.draft_id
        self.store.set_draft_deleted(draft.draft_id, at=now_iso(), by=actor.name, event=self.office._event(
            actor, "draft_delete", draft.draft_id, draft=draft.name, was_in_use=was or None))

    def undelete(self, actor: Actor, draft_id: str) -> None:
        """Bring a deleted draft back (admins; it stays out of use)."""
        draft = self.get(actor, draft_id, deleted=True)
        self._need_admin(actor, said("err.drafts.do_undelete"), draft.draft_id)
        if not draft.deleted:
            return
        self._name(draft.name, other_than=draft.draft_id)
        self.store.set_draft_deleted(draft.draft_id, at=None, by=None, event=self.office._event(
            actor, "draft_undelete", draft.draft_id, draft=draft.name))


__all__ = ["MAX_COMMENT", "MAX_NAME", "DraftInfo", "Drafts", "Saved", "check_attributes", "prepare", "total_mu"]
