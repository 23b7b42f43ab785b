"""SyncKeys that encode a client's position in the world's message log and contact-change log.

What ``webwxsync`` delivers depends only on the key the client sends back (PROTOCOL.md §4): a stale
key gets the same messages again, a fresh one gets only what is new. So the key *is* the position:

- key 1: ``base1 + contact-log position``
- key 2: ``base2 + message-log position``
- key 3, 11: mirrors of the message position at other bases (real keys come in such families)
- key 201: the CreateTime of the newest message, key 1000: the login time, key 1001: the reply time
  (informational, ignored when decoding)

Bases are realistic-looking numbers (``651991553``...) drawn per world, so positions never look like
small integers and a key from another world decodes to nothing useful.

Example:
    >>> codec = SyncKeyCodec(seed=0)
    >>> key = codec.encode(msg_pos=5, contact_pos=2, login_time=1700000000, last_time=1700000100)
    >>> codec.decode(key)
    (5, 2)
    >>> codec.decode(parse_synccheck_key(format_synccheck_key(key)))
    (5, 2)
"""

from __future__ import annotations

import random
from typing import Any

from wxnb.sim.strict import MAX_UINT64, NumberError, digits_or_none, json_int

__all__ = ["SyncKeyCodec", "format_synccheck_key", "parse_synccheck_key"]

SyncKey = dict[str, Any]  # {"Count": n, "List": [{"Key": k, "Val": v}, ...]}


class SyncKeyCodec:
    """Encodes and decodes positions for one world."""

    def __init__(self, seed: int = 0) -> None:
        rng = random.Random(f"synckey:{seed}")
        self.base1 = 651_991_553 + rng.randrange(0, 4_000_000)
        self.base2 = self.base1 + 4_902 + rng.randrange(0, 50_000)
        self.base3 = self.base2 - 71 - rng.randrange(0, 1_000)
        self.base11 = self.base2 - 40 - rng.randrange(0, 1_000)

    def encode(
        self, msg_pos: int, contact_pos: int, login_time: int, last_time: int, *, full: bool = False
    ) -> SyncKey:
        """The key for these positions. ``full`` adds keys 11, 201 and 1001 (webwxsync replies)."""
        pairs = [
            (1, self.base1 + contact_pos),
            (2, self.base2 + msg_pos),
            (3, self.base3 + msg_pos),
        ]
        if full:
            pairs += [(11, self.base11 + msg_pos), (201, last_time), (1000, login_time), (1001, last_time)]
        else:
            pairs.append((1000, login_time))
        return {"Count": len(pairs), "List": [{"Key": k, "Val": v} for k, v in pairs]}

    def decode(self, key: object) -> tuple[int, int] | None:
        """(message position, contact position) from a SyncKey object, or None if it carries neither.

        Positions may be negative or beyond the logs' ends for keys that were never handed out; the
        caller clamps them. A key carrying only one of the two keeps the other as None → -1.
        """
        pairs = _pairs(key)
        if pairs is None:
            return None
        msg = pairs.get(2)
        contact = pairs.get(1)
        if msg is None and contact is None:
            return None
        return (
            msg - self.base2 if msg is not None else -1,
            contact - self.base1 if contact is not None else -1,
        )

    @staticmethod
    def login_stamp(key: object) -> int | None:
        """Key 1000 (the login time the key was handed out under), or None when the key has none."""
        pairs = _pairs(key)
        return None if pairs is None else pairs.get(1000)


def _pairs(key: object) -> dict[int, int] | None:
    if not isinstance(key, dict):
        return None
    items = key.get("List")
    if not isinstance(items, list):
        return None
    out: dict[int, int] = {}
    for item in items:
        if not isinstance(item, dict):
            return None
        try:
            out[json_int(item.get("Key"), "Key", 0, MAX_UINT64, text=True)] = json_int(
                item.get("Val"), "Val", 0, MAX_UINT64, text=True
            )
        except NumberError:
            return None
    return out


def format_synccheck_key(key: SyncKey) -> str:
    """The ``synckey`` query value of synccheck: ``1_651991553|2_651996455|...`` (before URL encoding)."""
    return "|".join(f"{item['Key']}_{item['Val']}" for item in key["List"])


def parse_synccheck_key(text: str) -> SyncKey | None:
    """The inverse of :func:`format_synccheck_key`; None when the text is not of that form."""
    items = []
    for part in text.split("|"):
        if not part:
            continue
        k, sep, v = part.partition("_")
        if not sep:
            return None
        key, value = digits_or_none(k), digits_or_none(v)
        if key is None or value is None:
            return None
        items.append({"Key": key, "Val": value})
    if not items:
        return None
    return {"Count": len(items), "List": items}
