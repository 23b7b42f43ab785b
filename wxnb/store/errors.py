"""Typed errors of the store: each says what happened and what to do next.

No message here ever contains a secret: paths and counts only, never a Uin, Sid, Skey or cookie.

Example:
    >>> from wxnb.store.errors import ArchiveError, ArchiveLockedError
    >>> issubclass(ArchiveLockedError, ArchiveError)
    True
"""

from __future__ import annotations

from wxnb.errors import Error

__all__ = [
    "ArchiveClosedError",
    "ArchiveCorruptError",
    "ArchiveError",
    "ArchiveLockedError",
    "ArchiveSchemaError",
    "ArchiveVersionError",
    "ArchiveWriteError",
    "InvalidTimeZone",
    "MissingDependencyError",
    "StoreError",
]


class StoreError(Error):
    """Base class of every error raised by ``wxnb.store``."""


class ArchiveError(StoreError):
    """Something is wrong with an archive file; the message names the file and the way out."""


class ArchiveCorruptError(ArchiveError):
    """The file is not a readable SQLite database (damaged, truncated, or not SQLite at all)."""


class ArchiveLockedError(ArchiveError):
    """Another session (this process or another one) is writing to the same archive."""


class ArchiveSchemaError(ArchiveError):
    """The file is a SQLite database, but not a wxnb archive (some other program's tables)."""


class ArchiveVersionError(ArchiveError):
    """The archive was written by a newer wxnb whose schema this version does not know."""


class ArchiveWriteError(ArchiveError):
    """A batch could not be committed. Nothing of it was written: it is safe to retry it."""


class ArchiveClosedError(ArchiveError):
    """The archive was used after ``close()``."""


class InvalidTimeZone(StoreError, ValueError):
    """A ``tz=`` that names no time zone; the message says what is accepted."""


class MissingDependencyError(StoreError, ImportError):
    """An optional package is needed for this call; the message says which one to install."""
