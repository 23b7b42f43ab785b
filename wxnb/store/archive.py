"""The durable copy: one SQLite archive (WAL) per account, and read-only access to it.

What it keeps: messages (de-duplicated by MsgId), contacts under their stable keys, room members, the
aliases that keep keys stable across renames, the sync state (the SyncKey and when it was saved), and the
send journal.

The rule that makes it safe: :meth:`Archive.commit_batch` writes a batch of messages, contact changes
and the new SyncKey in ONE transaction and returns only once it is committed (``synchronous=FULL`` by
default: on disk, not only in the OS cache). Only then may the sync thread use the new SyncKey.
A crash before the commit loses nothing: the old key is still archived and the server re-delivers.
Messages are inserted only if their MsgId is new, and the call returns which ones were, so the live
tables get each message exactly once too, whatever the server re-delivers or echoes. Which MsgIds are
known is kept in memory (:mod:`wxnb.store.msgids`), not in a SQLite index: random keys made an index
rewrite a page per message at every commit.

Loading a million messages back out of SQLite takes seconds, so a load also keeps them as Arrow files
next to the archive (:mod:`wxnb.store.cache`); the next load reads those, checked against SQLite.

A send is journalled with its ClientMsgId *before* the request goes out (:meth:`Archive.record_send`),
then completed with the server's MsgID or marked failed. Sends still ``pending`` after a crash are the
ones whose fate is unknown.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.sqlite3"
    >>> with Archive(path) as archive:
    ...     archive.commit_batch(sync_key={"Count": 0, "List": []}).new_positions
    []
    >>> with open_archive(path) as history:
    ...     len(history.messages), history.sync_state.sync_key
    (0, {'Count': 0, 'List': []})
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Self

import pandas as pd
import pyarrow as pa

from wxnb.store.cache import cache_dir, read_chunks, write_chunks
from wxnb.store.errors import (
    ArchiveClosedError,
    ArchiveError,
    ArchiveLockedError,
    ArchiveWriteError,
    MissingDependencyError,
)
from wxnb.store.lockfile import FileLock
from wxnb.store.msgids import MsgIdIndex
from wxnb.store.rows import ContactRow, MemberRow, MessageRows
from wxnb.store.sqlschema import classify, prepare, translate_errors
from wxnb.store.tables import Tables

__all__ = [
    "Archive",
    "ArchiveReader",
    "CommitResult",
    "SendRecord",
    "SyncState",
    "archive_path",
    "default_data_dir",
    "open_archive",
]

ARCHIVE_FILE: Final = "archive.sqlite3"
_ACCOUNT_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_LOAD_ROWS: Final = 65_536
_WAL_CHECKPOINT_PAGES: Final = 10_000  # SQLite's default is 1,000 (see _Connection)

_MESSAGE_INSERT: Final = (
    "INSERT INTO messages (msg_id, time, chat, chat_key, chat_name, sender, sender_name, is_group, "
    "is_self, type, msg_type, app_type, text, url, file_name, raw_content, revoked) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_RECENT_SEQS: Final = 16_384  # MsgId → seq kept for revokes (of two generations), see Archive._revoke
_MESSAGE_SELECT: Final = (
    "SELECT seq, msg_id, time, chat, chat_key, chat_name, sender, sender_name, is_group, is_self, type, "
    "msg_type, app_type, text, url, file_name, coalesce(raw_content, text), revoked FROM messages "
    "WHERE seq > ? ORDER BY seq LIMIT ?"
)
_CONTACT_FIELDS: Final = (
    "key", "user_name", "kind", "nickname", "remark", "alias", "sex", "province", "city", "signature",
    "member_count", "is_starred", "contact_flag", "verify_flag", "head_img_url",
)  # fmt: skip
_CONTACT_SELECT: Final = f"SELECT {', '.join(_CONTACT_FIELDS)} FROM contacts ORDER BY rowid"
# Upsert, not REPLACE: keeps the rowid, so contacts stay in first-seen order.
_CONTACT_UPSERT: Final = (
    f"INSERT INTO contacts ({', '.join(_CONTACT_FIELDS)}, updated_at) "
    f"VALUES ({', '.join('?' * (len(_CONTACT_FIELDS) + 1))}) ON CONFLICT (key) DO UPDATE SET "
    + ", ".join(f"{f} = excluded.{f}" for f in (*_CONTACT_FIELDS[1:], "updated_at"))
)


def default_data_dir() -> Path:
    """Where archives live: ``$WXNB_DATA_DIR`` if set, else the OS's user data directory for wxnb.

    Example:
        >>> default_data_dir().name in ("wxnb", os.environ.get("WXNB_DATA_DIR", "wxnb").rsplit("/", 1)[-1])
        True
    """
    env = os.environ.get("WXNB_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("wxnb", appauthor=False))


def archive_path(account: str, data_dir: str | Path | None = None) -> Path:
    """The archive file of ``account`` (a directory-safe name, e.g. from ``keys.account_key``).

    Example:
        >>> archive_path("acct-0123", "/tmp/wx").as_posix()
        '/tmp/wx/acct-0123/archive.sqlite3'
    """
    if not _ACCOUNT_RE.match(account):
        raise ValueError(
            f"account name {account!r} is not directory-safe: use letters, digits, '.', '_' or '-' "
            "(wxnb.store.keys.account_key(uin) makes one)"
        )
    base = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    return base / account / ARCHIVE_FILE


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


@dataclass(frozen=True, slots=True)
class CommitResult:
    """What :meth:`Archive.commit_batch` did: positions (in the batch) of the messages that were new,
    and the MsgIds marked revoked by new revoke notices."""

    new_positions: list[int] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)


def _private_dir(path: Path) -> None:
    """Create the account directory readable by its owner only: it holds private conversations."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _timestamp(seconds: float) -> pd.Timestamp:
    return pd.Timestamp(seconds, unit="s", tz="UTC")


