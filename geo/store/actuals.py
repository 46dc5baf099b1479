"""The ``actuals`` table of 监测评估 (:class:`geo.monitor.model.Actual`), shared by both backends.

One row per recorded version of one fact: ``(plan_id, kind, subject_id, year,
version)`` is the key. A correction is a new version; rows are never updated or
deleted (triggers refuse it, as for the audit trail; on PostgreSQL with ``db
init --owner`` the application's role may only SELECT and INSERT). The record
in force is the latest version of each ``(plan_id, kind, subject_id, year)``.
``plan_id`` (schema 7) is the plan the fact belongs to: records of schema 6
and earlier are the built-in plan's (the migration rebuilds the SQLite table
with the new key; PostgreSQL adds the column with that default and drops it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Final, LiteralString

from geo.monitor.model import ACTUAL_FIELDS, Actual

#: The columns that take values, after the key (``version`` is given by the store).
VALUE_FIELDS: Final = tuple(f for f in ACTUAL_FIELDS if f not in ("kind", "subject_id", "year", "version",
                                                                    "plan_id"))
NUMBERS: Final = frozenset({"value", "land_mu", "floor_wan_m2", "firms", "revenue_yi"})

SQLITE_DDL: Final = """
CREATE TABLE IF NOT EXISTS actuals (
  plan_id TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('target', 'project', 'action')), subject_id TEXT NOT NULL,
  year INTEGER NOT NULL, version INTEGER NOT NULL, source TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
  value REAL, unit TEXT, stage TEXT, land_mu REAL, floor_wan_m2 REAL, firms REAL, revenue_yi REAL, state TEXT,
  recorded_by TEXT, recorded_at TEXT NOT NULL, PRIMARY KEY (plan_id, kind, subject_id, year, version));
CREATE TRIGGER IF NOT EXISTS actuals_no_update BEFORE UPDATE ON actuals
  BEGIN SELECT RAISE(ABORT, 'actuals are kept: record a new version'); END;
CREATE TRIGGER IF NOT EXISTS actuals_no_delete BEFORE DELETE ON actuals
  BEGIN SELECT RAISE(ABORT, 'actuals are kept: record a new version'); END;
"""

POSTGRES_DDL: Final[LiteralString] = """
CREATE TABLE IF NOT EXISTS {actuals} (
  plan_id text NOT NULL, kind text NOT NULL CHECK (kind IN ('target', 'project', 'action')), subject_id text NOT NULL,
  year integer NOT NULL, version integer NOT NULL, source text NOT NULL, note text NOT NULL DEFAULT '',
  value double precision, unit text, stage text, land_mu double precision, floor_wan_m2 double precision,
  firms double precision, revenue_yi double precision, state text, recorded_by text, recorded_at timestamptz NOT NULL,
  PRIMARY KEY (plan_id, kind, subject_id, year, version));
CREATE OR REPLACE FUNCTION {actuals_kept}() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'actuals are kept: record a new version'; END $$;
CREATE OR REPLACE TRIGGER actuals_kept BEFORE UPDATE OR DELETE ON {actuals}
  FOR EACH ROW EXECUTE FUNCTION {actuals_kept}();
CREATE OR REPLACE TRIGGER actuals_no_truncate BEFORE TRUNCATE ON {actuals}
  FOR EACH STATEMENT EXECUTE FUNCTION {actuals_kept}();
"""


def where(
    kind: str | None, year: int | None, subject_id: str | None, plan_id: str | None = None
) -> tuple[list[str], list[Any]]:
    """The columns :meth:`Store.list_actuals` filters on (each ``= value``) and their values."""
    wanted = (("plan_id", plan_id), ("kind", kind), ("year", year), ("subject_id", subject_id))
    return [c for c, v in wanted if v is not None], [v for _, v in wanted if v is not None]


def key(record: Actual) -> tuple[str, str, str, int]:
    """What a version numbers: ``(plan_id, kind, subject_id, year)``."""
    return (record.plan_id, *record.key)


def versioned(records: Sequence[Actual], latest: dict[tuple[str, str, str, int], int]) -> list[Actual]:
    """``records`` numbered as the next versions of their keys (:func:`key`), given the latest stored of each."""
    out, seen = [], dict(latest)
    for record in records:
        number = seen.get(key(record), 0) + 1
        seen[key(record)] = number
        out.append(replace(record, version=number))
    return out


def row(record: Actual) -> tuple[Any, ...]:
    """The values of ``record`` in :data:`geo.monitor.model.ACTUAL_FIELDS` order."""
    return tuple(getattr(record, f) for f in ACTUAL_FIELDS)


def actual_of(values: Sequence[Any], recorded_at: str) -> Actual:
    """An :class:`Actual` from a row in :data:`ACTUAL_FIELDS` order (``recorded_at`` already as ISO text)."""
    fields = dict(zip(ACTUAL_FIELDS, values, strict=True))
    fields["recorded_at"] = recorded_at
    fields["year"], fields["version"] = int(fields["year"]), int(fields["version"])
    for name in NUMBERS:
        if fields[name] is not None:
            fields[name] = float(fields[name])
    return Actual(**fields)


#: Schema 7 on SQLite: the old table's triggers go, the table is renamed and rebuilt under the new key.
SQLITE_V6_RENAME: Final = """
DROP TRIGGER IF EXISTS actuals_no_update;
DROP TRIGGER IF EXISTS actuals_no_delete;
ALTER TABLE actuals RENAME TO actuals_v6;
"""


def sqlite_copy_v6(builtin: str) -> tuple[str, tuple[str]]:
    """The statement (and its argument) copying schema 6's rows into the rebuilt table as the built-in plan's."""
    kept = ", ".join(f for f in ACTUAL_FIELDS if f != "plan_id")
    return f"INSERT INTO actuals (plan_id, {kept}) SELECT ?, {kept} FROM actuals_v6", (builtin,)


__all__ = ["NUMBERS", "POSTGRES_DDL", "SQLITE_DDL", "SQLITE_V6_RENAME", "VALUE_FIELDS", "actual_of", "key", "row",
           "sqlite_copy_v6", "versioned", "where"]
