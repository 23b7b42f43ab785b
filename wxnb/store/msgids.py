"""Which MsgIds an archive holds, kept in memory: the archive's de-duplication without a SQLite index.

MsgIds are random 19-digit numbers. A UNIQUE index on them in SQLite puts every new message on a random
page of the index, so a sync batch of 50 messages rewrote ~50 index pages (200 KB of WAL, written and
fsynced at each commit): 60 % of the archive's cost per batch, for nothing but the duplicate check.
This index answers the same question from memory, exactly:

- A MsgId in canonical decimal form of at most 19 digits (every MsgId the server sends) is kept as a
  ``uint64``: in a sorted numpy array (8 bytes each), plus a set of the ones added since the array was
  last rebuilt. Any other string (leading zeros, letters, 20+ digits) is kept as itself in a set: the
  mapping from string to key is one-to-one, so nothing is ever taken for another MsgId.
- It is filled from the archive when the archive is opened for writing, and the archive adds a batch's
  MsgIds only after the batch committed; the archive's file lock makes it the only writer.

Example:
    >>> index = MsgIdIndex()
    >>> index.add(["4875421002314560123", "0042"])
    >>> index.new_positions(["4875421002314560123", "42", "42", "0042"])
    [1]
    >>> len(index)
    2
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["MsgIdIndex", "numeric_key"]

_MERGE_AT: Final = 65_536  # fresh keys folded into the sorted array (O(n), so not too often)
_MAX_DIGITS: Final = 19  # below 10**19 < 2**64: always fits a uint64


def numeric_key(msg_id: str) -> int | None:
    """The integer a MsgId is kept as, or None when it is not in canonical decimal form (≤ 19 digits).

    Example: ``numeric_key("4875421002314560123")`` → 4875421002314560123; ``numeric_key("0042")`` → None
    """
    digits = 0 < len(msg_id) <= _MAX_DIGITS and msg_id.isascii() and msg_id.isdigit()
    if digits and (msg_id[0] != "0" or msg_id == "0"):
        return int(msg_id)
    return None


class MsgIdIndex:
    """A set of MsgIds (strings) with batch lookups; see the module docstring."""

    def __init__(self) -> None:
        self._sorted = np.empty(0, dtype=np.uint64)
        self._fresh: set[int] = set()
        self._other: set[str] = set()

    def __len__(self) -> int:
        return len(self._sorted) + len(self._fresh) + len(self._other)

    def __contains__(self, msg_id: object) -> bool:
        if not isinstance(msg_id, str):
            return False
        key = numeric_key(msg_id)
        if key is None:
            return msg_id in self._other
        return key in self._fresh or self._in_sorted([key])[0]

    def new_positions(self, msg_ids: Sequence[str]) -> list[int]:
        """Positions in ``msg_ids`` of the MsgIds not in the index (a MsgId twice: its first position)."""
        keys = [numeric_key(m) for m in msg_ids]
        numeric = [k for k in keys if k is not None]
        in_sorted = dict(zip(numeric, self._in_sorted(numeric), strict=True))
        seen: set[int | str] = set()
        new: list[int] = []
        for i, (msg_id, key) in enumerate(zip(msg_ids, keys, strict=True)):
            if key is None:
                if msg_id in self._other or msg_id in seen:
                    continue
                seen.add(msg_id)
            else:
                if key in self._fresh or in_sorted[key] or key in seen:
                    continue
                seen.add(key)
            new.append(i)
        return new

    def add(self, msg_ids: Iterable[str]) -> None:
        """Add MsgIds (call only once they are committed)."""
        for msg_id in msg_ids:
            key = numeric_key(msg_id)
            if key is None:
                self._other.add(msg_id)
            else:
                self._fresh.add(key)
        if len(self._fresh) >= _MERGE_AT:
            self._merge(np.fromiter(self._fresh, dtype=np.uint64, count=len(self._fresh)))
            self._fresh = set()

    def add_arrow(self, msg_ids: pa.Array | pa.ChunkedArray) -> None:
        """Add a column of MsgIds read back from the archive (vectorised: a million in ~0.1 s)."""
        text = pc.cast(msg_ids, pa.large_string())
        length = pc.utf8_length(text)
        canonical = pc.and_(
            pc.and_(pc.ascii_is_decimal(text), pc.less_equal(length, _MAX_DIGITS)),
            pc.or_(pc.invert(pc.starts_with(text, "0")), pc.equal(length, 1)),
        )
        numbers = pc.cast(pc.filter(text, canonical), pa.uint64())
        self._merge(numbers.to_numpy() if isinstance(numbers, pa.Array) else _chunked_numpy(numbers))
        self._other.update(pc.filter(text, pc.invert(canonical)).to_pylist())

    def _in_sorted(self, keys: Sequence[int]) -> list[bool]:
        if not keys or not len(self._sorted):
            return [False] * len(keys)
        wanted = np.fromiter(keys, dtype=np.uint64, count=len(keys))
        at = np.searchsorted(self._sorted, wanted)
        at[at == len(self._sorted)] = 0  # past the end: compare with any element (cannot be equal)
        return (self._sorted[at] == wanted).tolist()  # type: ignore[no-any-return]

    def _merge(self, keys: np.ndarray) -> None:
        if len(keys):
            self._sorted = np.union1d(self._sorted, keys.astype(np.uint64, copy=False))


def _chunked_numpy(array: pa.ChunkedArray) -> np.ndarray:
    if array.num_chunks == 0:
        return np.empty(0, dtype=np.uint64)
    return np.concatenate([chunk.to_numpy() for chunk in array.chunks])