class _Connection:
    """One SQLite connection, guarded by a lock (the sync thread writes, user threads journal sends)."""

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
                _private_dir(Path(path).parent)
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
                    # Checkpoint every ~40 MB of WAL instead of ~4 MB: a longer interval copies a page
                    # that many batches changed (the last pages of messages, sync_state) once.
                    # Durability is the WAL's fsync at every commit; the checkpoint only copies
                    # committed pages into the main file.
                    conn.execute(f"PRAGMA wal_autocheckpoint = {_WAL_CHECKPOINT_PAGES}")
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
        return [ContactRow(**dict(zip(_CONTACT_FIELDS, r, strict=True))) for r in rows]

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

    def msg_id_index(self) -> MsgIdIndex:
        """Every archived MsgId, read in pieces (a million in about a second)."""
        index = MsgIdIndex()
        last = 0
        while True:
            with self.lock, translate_errors(self.label, "read"):
                rows = self.conn.execute(
                    "SELECT seq, msg_id FROM messages WHERE seq > ? ORDER BY seq LIMIT ?", (last, _LOAD_ROWS)
                ).fetchall()
            if not rows:
                return index
            last = rows[-1][0]
            index.add_arrow(pa.array([r[1] for r in rows], pa.large_string()))

    def fill(
        self, tables: Tables, *, current_login: bool, write_cache: bool, msg_ids: MsgIdIndex | None = None
    ) -> None:
        """Load everything into ``tables``; with ``current_login=False`` UserNames are left out.
        ``msg_ids``: an index to add every archived MsgId to (the fill reads them all anyway).

        Messages come from the cache files SQLite agrees with (see :mod:`wxnb.store.cache`), the rest
        from SQLite; with ``write_cache`` the rest is then cached too, in full chunks. All of it is read
        in one transaction, so a writer in another process cannot slip a batch in between.
        """
        with self.lock:
            with translate_errors(self.label, "read"):
                self.conn.execute("BEGIN")
            try:
                self._fill(tables, current_login=current_login, write_cache=write_cache, msg_ids=msg_ids)
            finally:
                with translate_errors(self.label, "read"):
                    self.conn.execute("COMMIT")

    def _fill(
        self, tables: Tables, *, current_login: bool, write_cache: bool, msg_ids: MsgIdIndex | None
    ) -> None:
        aligned = tables.message_count == 0  # table row i is archive row i: the cache applies
        chunks: list[pa.Table] = []
        cached_seq = 0
        if self.cache is not None and aligned:
            with self.lock, translate_errors(self.label, "read"):
                chunks, cached_seq = read_chunks(self.cache, self.conn, prune=write_cache)
            for chunk in chunks:
                tables.append_messages_arrow(chunk)
                if msg_ids is not None:
                    msg_ids.add_arrow(chunk.column("msg_id"))
        cached_rows = tables.message_count
        seqs: list[int] = []
        for batch_seqs, rows in self.iter_messages(after_seq=cached_seq):
            tables.append_messages(rows)
            seqs.extend(batch_seqs)
            if msg_ids is not None:
                msg_ids.add(rows.msg_id)
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


