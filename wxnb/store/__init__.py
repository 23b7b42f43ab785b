"""What we know: in-memory tables and their durable archive.

- :class:`Store`: tables + archive of one account, updated by one writer thread (the session's), one
  batch at a time.
- :class:`Tables`: the live DataFrames (messages, contacts, friends, rooms, mps, members).
- :class:`Archive` / :func:`open_archive`: the SQLite archive, writable (:mod:`~wxnb.store.writer`) /
  read-only (:mod:`~wxnb.store.reader`); where archives live: :mod:`~wxnb.store.paths`.
- :mod:`wxnb.store.keys`: stable keys for contacts and rooms across logins.

Example:
    >>> from wxnb.store import Store
    >>> Store.in_memory().messages.shape
    (0, 18)
"""

from __future__ import annotations

from wxnb.store.database import SendRecord, SyncState
from wxnb.store.errors import (
    ArchiveClosedError,
    ArchiveCorruptError,
    ArchiveError,
    ArchiveLockedError,
    ArchiveSchemaError,
    ArchiveVersionError,
    ArchiveWriteError,
    InvalidTimeZone,
    MissingDependencyError,
    StoreError,
)
from wxnb.store.keys import KeyRegistry, account_key, contact_key, member_key
from wxnb.store.paths import archive_path, default_data_dir
from wxnb.store.reader import ArchiveReader, open_archive
from wxnb.store.rows import ContactRow, MemberRow, MessageRows, Resolution, duration_of
from wxnb.store.store import Resolver, Store
from wxnb.store.tables import Tables
from wxnb.store.writer import Archive, CommitResult

__all__ = [
    "Archive",
    "ArchiveClosedError",
    "ArchiveCorruptError",
    "ArchiveError",
    "ArchiveLockedError",
    "ArchiveReader",
    "ArchiveSchemaError",
    "ArchiveVersionError",
    "ArchiveWriteError",
    "CommitResult",
    "ContactRow",
    "InvalidTimeZone",
    "KeyRegistry",
    "MemberRow",
    "MessageRows",
    "MissingDependencyError",
    "Resolution",
    "Resolver",
    "SendRecord",
    "Store",
    "StoreError",
    "SyncState",
    "Tables",
    "account_key",
    "archive_path",
    "contact_key",
    "default_data_dir",
    "duration_of",
    "member_key",
    "open_archive",
]
