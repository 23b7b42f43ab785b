"""SyncKey: the cursor of the message stream (PROTOCOL.md §4, webwxinit / synccheck / webwxsync).

The server hands out ``{"Count": n, "List": [{"Key": 1, "Val": 651991553}, ...]}``; synccheck wants it
as ``1_651991553|2_651996455`` (the client URL-encodes ``|`` as ``%7C``), and webwxsync wants the JSON
form back. The string form is also what an archive can checkpoint.

Example:
    >>> key = SyncKey.from_json({"Count": 2, "List": [{"Key": 1, "Val": 10}, {"Key": 2, "Val": 20}]})
    >>> key.for_synccheck()
    '1_10|2_20'
    >>> SyncKey.from_string("1_10|2_20") == key
    True
    >>> key.to_json()
    {'Count': 2, 'List': [{'Key': 1, 'Val': 10}, {'Key': 2, 'Val': 20}]}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from wxnb.protocol.errors import ProtocolError

__all__ = ["SyncKey"]

_MAX_PAIRS: Final = 64
_STRING_RE: Final = re.compile(r"[0-9]{1,10}_[0-9]{1,20}(?:\|[0-9]{1,10}_[0-9]{1,20}){0,63}")


@dataclass(frozen=True, slots=True)
class SyncKey:
    """An ordered tuple of (Key, Val) pairs. Empty before webwxinit."""

    pairs: tuple[tuple[int, int], ...] = ()

    @classmethod
    def from_json(cls, data: Any, *, endpoint: str = "") -> SyncKey:
        """From the reply's ``SyncKey``/``SyncCheckKey`` object.

        Raises:
            ProtocolError: not ``{"List": [{"Key": int, "Val": int}, ...]}``.
        """
        items = data.get("List") if isinstance(data, dict) else None
        if not isinstance(items, list) or len(items) > _MAX_PAIRS:
            raise ProtocolError("SyncKey must be {Count, List: [{Key, Val}]}", data, endpoint=endpoint)
        pairs = []
        for item in items:
            key = item.get("Key") if isinstance(item, dict) else None
            val = item.get("Val") if isinstance(item, dict) else None
            if type(key) is not int or type(val) is not int or key < 0 or val < 0:
                raise ProtocolError("SyncKey items must be {Key: int, Val: int}", item, endpoint=endpoint)
            pairs.append((key, val))
        return cls(tuple(pairs))

    def to_json(self) -> dict[str, Any]:
        """The form webwxsync expects in its body."""
        return {"Count": len(self.pairs), "List": [{"Key": k, "Val": v} for k, v in self.pairs]}

    def for_synccheck(self) -> str:
        """``1_123|2_456``: the ``synckey`` query parameter of synccheck (before URL-encoding)."""
        return "|".join(f"{k}_{v}" for k, v in self.pairs)

    def to_string(self) -> str:
        """Same text as :meth:`for_synccheck`; the form to checkpoint."""
        return self.for_synccheck()

    @classmethod
    def from_string(cls, text: str) -> SyncKey:
        """Inverse of :meth:`to_string` (``""`` gives the empty key). Raises ValueError on bad text."""
        if text == "":
            return cls()
        if not _STRING_RE.fullmatch(text):
            raise ValueError(f"not a sync key string like 1_123|2_456: {text[:80]!r}")
        return cls(tuple((int(k), int(v)) for k, _, v in (p.partition("_") for p in text.split("|"))))

    def __bool__(self) -> bool:
        return bool(self.pairs)
