"""The embedded workspace: one GeoPackage (SQLite, WAL mode), written in real transactions.

Layout (QGIS opens the file and sees every upload as a layer):

- ``parcels_<id>``: a feature layer per upload (WGS84, ``geom``, ``feature`` =
  feature number, the file's attributes typed), with an R-tree spatial index;
- ``findings_<id>``: an attribute table per upload (the findings);
- ``uploads``: the index (attribute table): owner, time, file hash, the "in
  use" switch, soft deletion;
- ``users``, ``audit``, ``geo_meta``: accounts (password hashes only), the
  append-only audit trail (triggers refuse UPDATE and DELETE; each event is
  hash-chained to the one before, :mod:`geo.store.chain`), the schema
  version and a change counter. These three are plain tables, not registered
  as GeoPackage contents.

Every change is one ``BEGIN IMMEDIATE … COMMIT`` transaction: writers queue
for SQLite's write lock (60 s), readers never block and see the last commit;
a crash or a killed process mid-write rolls back to the previous state. No
copy of the file is ever made. A new workspace file is created readable and
writable by its owner only (mode 0600; SQLite gives its ``-wal`` the same). Workspaces written by earlier versions (the
``uploads`` index without owners, layers written by GDAL) are migrated in
place the first time they are opened.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd
import shapely

from geo.crs import WGS84
from geo.errors import said
from geo.monitor.model import ACTUAL_FIELDS, Actual
from geo.store import actuals, chain, codec, drafts_sql
from geo.store import gpkg_sql as sql
from geo.store.base import (
    SCHEMA_VERSION,
    AuditEvent,
    StoreError,
    Upload,
    User,
    builtin_plan,
    last_admin_error,
    now_iso,
)
from geo.store.drafts_sql import Draft, DraftInUse, DraftVersion

BUSY_TIMEOUT_S: Final = 60.0
SRS_ID: Final = 4326
WGS84_WKT: Final = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
    'AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)
GPKG_CORE: Final = f"""
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
  ('WGS 84 geodetic', 4326, 'EPSG', 4326, '{WGS84_WKT}',
   'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
CREATE TABLE IF NOT EXISTS gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE IF NOT EXISTS gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
"""
OFFICE_TABLES: Final = """
CREATE TABLE IF NOT EXISTS users (
  name TEXT NOT NULL PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('viewer', 'checker', 'admin')),
  password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,
  generation INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS signin (
  bucket TEXT NOT NULL PRIMARY KEY, window_start TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  refused INTEGER NOT NULL DEFAULT 0, refused_minute TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, "user" TEXT, action TEXT NOT NULL,
  object TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS audit_action_at ON audit (action, at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TABLE IF NOT EXISTS geo_meta (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);
"""
UPLOADS_DDL: Final = """
CREATE TABLE uploads (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, upload_id TEXT NOT NULL UNIQUE, name TEXT, saved_at TEXT, fmt TEXT,
  crs TEXT, crs_basis TEXT, features INTEGER, findings INTEGER, tolerance_pct REAL, name_field TEXT,
  use_surveyed BOOLEAN NOT NULL DEFAULT 0, owner TEXT, file_hash TEXT, deleted_at TEXT, deleted_by TEXT,
  resubmits TEXT, plan_id TEXT)
"""
#: Columns the uploads index gained in schema 2, ``resubmits`` in schema 5 (the earlier upload a corrected
#: file resubmits) and ``plan_id`` in schema 7 (the plan it belongs to); older workspaces get them on migration.
NEW_UPLOAD_COLUMNS: Final = {"owner": "TEXT", "file_hash": "TEXT", "deleted_at": "TEXT", "deleted_by": "TEXT",
                             "resubmits": "TEXT", "plan_id": "TEXT"}
UPLOAD_FIELDS: Final = ("upload_id", "name", "owner", "saved_at", "file_hash", "fmt", "crs", "crs_basis", "features",
                        "findings", "tolerance_pct", "name_field", "use_surveyed", "deleted_at", "deleted_by",
                        "resubmits", "plan_id")
RTREE_TRIGGERS: Final = """
CREATE TRIGGER "rtree_{t}_geom_insert" AFTER INSERT ON "{t}" WHEN (new."geom" NOT NULL AND NOT ST_IsEmpty(NEW."geom"))
BEGIN INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES (NEW."fid", ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"),
  ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END;
CREATE TRIGGER "rtree_{t}_geom_update1" AFTER UPDATE OF "geom" ON "{t}" WHEN OLD."fid" = NEW."fid" AND
  (NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom"))
BEGIN INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES (NEW."fid", ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"),
  ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END;
CREATE TRIGGER "rtree_{t}_geom_update2" AFTER UPDATE OF "geom" ON "{t}" WHEN OLD."fid" = NEW."fid" AND
  (NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom"))
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id = OLD."fid"; END;
CREATE TRIGGER "rtree_{t}_geom_update3" AFTER UPDATE ON "{t}" WHEN OLD."fid" != NEW."fid" AND
  (NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom"))
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id = OLD."fid"; INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES
  (NEW."fid", ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"), ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END;
CREATE TRIGGER "rtree_{t}_geom_update4" AFTER UPDATE ON "{t}" WHEN OLD."fid" != NEW."fid" AND
  (NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom"))
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id IN (OLD."fid", NEW."fid"); END;
CREATE TRIGGER "rtree_{t}_geom_delete" AFTER DELETE ON "{t}" WHEN old."geom" NOT NULL
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id = OLD."fid"; END;
"""


def _q(name: str) -> str:
    """A quoted SQLite identifier."""
    return '"' + name.replace('"', '""') + '"'


def _check_id(upload_id: str) -> str:
    if not upload_id.isascii() or not upload_id.isalnum():
        raise StoreError(said("err.store.bad_upload_id", id=upload_id), source="workspace",
                         fix=said("err.store.bad_upload_id_fix"))
    return upload_id


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?",
                       (name,)).fetchone() is not None


def _upload_of(row: sqlite3.Row) -> Upload:
    tol = row["tolerance_pct"]
    return Upload(
        upload_id=row["upload_id"], name=row["name"] or "", owner=row["owner"], saved_at=row["saved_at"] or "",
        file_hash=row["file_hash"] or "", fmt=row["fmt"], crs=row["crs"], crs_basis=row["crs_basis"],
        features=int(row["features"] or 0), findings=int(row["findings"] or 0),
        tolerance_pct=float("nan") if tol is None else float(tol), name_field=row["name_field"] or "",
        use_surveyed=bool(row["use_surveyed"]), deleted_at=row["deleted_at"], deleted_by=row["deleted_by"],
        resubmits=row["resubmits"] or None, plan_id=row["plan_id"] or builtin_plan(),
    )


def _user_of(row: sqlite3.Row) -> User:
    return User(name=row["name"], role=row["role"], password_hash=row["password_hash"],
                disabled=bool(row["disabled"]), created_at=row["created_at"], generation=int(row["generation"]))


class GeoPackageStore:
    """The workspace in one GeoPackage file (see the module's docstring)."""

    kind = "gpkg"

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        """``create=False``: a configured workspace, which must exist (only :meth:`init` creates it)."""
        self.path = Path(path)
        self.create = create
        self._ready = False
        self._outer = threading.local()  # the connection of this thread's transaction(), if one is open

    def describe(self) -> str:
        return str(self.path)

    def close(self) -> None:
        """Nothing to release: a connection is opened per operation."""

    # -- connections and schema ------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(said("err.store.cannot_open", error=str(exc)), source="workspace",
                             fix=said("err.store.cannot_open_fix")) from exc
        con.row_factory = sqlite3.Row
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        return con

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): committed on success, rolled back on any error."""
        outer = getattr(self._outer, "con", None)
        if outer is not None:  # inside transaction(): part of it
            yield outer
            return
        self._ensure()
        con = self._open()
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:  # nothing is swallowed: whatever stops the block (even Ctrl-C) rolls back
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(said("err.store.not_written", error=str(exc)), source="workspace",
                             fix=said("err.store.not_written_fix")) from exc
        finally:
            con.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection | None]:
        """A read snapshot, or None while a new workspace has no file yet (nothing is created by reading)."""
        outer = getattr(self._outer, "con", None)
        if outer is not None:  # inside transaction(): read what it wrote
            yield outer
            return
        if not self.path.exists():
            self._missing()
            yield None
            return
        self._ensure()
        con = self._open()
        try:
            con.execute("BEGIN")
            yield con
            con.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(said("err.store.not_read", error=str(exc)), source="workspace",
                             fix=said("err.store.not_read_fix")) from exc
        finally:
            con.close()

    def _missing(self) -> None:
        """Fail closed: a configured workspace that is not there is an error, never an empty workspace."""
        if not self.create:
            raise StoreError(said("err.store.no_workspace", path=str(self.path)), source="workspace",
                             fix=said("err.store.no_workspace_fix"))

    def _ensure(self) -> None:
        if not self.path.exists():
            self._missing()
        if not self._ready or not self.path.exists():
            self.init()

    def _schema_version(self, con: sqlite3.Connection) -> int:
        if _has_table(con, "geo_meta"):
            row = con.execute("SELECT value FROM geo_meta WHERE key = 'schema_version'").fetchone()
            if row:
                return int(row[0])
        return 1 if _has_table(con, "uploads") else 0

    def init(self) -> tuple[int, int]:
        """Create the GeoPackage, or migrate an older workspace in place; idempotent."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():  # accounts and surveyed boundaries: readable by the server's user only
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        con = self._open()
        try:
            if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                con.execute("PRAGMA journal_mode = WAL")
            con.execute("BEGIN IMMEDIATE")
            before = self._schema_version(con)
            if before < SCHEMA_VERSION:
                self._migrate(con)
            con.execute("COMMIT")
        except sqlite3.Error as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise StoreError(said("err.store.cannot_open", error=str(exc)), source="workspace",
                             fix=said("err.store.cannot_open_gpkg_fix")) from exc
        finally:
            con.close()
        self._ready = True
        return before, SCHEMA_VERSION

    def _migrate(self, con: sqlite3.Connection) -> None:
        if con.execute("PRAGMA application_id").fetchone()[0] == 0:
            con.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
            con.execute("PRAGMA user_version = 10400")
        for statement in _statements(GPKG_CORE + OFFICE_TABLES):
            con.execute(statement)
        if not _has_table(con, "uploads"):
            con.execute(UPLOADS_DDL)
        else:
            have = {r["name"] for r in con.execute("PRAGMA table_info(uploads)")}
            for column, declared in NEW_UPLOAD_COLUMNS.items():
                if column not in have:
                    con.execute(f"ALTER TABLE uploads ADD COLUMN {column} {declared}")
        con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
                    "VALUES ('uploads', 'attributes', 'uploads', 'saved uploads (geo workspace index)')")
        sql.migrate_sessions(con)
        sql.migrate_audit_chain(con)
        builtin = builtin_plan()
        old_actuals = _has_table(con, "actuals") and "plan_id" not in {
            r["name"] for r in con.execute("PRAGMA table_info(actuals)")}
        if old_actuals:  # schema 7: the key gains plan_id, so the table is rebuilt (its rows copied as they are)
            for statement in _statements(actuals.SQLITE_V6_RENAME):
                con.execute(statement)
        for statement in _statements(actuals.SQLITE_DDL):  # schema 4: 监测评估
            con.execute(statement)
        if old_actuals:
            con.execute(*actuals.sqlite_copy_v6(builtin))
            con.execute("DROP TABLE actuals_v6")
        for statement in _statements(drafts_sql.SQLITE_DDL):  # schema 6: drafts of the layout
            con.execute(statement)
        # schema 7: every upload, actual and draft names its plan; those from before are the built-in plan's
        con.execute("UPDATE uploads SET plan_id = ? WHERE plan_id IS NULL", (builtin,))
        con.execute("CREATE INDEX IF NOT EXISTS uploads_plan ON uploads (plan_id)")
        if builtin != drafts_sql.SCHEMA6_PLAN_ID:
            for table in ("drafts", "draft_in_use"):
                con.execute(f"UPDATE {table} SET plan_id = ? WHERE plan_id = ?", (builtin, drafts_sql.SCHEMA6_PLAN_ID))
        con.execute("INSERT OR REPLACE INTO geo_meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        con.execute("INSERT OR IGNORE INTO geo_meta VALUES ('version', '0')")

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _append(con: sqlite3.Connection, event: AuditEvent | None) -> None:
        if event is not None:
            sql.append_events(con, [event])

    @staticmethod
    def _bump(con: sqlite3.Connection) -> None:
        con.execute("UPDATE geo_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'")

    @staticmethod
    def _drop_table(con: sqlite3.Connection, table: str) -> None:
        """Drop a layer or table and everything GeoPackage (or GDAL) registered about it."""
        con.execute(f"DROP TABLE IF EXISTS {_q(f'rtree_{table}_geom')}")
        con.execute(f"DROP TABLE IF EXISTS {_q(table)}")
        for meta in ("gpkg_extensions", "gpkg_geometry_columns", "gpkg_ogr_contents", "gpkg_contents"):
            if _has_table(con, meta):
                con.execute(f"DELETE FROM {meta} WHERE lower(table_name) = lower(?)", (table,))

    # -- users -----------------------------------------------------------------------------

    def has_users(self) -> bool:
        with self._read() as con:
            return con is not None and con.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def add_user(self, user: User, *, event: AuditEvent | None = None) -> None:
        with self._write() as con:
            if con.execute("SELECT 1 FROM users WHERE name = ?", (user.name,)).fetchone():
                raise StoreError(said("err.store.user_exists", name=user.name), source="users",
                                 fix=said("err.store.user_exists_fix"))
            con.execute("INSERT INTO users (name, role, password_hash, disabled, created_at, generation) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (user.name, user.role, user.password_hash, int(user.disabled),
                                                      user.created_at, user.generation))
            self._append(con, event)

    def get_user(self, name: str) -> User | None:
        with self._read() as con:
            row = None if con is None else con.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
            return None if row is None else _user_of(row)

    def list_users(self) -> list[User]:
        with self._read() as con:
            return [] if con is None else [_user_of(r) for r in con.execute("SELECT * FROM users ORDER BY name")]

    def update_user(
        self, name: str, *, role: str | None = None, disabled: bool | None = None,
        password_hash: str | None = None, event: AuditEvent | None = None, end_sessions: bool = True,
    ) -> None:
        with self._write() as con:
            before = con.execute("SELECT role, disabled FROM users WHERE name = ?", (name,)).fetchone()
            if before is None:
                raise StoreError(said("err.store.no_user", name=name), source="users",
                                 fix=said("err.store.no_user_fix"))
            was_admin = before["role"] == "admin" and not before["disabled"]
            for column, value in (("role", role), ("disabled", None if disabled is None else int(disabled)),
                                  ("password_hash", password_hash)):
                if value is not None:
                    con.execute(f"UPDATE users SET {column} = ? WHERE name = ?", (value, name))
            if end_sessions:
                con.execute("UPDATE users SET generation = generation + 1 WHERE name = ?", (name,))
            if was_admin and not con.execute(
                    "SELECT 1 FROM users WHERE role = 'admin' AND disabled = 0 LIMIT 1").fetchone():
                raise last_admin_error(name)  # rolls back
            self._append(con, event)

    # -- sign-in limits ----------------------------------------------------------------------

    def signin_attempt(self, buckets: Sequence[tuple[str, int]], *, since: str, minute: str) -> int | None:
        with self._write() as con:  # BEGIN IMMEDIATE: attempts from every thread and process queue here
            return sql.signin_attempt(con, buckets, since=since, minute=minute)

    def signin_succeeded(self, bucket: str, client_bucket: str) -> None:
        with self._write() as con:
            con.execute("DELETE FROM signin WHERE bucket = ?", (bucket,))
            con.execute("UPDATE signin SET attempts = max(attempts - 1, 0) WHERE bucket = ?", (client_bucket,))

    # -- uploads ---------------------------------------------------------------------------

    def save_upload(
        self, record: Upload, parcels: gpd.GeoDataFrame, findings: pd.DataFrame, *, event: AuditEvent | None = None
    ) -> None:
        uid = _check_id(record.upload_id)
        layer = parcels.to_crs(WGS84) if parcels.crs is not None else parcels.set_crs(WGS84)
        columns = codec.attribute_columns(layer, skip=[str(layer.geometry.name)])
        finding_columns = codec.attribute_columns(findings, reserved=("fid",))
        geoms = layer.geometry.to_numpy()
        blobs = codec.gpkg_blobs(geoms, SRS_ID)
        features = codec.feature_numbers(layer.index)
        values = [codec.encode(layer[c.name], c.kind) for c in columns]
        rows = [(f, b, *vals) for f, b, *vals in zip(features, blobs, *values, strict=True)]
        bounds = shapely.bounds(geoms)
        with self._write() as con:
            parcels_table, findings_table = f"parcels_{uid}", f"findings_{uid}"
            self._drop_table(con, parcels_table)
            self._drop_table(con, findings_table)
            defs = ", ".join(f"{_q(c.stored)} {codec.SQLITE_TYPES[c.kind]}" for c in columns)
            con.execute(f"CREATE TABLE {_q(parcels_table)} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY, "
                        f"feature INTEGER{', ' + defs if defs else ''})")
            names = ", ".join(["feature", "geom", *(_q(c.stored) for c in columns)])
            marks = ", ".join("?" * (2 + len(columns)))
            con.executemany(f"INSERT INTO {_q(parcels_table)} ({names}) VALUES ({marks})", rows)
            self._index(con, parcels_table, bounds)
            envelope = _envelope(bounds)
            con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, "
                        "max_x, max_y, srs_id) VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?)",
                        (parcels_table, parcels_table, record.name, *envelope, SRS_ID))
            con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'GEOMETRY', ?, 0, 0)",
                        (parcels_table, SRS_ID))
            defs = ", ".join(f"{_q(c.stored)} {codec.SQLITE_TYPES[c.kind]}" for c in finding_columns)
            con.execute(f"CREATE TABLE {_q(findings_table)} (fid INTEGER PRIMARY KEY AUTOINCREMENT"
                        f"{', ' + defs if defs else ''})")
            if finding_columns and len(findings):
                values = [codec.encode(findings[c.name], c.kind) for c in finding_columns]
                con.executemany(
                    f"INSERT INTO {_q(findings_table)} ({', '.join(_q(c.stored) for c in finding_columns)}) "
                    f"VALUES ({', '.join('?' * len(finding_columns))})", list(zip(*values, strict=True)))
            con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                        "VALUES (?, 'attributes', ?, ?)", (findings_table, findings_table, record.name))
            con.execute("DELETE FROM uploads WHERE upload_id = ?", (uid,))
            fields = record.as_dict()
            marks = ", ".join("?" * len(UPLOAD_FIELDS))
            con.execute(f"INSERT INTO uploads ({', '.join(UPLOAD_FIELDS)}) VALUES ({marks})",
                        [_sql_value(fields[f]) for f in UPLOAD_FIELDS])
            self._bump(con)
            self._append(con, event)

    @staticmethod
    def _index(con: sqlite3.Connection, table: str, bounds: Any) -> None:
        """The GeoPackage R-tree index of a layer (filled here; its triggers keep it current for QGIS edits)."""
        rtree = f"rtree_{table}_geom"
        try:
            con.execute(f"CREATE VIRTUAL TABLE {_q(rtree)} USING rtree(id, minx, maxx, miny, maxy)")
        except sqlite3.OperationalError:  # SQLite built without R-tree: the layer works, unindexed
            return
        fids = [r[0] for r in con.execute(f"SELECT fid FROM {_q(table)} ORDER BY fid")]
        con.executemany(
            f"INSERT INTO {_q(rtree)} VALUES (?, ?, ?, ?, ?)",
            [(fid, b[0], b[2], b[1], b[3]) for fid, b in zip(fids, bounds, strict=True) if b[0] == b[0]],
        )
        for statement in _statements(RTREE_TRIGGERS.replace("{t}", table.replace('"', '""'))):
            con.execute(statement)
        con.execute("INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index', "
                    "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')", (table,))

    def get_upload(self, upload_id: str) -> Upload | None:
        with self._read() as con:
            row = None if con is None else con.execute(
                "SELECT * FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone()
            return None if row is None else _upload_of(row)

    def list_uploads(self, *, deleted: bool = False, plan_id: str | None = None) -> list[Upload]:
        with self._read() as con:
            if con is None:
                return []
            where = "deleted_at IS NOT NULL" if deleted else "deleted_at IS NULL"
            args: tuple[str, ...] = ()
            if plan_id is not None:
                where, args = where + " AND plan_id = ?", (plan_id,)
            rows = con.execute(f"SELECT * FROM uploads WHERE {where} ORDER BY saved_at DESC, fid DESC", args)
            return [_upload_of(r) for r in rows]

    def load_upload(self, upload_id: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        uid = _check_id(upload_id)
        with self._read() as con:
            if con is None or not con.execute("SELECT 1 FROM uploads WHERE upload_id = ?", (uid,)).fetchone():
                raise StoreError(said("err.store.no_upload", id=uid), source="workspace",
                                 fix=said("err.store.no_upload_fix"))
            parcels = self._read_layer(con, f"parcels_{uid}")
            findings = self._read_table(con, f"findings_{uid}")
        return parcels, findings

    @staticmethod
    def _columns(con: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
        if not _has_table(con, table):
            raise StoreError(said("err.store.upload_tables_missing", id=table.split("_", 1)[1]), source="workspace",
                             fix=said("err.store.upload_tables_missing_fix"))
        return [(r["name"], r["type"] or "") for r in con.execute(f"PRAGMA table_info({_q(table)})")]

    def _read_layer(self, con: sqlite3.Connection, table: str) -> gpd.GeoDataFrame:
        declared = self._columns(con, table)
        row = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,)).fetchone()
        geom = row[0] if row else "geom"
        attrs = [(n, t) for n, t in declared if n not in ("fid", geom, "feature")]
        select = ", ".join(_q(n) for n in ["feature", geom, *(n for n, _ in attrs)])
        rows = con.execute(f"SELECT {select} FROM {_q(table)} ORDER BY fid").fetchall()
        cols = list(zip(*rows, strict=True)) if rows else [()] * (2 + len(attrs))
        columns = {name: codec.decode(list(cols[2 + i]), codec.kind_from_sqlite(t), name)
                   for i, (name, t) in enumerate(attrs)}
        index = pd.Series(list(cols[0]), name="feature", dtype="int64")
        frame = codec.frame_from_columns(columns, index)
        return codec.geodataframe(frame, codec.geoms_from_gpkg(list(cols[1])), WGS84)

    def _read_table(self, con: sqlite3.Connection, table: str) -> pd.DataFrame:
        declared = [(n, t) for n, t in self._columns(con, table) if n != "fid"]
        rows = con.execute(
            f"SELECT {', '.join(_q(n) for n, _ in declared)} FROM {_q(table)} ORDER BY fid").fetchall()
        cols = list(zip(*rows, strict=True)) if rows else [()] * len(declared)
        return codec.frame_from_columns(
            {name: codec.decode(list(cols[i]), codec.kind_from_sqlite(t), name)
             for i, (name, t) in enumerate(declared)})

    def _update_upload(self, upload_id: str, sets: dict[str, Any], event: AuditEvent | None) -> None:
        with self._write() as con:
            if not con.execute("SELECT 1 FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone():
                raise StoreError(said("err.store.no_upload", id=upload_id), source="workspace",
                                 fix=said("err.store.no_upload_fix"))
            assignments = ", ".join(f"{k} = ?" for k in sets)
            con.execute(f"UPDATE uploads SET {assignments} WHERE upload_id = ?",
                        [_sql_value(v) for v in sets.values()] + [upload_id])
            self._bump(con)
            self._append(con, event)

    def set_use_surveyed(self, upload_id: str, use: bool, *, event: AuditEvent | None = None) -> None:
        self._update_upload(upload_id, {"use_surveyed": bool(use)}, event)

    def set_deleted(
        self, upload_id: str, *, at: str | None, by: str | None, event: AuditEvent | None = None
    ) -> None:
        sets: dict[str, Any] = {"deleted_at": at, "deleted_by": by}
        if at is not None:
            sets["use_surveyed"] = False
        self._update_upload(upload_id, sets, event)

    # -- drafts (issue 23: drafting the layout; geo.store.drafts_sql) -----------------------------

    @staticmethod
    def _draft_of(row: sqlite3.Row) -> Draft:
        return Draft(**{f: row[f] for f in drafts_sql.DRAFT_FIELDS})

    @staticmethod
    def _draft_version_of(row: sqlite3.Row) -> DraftVersion:
        return DraftVersion(draft_id=row["draft_id"], version=int(row["version"]), author=row["author"],
                            saved_at=row["saved_at"], comment=row["comment"] or "", n_parcels=int(row["n_parcels"]),
                            total_mu=float(row["total_mu"] or 0.0))

    def create_draft(self, draft: Draft, *, event: AuditEvent | None = None) -> None:
        with self._write() as con:
            if con.execute("SELECT 1 FROM drafts WHERE draft_id = ?", (draft.draft_id,)).fetchone():
                raise StoreError(said("err.store.draft_exists", id=draft.draft_id), source="drafts",
                                 fix=said("err.store.draft_exists_fix"))
            fields = draft.as_dict()
            con.execute(f"INSERT INTO drafts ({', '.join(drafts_sql.DRAFT_FIELDS)}) VALUES "
                        f"({', '.join('?' * len(drafts_sql.DRAFT_FIELDS))})",
                        [fields[f] for f in drafts_sql.DRAFT_FIELDS])
            self._append(con, event)

    def list_drafts(self, *, plan_id: str | None = None, deleted: bool = False) -> list[Draft]:
        where = "deleted_at IS NOT NULL" if deleted else "deleted_at IS NULL"
        args: list[Any] = []
        if plan_id is not None:
            where += " AND plan_id = ?"
            args.append(plan_id)
        with self._read() as con:
            if con is None:
                return []
            rows = con.execute(f"SELECT * FROM drafts WHERE {where} ORDER BY created_at, draft_id", args)
            return [self._draft_of(r) for r in rows]

    def get_draft(self, draft_id: str) -> Draft | None:
        with self._read() as con:
            row = None if con is None else con.execute(
                "SELECT * FROM drafts WHERE draft_id = ?", (draft_id,)).fetchone()
            return None if row is None else self._draft_of(row)

    def save_draft_version(
        self, draft_id: str, base_version: int, record: DraftVersion, parcels: gpd.GeoDataFrame, *,
        event: AuditEvent | None = None,
    ) -> DraftVersion:
        text = drafts_sql.encode_parcels(parcels)
        with self._write() as con:  # BEGIN IMMEDIATE: a concurrent save of any draft waits here
            row = con.execute("SELECT * FROM drafts WHERE draft_id = ?", (draft_id,)).fetchone()
            last = con.execute(_DRAFT_VERSION_SELECT + " ORDER BY version DESC LIMIT 1", (draft_id,)).fetchone()
            number = drafts_sql.check_base(None if row is None else self._draft_of(row), draft_id, base_version,
                                           None if last is None else self._draft_version_of(last))
            stored = replace(record, draft_id=draft_id, version=number)
            con.execute("INSERT INTO draft_versions (draft_id, version, author, saved_at, comment, parcels, "
                        "n_parcels, total_mu) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (draft_id, number, stored.author, stored.saved_at, stored.comment, text, stored.n_parcels,
                         _sql_value(stored.total_mu)))
            self._append(con, event)
        return stored

    def list_draft_versions(self, draft_id: str) -> list[DraftVersion]:
        with self._read() as con:
            rows = [] if con is None else con.execute(_DRAFT_VERSION_SELECT + " ORDER BY version", (draft_id,))
            return [self._draft_version_of(r) for r in rows]

    def load_draft_version(self, draft_id: str, version: int | None = None) -> tuple[DraftVersion, gpd.GeoDataFrame]:
        with self._read() as con:
            found = None
            if con is not None:
                sql_text = _DRAFT_VERSION_SELECT.replace("SELECT ", "SELECT parcels, ", 1)
                found = (con.execute(sql_text + " ORDER BY version DESC LIMIT 1", (draft_id,)) if version is None
                         else con.execute(sql_text + " AND version = ?", (draft_id, int(version)))).fetchone()
        if found is None:
            raise drafts_sql.no_version(draft_id, version)
        return self._draft_version_of(found), drafts_sql.decode_parcels(found["parcels"])

    def set_draft_deleted(
        self, draft_id: str, *, at: str | None, by: str | None, event: AuditEvent | None = None
    ) -> None:
        with self._write() as con:
            if not con.execute("SELECT 1 FROM drafts WHERE draft_id = ?", (draft_id,)).fetchone():
                raise drafts_sql.no_draft(draft_id)
            con.execute("UPDATE drafts SET deleted_at = ?, deleted_by = ? WHERE draft_id = ?", (at, by, draft_id))
            if at is not None:  # a deleted draft is taken out of use
                con.execute("DELETE FROM draft_in_use WHERE draft_id = ?", (draft_id,))
            self._bump(con)
            self._append(con, event)

    def set_draft_in_use(
        self, plan_id: str, draft_id: str | None, version: int | None, *, set_by: str | None, set_at: str,
        event: AuditEvent | None = None,
    ) -> None:
        with self._write() as con:
            if draft_id is None:
                con.execute("DELETE FROM draft_in_use WHERE plan_id = ?", (plan_id,))
            else:
                row = con.execute("SELECT * FROM drafts WHERE draft_id = ?", (draft_id,)).fetchone()
                drafts_sql.check_usable(None if row is None else self._draft_of(row), draft_id, plan_id, version,
                                        con.execute("SELECT 1 FROM draft_versions WHERE draft_id = ? AND version = ?",
                                                    (draft_id, version)).fetchone() is not None)
                con.execute("INSERT OR REPLACE INTO draft_in_use (plan_id, draft_id, version, set_by, set_at) "
                            "VALUES (?, ?, ?, ?, ?)", (plan_id, draft_id, version, set_by, set_at))
            self._bump(con)
            self._append(con, event)

    def get_draft_in_use(self, plan_id: str) -> DraftInUse | None:
        with self._read() as con:
            row = None if con is None else con.execute(
                "SELECT * FROM draft_in_use WHERE plan_id = ?", (plan_id,)).fetchone()
        return None if row is None else DraftInUse(
            plan_id=row["plan_id"], draft_id=row["draft_id"], version=int(row["version"]), set_by=row["set_by"],
            set_at=row["set_at"])

    # -- actuals (监测评估) -------------------------------------------------------------------

    def record_actuals(self, records: Sequence[Actual], *, event: AuditEvent | None = None) -> list[Actual]:
        with self._write() as con:
            latest = {key: int(con.execute("SELECT coalesce(max(version), 0) FROM actuals WHERE plan_id = ? AND "
                                           "kind = ? AND subject_id = ? AND year = ?", key).fetchone()[0])
                      for key in {actuals.key(r) for r in records}}
            stored = actuals.versioned(records, latest)
            con.executemany(f"INSERT INTO actuals ({', '.join(ACTUAL_FIELDS)}) "
                            f"VALUES ({', '.join('?' * len(ACTUAL_FIELDS))})", [actuals.row(r) for r in stored])
            self._append(con, event)
        return stored

    def list_actuals(
        self, *, kind: str | None = None, year: int | None = None, subject_id: str | None = None,
        history: bool = False, plan_id: str | None = None,
    ) -> list[Actual]:
        columns, args = actuals.where(kind, year, subject_id, plan_id)
        conditions = [f"{c} = ?" for c in columns]
        if not history:
            conditions.append("version = (SELECT max(version) FROM actuals b WHERE b.plan_id = a.plan_id AND "
                              "b.kind = a.kind AND b.subject_id = a.subject_id AND b.year = a.year)")
        sql = (f"SELECT {', '.join(ACTUAL_FIELDS)} FROM actuals a"
               + (f" WHERE {' AND '.join(conditions)}" if conditions else "")
               + " ORDER BY plan_id, kind, subject_id, year, version")
        with self._read() as con:
            rows = [] if con is None else con.execute(sql, args).fetchall()
        at = ACTUAL_FIELDS.index("recorded_at")
        return [actuals.actual_of(tuple(r), r[at]) for r in rows]

    # -- audit and version -----------------------------------------------------------------

    def append_audit(self, *events: AuditEvent, as_recorded: bool = False) -> None:
        with self._write() as con:
            sql.append_events(con, events, as_recorded=as_recorded)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything this thread writes (and reads) in the block is one transaction: all of it or nothing."""
        if getattr(self._outer, "con", None) is not None:
            yield
            return
        self._ensure()
        with self._write() as con:
            self._outer.con = con
            try:
                yield
            finally:
                self._outer.con = None

    @contextmanager
    def audit_snapshot(self) -> Iterator[tuple[chain.Head | None, Iterator[chain.Record]]]:
        """The recorded head and the events in chain order, from one read snapshot."""
        with self._read() as con:
            if con is None:
                yield None, iter(())
                return
            yield sql.audit_head(con)[0], sql.records(con)

    def verify_audit(self) -> chain.Verdict:
        with self.audit_snapshot() as (head, records):
            return chain.verify(records, head)

    def guard_audit(self, *, repair: bool = False) -> list[str]:
        if not repair:
            with self._read() as con:
                return [] if con is None else sql.audit_triggers(con, repair=False)
        with self._write() as con:
            return sql.audit_triggers(con, repair=True)

    def copy_chain(self, head: chain.Head | None, records: Iterator[chain.Record]) -> int:
        """Store another workspace's events exactly as they are (ids, chain, head): a dump's copy. Returns the count."""
        count = 0
        with self._write() as con:
            con.execute("DROP INDEX IF EXISTS audit_seq")  # a tampered trail may hold two events at one position
            batch: list[tuple[Any, ...]] = []
            for r in records:
                e = r.event
                batch.append((r.id, r.seq, r.prev_hash, r.hash, e.at, e.user, e.action, e.object,
                              json.dumps(e.detail, ensure_ascii=False, sort_keys=True)))
                if len(batch) >= 10_000:
                    count += self._insert_records(con, batch)
            count += self._insert_records(con, batch)
            twice = con.execute("SELECT 1 FROM audit WHERE seq IS NOT NULL GROUP BY seq HAVING count(*) > 1").fetchone()
            con.execute(f"CREATE {'' if twice else 'UNIQUE '}INDEX audit_seq ON audit (seq)")
            con.execute("DELETE FROM geo_meta WHERE key = ?", (chain.HEAD_KEY,))
            if head is not None:
                con.execute("INSERT INTO geo_meta VALUES (?, ?)", (chain.HEAD_KEY, chain.head_text(head)))
        return count

    @staticmethod
    def _insert_records(con: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> int:
        con.executemany(f"INSERT INTO audit ({sql.AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
        count = len(batch)
        batch.clear()
        return count

    def audit(self, *, limit: int | None = None) -> list[AuditEvent]:
        with self._read() as con:
            if con is None:
                return []
            if limit is None:
                rows = con.execute("SELECT * FROM audit ORDER BY id").fetchall()
            else:
                rows = con.execute("SELECT * FROM (SELECT * FROM audit ORDER BY id DESC LIMIT ?) ORDER BY id",
                                   (int(limit),)).fetchall()
            return [sql.event_of(r) for r in rows]

    def version(self) -> int:
        with self._read() as con:
            if con is None:
                return 0
            row = con.execute("SELECT value FROM geo_meta WHERE key = 'version'").fetchone()
            return int(row[0]) if row else 0


_DRAFT_VERSION_SELECT: Final = f"SELECT {drafts_sql.VERSION_COLUMNS} FROM draft_versions WHERE draft_id = ?"


def _statements(script: str) -> list[str]:
    """Split a script of our own DDL into statements (triggers keep their ``BEGIN … END;`` bodies)."""
    out, current = [], ""
    for line in script.strip().splitlines():
        current += line + "\n"
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return out


def _envelope(bounds: Any) -> tuple[float | None, ...]:
    finite = bounds[~pd.isna(bounds).any(axis=1)] if len(bounds) else bounds
    if not len(finite):
        return (None, None, None, None)
    return (float(finite[:, 0].min()), float(finite[:, 1].min()), float(finite[:, 2].max()), float(finite[:, 3].max()))


def _sql_value(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value != value:
        return None
    return value


__all__ = ["GeoPackageStore", "now_iso"]
