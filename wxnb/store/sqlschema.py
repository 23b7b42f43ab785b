"""The archive's SQLite schema, its version check, and the translation of SQLite errors into typed ones.

A wxnb archive is recognised by ``PRAGMA application_id`` (``0x77786E62``, "wxnb") and carries a
``schema_version`` table. Opening checks both: a database of another program is refused
(:class:`ArchiveSchemaError`), one from a newer wxnb too (:class:`ArchiveVersionError`), and an older one
is migrated forward by the functions in ``MIGRATIONS``, data kept.

MsgIds are unique by SQLite's own constraints (schema 3). A MsgId in canonical decimal form of at most 19
digits (every MsgId the server sends) has an INTEGER key, ``msg_key``: the number minus 2**63, which maps
0 .. 10**19 - 1 into SQLite's signed 64 bits in the same order. Its UNIQUE index holds 8-byte keys
instead of 19-character strings, so more of them fit a page. Any other MsgId (leading zeros, letters,
20+ digits) has no ``msg_key`` and is unique by a partial index on ``msg_id``, which is almost always
empty. A new archive gets 1 KiB pages: MsgIds are random, so each new message dirties one leaf page
of the index wherever it falls, and a commit writes those pages to the WAL; small pages write less.

Example:
    >>> import sqlite3
    >>> conn = sqlite3.connect(":memory:", isolation_level=None)
    >>> prepare(conn, ":memory:", create=True)
    >>> conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    True
"""

from __future__ import annotations

import contextlib
import html
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Final

from wxnb.store.errors import (
    ArchiveCorruptError,
    ArchiveError,
    ArchiveLockedError,
    ArchiveSchemaError,
    ArchiveVersionError,
)
from wxnb.store.rows import UNNAMED_ROOM

__all__ = [
    "APPLICATION_ID",
    "MIGRATIONS",
    "PAGE_SIZE",
    "SCHEMA_VERSION",
    "duration_from_content",
    "msgid_key",
    "prepare",
    "translate_errors",
]

APPLICATION_ID: Final = 0x77786E62  # "wxnb"
SCHEMA_VERSION: Final = 7
PAGE_SIZE: Final = 1024  # for new archives; a migrated one keeps its own (see the module docstring)

_MAX_DIGITS: Final = 19  # 10**19 - 1 < 2**64: minus 2**63, any fits a signed 64-bit integer
_KEY_OFFSET: Final = 2**63


def msgid_key(msg_id: str) -> int | None:
    """The INTEGER key of a canonical MsgId (order-preserving), None for any other string.

    Example:
        >>> msgid_key("0"), msgid_key("9999999999999999999"), msgid_key("0042"), msgid_key("x1")
        (-9223372036854775808, 776627963145224191, None, None)
    """
    if (
        len(msg_id) <= _MAX_DIGITS
        and msg_id.isdigit()
        and msg_id.isascii()
        and (msg_id[0] != "0" or msg_id == "0")
    ):
        return int(msg_id) - _KEY_OFFSET
    return None


_SCHEMA_V1: Final = """
CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY,
    applied_at REAL NOT NULL
);
CREATE TABLE meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE messages (
    seq INTEGER PRIMARY KEY,              -- arrival order
    msg_id TEXT NOT NULL UNIQUE,
    time INTEGER NOT NULL,                -- seconds since the epoch, UTC
    chat TEXT NOT NULL,
    chat_key TEXT,
    chat_name TEXT,
    sender TEXT NOT NULL,
    sender_name TEXT,
    is_group INTEGER NOT NULL,
    is_self INTEGER NOT NULL,
    type TEXT NOT NULL,
    msg_type INTEGER NOT NULL,
    app_type INTEGER NOT NULL,
    text TEXT NOT NULL,
    url TEXT NOT NULL,
    file_name TEXT NOT NULL,
    raw_content TEXT,                     -- NULL when equal to text (most plain texts)
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE contacts (
    key TEXT PRIMARY KEY,                 -- rowid order = first seen
    user_name TEXT,                       -- in the last login it was seen in
    kind TEXT NOT NULL,
    nickname TEXT NOT NULL,
    remark TEXT NOT NULL,
    alias TEXT NOT NULL,
    sex INTEGER NOT NULL,
    province TEXT NOT NULL,
    city TEXT NOT NULL,
    signature TEXT NOT NULL,
    member_count INTEGER,
    is_starred INTEGER NOT NULL,
    contact_flag INTEGER NOT NULL,
    verify_flag INTEGER NOT NULL,
    head_img_url TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE members (
    room_key TEXT NOT NULL,
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    room_user_name TEXT,
    user_name TEXT,
    nickname TEXT NOT NULL,
    display_name TEXT NOT NULL,
    PRIMARY KEY (room_key, key)
) WITHOUT ROWID;
CREATE TABLE key_aliases (
    alias TEXT PRIMARY KEY,
    key TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sync_key TEXT NOT NULL,               -- JSON, as the server sent it
    updated_at REAL NOT NULL
);
CREATE TABLE send_journal (
    client_msg_id TEXT PRIMARY KEY,
    to_user TEXT NOT NULL,
    chat_key TEXT,
    msg_type INTEGER NOT NULL,
    content TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    msg_id TEXT,
    error TEXT,
    created_at REAL NOT NULL,
    completed_at REAL
);
"""


