"""Where archives live: the default data directory, one directory per account, the archive file in it.

Example:
    >>> archive_path("acct-0123", "/tmp/wx").as_posix()
    '/tmp/wx/acct-0123/archive.sqlite3'
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Final

__all__ = ["ARCHIVE_FILE", "archive_path", "default_data_dir", "private_dir"]

ARCHIVE_FILE: Final = "archive.sqlite3"
_ACCOUNT_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


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


def private_dir(path: Path) -> None:
    """Create an account directory readable by its owner only: it holds private conversations."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
