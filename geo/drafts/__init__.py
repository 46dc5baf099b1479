"""Drafts of the layout (issue 23): named working copies of a plan's parcels, drawn on the map, versioned.

- :mod:`geo.drafts.model`: the parcels' columns, :class:`DraftPlan`, the records and errors;
- :mod:`geo.drafts.shapes`: drawn shapes checked (and repaired) before a save; one holder per project;
- :mod:`geo.drafts.service`: :class:`Drafts`, who may do what, every change audited — the API the
  page and ``python -m geo draft`` call;
- :mod:`geo.drafts.diff`: what changed between two versions;
- :mod:`geo.drafts.checks`: a draft checked as surveyed parcels are;
- :mod:`geo.drafts.export`: a version written in any export format.

Storage is the workspace's (:mod:`geo.store.drafts_sql`); the draft in use gives projects their
``drawn`` geometry in :func:`geo.store.parcels_in_use`.
"""

from geo.drafts.checks import check_draft
from geo.drafts.diff import DraftDiff, diff_parcels
from geo.drafts.model import (
    PARCEL_COLUMNS,
    Draft,
    DraftConflictError,
    DraftDataError,
    DraftGoneError,
    DraftInUse,
    DraftPlan,
    DraftShapeError,
    DraftVersion,
    empty_parcels,
    new_parcel_id,
)
from geo.drafts.service import DraftInfo, Drafts, Saved, prepare
from geo.drafts.shapes import attach_project, resolve_projects, validate_shapes

__all__ = [
    "PARCEL_COLUMNS", "Draft", "DraftConflictError", "DraftDataError", "DraftDiff", "DraftGoneError",
    "DraftInUse", "DraftInfo", "DraftPlan", "DraftShapeError", "DraftVersion", "Drafts", "Saved", "attach_project",
    "check_draft", "diff_parcels", "empty_parcels", "new_parcel_id", "prepare", "resolve_projects",
    "validate_shapes",
]