def _export_parquet(tables: Tables, directory: str | Path) -> dict[str, Path]:
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


class Archive:
    """The writable archive of one account. Open one per account at a time (a lock file enforces it).

    ``path`` may be ``":memory:"`` for a session that keeps nothing. ``synchronous`` is SQLite's
    durability level: ``"FULL"`` (default) commits reach the disk before :meth:`commit_batch` returns;
    ``"NORMAL"`` is faster and still atomic, but the last commits may roll back on power loss (the server
    then re-delivers what they held).

    Example:
        >>> archive = Archive(":memory:")
        >>> archive.record_send("17000000000001234", "@friend", "hello", chat_key="p:0123456789ab")
        >>> archive.complete_send("17000000000001234", "4875421002314560123")
        >>> [s.status for s in archive.sends()]
        ['sent']
    """

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        timeout: float = 5.0,
    ) -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError("synchronous must be 'FULL' or 'NORMAL'")
        self._lockfile: FileLock | None = None
        memory = str(path) == ":memory:"
        if not memory:
            _private_dir(Path(path).parent)
            lock = FileLock(Path(f"{path}.lock"))
            if not lock.acquire():
                raise ArchiveLockedError(
                    f"The archive {path} is in use by another wxnb session (in this or another process). "
                    "Close that session first, or give this one another data_dir."
                )
            self._lockfile = lock
        try:
            self._db = _Connection(path, readonly=False, synchronous=synchronous, timeout=timeout)
        except BaseException:
            if self._lockfile is not None:
                self._lockfile.release()
            raise
        self._msg_ids: MsgIdIndex | None = None  # read on first need (or by fill, which reads them all)
        self._recent_seqs: dict[str, int] = {}  # MsgId → seq of recent inserts, for revokes
        self._older_seqs: dict[str, int] = {}
        salt = self._db.meta("key_salt")
        self.salt: bytes = bytes.fromhex(salt) if salt else b""
        self.path = path if memory else Path(path)

    @classmethod
    def for_account(cls, account: str, data_dir: str | Path | None = None, **options: Any) -> Archive:
        """The archive of ``account`` under ``data_dir`` (default: :func:`default_data_dir`)."""
        return cls(archive_path(account, data_dir), **options)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Archive({str(self.path)!r})"

    def close(self) -> None:
        """Close the file and release the lock (idempotent)."""
        self._db.close()
        if self._lockfile is not None:
            self._lockfile.release()
            self._lockfile = None

    # -- the batch ------------------------------------------------------------------------------------

    def commit_batch(
        self,
        messages: MessageRows | None = None,
        contacts: Sequence[ContactRow] = (),
        removed: Sequence[str] = (),
        members: Mapping[str, Sequence[MemberRow]] | None = None,
        revokes: Mapping[int, str] | None = None,
        sync_key: Any = None,
        aliases: Mapping[str, str] | None = None,
    ) -> CommitResult:
        """Write one sync batch atomically; returns once it is durable. Nothing is written on error.

        - ``messages``: the batch; new MsgIds are inserted, known ones skipped.
        - ``removed``: keys to delete (rooms with their members), applied before ``contacts``.
        - ``contacts``: rows to add or replace by key.
        - ``members``: room key → its complete member list.
        - ``revokes``: position in ``messages`` of a revoke notice → the MsgId it withdraws (applied
          only if the notice itself is new).
        - ``sync_key``: the new SyncKey (any JSON value), saved with the batch.
        - ``aliases``: new key aliases (see :mod:`wxnb.store.keys`).

        Raises :class:`ArchiveWriteError` (rolled back: retrying the same batch is safe).
        """
        db = self._db
        with db.lock:
            conn = db.conn
            try:
                known = self._known_msg_ids()
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result, inserted, result_keys = self._write(
                        conn, known, messages, contacts, removed, members, revokes, sync_key, aliases
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                error = classify(exc, db.label, "write")
                if isinstance(error, ArchiveLockedError):
                    raise error from exc
                raise ArchiveWriteError(
                    f"The batch could not be written to {db.label} and was rolled back ({error}). "
                    "Nothing of it was saved; retry it, or check the disk."
                ) from exc
            # Committed: only now are its MsgIds known (a rolled-back batch may come again).
            known.add_keys(result_keys)
            self._remember_seqs(inserted)
        return result

    def _known_msg_ids(self) -> MsgIdIndex:
        if self._msg_ids is None:
            self._msg_ids = self._db.msg_id_index()
        return self._msg_ids

    def _remember_seqs(self, inserted: Mapping[str, int]) -> None:
        """Keep the seqs of the last 16,384 to 32,768 inserts: a revoke names a message at most two
        minutes old, so its target is almost always among them (else :meth:`_revoke` scans)."""
        self._recent_seqs.update(inserted)
        if len(self._recent_seqs) >= _RECENT_SEQS:
            self._older_seqs, self._recent_seqs = self._recent_seqs, {}

    def _write(
        self,
        conn: sqlite3.Connection,
        known: MsgIdIndex,
        messages: MessageRows | None,
        contacts: Sequence[ContactRow],
        removed: Sequence[str],
        members: Mapping[str, Sequence[MemberRow]] | None,
        revokes: Mapping[int, str] | None,
        sync_key: Any,
        aliases: Mapping[str, str] | None,
    ) -> tuple[CommitResult, dict[str, int], list[int | str]]:
        now = time.time()
        new_positions: list[int] = []
        inserted: dict[str, int] = {}
        msg_keys: list[int | str] = []
        revoked: list[str] = []
        if messages is not None and len(messages):
            new_positions, msg_keys, inserted = self._insert_messages(conn, known, messages)
            if revokes:
                targets = [revokes[i] for i in new_positions if i in revokes]
                for target in targets:
                    if self._revoke(conn, known, inserted, target):
                        revoked.append(target)
        # Removals before upserts, as in the tables: what a batch lists is what stays.
        if removed:
            keys = [(k,) for k in removed]
            conn.executemany("DELETE FROM contacts WHERE key = ?", keys)
            conn.executemany("DELETE FROM members WHERE room_key = ?", keys)
        if contacts:
            conn.executemany(
                _CONTACT_UPSERT,
                [
                    (
                        c.key, c.user_name, c.kind, c.nickname, c.remark, c.alias, c.sex, c.province, c.city,
                        c.signature, c.member_count, int(c.is_starred), c.contact_flag, c.verify_flag,
                        c.head_img_url, now,
                    )
                    for c in contacts
                ],
            )  # fmt: skip
        for room_key, rows in (members or {}).items():
            conn.execute("DELETE FROM members WHERE room_key = ?", (room_key,))
            conn.executemany(
                "INSERT OR REPLACE INTO members (room_key, key, position, room_user_name, user_name, "
                "nickname, display_name) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (room_key, m.key, i, m.room_user_name, m.user_name, m.nickname, m.display_name)
                    for i, m in enumerate(rows)
                ],
            )
        if aliases:
            conn.executemany("INSERT OR REPLACE INTO key_aliases VALUES (?, ?)", list(aliases.items()))
        if sync_key is not None:
            conn.execute(
                "INSERT OR REPLACE INTO sync_state (id, sync_key, updated_at) VALUES (1, ?, ?)",
                (json.dumps(sync_key, separators=(",", ":"), ensure_ascii=False), now),
            )
        return CommitResult(new_positions, revoked), inserted, msg_keys

    @staticmethod
    def _insert_messages(
        conn: sqlite3.Connection, known: MsgIdIndex, rows: MessageRows
    ) -> tuple[list[int], list[int | str], dict[str, int]]:
        """Insert the rows whose MsgId is new (a MsgId twice in the batch: the first one), in one
        statement; returns their positions, their keys in ``known`` and MsgId → seq (each insert gets
        the largest seq yet)."""
        positions, keys = known.lookup(rows.msg_id)
        if not positions:
            return [], [], {}
        new = rows.select(positions)
        raw = [None if r == t else r for r, t in zip(new.raw_content, new.text, strict=True)]
        last_seq = conn.execute("SELECT max(seq) FROM messages").fetchone()[0] or 0
        # Flags bound as int: sqlite3 binds a bool through its adapter lookup, ~1 µs a value.
        conn.executemany(
            _MESSAGE_INSERT,
            zip(
                new.msg_id, new.time, new.chat, new.chat_key, new.chat_name, new.sender,
                new.sender_name, map(int, new.is_group), map(int, new.is_self), new.type, new.msg_type,
                new.app_type, new.text, new.url, new.file_name, raw, map(int, new.revoked),
                strict=True,
            ),
        )  # fmt: skip
        return positions, keys, {msg_id: last_seq + 1 + j for j, msg_id in enumerate(new.msg_id)}

    def _revoke(
        self, conn: sqlite3.Connection, known: MsgIdIndex, inserted: Mapping[str, int], target: str
    ) -> bool:
        """Mark ``target`` revoked; False if the archive does not have it. By seq when the insert was
        recent (the rule: revokes come within two minutes), else by a scan of the table."""
        seq = inserted.get(target) or self._recent_seqs.get(target) or self._older_seqs.get(target)
        if seq is not None:
            cursor = conn.execute("UPDATE messages SET revoked = 1 WHERE seq = ?", (seq,))
        elif target in known:
            cursor = conn.execute("UPDATE messages SET revoked = 1 WHERE msg_id = ?", (target,))
        else:
            return False
        return cursor.rowcount > 0

    # -- sends ----------------------------------------------------------------------------------------

    def record_send(
        self,
        client_msg_id: str,
        to_user: str,
        content: str,
        *,
        msg_type: int = 1,
        chat_key: str | None = None,
    ) -> None:
        """Journal a send BEFORE its request goes out (durable on return). Its status is ``pending``."""
        self._execute(
            "INSERT INTO send_journal (client_msg_id, to_user, chat_key, msg_type, content, status, "
            "created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
            (str(client_msg_id), to_user, chat_key, msg_type, content, time.time()),
            "journal a send in",
        )

    def complete_send(self, client_msg_id: str, msg_id: str) -> None:
        """The server accepted the send and named it ``msg_id``."""
        self._finish_send(client_msg_id, "sent", msg_id, None)

    def fail_send(self, client_msg_id: str, error: str) -> None:
        """The send failed (``error``: what the user should read; never a secret)."""
        self._finish_send(client_msg_id, "failed", None, error)

    def _finish_send(self, client_msg_id: str, status: str, msg_id: str | None, error: str | None) -> None:
        rowcount = self._execute(
            "UPDATE send_journal SET status = ?, msg_id = ?, error = ?, completed_at = ? "
            "WHERE client_msg_id = ?",
            (status, msg_id, error, time.time(), str(client_msg_id)),
            "update a send in",
        )
        if rowcount == 0:
            raise KeyError(f"no send with ClientMsgId {client_msg_id} was journalled: call record_send first")

    def _execute(self, sql: str, args: tuple[Any, ...], action: str) -> int:
        db = self._db
        with db.lock, translate_errors(db.label, action):
            return db.conn.execute(sql, args).rowcount

    def sends(self, status: Literal["pending", "sent", "failed"] | None = None) -> list[SendRecord]:
        """The send journal, oldest first (optionally only one status)."""
        return self._db.sends(status)

    # -- reading back ---------------------------------------------------------------------------------

    @property
    def sync_state(self) -> SyncState | None:
        """The last committed SyncKey and when it was saved, or None before the first batch."""
        return self._db.sync_state()

    def message_count(self) -> int:
        """How many messages are archived."""
        return self._db.message_count()

    def aliases(self) -> dict[str, str]:
        """The archived key aliases (identity key → key)."""
        return self._db.aliases()

    def fill(self, tables: Tables, *, current_login: bool = False) -> None:
        """Load the archive's messages, contacts and members into ``tables`` (on start).

        Messages come mostly from the columnar cache next to the archive, which this then updates.
        """
        index = MsgIdIndex()
        self._db.fill(tables, current_login=current_login, write_cache=True, msg_ids=index)
        self._msg_ids = index  # the fill read every archived MsgId: no second read on the first batch

    def export_parquet(self, directory: str | Path) -> dict[str, Path]:
        """Write messages, contacts and members as Parquet files into ``directory``; returns the paths."""
        tables = Tables()
        self._db.fill(tables, current_login=True, write_cache=False)
        return _export_parquet(tables, directory)


