"""The archive's writer: one SQLite archive (WAL) per account, written by one thread (the session's writer).

What it keeps: messages (de-duplicated by MsgId), contacts under their stable keys, room members, the
aliases that keep keys stable across renames, the sync state (the SyncKey and when it was saved), and the
send journal.

The rule that makes it safe: :meth:`Archive.commit_batch` writes a batch of messages, contact changes
and the new SyncKey in ONE transaction and returns only once it is committed (``synchronous=FULL`` by
default: on disk, not only in the OS cache). Only then may the session use the new SyncKey.
A crash before the commit loses nothing: the old key is still archived and the server re-delivers.
Messages are inserted only if their MsgId is new: SQLite's own UNIQUE constraints say so
(``INSERT ... ON CONFLICT DO NOTHING``, see :mod:`wxnb.store.sqlschema` for the keys), and the call
returns which ones were, so the live tables get each message exactly once too, whatever the server
re-delivers or echoes.

A send is journalled with its ClientMsgId *before* the request goes out (:meth:`Archive.record_send`),
then completed with the server's MsgID or marked failed. Sends still ``pending`` after a crash are the
ones whose fate is unknown.

One writer per archive: a lock file next to it (``filelock``) makes a second writer, in this process or
another, fail at once with :class:`ArchiveLockedError`. The operating system drops the lock when the
process dies, so a crash leaves no stale lock behind.

Example:
    >>> import tempfile, pathlib
    >>> from wxnb.store.reader import open_archive
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
import sqlite3
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, Self

import filelock
import pandas as pd

from wxnb.store.database import CONTACT_FIELDS, Database, SendRecord, SyncState, export_parquet
from wxnb.store.errors import ArchiveLockedError, ArchiveWriteError
from wxnb.store.paths import archive_path, private_dir
from wxnb.store.rows import ContactRow, MemberRow, MessageRows
from wxnb.store.sqlschema import classify, msgid_key, translate_errors
from wxnb.store.tables import Tables

__all__ = ["Archive", "CommitResult"]

# Known MsgIds are skipped by the UNIQUE keys; the rows inserted are read back by seq (see _insert_messages).
_MESSAGE_INSERT: Final = (
    "INSERT INTO messages (msg_id, msg_key, time, chat, chat_key, chat_name, sender, sender_name, "
    "is_group, is_self, type, msg_type, app_type, text, url, file_name, duration, raw_content, revoked) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
# Upsert, not REPLACE: keeps the rowid, so contacts stay in first-seen order.
_CONTACT_UPSERT: Final = (
    f"INSERT INTO contacts ({', '.join(CONTACT_FIELDS)}, updated_at) "
    f"VALUES ({', '.join('?' * (len(CONTACT_FIELDS) + 1))}) ON CONFLICT (key) DO UPDATE SET "
    + ", ".join(f"{f} = excluded.{f}" for f in (*CONTACT_FIELDS[1:], "updated_at"))
)


@dataclass(frozen=True, slots=True)
class CommitResult:
    """What :meth:`Archive.commit_batch` did: positions (in the batch) of the messages that were new,
    and the MsgIds marked revoked by new revoke notices."""

    new_positions: list[int] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)


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
        self._lockfile: filelock.BaseFileLock | None = None
        memory = str(path) == ":memory:"
        if not memory:
            private_dir(Path(path).parent)
            self._lockfile = _take_lock(Path(f"{path}.lock"), path)
        try:
            self._db = Database(path, readonly=False, synchronous=synchronous, timeout=timeout)
        except BaseException:
            self._release_lock()
            raise
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
        self._release_lock()

    def _release_lock(self) -> None:
        lock, self._lockfile = self._lockfile, None
        if lock is not None:
            lock.release()

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
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = _write(conn, messages, contacts, removed, members, revokes, sync_key, aliases)
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
        return result

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

    # -- gaps -----------------------------------------------------------------------------------------

    def record_gap(self, start: float, end: float, reason: str) -> None:
        """Record that messages between ``start`` and ``end`` (seconds since the epoch) may be missing
        (durable on return): the server refused the archived SyncKey after a new login."""
        if not end >= start:
            raise ValueError(f"a gap must not end ({end!r}) before it starts ({start!r})")
        self._execute(
            "INSERT INTO gaps (start, end, reason, recorded_at) VALUES (?, ?, ?, ?)",
            (float(start), float(end), reason, time.time()),
            "record a gap in",
        )

    def gaps(self) -> pd.DataFrame:
        """The recorded gaps, oldest first (columns: start, end, reason, recorded_at)."""
        return self._db.gaps()

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
        self._db.fill(tables, current_login=current_login, write_cache=True)

    def export_parquet(self, directory: str | Path) -> dict[str, Path]:
        """Write messages, contacts and members as Parquet files into ``directory``; returns the paths."""
        tables = Tables()
        self._db.fill(tables, current_login=True, write_cache=False)
        return export_parquet(tables, directory)


def _take_lock(path: Path, archive: str | Path) -> filelock.BaseFileLock:
    """The archive's writer lock, taken without waiting (``ArchiveLockedError`` if held).

    ``thread_local=False``: the session's thread writes, but any thread may close the archive.
    ``filelock.FileLock`` is ``flock`` on POSIX, ``LockFileEx`` on Windows, and where neither exists a
    lock file created exclusively that records its owner's PID (a crashed owner's file is reclaimed).
    """
    lock = filelock.FileLock(path, timeout=0, mode=0o600, thread_local=False)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise ArchiveLockedError(
            f"The archive {archive} is in use by another wxnb session (in this or another process). "
            "Close that session first, or give this one another data_dir."
        ) from None
    return lock


def _write(
    conn: sqlite3.Connection,
    messages: MessageRows | None,
    contacts: Sequence[ContactRow],
    removed: Sequence[str],
    members: Mapping[str, Sequence[MemberRow]] | None,
    revokes: Mapping[int, str] | None,
    sync_key: Any,
    aliases: Mapping[str, str] | None,
) -> CommitResult:
    now = time.time()
    new_positions: list[int] = []
    revoked: list[str] = []
    if messages is not None and len(messages):
        new_positions = _insert_messages(conn, messages)
        if revokes:
            targets = [revokes[i] for i in new_positions if i in revokes]
            revoked = [target for target in targets if _revoke(conn, target)]
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
                    c.head_img_url, c.room_name, c.owner, now,
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
    return CommitResult(new_positions, revoked)


def _insert_messages(conn: sqlite3.Connection, rows: MessageRows) -> list[int]:
    """Insert the rows whose MsgId is new (a MsgId twice in the batch: the first one) in one statement;
    returns their positions.

    The UNIQUE keys skip the known ones. Which rows went in is read back by seq: each insert gets the
    largest seq yet, so the rows after the old largest are exactly the new ones, in batch order (cheaper
    than ``RETURNING``, which ``executemany`` cannot use, or a statement per row).
    """
    last_seq = conn.execute("SELECT max(seq) FROM messages").fetchone()[0] or 0
    raw = [None if r == t else r for r, t in zip(rows.raw_content, rows.text, strict=True)]
    # Flags bound as int: sqlite3 binds a bool through its adapter lookup, ~1 µs a value.
    conn.executemany(
        _MESSAGE_INSERT,
        zip(
            rows.msg_id, map(msgid_key, rows.msg_id), rows.time, rows.chat, rows.chat_key, rows.chat_name,
            rows.sender, rows.sender_name, map(int, rows.is_group), map(int, rows.is_self), rows.type,
            rows.msg_type, rows.app_type, rows.text, rows.url, rows.file_name, rows.duration, raw,
            map(int, rows.revoked),
            strict=True,
        ),
    )  # fmt: skip
    inserted = conn.execute("SELECT msg_id FROM messages WHERE seq > ? ORDER BY seq", (last_seq,)).fetchall()
    # The inserted MsgIds are a subsequence of the batch's, each at its first occurrence: walk both.
    positions: list[int] = []
    j = 0
    for i, msg_id in enumerate(rows.msg_id):
        if j < len(inserted) and inserted[j][0] == msg_id:
            positions.append(i)
            j += 1
    return positions


def _revoke(conn: sqlite3.Connection, target: str) -> bool:
    """Mark ``target`` revoked, found by its UNIQUE key; False if the archive does not have it."""
    key = msgid_key(target)
    if key is not None:
        cursor = conn.execute("UPDATE messages SET revoked = 1 WHERE msg_key = ?", (key,))
    else:
        cursor = conn.execute(
            "UPDATE messages SET revoked = 1 WHERE msg_id = ? AND msg_key IS NULL", (target,)
        )
    return cursor.rowcount > 0
