"""The audit trail as a hash chain: each event carries the SHA-256 of the event before it.

Every event is stored with its sequence number (1, 2, 3 … without gaps), the
hash of the previous event (:data:`GENESIS` for the first) and its own hash:
SHA-256 over :func:`canonical`, a JSON array of a format tag, the sequence
number, time, user, action, object, detail and the previous hash. Deleting,
changing, inserting or reordering an event breaks the chain at that event,
and :func:`verify` names it. The last event's sequence number and hash (the
*head*) are also kept in the workspace's meta table, so that deleting the
newest events shows too.

Both backends extend the chain while appending, inside the write transaction
and under a lock (SQLite's ``BEGIN IMMEDIATE``; an advisory lock on
PostgreSQL), so two writers can never fork it. Events are stored
:func:`normalise`-d, so that what either backend reads back hashes to what
was written; a dump copies the chain as it is.

What a chain cannot show by itself: someone who may rewrite the table *and*
recomputes every later hash. Against that: database roles the application
cannot escape (``python -m geo db init --owner``), and the head hash that
``python -m geo audit verify`` prints, kept outside the database.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import math
import numbers
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final, NamedTuple

from geo.errors import Said, said
from geo.i18n import t
from geo.store.base import AuditEvent, StoreError

#: The "previous hash" of the first event.
GENESIS: Final = "0" * 64
#: First element of every hashed array (a later serialisation would get another tag).
FORMAT: Final = "geo-audit-1"
#: Key of the recorded head (``"SEQ:HASH"``) in the workspace's meta table.
HEAD_KEY: Final = "audit_head"


class Head(NamedTuple):
    """The last event of a chain: its sequence number and hash."""

    seq: int
    hash: str


class Linked(NamedTuple):
    """An event as appended: its place in the chain and its normalised content."""

    seq: int
    prev_hash: str
    hash: str
    event: AuditEvent


@dataclass(frozen=True)
class Record:
    """A stored event as read back: row id, chain columns (None if missing) and content."""

    id: int
    seq: int | None
    prev_hash: str | None
    hash: str | None
    event: AuditEvent


class ChainError(StoreError):
    """The audit trail was changed: an event was deleted, altered, inserted or reordered."""


@dataclass(frozen=True)
class Verdict:
    """What :func:`verify` found: the number of events, the last one, and the first problem (None: intact).

    ``problem`` is in English (the audit trail records it); ``words`` are the same in the catalogue's words.
    """

    events: int
    head: Head | None
    problem: str | None = None
    words: Said | None = field(default=None, compare=False)

    @property
    def intact(self) -> bool:
        return self.problem is None

    def line(self, lang: str = "en") -> str:
        """One line: ``intact, N events (head #N …)`` or the problem, in ``lang`` (English by default: what the
        audit trail records and scripts read)."""
        if self.problem is not None:
            return self.words.text(lang) if self.words is not None and lang != "en" else self.problem
        if self.head is None:
            return t("note.store.intact", lang, n=self.events)
        return t("note.store.intact_head", lang, n=self.events, seq=self.head.seq, hash=self.head.hash)

    def error(self) -> ChainError:
        return ChainError(self.words or said("err.store.chain_intact"), source="audit trail",
                          fix=said("err.store.chain_fix"))


# -- what is hashed ----------------------------------------------------------------------------


def os_user() -> str:
    """The operating-system account running this process (its uid's name; ``uid N`` if it has none)."""
    uid = os.getuid()
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        try:
            return getpass.getuser()
        except OSError:
            return f"uid {uid}"


def stamped(event: AuditEvent) -> AuditEvent:
    """A new command-line event (``detail.client == "cli"``) with the operating-system user beside ``--user``."""
    if event.detail.get("client") != "cli" or "os_user" in event.detail:
        return event
    return replace(event, detail={**event.detail, "os_user": os_user()})


def _text(value: str) -> str:
    """Text both backends store unchanged: no NUL (PostgreSQL refuses it), valid UTF-8."""
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            return str(number)  # JSON (and jsonb) has no NaN or infinity
        return int(number) if number.is_integer() else number  # jsonb prints 1e20 as an integer
    if isinstance(value, dict):
        return {_text(str(k)): _value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_value(v) for v in (sorted(value, key=str) if isinstance(value, set | frozenset) else value)]
    return _text(str(value))


def _time(at: str) -> str:
    try:
        stamp = datetime.fromisoformat(at)
    except (TypeError, ValueError) as exc:
        raise StoreError(said("err.store.event_time", at=at), source="audit trail",
                         fix=said("err.store.event_time_fix")) from exc
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).isoformat(timespec="seconds")


def normalise(event: AuditEvent) -> AuditEvent:
    """The event as both backends store and read it back: UTC time to the second, JSON-safe detail, no NUL."""
    return AuditEvent(action=_text(event.action), user=None if event.user is None else _text(event.user),
                      object=_text(event.object or ""), detail=_value(dict(event.detail)), at=_time(event.at))


def detail_text(detail: dict[str, Any]) -> str:
    """A normalised detail as stored (JSON text; PostgreSQL parses it into ``jsonb``)."""
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, allow_nan=False)