def _messages_without_a_msg_id_index(conn: sqlite3.Connection) -> None:
    """Schema 2: ``messages.msg_id`` loses its UNIQUE index. MsgIds are random, so the index took a page
    write per message at each commit (schema 2 de-duplicated from memory; schema 3 by a cheaper key)."""
    columns = [row[1] for row in conn.execute("PRAGMA table_info(messages)")]
    start, end = _SCHEMA_V1.index("CREATE TABLE messages ("), _SCHEMA_V1.index("CREATE TABLE contacts")
    table = _SCHEMA_V1[start:end]
    table = table.replace("msg_id TEXT NOT NULL UNIQUE", "msg_id TEXT NOT NULL").rstrip().rstrip(";")
    conn.execute(table.replace("CREATE TABLE messages", "CREATE TABLE messages_v2", 1))
    listed = ", ".join(columns)
    conn.execute(f"INSERT INTO messages_v2 ({listed}) SELECT {listed} FROM messages")
    conn.execute("DROP TABLE messages")
    conn.execute("ALTER TABLE messages_v2 RENAME TO messages")


def _msg_ids_unique_by_key(conn: sqlite3.Connection) -> None:
    """Schema 3: MsgIds unique again, by SQLite's constraints (see the module docstring): an INTEGER
    ``msg_key`` with a UNIQUE index, and a partial UNIQUE index on the other MsgIds. A revoke finds its
    message by them. Should an archive hold a MsgId twice (schema 2 had no constraint), the later rows
    are dropped, as the de-duplication would have dropped them."""
    conn.create_function("wxnb_msgid_key", 1, msgid_key, deterministic=True)
    conn.execute("ALTER TABLE messages ADD COLUMN msg_key INTEGER")
    conn.execute("UPDATE messages SET msg_key = wxnb_msgid_key(msg_id)")
    conn.execute("DELETE FROM messages WHERE seq NOT IN (SELECT min(seq) FROM messages GROUP BY msg_id)")
    conn.execute("CREATE UNIQUE INDEX messages_msg_key ON messages (msg_key)")
    conn.execute("CREATE UNIQUE INDEX messages_other_msg_id ON messages (msg_id) WHERE msg_key IS NULL")


def _gaps(conn: sqlite3.Connection) -> None:
    """Schema 4: ``gaps``, the time ranges in which messages may be missing. A new login whose server
    refused the archived SyncKey starts from webwxinit's; what arrived between the last archived sync
    (``start``) and that login's webwxinit (``end``) was never delivered. One row per such login."""
    conn.execute(
        "CREATE TABLE gaps ("
        "id INTEGER PRIMARY KEY, "
        "start REAL NOT NULL, "  # seconds since the epoch, UTC: the last archived sync
        "end REAL NOT NULL, "  # the new login's webwxinit
        "reason TEXT NOT NULL, "
        "recorded_at REAL NOT NULL)"
    )


_VOICE_LENGTH_RE: Final = re.compile(r'voicelength\s*=\s*"(\d{1,9})"')
_PLAY_LENGTH_RE: Final = re.compile(r'playlength\s*=\s*"(\d{1,9})"')


def duration_from_content(msg_type: int, content: str | None) -> float | None:
    """The length in seconds that a voice (MsgType 34) or video (43, 62) message's XML states, else None.

    Messages archived before schema 5 have no ``duration``; their Content (the XML as the server sent
    it, escaped or not) still says it: ``voicelength`` in milliseconds, ``playlength`` in seconds.

    Example:
        >>> duration_from_content(34, '&lt;msg&gt;&lt;voicemsg voicelength="7250" /&gt;&lt;/msg&gt;')
        7.25
        >>> duration_from_content(43, '<videomsg playlength="62" />'), duration_from_content(1, "hi")
        (62.0, None)
    """
    if msg_type not in (34, 43, 62) or not content:
        return None
    xml = html.unescape(content) if "&" in content else content
    if msg_type == 34:
        match = _VOICE_LENGTH_RE.search(xml)
        return int(match.group(1)) / 1000 if match and int(match.group(1)) > 0 else None
    match = _PLAY_LENGTH_RE.search(xml)
    return float(match.group(1)) if match and int(match.group(1)) > 0 else None


def _message_durations(conn: sqlite3.Connection) -> None:
    """Schema 5: ``messages.duration``, how long a voice or video message plays (seconds; NULL for the
    rest). Archived voice and video messages get theirs from their Content's XML."""
    conn.execute("ALTER TABLE messages ADD COLUMN duration REAL")
    conn.create_function("wxnb_duration", 2, duration_from_content, deterministic=True)
    conn.execute(
        "UPDATE messages SET duration = wxnb_duration(msg_type, raw_content) WHERE msg_type IN (34, 43, 62)"
    )


