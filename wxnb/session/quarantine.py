"""Reply items that could not be decoded, set aside instead of stalling the sync.

The rule (issue 4): a webwxsync reply with one item of the wrong shape must not make the sync thread
ask for the same batch forever. So the reply is decoded item by item
(``parse_sync(..., skip_bad_items=True)``): good items are applied, bad ones are written here — the
item's JSON, which list it was in, and why it was refused — *before* the batch's SyncKey is
acknowledged, and the sync moves on. Nothing is lost: a fixed wxnb can decode the kept JSON later.

A reply whose envelope cannot be read (not JSON, no SyncKey) has no key to move on to: the sync thread
retries it a bounded number of times (:attr:`~wxnb.session.sync.SyncOptions.max_bad_replies`), then
stops with state ``failed`` and the reason on the status.

The file is ``<data_dir>/<account>/quarantine.jsonl`` (one JSON object per line, mode 0600, fsynced);
:attr:`Session.quarantine` shows it as a DataFrame.

Example:
    >>> from wxnb.protocol import SkippedItem
    >>> q = Quarantine(None)
    >>> q.add([SkippedItem("AddMsgList", 3, "MsgId is missing", '{"Content":"hi"}')])
    1
    >>> q.frame()[["list_name", "index", "error"]].values.tolist()
    [['AddMsgList', 3, 'MsgId is missing']]
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import pandas as pd

from wxnb.protocol import SkippedItem

__all__ = ["QUARANTINE_COLUMNS", "QUARANTINE_FILE", "Quarantine"]

QUARANTINE_FILE: Final = "quarantine.jsonl"
QUARANTINE_COLUMNS: Final = ("time", "list_name", "index", "error", "raw")


class Quarantine:
    """The set-aside items of one account (``path``: the JSONL file, or None to keep them in memory)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._rows: list[dict[str, Any]] = []
        if path is not None and path.exists():
            self._rows = [self._read(line) for line in path.read_text("utf-8").splitlines() if line.strip()]

    @staticmethod
    def _read(line: str) -> dict[str, Any]:
        try:
            row = json.loads(line)
        except ValueError:
            return {"time": None, "list_name": "?", "index": -1, "error": "unreadable line", "raw": line}
        return row if isinstance(row, dict) else {"raw": line}

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, items: Iterable[SkippedItem]) -> int:
        """Keep ``items`` (durable on return when there is a file); returns how many."""
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        rows = [
            {"time": now, "list_name": i.list_name, "index": i.index, "error": i.error, "raw": i.raw}
            for i in items
        ]
        if not rows:
            return 0
        with self._lock:
            if self.path is not None:
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
                    os.write(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
            self._rows.extend(rows)
        return len(rows)

    def frame(self) -> pd.DataFrame:
        """The items as a DataFrame: time (UTC), list_name, index, error, raw (the item's JSON)."""
        with self._lock:
            rows = list(self._rows)
        frame = pd.DataFrame(rows, columns=list(QUARANTINE_COLUMNS))
        frame["time"] = pd.to_datetime(frame["time"], utc=True, errors="coerce")
        return frame