def canonical(seq: int, event: AuditEvent, prev_hash: str) -> bytes:
    """What is hashed: ``[FORMAT, seq, at, user, action, object, detail, prev_hash]`` as compact, sorted JSON."""
    return json.dumps([FORMAT, seq, event.at, event.user, event.action, event.object, event.detail, prev_hash],
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def digest(seq: int, event: AuditEvent, prev_hash: str) -> str:
    """The event's hash (hex SHA-256 of :func:`canonical`)."""
    return hashlib.sha256(canonical(seq, event, prev_hash)).hexdigest()


def link(head: Head | None, events: Iterable[AuditEvent]) -> list[Linked]:
    """Events normalised and chained after ``head`` (None: the trail is empty)."""
    seq, prev = head if head is not None else (0, GENESIS)
    out = []
    for event in events:
        seq += 1
        clean = normalise(event)
        digest_ = digest(seq, clean, prev)
        out.append(Linked(seq, prev, digest_, clean))
        prev = digest_
    return out


# -- the head ----------------------------------------------------------------------------------


def head_text(head: Head) -> str:
    return f"{head.seq}:{head.hash}"


def parse_head(text: str | None) -> Head | None:
    if not text or ":" not in text:
        return None
    seq, digest_ = text.split(":", 1)
    return Head(int(seq), digest_) if seq.isdigit() else None


def later(recorded: Head | None, last: Head | None) -> Head | None:
    """Where to append: the recorded head or the last stored event, whichever is further.

    Appending after the recorded head (not the last row) keeps a deleted newest event visible:
    the next event then follows a gap.
    """
    if recorded is None:
        return last
    if last is None:
        return recorded
    return last if last.seq > recorded.seq else recorded


# -- verification ------------------------------------------------------------------------------


def describe(record: Record) -> Said:
    """``event #5 (id 5, 2026-05-20T08:30:00+00:00, save)``."""
    if record.seq is None:
        return said("err.store.event_noseq", id=record.id, at=record.event.at, action=record.event.action)
    return said("err.store.event_seq", seq=record.seq, id=record.id, at=record.event.at, action=record.event.action)


def verify(records: Iterable[Record], recorded: Head | None) -> Verdict:
    """Check a chain read in chain order (sequence number, then id; events without one last).

    ``recorded`` is the head kept in the meta table, read in the same snapshot. The first problem
    is named: which event (sequence number, id, time, action) and what is wrong with it.
    """
    expected, prev, prev_id = 1, GENESIS, 0
    last: Head | None = None
    count = 0

    def broken(key: str, **values: object) -> Verdict:
        problem = said(key, **values)
        return Verdict(count, last, problem.text("en"), problem)

    for record in records:
        count += 1
        what = describe(record)
        if record.seq is None or record.hash is None or record.prev_hash is None:
            return broken("err.store.chain_unplaced", what=what)
        if digest(record.seq, record.event, record.prev_hash) != record.hash:
            return broken("err.store.chain_altered", what=what)
        if record.seq < expected:
            return broken("err.store.chain_second", what=what, seq=record.seq, first=prev_id)
        if record.seq > expected:
            gone = f"#{expected}" if record.seq == expected + 1 else f"#{expected}-#{record.seq - 1}"
            after = f"#{expected - 1}" if expected > 1 else said("err.store.chain_start")
            return broken("err.store.chain_gone", gone=gone, what=what, after=after)
        if record.prev_hash != prev:
            return broken("err.store.chain_unlinked", what=what, prev=expected - 1)
        if record.id <= prev_id:
            return broken("err.store.chain_reordered", what=what, prev=expected - 1, prev_id=prev_id)
        if recorded is not None and record.seq == recorded.seq and record.hash != recorded.hash:
            return broken("err.store.chain_replaced", what=what)
        last = Head(record.seq, record.hash)
        expected, prev, prev_id = expected + 1, record.hash, record.id
    if recorded is not None and (last is None or last.seq < recorded.seq):
        end = 0 if last is None else last.seq
        gone = f"#{recorded.seq}" if recorded.seq == end + 1 else f"#{end + 1}-#{recorded.seq}"
        return broken("err.store.chain_end_gone", gone=gone, end=end, last=recorded.seq)
    if recorded is not None and last is not None and last.seq > recorded.seq:
        return broken("err.store.chain_added", last=recorded.seq, end=last.seq)
    return Verdict(count, last)


def records_of(rows: Iterable[tuple[Any, ...]], event_of: Any) -> Iterator[Record]:
    """Records from ``(id, seq, prev_hash, hash, row)`` tuples, ``event_of(row)`` giving the event."""
    for rid, seq, prev_hash, digest_, row in rows:
        yield Record(int(rid), None if seq is None else int(seq), prev_hash, digest_, event_of(row))


__all__ = [
    "FORMAT", "GENESIS", "HEAD_KEY", "ChainError", "Head", "Linked", "Record", "Verdict", "canonical", "describe",
    "detail_text", "digest", "head_text", "later", "link", "normalise", "os_user", "parse_head", "stamped", "verify",
]