def _room_names(conn: sqlite3.Connection) -> None:
    """Schema 6: ``contacts.room_name``, the name a room without a topic goes by (its members' names,
    "A、B、C…", as WeChat's clients show it; "" for everyone else), so that a restored room is named
    at once, not "Group chat" until a contact list names it again. Archived rooms get the name their
    latest message was filed under (``messages.chat_name`` was resolved the same way)."""
    conn.execute("ALTER TABLE contacts ADD COLUMN room_name TEXT NOT NULL DEFAULT ''")
    conn.execute(
        "UPDATE contacts SET room_name = coalesce(("
        "SELECT chat_name FROM messages WHERE chat_key = contacts.key AND chat_name IS NOT NULL "
        "AND chat_name NOT IN ('', ?) ORDER BY seq DESC LIMIT 1), '') "
        "WHERE kind = 'room' AND nickname = '' AND remark = ''",
        (UNNAMED_ROOM,),
    )


def _room_owners(conn: sqlite3.Connection) -> None:
    """Schema 7: ``contacts.owner``, the name of a room's owner (NULL when unknown, and for everyone
    but rooms). Archived rooms get theirs when a login lists them again."""
    conn.execute("ALTER TABLE contacts ADD COLUMN owner TEXT")


MIGRATIONS: Final[dict[int, Callable[[sqlite3.Connection], None]]] = {
    2: _messages_without_a_msg_id_index,
    3: _msg_ids_unique_by_key,
    4: _gaps,
    5: _message_durations,
    6: _room_names,
    7: _room_owners,
}
"""``MIGRATIONS[v]`` upgrades a version ``v - 1`` archive to version ``v`` (inside one transaction)."""


@contextlib.contextmanager
def translate_errors(path: str, action: str) -> Iterator[None]:
    """Turn SQLite's errors into typed ones that say what to do (the path is named, nothing secret)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise classify(exc, path, action) from exc


def classify(exc: sqlite3.Error, path: str, action: str) -> ArchiveError:
    """The typed error for a SQLite error met while doing ``action`` on ``path``."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return ArchiveLockedError(
            f"The archive {path} is busy: another program holds a write lock on it ({action}). "
            "Close the other session or notebook using it, or give this one another data_dir."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return ArchiveCorruptError(
            f"The archive {path} is damaged ({exc}). Move it aside (wxnb then starts a new one); "
            "`sqlite3 OLD .recover | sqlite3 NEW` can often rescue its contents."
        )
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return ArchiveError(
            f"Cannot {action} the archive {path} ({exc}). Check that the directory exists and is "
            "writable, or choose another data_dir."
        )
    return ArchiveError(f"SQLite failed to {action} the archive {path}: {exc}")


def prepare(conn: sqlite3.Connection, path: str, *, create: bool) -> None:
    """Check that ``conn`` holds a wxnb archive of a known version; create or migrate it if allowed."""
    with translate_errors(path, "read"):
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    if app_id == 0 and not tables:
        if not create:
            raise ArchiveError(f"{path} is empty: there is no wxnb archive there yet. Check the path.")
        _create(conn, path)
        return
    if app_id != APPLICATION_ID or "schema_version" not in tables:
        listed = ", ".join(sorted(tables)[:6]) or "none"
        raise ArchiveSchemaError(
            f"{path} is a SQLite database of another program (application id {app_id}, tables: {listed}). "
            "wxnb will not touch it: choose another path or data_dir."
        )
    with translate_errors(path, "read"):
        version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0
    if version > SCHEMA_VERSION:
        raise ArchiveVersionError(
            f"{path} was written by a newer wxnb (schema {version}; this one knows up to {SCHEMA_VERSION}). "
            "Upgrade wxnb (pip install -U wxnb) to open it."
        )
    if version < SCHEMA_VERSION:
        if not create:
            raise ArchiveVersionError(
                f"{path} has schema {version}; open it once for writing (wxnb.Store / Archive) to "
                f"upgrade it to {SCHEMA_VERSION}."
            )
        _migrate(conn, path, version)


def _create(conn: sqlite3.Connection, path: str) -> None:
    with translate_errors(path, "create"):
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # only before the first table exists
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA_V1.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            now = time.time()
            conn.execute("INSERT INTO schema_version VALUES (?, ?)", (1, now))
            conn.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("key_salt", secrets.token_hex(16)), ("created_at", repr(now))],
            )
            for version in range(2, SCHEMA_VERSION + 1):
                MIGRATIONS[version](conn)
                conn.execute("INSERT INTO schema_version VALUES (?, ?)", (version, now))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _migrate(conn: sqlite3.Connection, path: str, version: int) -> None:
    with translate_errors(path, "upgrade"):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for target in range(version + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[target](conn)
                conn.execute("INSERT INTO schema_version VALUES (?, ?)", (target, time.time()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
