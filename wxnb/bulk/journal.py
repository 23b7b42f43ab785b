"""The bulk journal: what each write became, in its own SQLite file next to the archive.

One row per (kind, key, new value), written *before* the request goes out (``sending``) and after
(``sent``, ``verified``, ``unverified``, ``failed``). A later run — after a kernel restart, with a new
Session on the same data directory — reads it, so nothing that may have reached the server is written
again:

==========  ===============================================================================================
sending     the request went out and no answer was recorded (the kernel died, or the network failed
            after sending): its fate is unknown, so it is never sent again, only verified
sent        answered Ret 0, not yet seen on the server: verified again, never re-sent
verified    the server shows the new value
unverified  answered Ret 0 but the server never showed it: not re-sent by itself (docs/bulk.md)
failed      refused by the server (nothing changed): a later run may try again
==========  ===============================================================================================

The file is ``bulk.sqlite3`` in the account's directory (beside ``archive.sqlite3``); the archive's
schema is not touched. SQLite's own constraints guard the states; WAL lets a reader look while a run
writes. Each thread opens its own :class:`Journal`.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bulk.sqlite3"
    >>> with Journal(path) as journal:
    ...     journal.mark("remark", "p:000000000001", "Ann (ACME)", "Ann", "sending")
    ...     journal.mark("remark", "p:000000000001", "Ann (ACME)", "Ann", "verified")
    ...     journal.entry("remark", "p:000000000001", "Ann (ACME)").state
    'verified'
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final, Literal, Self

from wxnb.bulk.limits import Kind

__all__ = ["JOURNAL_FILE", "Entry", "Journal", "JournalState", "journal_path"]

JOURNAL_FILE: Final = "bulk.sqlite3"
JournalState = Literal["sending", "sent", "verified", "unverified", "failed"]

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS writes (
    kind TEXT NOT NULL CHECK (kind IN ('remark', 'topic')),
    key TEXT NOT NULL CHECK (length(key) > 0),
    new TEXT NOT NULL,
    old TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'verified', 'unverified', 'failed')),
    reason TEXT NOT NULL DEFAULT '',
    sent_at REAL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (kind, key, new)
) WITHOUT ROWID;
"""


def journal_path(archive_path: Path) -> Path:
    """The journal beside an account's archive. Example: ``journal_path(session.archive_path)``"""
    return archive_path.with_name(JOURNAL_FILE)


@dataclass(frozen=True, slots=True)
class Entry:
    """One journalled write."""

    kind: Kind
    key: str
    new: str
    old: str
    state: JournalState
    reason: str
    sent_at: float | None


class Journal:
    """A connection to one journal file (one per thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=10.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a write's mark must survive a crash of the machine
        self._db.executescript(_SCHEMA)

    def mark(self, kind: Kind, key: str, new: str, old: str, state: JournalState, reason: str = "") -> None:
        """Record that the write of ``new`` to ``key`` is now ``state`` (committed before returning)."""
        now = time.time()
        sent_at = now if state == "sending" else None
        self._db.execute(
            "INSERT INTO writes (kind, key, new, old, state, reason, sent_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (kind, key, new) DO UPDATE SET state = excluded.state, reason = excluded.reason,"
            " sent_at = coalesce(excluded.sent_at, writes.sent_at), updated_at = excluded.updated_at,"
            " old = CASE WHEN excluded.state = 'sending' THEN excluded.old ELSE writes.old END",
            (kind, key, new, old, state, reason, sent_at, now),
        )

    def forget(self, kind: Kind, key: str, new: str) -> None:
        """Drop an entry (a write refused with 1205 changed nothing: as if never tried)."""
        self._db.execute("DELETE FROM writes WHERE kind = ? AND key = ? AND new = ?", (kind, key, new))

    def entry(self, kind: Kind, key: str, new: str) -> Entry | None:
        row = self._db.execute(
            "SELECT kind, key, new, old, state, reason, sent_at FROM writes"
            " WHERE kind = ? AND key = ? AND new = ?",
            (kind, key, new),
        ).fetchone()
        return Entry(*row) if row is not None else None

    def entries(self, kind: Kind | None = None) -> list[Entry]:
        """Every entry (of ``kind``), oldest first."""
        sql = "SELECT kind, key, new, old, state, reason, sent_at FROM writes"
        rows = (
            self._db.execute(sql + " WHERE kind = ? ORDER BY updated_at", (kind,))
            if kind is not None
            else self._db.execute(sql + " ORDER BY updated_at")
        )
        return [Entry(*row) for row in rows]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
