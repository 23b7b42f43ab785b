"""Where a session keeps its files under the data directory.

::

    <data_dir>/                       default: $WXNB_DATA_DIR, else the OS's user data dir (platformdirs)
      logins.json                     which account last logged in to which server (no secret)
      acct-1a2b3c4d5e6f7a8b/          one directory per account (mode 0700), named by account_key(uin)
        archive.sqlite3               messages, contacts, sync state, send journal (wxnb.store)
        credentials.json              the session's keys and cookies, mode 0600 (for resume)
        quarantine.jsonl              reply items that could not be decoded

Credentials never go into a notebook, a repr or a log line; only into this file.

Example:
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> remember_account(d, "http://127.0.0.1:9", "acct-0123456789abcdef")
    >>> last_account(d, "http://127.0.0.1:9"), last_account(d, None)
    ('acct-0123456789abcdef', None)
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Final

from wxnb.store import archive_path, default_data_dir

__all__ = [
    "account_dir",
    "credentials_path",
    "last_account",
    "quarantine_path",
    "remember_account",
    "resolve_data_dir",
    "server_label",
]

LOGINS_FILE: Final = "logins.json"
CREDENTIALS_FILE: Final = "credentials.json"
_REAL_SERVER: Final = "wechat"


def resolve_data_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    """``data_dir`` expanded, or the default (see :func:`wxnb.store.default_data_dir`)."""
    return Path(data_dir).expanduser() if data_dir is not None else default_data_dir()


def account_dir(data_dir: Path, account: str) -> Path:
    """The directory of one account (checked to be a safe name)."""
    return archive_path(account, data_dir).parent


def credentials_path(data_dir: Path, account: str) -> Path:
    return account_dir(data_dir, account) / CREDENTIALS_FILE


def quarantine_path(data_dir: Path, account: str) -> Path:
    return account_dir(data_dir, account) / "quarantine.jsonl"


def server_label(base_url: str | None) -> str:
    """Which server a login is for: the base URL (a simulator), or ``wechat`` for the real one."""
    return base_url.rstrip("/") if base_url else _REAL_SERVER


def _read_logins(data_dir: Path) -> dict[str, str]:
    try:
        data = json.loads((data_dir / LOGINS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def last_account(data_dir: Path, base_url: str | None) -> str | None:
    """The account that last logged in to this server from this data dir, or None."""
    return _read_logins(data_dir).get(server_label(base_url))


def remember_account(data_dir: Path, base_url: str | None, account: str) -> None:
    """Record ``account`` as the last login to this server (atomically)."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    logins = _read_logins(data_dir)
    logins[server_label(base_url)] = account
    fd, tmp = tempfile.mkstemp(prefix=".logins.", suffix=".tmp", dir=data_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(logins, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, data_dir / LOGINS_FILE)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
