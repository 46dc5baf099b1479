"""The GeoPackage backend's office tables in SQL: sign-in counters and the audit trail's hash chain.

Functions here run inside a :class:`geo.store.gpkg.GeoPackageStore` write
transaction (``BEGIN IMMEDIATE``: one writer at a time), which is what makes a
sign-in count and an appended event atomic.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Final

from geo.store import chain
from geo.store.base import AuditEvent, now_iso


def migrate_sessions(con: sqlite3.Connection) -> None:
    """Schema 3, accounts: the session generation of each user (the ``signin`` table is in the DDL)."""
    if "generation" not in {r["name"] for r in con.execute("PRAGMA table_info(users)")}:
        con.execute("ALTER TABLE users ADD COLUMN generation INTEGER NOT NULL DEFAULT 0")


def signin_attempt(
    con: sqlite3.Connection, buckets: Sequence[tuple[str, int]], *, since: str, minute: str
) -> int | None:
    """:meth:`GeoPackageStore.signin_attempt` inside its write transaction."""
    full = False
    for bucket, limit in buckets:
        row = con.execute("SELECT window_start, attempts FROM signin WHERE bucket = ?", (bucket,)).fetchone()
        full = full or (row is not None and row["window_start"] >= since and row["attempts"] >= limit)
    if full:
        tally = buckets[-1][0]
        con.execute("INSERT OR IGNORE INTO signin (bucket, window_start) VALUES (?, ?)", (tally, since))
        row = con.execute("SELECT refused, refused_minute FROM signin WHERE bucket = ?", (tally,)).fetchone()
        pending = int(row["refused"]) + 1
        if row["refused_minute"] == minute:
            con.execute("UPDATE signin SET refused = ? WHERE bucket = ?", (pending, tally))
            return 0
        con.execute("UPDATE signin SET refused = 0, refused_minute = ? WHERE bucket = ?", (minute, tally))
        return pending
    for bucket, _ in buckets:
        con.execute("INSERT INTO signin (bucket, window_start, attempts) VALUES (?, ?, 1) ON CONFLICT (bucket) DO "
                    "UPDATE SET attempts = CASE WHEN window_start < ? THEN 1 ELSE attempts + 1 END, "
                    "window_start = CASE WHEN window_start < ? THEN excluded.window_start ELSE window_start END",
                    (bucket, now_iso(), since, since))
    return None


def event_of(row: sqlite3.Row) -> AuditEvent:
    try:
        detail = json.loads(row["detail"] or "{}")
    except ValueError:
        detail = {"raw": row["detail"]}
    return AuditEvent(action=row["action"], user=row["user"], object=row["object"], detail=detail, at=row["at"])


# -- the audit trail's hash chain (geo.store.chain) and the triggers that keep it append-only ----------------

#: Columns the audit table gained in schema 3: its place in the hash chain.
AUDIT_CHAIN_COLUMNS: Final = {"seq": "INTEGER", "prev_hash": "TEXT", "hash": "TEXT"}
#: The triggers that refuse UPDATE and DELETE on the audit trail, as SQLite keeps them (``sqlite_master.sql``).
AUDIT_TRIGGERS: Final = {
    name: f"CREATE TRIGGER {name} BEFORE {verb} ON audit\n"
          "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
    for name, verb in (("audit_no_update", "UPDATE"), ("audit_no_delete", "DELETE"))
}
AUDIT_COLUMNS: Final = 'id, seq, prev_hash, hash, at, "user", action, object, detail'


def audit_triggers(con: sqlite3.Connection, *, repair: bool) -> list[str]:
    """The audit triggers that are missing or not as written here (recreated with ``repair``)."""
    found = {r["name"]: r["sql"] for r in con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                                      "AND tbl_name = 'audit'")}
    wrong = sorted(name for name, sql in AUDIT_TRIGGERS.items() if " ".join((found.get(name) or "").split())
                   != " ".join(sql.split()))
    if repair:
        for name in wrong:
            con.execute(f"DROP TRIGGER IF EXISTS {name}")
            con.execute(AUDIT_TRIGGERS[name])
    return wrong


def audit_head(con: sqlite3.Connection) -> tuple[chain.Head | None, chain.Head | None]:
    """The head recorded in ``geo_meta``, and the last chained event stored."""
    row = con.execute("SELECT value FROM geo_meta WHERE key = ?", (chain.HEAD_KEY,)).fetchone()
    last = con.execute("SELECT seq, hash FROM audit WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1").fetchone()
    return chain.parse_head(row[0] if row else None), None if last is None else chain.Head(int(last[0]), last[1])


def _insert_linked(con: sqlite3.Connection, linked: list[chain.Linked]) -> None:
    con.executemany('INSERT INTO audit (seq, prev_hash, hash, at, "user", action, object, detail) '
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(x.seq, x.prev_hash, x.hash, x.event.at, x.event.user, x.event.action, x.event.object,
                      chain.detail_text(x.event.detail)) for x in linked])
    if linked:
        con.execute("INSERT OR REPLACE INTO geo_meta VALUES (?, ?)",
                    (chain.HEAD_KEY, chain.head_text(chain.Head(linked[-1].seq, linked[-1].hash))))


def append_events(con: sqlite3.Connection, events: Sequence[AuditEvent], *, as_recorded: bool = False) -> None:
    """Append events to the chain inside the caller's write transaction (``BEGIN IMMEDIATE``: one writer at a time).

    New command-line events get the operating-system user (:func:`chain.stamped`); ``as_recorded``
    events (copied from a dump) are appended as they are.
    """
    if events:
        head = chain.later(*audit_head(con))
        _insert_linked(con, chain.link(head, events if as_recorded else [chain.stamped(e) for e in events]))


def migrate_audit_chain(con: sqlite3.Connection) -> None:
    """Schema 3, audit: the hash chain. The events of an older workspace are chained once, and that is recorded.

    (Changes made to them before this migration cannot be seen: the ``audit_chain`` event says from where on
    the trail is tamper-evident.)
    """
    have = {r["name"] for r in con.execute("PRAGMA table_info(audit)")}
    if "hash" in have:
        return
    for column, declared in AUDIT_CHAIN_COLUMNS.items():
        if column not in have:
            con.execute(f"ALTER TABLE audit ADD COLUMN {column} {declared}")
    con.execute("CREATE UNIQUE INDEX IF NOT EXISTS audit_seq ON audit (seq)")
    rows = con.execute("SELECT * FROM audit ORDER BY id").fetchall()
    if not rows:
        return
    linked = chain.link(None, [event_of(r) for r in rows])
    for name in AUDIT_TRIGGERS:  # the one time events are rewritten: stored normalised, with their place in the chain
        con.execute(f"DROP TRIGGER IF EXISTS {name}")
    con.executemany('UPDATE audit SET seq = ?, prev_hash = ?, hash = ?, at = ?, "user" = ?, action = ?, object = ?, '
                    "detail = ? WHERE id = ?",
                    [(x.seq, x.prev_hash, x.hash, x.event.at, x.event.user, x.event.action, x.event.object,
                      chain.detail_text(x.event.detail), r["id"]) for x, r in zip(linked, rows, strict=True)])
    audit_triggers(con, repair=True)
    con.execute("INSERT OR REPLACE INTO geo_meta VALUES (?, ?)",
                (chain.HEAD_KEY, chain.head_text(chain.Head(linked[-1].seq, linked[-1].hash))))
    append_events(con, [AuditEvent("audit_chain", None, "audit", {"events": len(rows), "chained": "migration"})])


def records(con: sqlite3.Connection) -> Iterator[chain.Record]:
    """The stored events in chain order (sequence number, then id; events without one last)."""
    for row in con.execute(f"SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq IS NULL, seq, id"):
        yield chain.Record(int(row["id"]), None if row["seq"] is None else int(row["seq"]), row["prev_hash"],
                           row["hash"], event_of(row))


__all__ = [
    "AUDIT_COLUMNS", "AUDIT_TRIGGERS", "append_events", "audit_head", "audit_triggers", "event_of",
    "migrate_audit_chain", "migrate_sessions", "records", "signin_attempt",
]
