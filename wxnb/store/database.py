"""One SQLite connection to an archive: opening it (pragmas, schema check) and reading it back.

Shared by the writer (:class:`wxnb.store.writer.Archive`, which restores the tables from it on start)
and the reader (:class:`wxnb.store.reader.ArchiveReader`). Every use takes the connection's lock: one
writer thread (the session's) writes through it while readers may look.

Loading a million messages back out of SQLite takes seconds, so a load also keeps them as Arrow files
next to the archive (:mod:`wxnb.store.cache`); the next load reads those, checked against SQLite.

Example:
    >>> db = Database(":memory:", readonly=False, synchronous="FULL", timeout=1.0)
    >>> db.message_count(), db.sync_state() is None
    (0, True)
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal

import pandas as pd
import pyarrow as pa

from wxnb.store.cache import cache_dir, read_chunks, write_chunks
from wxnb.store.errors import ArchiveClosedError, ArchiveError, MissingDependencyError
from wxnb.store.paths import private_dir
from wxnb.store.rows import ContactRow, MemberRow, MessageRows
from wxnb.store.sqlschema import prepare, translate_errors
from wxnb.store.tables import Tables

__all__ = ["CONTACT_FIELDS", "GAP_COLUMNS", "Database", "SendRecord", "SyncState", "export_parquet"]

_LOAD_ROWS: Final = 65_536
_WAL_CHECKPOINT_BYTES: Final = 40 * 2**20  # SQLite's default is 1,000 pages (see Database)

_MESSAGE_SELECT: Final = (
    "SELECT seq, msg_id, time, chat, chat_key, chat_name, sender, sender_name, is_group, is_self, type, "
    "msg_type, app_type, text, url, file_name, duration, coalesce(raw_content, text), revoked "
    "FROM messages WHERE seq > ? ORDER BY seq LIMIT ?"
)
CONTACT_FIELDS: Final = (
    "key", "user_name", "kind", "nickname", "remark", "alias", "sex", "province", "city", "signature",
    "member_count", "is_starred", "contact_flag", "verify_flag", "head_img_url", "room_name",
    "owner",
)  # fmt: skip
_CONTACT_SELECT: Final = f"SELECT {', '.join(CONTACT_FIELDS)} FROM contacts ORDER BY rowid"


@dataclass(frozen=True, slots=True)
class SyncState:
    """The last archived SyncKey (as the server sent it) and when it was saved (UTC)."""

    sync_key: Any
    updated_at: pd.Timestamp


@dataclass(frozen=True, slots=True)
class SendRecord:
    """One entry of the send journal. ``status`` is pending (fate unknown), sent or failed."""

    client_msg_id: str
    to_user: str
    chat_key: str | None
    msg_type: int
    content: str
    status: Literal["pending", "sent", "failed"]
    msg_id: str | None
    error: str | None
    created_at: pd.Timestamp
    completed_at: pd.Timestamp | None


GAP_COLUMNS: Final = ("start", "end", "reason", "recorded_at")
"""The columns of :meth:`Database.gaps` (times as UTC timestamps)."""


def _timestamp(seconds: float) -> pd.Timestamp:
    return pd.Timestamp(seconds, unit="s", tz="UTC")


class Database:
    """One SQLite connection, guarded by a lock (one writer thread writes; readers may look)."""

    def __init__(self, path: Path | str, *, readonly: bool, synchronous: str, timeout: float) -> None:
        self.memory = str(path) == ":memory:"
        self.cache = None if self.memory else cache_dir(Path(path))
        self.label = str(path)
        self.lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        if readonly:
            if not Path(path).is_file():
                raise ArchiveError(f"There is no archive at {path}. Check the path (or data_dir).")
            target, uri = f"{Path(path).resolve().as_uri()}?mode=ro", True
        else:
            if not self.memory:
                private_dir(Path(path).parent)
            target, uri = str(path), False
        with translate_errors(self.label, "open"):
            conn = sqlite3.connect(
                target, uri=uri, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        try:
            with translate_errors(self.label, "open"):
                conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            prepare(conn, self.label, create=not readonly)
            if not readonly and not self.memory:
                with translate_errors(self.label, "open"):
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute(f"PRAGMA synchronous = {synchronous}")
                    # Checkpoint every ~40 MB of WAL instead of ~1 MB (1,000 pages of 1 KiB): a longer
                    # interval copies a page that many batches changed (the last pages of messages,
                    # sync_state, leaves of the MsgId index) once. Durability is the WAL's fsync at every
                    # commit; the checkpoint only copies committed pages into the main file.
                    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
                    conn.execute(f"PRAGMA wal_autocheckpoint = {_WAL_CHECKPOINT_BYTES // page_size}")
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ArchiveClosedError(f"The archive {self.label} is closed; open it again to use it.")
        return self._conn

    def close(self) -> None:
        with self.lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()

    # -- loading, shared by the writer (restore) and the reader (history) ----------------------------

    def meta(self, name: str) -> str | None:
        with self.lock, translate_errors(self.label, "read"):
            row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def iter_messages(
        self, after_seq: int = 0, batch_rows: int = _LOAD_ROWS
    ) -> Iterator[tuple[list[int], MessageRows]]:
        """(seqs, rows) of the messages after ``after_seq``, in arrival order, in batches."""
        last = after_seq
        while True:
            with self.lock, translate_errors(self.label, "read"):
                rows = self.conn.execute(_MESSAGE_SELECT, (last, batch_rows)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            columns = list(zip(*rows, strict=True))
            lists: list[list[Any]] = [list(c) for c in columns[1:]]
            yield list(columns[0]), MessageRows(*lists)

    def contacts(self) -> list[ContactRow]:
        with self.lock, translate_errors(self.label, "read"):
            rows = self.conn.execute(_CONTACT_SELECT).fetchall()
        return [ContactRow(**dict(zip(CONTACT_FIELDS, r, strict=True))) for r in rows]

    def members(self) -> dict[str, list[MemberRow]]:
        with self.lock, translate_errors(self.label, "read"):
            rows = self.conn.execute(
                "SELECT room_key, room_user_name, user_name, nickname, display_name, key FROM members "
                "ORDER BY room_key, position"
            ).fetchall()
        rooms: dict[str, list[MemberRow]] = {}
        for r in rows:
            rooms.setdefault(r[0], []).append(MemberRow(*r))
        return rooms

    def aliases(self) -> dict[str, str]:
        with self.lock, translate_errors(self.label, "read"):
            return dict(self.conn.execute("SELECT alias, key FROM key_aliases").fetchall())

    def sync_state(self) -> SyncState | None:
        with self.lock, translate_errors(self.label, "read"):
            row = self.conn.execute("SELECT sync_key, updated_at FROM sync_state WHERE id = 1").fetchone()
        return None if row is None else SyncState(json.loads(row[0]), _timestamp(row[1]))

    def gaps(self) -> pd.DataFrame:
        """The recorded gaps (see ``sqlschema._gaps``), oldest first: start, end, reason, recorded_at."""
        with self.lock, translate_errors(self.label, "read"):
            query = "SELECT start, end, reason, recorded_at FROM gaps ORDER BY id"
            rows = self.conn.execute(query).fetchall()
        frame = pd.DataFrame(rows, columns=list(GAP_COLUMNS))
        for column in ("start", "end", "recorded_at"):
            frame[column] = pd.to_datetime(frame[column].astype("float64"), unit="s", utc=True)
        frame["reason"] = frame["reason"].astype("object")
        return frame

    def sends(self, status: str | None = None) -> list[SendRecord]:
        query = (
            "SELECT client_msg_id, to_user, chat_key, msg_type, content, status, msg_id, error, created_at, "
            "completed_at FROM send_journal"
        )
        args: tuple[str, ...] = ()
        if status is not None:
            query += " WHERE status = ?"
            args = (status,)
        with self.lock, translate_errors(self.label, "read"):
            rows = self.conn.execute(query + " ORDER BY created_at, rowid", args).fetchall()
        return [
            SendRecord(
                client_msg_id=r[0], to_user=r[1], chat_key=r[2], msg_type=r[3], content=r[4], status=r[5],
                msg_id=r[6], error=r[7], created_at=_timestamp(r[8]),
                completed_at=None if r[9] is None else _timestamp(r[9]),
            )
            for r in rows
        ]  # fmt: skip

    def message_count(self) -> int:
        with self.lock, translate_errors(self.label, "read"):
            return int(self.conn.execute("SELECT count(*) FROM messages").fetchone()[0])

    def fill(self, tables: Tables, *, current_login: bool, write_cache: bool) -> None:
        """Load everything into ``tables``; with ``current_login=False`` UserNames are left out.

        Messages come from the cache files SQLite agrees with (see :mod:`wxnb.store.cache`), the rest
        from SQLite; with ``write_cache`` the rest is then cached too, in full chunks. All of it is read
        in one transaction, so a writer in another process cannot slip a batch in between.
        """
        with self.lock:
            with translate_errors(self.label, "read"):
                self.conn.execute("BEGIN")
            try:
                self._fill(tables, current_login=current_login, write_cache=write_cache)
            finally:
                with translate_errors(self.label, "read"):
                    self.conn.execute("COMMIT")

    def _fill(self, tables: Tables, *, current_login: bool, write_cache: bool) -> None:
        aligned = tables.message_count == 0  # table row i is archive row i: the cache applies
        chunks: list[pa.Table] = []
        cached_seq = 0
        if self.cache is not None and aligned:
            with self.lock, translate_errors(self.label, "read"):
                chunks, cached_seq = read_chunks(self.cache, self.conn, prune=write_cache)
            for chunk in chunks:
                tables.append_messages_arrow(chunk)
        cached_rows = tables.message_count
        seqs: list[int] = []
        for batch_seqs, rows in self.iter_messages(after_seq=cached_seq):
            tables.append_messages(rows)
            seqs.extend(batch_seqs)
        if cached_seq:
            with self.lock, translate_errors(self.label, "read"):
                revoked = self.conn.execute(
                    "SELECT msg_id FROM messages WHERE revoked = 1 AND seq <= ?", (cached_seq,)
                ).fetchall()
            tables.mark_revoked(r[0] for r in revoked)
        if self.cache is not None and aligned and write_cache:
            write_chunks(self.cache, tables, cached_rows, seqs, first_index=len(chunks))
        contacts = self.contacts()
        members = self.members()
        if not current_login:
            contacts = [replace(c, user_name=None) for c in contacts]
            members = {
                k: [replace(m, room_user_name=None, user_name=None) for m in ms] for k, ms in members.items()
            }
        tables.upsert_contacts(contacts)
        for room_key, room in members.items():
            tables.set_room_members(room_key, room)


def export_parquet(tables: Tables, directory: str | Path) -> dict[str, Path]:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(
            "Exporting to Parquet needs pyarrow with Parquet support: pip install pyarrow"
        ) from exc
    out = Path(directory).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, frame in (
        ("messages", tables.messages),
        ("contacts", tables.contacts),
        ("members", tables.members),
    ):
        path = out / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        written[name] = path
    return written