class ArchiveReader:
    """Read-only history of one archive, as the same DataFrames as a live session. See :func:`open_archive`.

    Frames are loaded on first access and then kept; :meth:`refresh` reloads them (e.g. while a session
    is still writing). It never takes the writer's lock, so it works next to a running session.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self._db = _Connection(self.path, readonly=True, synchronous="FULL", timeout=5.0)
        self._tables: Tables | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ArchiveReader({str(self.path)!r})"

    def close(self) -> None:
        """Close the file (idempotent)."""
        self._db.close()

    def refresh(self) -> None:
        """Forget the loaded frames: the next access reads the file again."""
        with self._lock:
            self._tables = None

    def _loaded(self) -> Tables:
        with self._lock:
            if self._tables is None:
                tables = Tables()
                self._db.fill(tables, current_login=True, write_cache=False)
                self._tables = tables
            return self._tables

    @property
    def messages(self) -> pd.DataFrame:
        """All archived messages, oldest first; columns as :attr:`wxnb.store.tables.Tables.messages`."""
        return self._loaded().messages

    @property
    def contacts(self) -> pd.DataFrame:
        """Contacts as of the last sync; columns as :attr:`wxnb.store.tables.Tables.contacts`
        (``user_name`` is the one of the last login they were seen in)."""
        return self._loaded().contacts

    @property
    def friends(self) -> pd.DataFrame:
        """The friends among :attr:`contacts`."""
        return self._loaded().friends

    @property
    def rooms(self) -> pd.DataFrame:
        """The rooms among :attr:`contacts`."""
        return self._loaded().rooms

    @property
    def mps(self) -> pd.DataFrame:
        """The official accounts among :attr:`contacts`."""
        return self._loaded().mps

    @property
    def members(self) -> pd.DataFrame:
        """Room members as of the last sync; columns as :attr:`wxnb.store.tables.Tables.members`."""
        return self._loaded().members

    @property
    def sync_state(self) -> SyncState | None:
        """The last committed SyncKey and when, or None."""
        return self._db.sync_state()

    def sends(self, status: Literal["pending", "sent", "failed"] | None = None) -> list[SendRecord]:
        """The send journal, oldest first."""
        return self._db.sends(status)

    def export_parquet(self, directory: str | Path) -> dict[str, Path]:
        """Write messages, contacts and members as Parquet files into ``directory``; returns the paths."""
        return _export_parquet(self._loaded(), directory)


def open_archive(path: str | Path) -> ArchiveReader:
    """Open an archive read-only: history across logins as DataFrames (messages, contacts, members).

    ``path`` is the archive file (``<data_dir>/<account>/archive.sqlite3``) or its account directory.

    Example:
        >>> import wxnb.store as store  # doctest: +SKIP
        >>> with store.open_archive("~/.local/share/wxnb/acct-1a2b3c4d5e6f7a8b") as h:  # doctest: +SKIP
        ...     h.messages.groupby("chat_name").size()
    """
    p = Path(path).expanduser()
    if p.is_dir():
        p = p / ARCHIVE_FILE
    return ArchiveReader(p)
