"""The workspace in PostgreSQL + PostGIS, selected by ``GEO_DATABASE_URL=postgresql://…``.

The same records as the GeoPackage backend, in one schema (``geo`` by
default; ``GEO_DATABASE_SCHEMA`` names another):

- ``uploads``: the index (owner, time, file hash, switch, soft deletion, plan);
- ``parcels_<id>``: a table per upload, the file's attributes typed and
  ``geom geometry(Geometry, 4326)`` with a GiST index (QGIS opens it as a layer);
- ``findings``: every upload's findings (``upload_id``, ``seq`` …);
- ``users``, ``audit`` (append-only: a trigger refuses UPDATE, DELETE and
  TRUNCATE; hash-chained, :mod:`geo.store.chain`; ``db init --owner`` leaves the
  application's role only SELECT and INSERT on it), ``meta`` (schema version,
  change counter, the chain's head).

Every change is one transaction; a save holds an advisory lock on its upload
id, so concurrent saves of different uploads run side by side and two saves of
the same upload queue. Connections are kept in a small pool (one per
operation at a time, so Streamlit's threads never share a transaction).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Final, LiteralString
from urllib.parse import urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import WGS84
from geo.errors import said
from geo.monitor.model import ACTUAL_FIELDS, Actual
from geo.store import actuals, chain, codec, drafts_sql
from geo.store.base import SCHEMA_VERSION, AuditEvent, StoreError, Upload, User, builtin_plan, iso, last_admin_error
from geo.store.drafts_sql import Draft, DraftInUse, DraftVersion

SRID: Final = 4326
POOL_SIZE: Final = 4
TABLES: Final = ("uploads", "users", "audit", "findings", "meta", "signin", "actuals")
FINDING_FIELDS: Final = ("feature", "project_id", "check", "severity", "message", "message_zh", "value")
#: Finding columns kept since schema 5 (GEOS's words, the parcel's own name, its point and place, the fix: what a
#: resubmission is compared by); loaded back only when an upload's findings had them (some value not null).
FINDING_EXTRA: Final = ("detail", "parcel_name", "parcel_name_en", "point", "ring", "x", "y", "fix_zh", "fix_en")
FINDING_KINDS: Final = {"feature": "int", "value": "float", "ring": "int", "x": "float", "y": "float"}
UPLOAD_FIELDS: Final = ("upload_id", "name", "owner", "saved_at", "file_hash", "fmt", "crs", "crs_basis", "features",
                        "findings", "tolerance_pct", "name_field", "use_surveyed", "deleted_at", "deleted_by",
                        "resubmits", "plan_id")
SCHEMA_DDL: Final[LiteralString] = """
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {meta} (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS {users} (
  name text PRIMARY KEY, role text NOT NULL CHECK (role IN ('viewer', 'checker', 'admin')),
  password_hash text NOT NULL, disabled boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS {uploads} (
  upload_id text PRIMARY KEY, name text, owner text, saved_at timestamptz, file_hash text, fmt text, crs text,
  crs_basis text, features integer, findings integer, tolerance_pct double precision, name_field text,
  use_surveyed boolean NOT NULL DEFAULT false, deleted_at timestamptz, deleted_by text);
CREATE TABLE IF NOT EXISTS {findings} (
  upload_id text NOT NULL REFERENCES {uploads} (upload_id) ON DELETE CASCADE, seq integer NOT NULL,
  feature bigint, project_id text, "check" text, severity text, message text, message_zh text,
  value double precision, PRIMARY KEY (upload_id, seq));
CREATE TABLE IF NOT EXISTS {audit} (
  id bigserial PRIMARY KEY, at timestamptz NOT NULL, "user" text, action text NOT NULL,
  object text NOT NULL DEFAULT '', detail jsonb NOT NULL DEFAULT '{{}}');
CREATE INDEX IF NOT EXISTS audit_action_at ON {audit} (action, at);
CREATE OR REPLACE FUNCTION {append_only}() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$;
CREATE OR REPLACE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {audit}
  FOR EACH ROW EXECUTE FUNCTION {append_only}();
CREATE OR REPLACE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {audit}
  FOR EACH STATEMENT EXECUTE FUNCTION {append_only}();
INSERT INTO {meta} VALUES ('version', '0') ON CONFLICT DO NOTHING;
"""

#: Schema 3, accounts: the session generation of each user, and the sign-in counters.
SESSIONS_DDL: Final[LiteralString] = """
ALTER TABLE {users} ADD COLUMN IF NOT EXISTS generation integer NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS {signin} (
  bucket text PRIMARY KEY, window_start timestamptz NOT NULL, attempts integer NOT NULL DEFAULT 0,
  refused integer NOT NULL DEFAULT 0, refused_minute text NOT NULL DEFAULT '');
"""

#: Schema 5, resubmissions: the earlier upload a corrected file resubmits, and the findings' names and points
#: (what a resubmission is compared by, :mod:`geo.checks.resubmit`).
RESUBMIT_DDL: Final[LiteralString] = """
ALTER TABLE {uploads} ADD COLUMN IF NOT EXISTS resubmits text;
ALTER TABLE {findings} ADD COLUMN IF NOT EXISTS detail text, ADD COLUMN IF NOT EXISTS parcel_name text,
  ADD COLUMN IF NOT EXISTS parcel_name_en text, ADD COLUMN IF NOT EXISTS point text,
  ADD COLUMN IF NOT EXISTS ring integer, ADD COLUMN IF NOT EXISTS x double precision,
  ADD COLUMN IF NOT EXISTS y double precision, ADD COLUMN IF NOT EXISTS fix_zh text,
  ADD COLUMN IF NOT EXISTS fix_en text;
"""

#: Schema 7, plans: every upload names the plan it belongs to (those from before: the built-in plan, ``builtin``).
UPLOADS_PLAN_DDL: Final[LiteralString] = """
ALTER TABLE {uploads} ADD COLUMN IF NOT EXISTS plan_id text;
UPDATE {uploads} SET plan_id = {builtin} WHERE plan_id IS NULL;
ALTER TABLE {uploads} ALTER COLUMN plan_id SET NOT NULL;
CREATE INDEX IF NOT EXISTS uploads_plan ON {uploads} (plan_id);
"""
#: Schema 7, plans: actuals name their plan and are versioned per plan. The column comes with the built-in plan
#: as its default, which fills the rows already there without an UPDATE (the table refuses those), then goes.
ACTUALS_PLAN_DDL: Final[LiteralString] = """
ALTER TABLE {actuals} ADD COLUMN plan_id text NOT NULL DEFAULT {builtin};
ALTER TABLE {actuals} ALTER COLUMN plan_id DROP DEFAULT;
ALTER TABLE {actuals} DROP CONSTRAINT {actuals_pkey};
ALTER TABLE {actuals} ADD PRIMARY KEY (plan_id, kind, subject_id, year, version);
"""
#: Schema 7, plans: drafts of schema 6 all carried one constant id; they are the built-in plan's.
DRAFTS_PLAN_DDL: Final[LiteralString] = """
UPDATE {drafts} SET plan_id = {builtin} WHERE plan_id = {old};
UPDATE {draft_in_use} SET plan_id = {builtin} WHERE plan_id = {old};
"""

#: Schema 3, audit: each event's place in the hash chain (geo.store.chain).
AUDIT_CHAIN_DDL: Final[LiteralString] = """
ALTER TABLE {audit} ADD COLUMN IF NOT EXISTS seq bigint, ADD COLUMN IF NOT EXISTS prev_hash text,
  ADD COLUMN IF NOT EXISTS hash text;
CREATE UNIQUE INDEX IF NOT EXISTS audit_seq ON {audit} (seq);
"""
#: The function and triggers that refuse UPDATE, DELETE and TRUNCATE on the audit trail (recreated by ``db init``).
AUDIT_GUARD_DDL: Final[LiteralString] = """
CREATE OR REPLACE FUNCTION {append_only}() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$;
DROP TRIGGER IF EXISTS audit_append_only ON {audit};
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {audit} FOR EACH ROW EXECUTE FUNCTION {append_only}();
DROP TRIGGER IF EXISTS audit_no_truncate ON {audit};
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {audit} FOR EACH STATEMENT EXECUTE FUNCTION {append_only}();
"""
#: The function's body, whitespace folded, as AUDIT_GUARD_DDL writes it.
AUDIT_GUARD_BODY: Final = "BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END"
#: pg_trigger.tgtype of each trigger: ROW 1 | BEFORE 2 | DELETE 8 | UPDATE 16; BEFORE 2 | TRUNCATE 32 (per statement).
AUDIT_TRIGGER_TYPES: Final = {"audit_append_only": 27, "audit_no_truncate": 34}
AUDIT_SELECT: Final[LiteralString] = 'SELECT id, seq, prev_hash, hash, at, "user", action, object, detail FROM {audit}'


def redact(url: str) -> str:
    """The URL without its password (for messages and ``db init``'s report)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}" if user else netloc))


def _clean(text: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL characters."""
    return None if text is None else text.replace("\x00", "")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class PostGISStore:
    """The workspace in a PostgreSQL + PostGIS database (see the module's docstring)."""

    kind = "postgis"

    def __init__(self, url: str, *, schema: str = "geo") -> None:
        import psycopg  # imported here: the embedded backend never needs it

        self._psycopg = psycopg
        self.url = url
        self.schema = schema
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._ready = False
        self._outer = threading.local()  # the cursor of this thread's transaction(), if one is open

    def describe(self) -> str:
        return f"{redact(self.url)} (schema {self.schema})"

    # -- connections -----------------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None or conn.closed:
            try:
                conn = self._psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            except self._psycopg.Error as exc:
                raise StoreError(said("err.store.db_unreachable", error=_first_line(exc)), source="GEO_DATABASE_URL",
                                 fix=said("err.store.db_unreachable_fix")) from exc
        ok = False
        try:
            yield conn
            ok = True
        finally:
            idle = ok and not conn.closed and conn.info.transaction_status == self._psycopg.pq.TransactionStatus.IDLE
            with self._lock:
                if idle and len(self._idle) < POOL_SIZE:
                    self._idle.append(conn)
                    conn = None
            if conn is not None:
                conn.close()

    @contextmanager
    def _tx(self, *, ensure: bool = True) -> Iterator[Any]:
        """A cursor in one transaction: committed on success, rolled back on any error."""
        outer = getattr(self._outer, "cur", None)
        if outer is not None:  # inside transaction(): part of it
            yield outer
            return
        if ensure and not self._ready:
            self._ensure()
        with self._connection() as conn:
            try:
                with conn.transaction(), conn.cursor() as cur:
                    yield cur
            except self._psycopg.Error as exc:
                raise StoreError(said("err.store.db_refused", error=_first_line(exc)), source="workspace",
                                 fix=said("err.store.db_refused_fix")) from exc

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def _sql(self, text: LiteralString, **extra: Any) -> Any:
        from psycopg import sql

        names = {t: sql.Identifier(self.schema, t) for t in TABLES}
        names |= {"schema": sql.Identifier(self.schema),
                  "append_only": sql.Identifier(self.schema, "audit_append_only"),
                  "actuals_kept": sql.Identifier(self.schema, "actuals_kept")}
        return sql.SQL(text).format(**names, **extra)

    def _table(self, name: str) -> Any:
        from psycopg import sql

        return sql.Identifier(self.schema, name)

    # -- schema ----------------------------------------------------------------------------

    def _schema_version(self, cur: Any) -> int:
        cur.execute("SELECT to_regclass(%s)", (f'"{self.schema}".meta',))
        if cur.fetchone()[0] is None:
            return 0
        cur.execute(self._sql("SELECT value FROM {meta} WHERE key = 'schema_version'"))
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def _ensure(self) -> None:
        """Migrate an older schema; fail closed on a missing one (only ``db init`` creates it)."""
        with self._tx(ensure=False) as cur:
            version = self._schema_version(cur)
        if version == 0:
            raise StoreError(said("err.store.no_schema", schema=self.schema, url=redact(self.url)),
                             source="GEO_DATABASE_URL", fix=said("err.store.no_schema_fix"))
        if version < SCHEMA_VERSION:
            self.init()
        self._ready = True

    def init(self) -> tuple[int, int]:
        """Create the PostGIS extension (if allowed) and the schema, or migrate it; idempotent."""
        with self._tx(ensure=False) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"geo-init:{self.schema}",))
            before = self._schema_version(cur)
            if before < SCHEMA_VERSION:
                cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
                if cur.fetchone() is None:
                    cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                cur.execute(self._sql(SCHEMA_DDL))
                cur.execute(self._sql(SESSIONS_DDL))
                self._migrate_audit_chain(cur)
                cur.execute(self._sql(actuals.POSTGRES_DDL))  # schema 4: 监测评估
                cur.execute(self._sql(RESUBMIT_DDL))  # schema 5: resubmissions
                cur.execute(self._drafts_sql(drafts_sql.POSTGRES_DDL))  # schema 6: drafts of the layout
                self._migrate_plans(cur)  # schema 7: uploads, actuals and drafts name their plan
                cur.execute(self._sql("INSERT INTO {meta} VALUES ('schema_version', %s) ON CONFLICT (key) "
                                      "DO UPDATE SET value = EXCLUDED.value"), (str(SCHEMA_VERSION),))
        self._ready = True
        return before, SCHEMA_VERSION

    def _migrate_plans(self, cur: Any) -> None:
        """Schema 7: uploads and actuals gain ``plan_id``; rows from before are the built-in plan's (drafts too)."""
        from psycopg import sql

        builtin = sql.Literal(builtin_plan())
        cur.execute(self._sql(UPLOADS_PLAN_DDL, builtin=builtin))
        cur.execute("SELECT c.conname FROM pg_constraint c WHERE c.conrelid = to_regclass(%s) AND c.contype = 'p' "
                    "AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.conrelid "
                    "AND a.attname = 'plan_id' AND NOT a.attisdropped)", (f'"{self.schema}".actuals',))
        row = cur.fetchone()
        if row is not None:  # a table of schema 6 or earlier (a new one is created with the column)
            cur.execute(self._sql(ACTUALS_PLAN_DDL, builtin=builtin, actuals_pkey=sql.Identifier(row[0])))
        if builtin_plan() != drafts_sql.SCHEMA6_PLAN_ID:
            cur.execute(self._drafts_sql_with(DRAFTS_PLAN_DDL, builtin=builtin,
                                              old=sql.Literal(drafts_sql.SCHEMA6_PLAN_ID)))

    def _migrate_audit_chain(self, cur: Any) -> None:
        """Schema 3, audit: the hash chain. The events of an older schema are chained once, and that is recorded.

        (Changes made to them before this migration cannot be seen: the ``audit_chain`` event says from where
        on the trail is tamper-evident.)
        """
        cur.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND table_name = 'audit' "
                    "AND column_name = 'hash'", (self.schema,))
        if cur.fetchone() is not None:
            return
        cur.execute(self._sql(AUDIT_CHAIN_DDL))
        cur.execute(self._sql(AUDIT_SELECT + " ORDER BY id"))
        rows = cur.fetchall()
        if not rows:
            return
        linked = chain.link(None, [_event(r[4:]) for r in rows])
        # the one time events are rewritten: stored normalised, with their place in the chain
        cur.execute(self._sql("ALTER TABLE {audit} DISABLE TRIGGER audit_append_only"))
        cur.executemany(self._sql('UPDATE {audit} SET seq = %s, prev_hash = %s, hash = %s, at = %s, "user" = %s, '
                                  "action = %s, object = %s, detail = %s::jsonb WHERE id = %s"),
                        [(x.seq, x.prev_hash, x.hash, x.event.at, x.event.user, x.event.action, x.event.object,
                          chain.detail_text(x.event.detail), r[0]) for x, r in zip(linked, rows, strict=True)])
        cur.execute(self._sql("ALTER TABLE {audit} ENABLE TRIGGER audit_append_only"))
        self._set_head(cur, chain.Head(linked[-1].seq, linked[-1].hash))
        self._append_events(cur, [AuditEvent("audit_chain", None, "audit", {"events": len(rows),
                                                                             "chained": "migration"})])

    # -- helpers ---------------------------------------------------------------------------

    def _append(self, cur: Any, event: AuditEvent | None) -> None:
        if event is not None:
            self._append_events(cur, [event])

    def _append_events(self, cur: Any, events: Sequence[AuditEvent], *, as_recorded: bool = False) -> None:
        """Append events to the chain inside the caller's transaction, holding the audit lock until it ends.

        The lock (an advisory one: the application's role may only INSERT into the audit table) makes
        concurrent appends queue, so the chain never forks. New command-line events get the
        operating-system user (:func:`chain.stamped`); ``as_recorded`` events are appended as they are.
        """
        if not events:
            return
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"geo-audit:{self.schema}",))
        cur.execute(self._sql("SELECT (SELECT value FROM {meta} WHERE key = %s), last.seq, last.hash FROM (SELECT 1) "
                              "one LEFT JOIN LATERAL (SELECT seq, hash FROM {audit} WHERE seq IS NOT NULL "
                              "ORDER BY seq DESC LIMIT 1) last ON true"), (chain.HEAD_KEY,))
        recorded, seq, digest = cur.fetchone()
        head = chain.later(chain.parse_head(recorded), None if seq is None else chain.Head(int(seq), digest))
        linked = chain.link(head, events if as_recorded else [chain.stamped(e) for e in events])
        cur.executemany(self._sql('INSERT INTO {audit} (seq, prev_hash, hash, at, "user", action, object, detail) '
                                  "VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb)"),
                        [(x.seq, x.prev_hash, x.hash, x.event.at, x.event.user, x.event.action, x.event.object,
                          chain.detail_text(x.event.detail)) for x in linked])
        self._set_head(cur, chain.Head(linked[-1].seq, linked[-1].hash))

    def _set_head(self, cur: Any, head: chain.Head) -> None:
        cur.execute(self._sql("INSERT INTO {meta} VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = "
                              "EXCLUDED.value"), (chain.HEAD_KEY, chain.head_text(head)))

    def _bump(self, cur: Any) -> None:
        cur.execute(self._sql("UPDATE {meta} SET value = (value::bigint + 1)::text WHERE key = 'version'"))

    # -- users -----------------------------------------------------------------------------

    def has_users(self) -> bool:
        with self._tx() as cur:
            cur.execute(self._sql("SELECT 1 FROM {users} LIMIT 1"))
            return cur.fetchone() is not None

    def add_user(self, user: User, *, event: AuditEvent | None = None) -> None:
        with self._tx() as cur:
            cur.execute(self._sql("INSERT INTO {users} (name, role, password_hash, disabled, created_at, generation) "
                                  "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO NOTHING"),
                        (user.name, user.role, user.password_hash, user.disabled, user.created_at, user.generation))
            if cur.rowcount == 0:
                raise StoreError(said("err.store.user_exists", name=user.name), source="users",
                                 fix=said("err.store.user_exists_fix"))
            self._append(cur, event)

    @staticmethod
    def _user(row: tuple[Any, ...]) -> User:
        return User(name=row[0], role=row[1], password_hash=row[2], disabled=bool(row[3]),
                    created_at=iso(row[4]) or "", generation=int(row[5]))

    def get_user(self, name: str) -> User | None:
        with self._tx() as cur:
            cur.execute(self._sql("SELECT name, role, password_hash, disabled, created_at, generation FROM {users} "
                                  "WHERE name = %s"), (_clean(name),))
            row = cur.fetchone()
            return None if row is None else self._user(row)

    def list_users(self) -> list[User]:
        with self._tx() as cur:
            cur.execute(self._sql("SELECT name, role, password_hash, disabled, created_at, generation FROM {users} "
                                  "ORDER BY name"))
            return [self._user(r) for r in cur.fetchall()]

    def update_user(
        self, name: str, *, role: str | None = None, disabled: bool | None = None,
        password_hash: str | None = None, event: AuditEvent | None = None, end_sessions: bool = True,
    ) -> None:
        with self._tx() as cur:
            cur.execute(self._sql("SELECT pg_advisory_xact_lock(hashtext({users_key}))", users_key=self._users_key()))
            cur.execute(self._sql("SELECT role = 'admin' AND NOT disabled FROM {users} WHERE name = %s"), (name,))
            was_admin = bool((cur.fetchone() or (False,))[0])
            cur.execute(self._sql("UPDATE {users} SET role = coalesce(%s, role), disabled = coalesce(%s, disabled), "
                                  "password_hash = coalesce(%s, password_hash), "
                                  "generation = generation + %s WHERE name = %s"),
                        (role, disabled, password_hash, int(end_sessions), name))
            if cur.rowcount == 0:
                raise StoreError(said("err.store.no_user", name=name), source="users",
                                 fix=said("err.store.no_user_fix"))
            cur.execute(self._sql("SELECT 1 FROM {users} WHERE role = 'admin' AND NOT disabled LIMIT 1"))
            if was_admin and cur.fetchone() is None:
                raise last_admin_error(name)  # rolls back
            self._append(cur, event)

    def _users_key(self) -> Any:
        """The advisory lock that serialises account changes (two admins demoting each other at once)."""
        from psycopg import sql

        return sql.Literal(f"geo-users:{self.schema}")

    # -- sign-in limits ----------------------------------------------------------------------

    def signin_attempt(self, buckets: Sequence[tuple[str, int]], *, since: str, minute: str) -> int | None:
        keys = [b for b, _ in buckets]
        with self._tx() as cur:
            cur.executemany(self._sql("INSERT INTO {signin} (bucket, window_start) VALUES (%s, now()) "
                                      "ON CONFLICT DO NOTHING"), [(k,) for k in keys])
            # Row locks, taken in one order: parallel attempts on a bucket queue here until this one commits.
            cur.execute(self._sql("SELECT bucket, window_start >= %s AS current, attempts, refused, refused_minute "
                                  "FROM {signin} WHERE bucket = ANY(%s) ORDER BY bucket FOR UPDATE"), (since, keys))
            rows = {r[0]: r[1:] for r in cur.fetchall()}
            if any(rows[b][0] and rows[b][1] >= limit for b, limit in buckets):
                tally = keys[-1]
                pending, last_minute = rows[tally][2] + 1, rows[tally][3]
                first = last_minute != minute
                cur.execute(self._sql("UPDATE {signin} SET refused = %s, refused_minute = %s WHERE bucket = %s"),
                            (0 if first else pending, minute, tally))
                return pending if first else 0
            cur.execute(self._sql("UPDATE {signin} SET attempts = CASE WHEN window_start < %s THEN 1 "
                                  "ELSE attempts + 1 END, window_start = CASE WHEN window_start < %s THEN now() "
                                  "ELSE window_start END WHERE bucket = ANY(%s)"), (since, since, keys))
            return None

    def signin_succeeded(self, bucket: str, client_bucket: str) -> None:
        with self._tx() as cur:
            cur.execute(self._sql("DELETE FROM {signin} WHERE bucket = %s"), (bucket,))
            cur.execute(self._sql("UPDATE {signin} SET attempts = greatest(attempts - 1, 0) WHERE bucket = %s"),
                        (client_bucket,))

    # -- uploads ---------------------------------------------------------------------------

    def save_upload(
        self, record: Upload, parcels: gpd.GeoDataFrame, findings: pd.DataFrame, *, event: AuditEvent | None = None
    ) -> None:
        from psycopg import sql

        uid = record.upload_id
        if not uid.isascii() or not uid.isalnum():
            raise StoreError(said("err.store.bad_upload_id", id=uid), source="workspace",
                             fix=said("err.store.bad_upload_id_fix"))
        layer = parcels.to_crs(WGS84) if parcels.crs is not None else parcels.set_crs(WGS84)
        columns = codec.attribute_columns(layer, skip=[str(layer.geometry.name)])
        geoms = shapely.set_srid(layer.geometry.to_numpy(), SRID)
        ewkb = shapely.to_wkb(geoms, hex=True, include_srid=True, flavor="extended")
        features = codec.feature_numbers(layer.index)
        values = [[_clean(v) if isinstance(v, str) else v for v in codec.encode(layer[c.name], c.kind)]
                  for c in columns]
        table = self._table(f"parcels_{uid}")
        defs = sql.SQL("").join(sql.SQL(", {} {}").format(sql.Identifier(c.stored), sql.SQL(codec.PG_TYPES[c.kind]))
                                for c in columns)
        names = sql.SQL(", ").join([sql.Identifier("feature"), sql.Identifier("geom"),
                                    *(sql.Identifier(c.stored) for c in columns)])
        fields = record.as_dict()
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{self.schema}:{uid}",))
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
            cur.execute(sql.SQL("CREATE TABLE {} (fid bigserial PRIMARY KEY, feature bigint{}, "
                                "geom geometry(Geometry, 4326))").format(table, defs))
            with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(table, names)) as copy:
                for row in zip(features, ewkb, *values, strict=True):
                    copy.write_row(row)
            cur.execute(sql.SQL("CREATE INDEX ON {} USING gist (geom)").format(table))
            upsert = sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (upload_id) DO UPDATE SET {}").format(
                self._table("uploads"), sql.SQL(", ").join(map(sql.Identifier, UPLOAD_FIELDS)),
                sql.SQL(", ").join(sql.Placeholder() * len(UPLOAD_FIELDS)),
                sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(f)) for f in UPLOAD_FIELDS[1:]),
            )
            cur.execute(upsert, [_value(fields[f]) for f in UPLOAD_FIELDS])
            cur.execute(self._sql("DELETE FROM {findings} WHERE upload_id = %s"), (uid,))
            present = [f for f in (*FINDING_FIELDS, *FINDING_EXTRA) if f in findings.columns]
            if len(findings) and present:
                encoded = [codec.encode(findings[f], FINDING_KINDS.get(f, "text")) for f in present]
                target = sql.SQL("COPY {} (upload_id, seq, {}) FROM STDIN").format(
                    self._table("findings"), sql.SQL(", ").join(map(sql.Identifier, present)))
                with cur.copy(target) as copy:
                    for seq, row in enumerate(zip(*encoded, strict=True)):
                        copy.write_row((uid, seq, *(_clean(v) if isinstance(v, str) else v for v in row)))
            self._bump(cur)
            self._append(cur, event)

    @staticmethod
    def _upload(row: dict[str, Any]) -> Upload:
        tol = row["tolerance_pct"]
        return Upload(
            upload_id=row["upload_id"], name=row["name"] or "", owner=row["owner"], saved_at=iso(row["saved_at"]) or "",
            file_hash=row["file_hash"] or "", fmt=row["fmt"], crs=row["crs"], crs_basis=row["crs_basis"],
            features=int(row["features"] or 0), findings=int(row["findings"] or 0),
            tolerance_pct=float("nan") if tol is None else float(tol), name_field=row["name_field"] or "",
            use_surveyed=bool(row["use_surveyed"]), deleted_at=iso(row["deleted_at"]), deleted_by=row["deleted_by"],
            resubmits=row["resubmits"] or None, plan_id=row["plan_id"],
        )

    def _uploads(self, cur: Any, where: LiteralString, args: tuple[Any, ...] = ()) -> list[Upload]:
        cur.execute(self._sql("SELECT upload_id, name, owner, saved_at, file_hash, fmt, crs, crs_basis, features, "
                              "findings, tolerance_pct, name_field, use_surveyed, deleted_at, deleted_by, "
                              "resubmits, plan_id FROM {uploads} WHERE " + where), args)
        return [self._upload(dict(zip(UPLOAD_FIELDS, r, strict=True))) for r in cur.fetchall()]

    def get_upload(self, upload_id: str) -> Upload | None:
        with self._tx() as cur:
            found = self._uploads(cur, "upload_id = %s", (upload_id,))
            return found[0] if found else None

    def list_uploads(self, *, deleted: bool = False, plan_id: str | None = None) -> list[Upload]:
        with self._tx() as cur:
            where: LiteralString = "deleted_at IS NOT NULL" if deleted else "deleted_at IS NULL"
            if plan_id is None:
                return self._uploads(cur, where + " ORDER BY saved_at DESC, upload_id DESC")
            return self._uploads(cur, where + " AND plan_id = %s ORDER BY saved_at DESC, upload_id DESC", (plan_id,))

    def load_upload(self, upload_id: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        from psycopg import sql

        with self._tx() as cur:
            if not self._uploads(cur, "upload_id = %s", (upload_id,)):
                raise StoreError(said("err.store.no_upload", id=upload_id), source="workspace",
                                 fix=said("err.store.no_upload_fix"))
            table = f"parcels_{upload_id}"
            cur.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = %s "
                        "AND table_name = %s ORDER BY ordinal_position", (self.schema, table))
            attrs = [(n, t) for n, t in cur.fetchall() if n not in ("fid", "feature", "geom")]
            select = sql.SQL(", ").join([sql.SQL("feature"), sql.SQL("ST_AsBinary(geom)"),
                                         *(sql.Identifier(n) for n, _ in attrs)])
            cur.execute(sql.SQL("SELECT {} FROM {} ORDER BY fid").format(select, self._table(table)))
            rows = cur.fetchall()
            cur.execute(self._sql('SELECT feature, project_id, "check", severity, message, message_zh, value, '
                                  "detail, parcel_name, parcel_name_en, point, ring, x, y, fix_zh, fix_en "
                                  "FROM {findings} WHERE upload_id = %s ORDER BY seq"), (upload_id,))
            found = cur.fetchall()
        cols = list(zip(*rows, strict=True)) if rows else [()] * (2 + len(attrs))
        frame = codec.frame_from_columns(
            {n: codec.decode(list(cols[2 + i]), codec.kind_from_pg(t), n) for i, (n, t) in enumerate(attrs)},
            pd.Series(list(cols[0]), name="feature", dtype="int64"),
        )
        geoms = np.asarray(shapely.from_wkb([None if b is None else bytes(b) for b in cols[1]]))
        parcels = codec.geodataframe(frame, geoms, WGS84)
        every = (*FINDING_FIELDS, *FINDING_EXTRA)
        fcols = list(zip(*found, strict=True)) if found else [()] * len(every)
        findings = codec.frame_from_columns({f: codec.decode(list(fcols[i]), FINDING_KINDS.get(f, "text"), f)
                                             for i, f in enumerate(every)
                                             if f in FINDING_FIELDS or any(v is not None for v in fcols[i])})
        return parcels, findings

    def _update_upload(self, upload_id: str, sets: LiteralString, args: tuple[Any, ...],
                       event: AuditEvent | None) -> None:
        with self._tx() as cur:
            cur.execute(self._sql("UPDATE {uploads} SET " + sets + " WHERE upload_id = %s"), (*args, upload_id))
            if cur.rowcount == 0:
                raise StoreError(said("err.store.no_upload", id=upload_id), source="workspace",
                                 fix=said("err.store.no_upload_fix"))
            self._bump(cur)
            self._append(cur, event)

    def set_use_surveyed(self, upload_id: str, use: bool, *, event: AuditEvent | None = None) -> None:
        self._update_upload(upload_id, "use_surveyed = %s", (bool(use),), event)

    def set_deleted(
        self, upload_id: str, *, at: str | None, by: str | None, event: AuditEvent | None = None
    ) -> None:
        if at is None:
            self._update_upload(upload_id, "deleted_at = NULL, deleted_by = NULL", (), event)
        else:
            self._update_upload(upload_id, "deleted_at = %s, deleted_by = %s, use_surveyed = false", (at, by), event)

    # -- drafts (issue 23: drafting the layout; geo.store.drafts_sql) -----------------------------

    def _drafts_sql(self, text: LiteralString) -> Any:
        """``text`` with the draft tables' names (and the other tables') formatted in."""
        return self._drafts_sql_with(text)

    def _drafts_sql_with(self, text: LiteralString, **extra: Any) -> Any:
        return self._sql(text, **{n: self._table(n) for n in drafts_sql.POSTGRES_NAMES}, **extra)

    _DRAFT_SELECT: Final[LiteralString] = ("SELECT draft_id, plan_id, name, created_by, created_at, deleted_at, "
                                           "deleted_by FROM {drafts} WHERE ")

    @staticmethod
    def _draft_of(row: Sequence[Any]) -> Draft:
        draft_id, plan_id, name, created_by, created_at, deleted_at, deleted_by = row
        return Draft(draft_id=draft_id, plan_id=plan_id, name=name, created_by=created_by,
                     created_at=iso(created_at) or "", deleted_at=iso(deleted_at), deleted_by=deleted_by)

    @staticmethod
    def _draft_version_of(row: Sequence[Any]) -> DraftVersion:
        draft_id, version, author, saved_at, comment, n_parcels, total_mu = row[:7]
        return DraftVersion(draft_id=draft_id, version=int(version), author=author, saved_at=iso(saved_at) or "",
                            comment=comment or "", n_parcels=int(n_parcels), total_mu=float(total_mu or 0.0))

    def create_draft(self, draft: Draft, *, event: AuditEvent | None = None) -> None:
        with self._tx() as cur:
            cur.execute(self._drafts_sql("INSERT INTO {drafts} (draft_id, plan_id, name, created_by, created_at, "
                                         "deleted_at, deleted_by) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                                         "ON CONFLICT (draft_id) DO NOTHING"),
                        tuple(_value(getattr(draft, f)) for f in drafts_sql.DRAFT_FIELDS))
            if cur.rowcount == 0:
                raise StoreError(said("err.store.draft_exists", id=draft.draft_id), source="drafts",
                                 fix=said("err.store.draft_exists_fix"))
            self._append(cur, event)

    def list_drafts(self, *, plan_id: str | None = None, deleted: bool = False) -> list[Draft]:
        where: LiteralString = "deleted_at IS NOT NULL" if deleted else "deleted_at IS NULL"
        with self._tx() as cur:
            if plan_id is None:
                cur.execute(self._drafts_sql(self._DRAFT_SELECT + where + " ORDER BY created_at, draft_id"))
            else:
                cur.execute(self._drafts_sql(self._DRAFT_SELECT + where + " AND plan_id = %s "
                                             "ORDER BY created_at, draft_id"), (plan_id,))
            return [self._draft_of(r) for r in cur.fetchall()]

    def get_draft(self, draft_id: str) -> Draft | None:
        with self._tx() as cur:
            cur.execute(self._drafts_sql(self._DRAFT_SELECT + "draft_id = %s"), (draft_id,))
            row = cur.fetchone()
        return None if row is None else self._draft_of(row)

    def save_draft_version(
        self, draft_id: str, base_version: int, record: DraftVersion, parcels: gpd.GeoDataFrame, *,
        event: AuditEvent | None = None,
    ) -> DraftVersion:
        text = drafts_sql.encode_parcels(parcels)
        with self._tx() as cur:
            # the draft's row locked: a concurrent save of the same draft waits here, then sees this version
            cur.execute(self._drafts_sql(self._DRAFT_SELECT + "draft_id = %s FOR UPDATE"), (draft_id,))
            row = cur.fetchone()
            cur.execute(self._drafts_sql("SELECT " + drafts_sql.VERSION_COLUMNS + " FROM {draft_versions} "
                                         "WHERE draft_id = %s ORDER BY version DESC LIMIT 1"), (draft_id,))
            last = cur.fetchone()
            number = drafts_sql.check_base(None if row is None else self._draft_of(row), draft_id, base_version,
                                           None if last is None else self._draft_version_of(last))
            stored = replace(record, draft_id=draft_id, version=number)
            cur.execute(self._drafts_sql("INSERT INTO {draft_versions} (draft_id, version, author, saved_at, comment, "
                                         "parcels, n_parcels, total_mu) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"),
                        (draft_id, number, _value(stored.author), stored.saved_at, _value(stored.comment),
                         _clean(text), stored.n_parcels, _value(stored.total_mu)))
            self._append(cur, event)
        return stored

    def list_draft_versions(self, draft_id: str) -> list[DraftVersion]:
        with self._tx() as cur:
            cur.execute(self._drafts_sql("SELECT " + drafts_sql.VERSION_COLUMNS + " FROM {draft_versions} "
                                         "WHERE draft_id = %s ORDER BY version"), (draft_id,))
            return [self._draft_version_of(r) for r in cur.fetchall()]

    def load_draft_version(self, draft_id: str, version: int | None = None) -> tuple[DraftVersion, gpd.GeoDataFrame]:
        select: LiteralString = ("SELECT " + drafts_sql.VERSION_COLUMNS
                                 + ", parcels FROM {draft_versions} WHERE draft_id = %s")
        with self._tx() as cur:
            if version is None:
                cur.execute(self._drafts_sql(select + " ORDER BY version DESC LIMIT 1"), (draft_id,))
            else:
                cur.execute(self._drafts_sql(select + " AND version = %s"), (draft_id, int(version)))
            row = cur.fetchone()
        if row is None:
            raise drafts_sql.no_version(draft_id, version)
        return self._draft_version_of(row), drafts_sql.decode_parcels(row[7])

    def set_draft_deleted(
        self, draft_id: str, *, at: str | None, by: str | None, event: AuditEvent | None = None
    ) -> None:
        with self._tx() as cur:
            cur.execute(self._drafts_sql("UPDATE {drafts} SET deleted_at = %s, deleted_by = %s WHERE draft_id = %s"),
                        (at, _value(by), draft_id))
            if cur.rowcount == 0:
                raise drafts_sql.no_draft(draft_id)
            if at is not None:  # a deleted draft is taken out of use
                cur.execute(self._drafts_sql("DELETE FROM {draft_in_use} WHERE draft_id = %s"), (draft_id,))
            self._bump(cur)
            self._append(cur, event)

    def set_draft_in_use(
        self, plan_id: str, draft_id: str | None, version: int | None, *, set_by: str | None, set_at: str,
        event: AuditEvent | None = None,
    ) -> None:
        with self._tx() as cur:
            if draft_id is None:
                cur.execute(self._drafts_sql("DELETE FROM {draft_in_use} WHERE plan_id = %s"), (plan_id,))
            else:
                cur.execute(self._drafts_sql(self._DRAFT_SELECT + "draft_id = %s FOR SHARE"), (draft_id,))
                row = cur.fetchone()
                cur.execute(self._drafts_sql("SELECT 1 FROM {draft_versions} WHERE draft_id = %s AND version = %s"),
                            (draft_id, version))
                exists = cur.fetchone() is not None
                drafts_sql.check_usable(None if row is None else self._draft_of(row), draft_id, plan_id, version,
                                        exists)
                cur.execute(self._drafts_sql("INSERT INTO {draft_in_use} (plan_id, draft_id, version, set_by, set_at) "
                                             "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (plan_id) DO UPDATE SET "
                                             "draft_id = EXCLUDED.draft_id, version = EXCLUDED.version, "
                                             "set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at"),
                            (plan_id, draft_id, version, _value(set_by), set_at))
            self._bump(cur)
            self._append(cur, event)

    def get_draft_in_use(self, plan_id: str) -> DraftInUse | None:
        with self._tx() as cur:
            cur.execute(self._drafts_sql("SELECT plan_id, draft_id, version, set_by, set_at FROM {draft_in_use} "
                                         "WHERE plan_id = %s"), (plan_id,))
            row = cur.fetchone()
        if row is None:
            return None
        return DraftInUse(plan_id=row[0], draft_id=row[1], version=int(row[2]), set_by=row[3], set_at=iso(row[4]) or "")

    # -- actuals (监测评估) -------------------------------------------------------------------

    def record_actuals(self, records: Sequence[Actual], *, event: AuditEvent | None = None) -> list[Actual]:
        from psycopg import sql

        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"geo-actuals:{self.schema}",))
            cur.execute(self._sql("SELECT plan_id, kind, subject_id, year, max(version) FROM {actuals} "
                                  "GROUP BY 1, 2, 3, 4"))
            latest = {(p, k, s, int(y)): int(v) for p, k, s, y, v in cur.fetchall()}
            stored = actuals.versioned(records, latest)
            cur.executemany(self._sql("INSERT INTO {actuals} ({columns}) VALUES ({marks})", columns=_fields(),
                                      marks=sql.SQL(", ").join([sql.Placeholder()] * len(ACTUAL_FIELDS))),
                            [tuple(_value(v) for v in actuals.row(r)) for r in stored])
            self._append(cur, event)
        return stored

    def list_actuals(
        self, *, kind: str | None = None, year: int | None = None, subject_id: str | None = None,
        history: bool = False, plan_id: str | None = None,
    ) -> list[Actual]:
        from psycopg import sql

        columns, args = actuals.where(kind, year, subject_id, plan_id)
        parts = [sql.Composed([sql.Identifier(c), sql.SQL(" = %s")]) for c in columns]
        if not history:
            parts.append(self._sql("version = (SELECT max(version) FROM {actuals} b WHERE b.plan_id = a.plan_id "
                                   "AND b.kind = a.kind AND b.subject_id = a.subject_id AND b.year = a.year)"))
        query = self._sql("SELECT {columns} FROM {actuals} a", columns=_fields())
        if parts:
            query = sql.Composed([query, sql.SQL(" WHERE "), sql.SQL(" AND ").join(parts)])
        query = sql.Composed([query, sql.SQL(" ORDER BY plan_id, kind, subject_id, year, version")])
        with self._tx() as cur:
            cur.execute(query, args)
            rows = cur.fetchall()
        at = ACTUAL_FIELDS.index("recorded_at")
        return [actuals.actual_of(r, iso(r[at]) or "") for r in rows]

    # -- audit and version -----------------------------------------------------------------

    def append_audit(self, *events: AuditEvent, as_recorded: bool = False) -> None:
        with self._tx() as cur:
            self._append_events(cur, events, as_recorded=as_recorded)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything this thread writes (and reads) in the block is one transaction: all of it or nothing."""
        if getattr(self._outer, "cur", None) is not None:
            yield
            return
        with self._tx() as cur:
            self._outer.cur = cur
            try:
                yield
            finally:
                self._outer.cur = None

    @contextmanager
    def audit_snapshot(self) -> Iterator[tuple[chain.Head | None, Iterator[chain.Record]]]:
        """The recorded head and the events in chain order, from one snapshot (streamed by a server-side cursor)."""
        nested = getattr(self._outer, "cur", None) is not None
        with self._tx() as cur:
            if not nested:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute(self._sql("SELECT value FROM {meta} WHERE key = %s"), (chain.HEAD_KEY,))
            row = cur.fetchone()
            with cur.connection.cursor(name="geo_audit_snapshot") as rows:
                rows.itersize = 5000
                rows.execute(self._sql(AUDIT_SELECT + " ORDER BY seq IS NULL, seq, id"))
                yield chain.parse_head(row[0] if row else None), (
                    chain.Record(int(r[0]), None if r[1] is None else int(r[1]), r[2], r[3], _event(r[4:]))
                    for r in rows)

    def verify_audit(self) -> chain.Verdict:
        with self.audit_snapshot() as (head, records):
            return chain.verify(records, head)

    def guard_audit(self, *, repair: bool = False) -> list[str]:
        """The audit triggers (and their function) that are missing, disabled or changed; recreated with ``repair``."""
        audit, function = f'"{self.schema}".audit', f'"{self.schema}".audit_append_only()'
        with self._tx() as cur:
            cur.execute("SELECT t.tgname FROM pg_trigger t WHERE t.tgrelid = to_regclass(%s) AND NOT t.tgisinternal "
                        "AND t.tgenabled IN ('O', 'A') AND t.tgfoid = to_regprocedure(%s) AND t.tgqual IS NULL "
                        "AND t.tgnargs = 0 AND t.tgattr = ''::int2vector AND t.tgtype = CASE t.tgname "
                        + " ".join(f"WHEN '{n}' THEN {v}" for n, v in AUDIT_TRIGGER_TYPES.items()) + " END",
                        (audit, function))
            intact = {r[0] for r in cur.fetchall()}
            wrong = sorted(set(AUDIT_TRIGGER_TYPES) - intact)
            cur.execute("SELECT regexp_replace(btrim(prosrc), '\\s+', ' ', 'g') FROM pg_proc "
                        "WHERE oid = to_regprocedure(%s)", (function,))
            body = cur.fetchone()
            if body is None or body[0] != AUDIT_GUARD_BODY:
                wrong.insert(0, "audit_append_only()")
            if repair and wrong:
                cur.execute(self._sql(AUDIT_GUARD_DDL))
        return wrong

    def set_owner(self, owner: str, app: str) -> list[str]:
        """Give the schema and the office's tables to ``owner``; ``app`` (the application's login role) keeps

        SELECT and INSERT on the audit trail, SELECT, INSERT, UPDATE and DELETE on the other tables, USAGE on
        their sequences, and USAGE and CREATE on the schema (it creates and replaces its own ``parcels_<id>``
        tables, which it owns). Needs a superuser (or a member of both roles). Returns the tables given away.
        """
        from psycopg import sql

        if owner == app:
            raise StoreError(said("err.store.same_roles"), source="--owner", fix=said("err.store.same_roles_fix"))
        with self._tx() as cur:
            cur.execute("SELECT rolname, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = ANY(%s)",
                        ([owner, app],))
            roles = dict(cur.fetchall())
            for role in (owner, app):
                if role not in roles:
                    create = f"CREATE ROLE {role}" + (" NOLOGIN" if role == owner else " LOGIN PASSWORD '…'")
                    raise StoreError(said("err.store.no_db_role", role=role),
                                     source="--owner" if role == owner else "--app",
                                     fix=said("err.store.no_db_role_fix", sql=create))
            if roles[app]:
                raise StoreError(said("err.store.app_superuser", role=app), source="--app",
                                 fix=said("err.store.app_superuser_fix", role=app))
            schema, to_owner, to_app = sql.Identifier(self.schema), sql.Identifier(owner), sql.Identifier(app)
            cur.execute(sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(schema, to_owner))
            cur.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(schema))
            cur.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(schema, to_app))
            cur.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname", (self.schema,))
            given = []
            for (name,) in cur.fetchall():
                table = sql.Identifier(self.schema, name)
                if name.startswith("parcels_"):  # an upload's layer: the application replaces it on the next save
                    cur.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(table, to_app))
                    continue
                cur.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(table, to_owner))
                cur.execute(sql.SQL("REVOKE ALL ON TABLE {} FROM PUBLIC, {}").format(table, to_app))
                kept = name in ("audit", "actuals", "draft_versions")  # append-only: never rewritten
                rights = sql.SQL("SELECT, INSERT" if kept else "SELECT, INSERT, UPDATE, DELETE")
                cur.execute(sql.SQL("GRANT {} ON TABLE {} TO {}").format(rights, table, to_app))
                given.append(name)
            cur.execute(sql.SQL("ALTER FUNCTION {}() OWNER TO {}").format(
                sql.Identifier(self.schema, "audit_append_only"), to_owner))
            cur.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(schema, to_app))
        return given

    def audit(self, *, limit: int | None = None) -> list[AuditEvent]:
        with self._tx() as cur:
            if limit is None:
                cur.execute(self._sql('SELECT at, "user", action, object, detail FROM {audit} ORDER BY id'))
            else:
                cur.execute(self._sql('SELECT * FROM (SELECT id, at, "user", action, object, detail FROM {audit} '
                                      "ORDER BY id DESC LIMIT %s) last ORDER BY id"), (int(limit),))
            rows = [r[-5:] for r in cur.fetchall()]
        return [AuditEvent(at=iso(at) or "", user=user, action=action, object=obj, detail=detail or {})
                for at, user, action, obj, detail in rows]

    def version(self) -> int:
        with self._tx() as cur:
            cur.execute(self._sql("SELECT value FROM {meta} WHERE key = 'version'"))
            row = cur.fetchone()
            return int(row[0]) if row else 0


def _fields() -> Any:
    """The ``actuals`` columns, quoted, in :data:`ACTUAL_FIELDS` order."""
    from psycopg import sql

    return sql.SQL(", ").join(sql.Identifier(f) for f in ACTUAL_FIELDS)


def _value(value: object) -> object:
    if isinstance(value, float) and value != value:
        return None
    return _clean(value) if isinstance(value, str) else value


def _event(row: tuple[Any, ...]) -> AuditEvent:
    """An event from ``(at, "user", action, object, detail)``."""
    at, user, action, obj, detail = row
    return AuditEvent(at=iso(at) or "", user=user, action=action, object=obj, detail=detail or {})
