"""Read-only access to an archive: history across logins as the same DataFrames as a live session.

Example:
    >>> import tempfile, pathlib
    >>> from wxnb.store.writer import Archive
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.sqlite3"
    >>> Archive(path).close()
    >>> with open_archive(path) as history:
    ...     history.messages.shape
    (0, 18)
"""

from __future__ import annotations

import threading
from datetime import tzinfo
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import pandas as pd

from wxnb.store.columns import resolve_zone
from wxnb.store.database import Database, SendRecord, SyncState, export_parquet
from wxnb.store.paths import ARCHIVE_FILE
from wxnb.store.tables import Tables

__all__ = ["ArchiveReader", "open_archive"]


class ArchiveReader:
    """Read-only history of one archive, as the same DataFrames as a live session. See :func:`open_archive`.

    Frames are loaded on first access and then kept; :meth:`refresh` reloads them (e.g. while a session
    is still writing). It never takes the writer's lock, so it works next to a running session.
    """

    def __init__(self, path: str | Path, *, tz: tzinfo | str | None = None) -> None:
        self.path = Path(path).expanduser()
        self._tz = resolve_zone(tz)  # a bad zone fails here, not at the first read
        self._db = Database(self.path, readonly=True, synchronous="FULL", timeout=5.0)
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
                tables = Tables(tz=self._tz)
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

    @property
    def gaps(self) -> pd.DataFrame:
        """Time ranges in which messages may be missing (a new login whose server refused the archived
        SyncKey): start, end, reason, recorded_at, oldest first, times in the reader's zone (``tz``,
        default local) like the other frames. Read afresh at every access."""
        gaps = self._db.gaps()
        for column in ("start", "end", "recorded_at"):
            gaps[column] = gaps[column].dt.tz_convert(self._tz)
        return gaps

    def sends(self, status: Literal["pending", "sent", "failed"] | None = None) -> list[SendRecord]:
        """The send journal, oldest first."""
        return self._db.sends(status)

    def export_parquet(self, directory: str | Path) -> dict[str, Path]:
        """Write messages, contacts and members as Parquet files into ``directory``; returns the paths."""
        return export_parquet(self._loaded(), directory)


def open_archive(path: str | Path, *, tz: tzinfo | str | None = None) -> ArchiveReader:
    """Open an archive read-only: history across logins as DataFrames (messages, contacts, members).

    ``path`` is the archive file (``<data_dir>/<account>/archive.sqlite3``) or its account directory.
    ``tz``: the time zone of the frames' times (an IANA name such as ``"Asia/Shanghai"`` or a
    ``tzinfo``; default: the machine's local zone).

    Example:
        >>> import wxnb.store as store  # doctest: +SKIP
        >>> with store.open_archive("~/.local/share/wxnb/acct-1a2b3c4d5e6f7a8b") as h:  # doctest: +SKIP
        ...     h.messages.groupby("chat_name").size()
    """
    p = Path(path).expanduser()
    if p.is_dir():
        p = p / ARCHIVE_FILE
    return ArchiveReader(p, tz=tz)
