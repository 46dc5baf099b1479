"""The storage interface every workspace backend implements, and the records it stores.

A workspace holds four kinds of things: **users** (name, role, password hash),
**uploads** (an index row per saved check: owner, time, file hash, the "in
use" switch, soft deletion, the plan it belongs to) with each upload's
**parcels** (a GeoDataFrame in WGS84) and **findings**, and an append-only
**audit** trail; and, per plan, the actuals of 监测评估 and drafts of the layout.
Uploads, actuals and drafts carry their plan's id (``geo:plan.id``, schema 7):
the store lists every plan's when asked for no plan (a dump's copy), and the
readers (:class:`~geo.store.office.Office`, :func:`~geo.store.in_use.parcels_in_use`,
:mod:`geo.drafts.service`) ask for the plan in use only. Two backends
implement :class:`Store`: :class:`geo.store.gpkg.GeoPackageStore` (one
GeoPackage, SQLite transactions in WAL mode) and
:class:`geo.store.postgis.PostGISStore` (PostgreSQL + PostGIS).

A store checks nothing about who may do what: :mod:`geo.store.office` does,
and writes each change together with its audit event (the ``event`` argument
of the writing methods is appended in the same transaction as the change).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

import geopandas as gpd
import pandas as pd

from geo.errors import GeoError, said
from geo.monitor.model import Actual

if TYPE_CHECKING:
    from geo.store.chain import Head, Record, Verdict
    from geo.store.drafts_sql import Draft, DraftInUse, DraftVersion

#: Roles, least to most: read only; upload and own checks; everything.
ROLES: Final = ("viewer", "checker", "admin")
#: Version of the schema this code writes (``python -m geo db init`` migrates older ones).
SCHEMA_VERSION: Final = 7  # 6: drafts of the layout (geo.store.drafts_sql); 7: uploads and actuals name their plan
#: Parcel attributes beyond this are refused on save (SQLite allows 2,000 columns, PostgreSQL 1,600).
MAX_ATTRIBUTES: Final = 1000


class StoreError(GeoError):
    """The workspace cannot be opened, read or written (or a record is missing or already there)."""


class LastAdminError(StoreError):
    """A change would leave the workspace without an enabled administrator (the store refused it)."""


#: Why the last enabled administrator cannot go (the audit trail records its English words).
LAST_ADMIN_MESSAGE: Final = said("err.store.no_admin_left")


def last_admin_error(name: str) -> LastAdminError:
    """The error both backends raise (and roll back) when ``name`` is the last enabled administrator."""
    return LastAdminError(said("err.store.last_admin", name=name, reason=LAST_ADMIN_MESSAGE), source="users",
                          fix=said("err.store.last_admin_fix"))


def plan_in_use() -> str:
    """The id of the plan in use (``geo:plan.id`` of :func:`geo.plan.current.plan_dir`'s package)."""
    from geo.plan.package import plan_id_in_use

    return plan_id_in_use()


def builtin_plan() -> str:
    """The id of the built-in plan (``data/``): whose records from before schema 7 are."""
    from geo.plan.package import builtin_plan_id

    return builtin_plan_id()


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
    #: Bumped whenever the password, role or disabled flag changes: sessions opened before end then.
    generation: int = 0


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
    #: The earlier upload this one resubmits (a corrected file of the same case), or None (schema 5).
    resubmits: str | None = None
    #: The plan it was checked against and belongs to (schema 7; by default the plan in use when it is made).
    plan_id: str = field(default_factory=plan_in_use)

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Columns of :func:`uploads_frame` (the compat index: the old columns first).
UPLOAD_COLUMNS: Final = (
    "upload_id", "name", "saved_at", "fmt", "crs", "crs_basis", "features", "findings", "tolerance_pct",
    "name_field", "use_surveyed", "owner", "file_hash", "deleted_at", "deleted_by", "resubmits", "plan_id",
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
        password_hash: str | None = None, event: AuditEvent | None = None, end_sessions: bool = True,
    ) -> None:
        """Change an account's role, disabled flag or password hash; :class:`StoreError` if unknown.

        With ``end_sessions`` (the default) the account's ``generation`` goes up by one, so every
        session opened before the change ends at its next request.
        """
        ...

    # sign-in limits
    def signin_attempt(self, buckets: Sequence[tuple[str, int]], *, since: str, minute: str) -> int | None:
        """Count one sign-in attempt in every ``(bucket, limit)``, in one transaction, unless one is full.

        A bucket whose count began before ``since`` starts again at zero. Returns None when the
        attempt was counted everywhere (the password may now be checked); otherwise nothing is
        counted and the attempt is refused: the result is the number of refusals the audit trail
        should summarise now (tallied on the last bucket, the client's: the first refusal of each
        ``minute`` returns the refusals since the previous summary, the others 0).
        """
        ...

    def signin_succeeded(self, bucket: str, client_bucket: str) -> None:
        """A sign-in succeeded: forget ``bucket``'s failures and take the attempt back from the client's."""
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

    def list_uploads(self, *, deleted: bool = False, plan_id: str | None = None) -> list[Upload]:
        """Uploads newest first: those not deleted, or (``deleted=True``) only the deleted ones.

        Of ``plan_id`` if given, else of every plan (a dump's copy; readers pass the plan in use).
        """
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
    def append_audit(self, *events: AuditEvent, as_recorded: bool = False) -> None:
        """Append events in one transaction, extending the hash chain (:mod:`geo.store.chain`).

        The database refuses to change or shorten the trail. A new command-line event
        (``detail.client == "cli"``) gets ``os_user``, the operating-system account that ran it;
        ``as_recorded`` events (a dump's) are appended as they are, chained anew.
        """
        ...

    def audit_snapshot(self) -> AbstractContextManager[tuple[Head | None, Iterator[Record]]]:
        """The recorded chain head and every stored event in chain order, read in one snapshot."""
        ...

    def verify_audit(self) -> Verdict:
        """Check the hash chain: intact, or the first event deleted, altered, inserted or reordered."""
        ...

    def guard_audit(self, *, repair: bool = False) -> list[str]:
        """The triggers keeping the trail append-only that are missing or changed (recreated with ``repair``)."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Everything this thread writes (and reads) inside the block is one transaction: all or nothing."""
        ...

    def audit(self, *, limit: int | None = None) -> list[AuditEvent]:
        """Events oldest first (the last ``limit`` if given)."""
        ...

    # actuals (监测评估)
    def record_actuals(self, records: Sequence[Actual], *, event: AuditEvent | None = None) -> list[Actual]:
        """Store ``records`` as the next versions of their ``(plan_id, kind, subject_id, year)``, in one transaction.

        Returns them as stored (``version`` set). Nothing is ever overwritten: a correction is a new version.
        """
        ...

    def list_actuals(
        self, *, kind: str | None = None, year: int | None = None, subject_id: str | None = None,
        history: bool = False, plan_id: str | None = None,
    ) -> list[Actual]:
        """Records by kind, subject and year: the latest version of each, or (``history``) every version.

        Of ``plan_id`` if given, else of every plan (versions are numbered per plan).
        """
        ...

    # drafts of the layout (geo.store.drafts_sql; the rules are geo.drafts.service's)
    def create_draft(self, draft: Draft, *, event: AuditEvent | None = None) -> None:
        """Add a draft (no version yet); :class:`StoreError` if its id is taken."""
        ...

    def list_drafts(self, *, plan_id: str | None = None, deleted: bool = False) -> list[Draft]:
        """Drafts oldest first (of ``plan_id`` if given): those not deleted, or (``deleted``) only the deleted."""
        ...

    def get_draft(self, draft_id: str) -> Draft | None:
        """A draft (deleted or not), or None."""
        ...

    def save_draft_version(
        self, draft_id: str, base_version: int, record: DraftVersion, parcels: gpd.GeoDataFrame, *,
        event: AuditEvent | None = None,
    ) -> DraftVersion:
        """Store ``parcels`` as version ``base_version + 1`` of the draft, in one transaction; return it as stored.

        Inside the transaction (the draft row locked) the latest version must still be ``base_version``
        (0: none yet), else :class:`~geo.store.drafts_sql.DraftConflictError` names the newer version, its
        author and time; a deleted or unknown draft raises :class:`~geo.store.drafts_sql.DraftGoneError`.
        ``record`` gives the author, time, comment, count and total mu (its ``version`` is ignored).
        """
        ...

    def list_draft_versions(self, draft_id: str) -> list[DraftVersion]:
        """Every version of a draft, oldest first (empty for an unknown draft)."""
        ...

    def load_draft_version(self, draft_id: str, version: int | None = None) -> tuple[DraftVersion, gpd.GeoDataFrame]:
        """A version (None: the latest) and its parcels; :class:`StoreError` if there is none."""
        ...

    def set_draft_deleted(
        self, draft_id: str, *, at: str | None, by: str | None, event: AuditEvent | None = None
    ) -> None:
        """Soft-delete (``at`` set; taken out of use) or restore (``at`` None) a draft."""
        ...

    def set_draft_in_use(
        self, plan_id: str, draft_id: str | None, version: int | None, *, set_by: str | None, set_at: str,
        event: AuditEvent | None = None,
    ) -> None:
        """Put a version of a live draft of ``plan_id`` in use for the plan (``draft_id`` None: none in use)."""
        ...

    def get_draft_in_use(self, plan_id: str) -> DraftInUse | None:
        """The draft version in use for ``plan_id``, or None."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
