"""The storage interface every workspace backend implements, and the records it stores.

A workspace holds four kinds of things: **users** (name, role, password hash),
**uploads** (an index row per saved check: owner, time, file hash, the "in
use" switch, soft deletion) with each upload's **parcels** (a GeoDataFrame in
WGS84) and **findings**, and an append-only **audit** trail. Two backends
implement :class:`Store`: :class:`geo.store.gpkg.GeoPackageStore` (one
GeoPackage, SQLite transactions in WAL mode) and
:class:`geo.store.postgis.PostGISStore` (PostgreSQL + PostGIS).

A store checks nothing about who may do what: :mod:`geo.store.office` does,
and writes each change together with its audit event (the ``event`` argument
of the writing methods is appended in the same transaction as the change).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import geopandas as gpd
import pandas as pd

from geo.errors import GeoError

#: Roles, least to most: read only; upload and own checks; everything.
ROLES: Final = ("viewer", "checker", "admin")
#: Version of the schema this code writes (``python -m geo db init`` migrates older ones).
SCHEMA_VERSION: Final = 2
#: Parcel attributes beyond this are refused on save (SQLite allows 2,000 columns, PostgreSQL 1,600).
MAX_ATTRIBUTES: Final = 1000


class StoreError(GeoError):
    """The workspace cannot be opened, read or written (or a record is missing or already there)."""


def now_iso() -> str:
    """The current time, UTC, ISO 8601 to the second (``2026-05-20T08:30:00+00:00``)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def iso(value: object) -> str | None:
    """A timestamp from either backend (ISO text or ``datetime``) as ISO 8601 UTC text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
        return stamp.astimezone(UTC).isoformat(timespec="seconds")
    return str(value)


@dataclass(frozen=True)
class User:
    """An account. ``password_hash`` is a KDF record (:mod:`geo.store.passwords`), never a password."""

    name: str
    role: str
    password_hash: str
    disabled: bool = False
    created_at: str = field(default_factory=now_iso)


@dataclass(frozen=True)
class Upload:
    """One saved check: the index row of an upload."""

    upload_id: str
    name: str
    owner: str | None
    saved_at: str
    file_hash: str
    fmt: str | None = None
    crs: str | None = None
    crs_basis: str | None = None
    features: int = 0
    findings: int = 0
    tolerance_pct: float = float("nan")
    name_field: str = ""
    use_surveyed: bool = False
    deleted_at: str | None = None
    deleted_by: str | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Columns of :func:`uploads_frame` (the compat index: the old columns first).
UPLOAD_COLUMNS: Final = (
    "upload_id", "name", "saved_at", "fmt", "crs", "crs_basis", "features", "findings", "tolerance_pct",
    "name_field", "use_surveyed", "owner", "file_hash", "deleted_at", "deleted_by",
)


def uploads_frame(uploads: list[Upload]) -> pd.DataFrame:
    """Upload records as a DataFrame with :data:`UPLOAD_COLUMNS` (newest first, as given)."""
    frame = pd.DataFrame([u.as_dict() for u in uploads], columns=list(UPLOAD_COLUMNS))
    return frame.astype(
        {"features": "int64", "findings": "int64", "tolerance_pct": "float64", "use_surveyed": bool}
    )


@dataclass(frozen=True)
class AuditEvent:
    """One line of the audit trail: who did what to which object, when, with details."""

    action: str
    user: str | None
    object: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    at: str = field(default_factory=now_iso)

    def as_dict(self) -> dict[str, Any]:
        """``{at, user, action, object, detail}`` (what ``python -m geo audit --format json`` prints)."""
        return {"at": self.at, "user": self.user, "action": self.action, "object": self.object,
                "detail": self.detail}


class Store(Protocol):
    """What a workspace backend does. Every writing method is one transaction.

    Methods that change something take an optional ``event``: the audit event
    appended in the same transaction, so a change and its record land together
    or not at all.
    """

    #: ``"gpkg"`` or ``"postgis"``.
    kind: str

    def describe(self) -> str:
        """Where the workspace is, for operators (a path, or the URL without its password)."""
        ...

    def init(self) -> tuple[int, int]:
        """Create or migrate the schema (idempotent); return (version before, version now), 0 = none."""
        ...

    def version(self) -> int:
        """A counter that changes whenever uploads or their switches change (a cache key)."""
        ...

    # users
    def has_users(self) -> bool:
        """Whether any account exists (disabled ones count)."""
        ...

    def add_user(self, user: User, *, event: AuditEvent | None = None) -> None:
        """Add an account; :class:`StoreError` if the name is taken."""
        ...

    def get_user(self, name: str) -> User | None:
        """The account named ``name`` (exact match), or None."""
        ...

    def list_users(self) -> list[User]:
        """All accounts by name."""
        ...

    def update_user(
        self, name: str, *, role: str | None = None, disabled: bool | None = None,
        password_hash: str | None = None, event: AuditEvent | None = None,
    ) -> None:
        """Change an account's role, disabled flag or password hash; :class:`StoreError` if unknown."""
        ...

    # uploads
    def save_upload(
        self, record: Upload, parcels: gpd.GeoDataFrame, findings: pd.DataFrame, *, event: AuditEvent | None = None
    ) -> None:
        """Save (or replace) an upload: its index row, parcels (WGS84, index = feature) and findings."""
        ...

    def get_upload(self, upload_id: str) -> Upload | None:
        """The index row of an upload (deleted or not), or None."""
        ...

    def list_uploads(self, *, deleted: bool = False) -> list[Upload]:
        """Uploads newest first: those not deleted, or (``deleted=True``) only the deleted ones."""
        ...

    def load_upload(self, upload_id: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        """An upload's parcels (index = feature) and findings; :class:`StoreError` if unknown."""
        ...

    def set_use_surveyed(self, upload_id: str, use: bool, *, event: AuditEvent | None = None) -> None:
        """Switch whether the upload's geometry replaces the indicative parcels."""
        ...

    def set_deleted(
        self, upload_id: str, *, at: str | None, by: str | None, event: AuditEvent | None = None
    ) -> None:
        """Soft-delete (``at`` set; the switch goes off) or restore (``at`` None) an upload."""
        ...

    # audit
    def append_audit(self, *events: AuditEvent) -> None:
        """Append events in one transaction (the trail cannot be changed or shortened: the database refuses)."""
        ...

    def audit(self, *, limit: int | None = None) -> list[AuditEvent]:
        """Events oldest first (the last ``limit`` if given)."""
        ...

    def count_events(
        self, action: str, *, since: str, user: str | None = None, client: str | None = None
    ) -> int:
        """Events of ``action`` at or after ``since``, by ``user`` and/or with ``detail.client`` (rate limits)."""
        ...

    def last_event_at(self, action: str, *, user: str) -> str | None:
        """When ``user`` last had an event of ``action``, or None."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
