"""Column storage for append-only tables: cheap appends, snapshots that copy nothing.

Three kinds of column, each chosen so that a snapshot of n rows costs O(number of chunks), not O(n):

- :class:`GrowingArray`: numbers, flags and times in one numpy array with spare capacity. An append
  writes past the end; a snapshot is a read-only view of the prefix, which later appends never touch
  (they write beyond it, or into a new, larger array). The one in-place change (``set``) copies the array
  first if a snapshot may be viewing it.
- :class:`TextColumn`: text as immutable Arrow arrays (compact UTF-8, no Python object per value),
  the ``str`` dtype of pandas 3. Each append becomes a small array; small arrays are merged while the
  previous one is less than twice as big, so there are O(log n) of them and each row is copied O(log n)
  times in total; arrays of ``seal_rows`` rows or more are sealed and never copied again. A snapshot is
  a chunked array over them: no copy.
- :class:`InternedColumn`: few distinct values repeated many times (chat ids and names, categories) as
  a pandas ``category``: codes in a :class:`GrowingArray`, categories in an append-only list.

:func:`share_safely` hands a cached frame out so that a user who writes into it gets a private copy
(pandas copy-on-write) instead of writing into the store.

Example:
    >>> col = TextColumn(seal_rows=4)
    >>> col.extend(["a", "b"]); col.extend(["c"])  # 2 rows, then 1: kept apart
    >>> [c.to_pylist() for c in col.chunks()]
    [['a', 'b'], ['c']]
    >>> col.extend(["d", "e"])  # 1 row before 2: merged; 5 rows >= 4: sealed
    >>> [c.to_pylist() for c in col.chunks()]
    [['a', 'b', 'c', 'd', 'e']]
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from wxnb.store.errors import InvalidTimeZone

__all__ = [
    "STR_DTYPE",
    "TIME_DTYPE",
    "GrowingArray",
    "InternedColumn",
    "TextColumn",
    "code_dtype",
    "local_zone",
    "resolve_zone",
    "share_safely",
    "text_array",
    "time_dtype",
]

STR_DTYPE: Final = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas 3's default ``str`` dtype, stated explicitly: Arrow storage, NaN for missing."""

TIME_DTYPE: Final = pd.DatetimeTZDtype("us", "UTC")
"""How times are stored (microseconds since the epoch); frames show them in a zone (:func:`time_dtype`)."""


def local_zone() -> tzinfo:
    """The machine's local time zone (the kernel's), what the tables and the widgets show times in.

    An IANA zone (with its DST rules) when it can be named: ``$TZ`` if it is one, else where
    ``/etc/localtime`` points (Linux, macOS); otherwise (Windows, a POSIX ``TZ`` string) the current
    UTC offset as a fixed zone.

    >>> local_zone().utcoffset(datetime(2026, 1, 1)) is not None
    True
    """
    names = [os.environ.get("TZ", "").lstrip(":")]
    target = os.path.realpath("/etc/localtime")
    if "zoneinfo" + os.sep in target:
        names.append(target.split("zoneinfo" + os.sep, 1)[1])
    for name in names:
        if not name:
            continue
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):  # not an IANA name (e.g. TZ="CST-8"): try the next
            continue
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None  # astimezone() always sets one
    return zone


def resolve_zone(tz: tzinfo | str | None = None) -> tzinfo:
    """The time zone ``tz`` names: an IANA name ("Asia/Shanghai", "UTC"), a ``tzinfo``
    (``datetime.timezone.utc``, a ``ZoneInfo``), or None for :func:`local_zone`.

    >>> resolve_zone("Asia/Shanghai"), resolve_zone(None) == local_zone()
    (zoneinfo.ZoneInfo(key='Asia/Shanghai'), True)

    Raises:
        InvalidTimeZone: ``tz`` is neither (a misspelt name, a number).
    """
    if tz is None:
        return local_zone()
    if isinstance(tz, tzinfo):
        return tz
    if isinstance(tz, str) and tz:
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # said below, with what is accepted
    raise InvalidTimeZone(
        f"tz={tz!r} is not a time zone: give an IANA name such as 'Asia/Shanghai' or 'UTC', a "
        "datetime.tzinfo (datetime.timezone.utc, zoneinfo.ZoneInfo(...)), or None for the kernel's own."
    )


def time_dtype(tz: tzinfo | str | None = None) -> pd.DatetimeTZDtype:
    """The dtype of table times in ``tz`` (see :func:`resolve_zone`; None: :func:`local_zone`). Only
    the label differs from :data:`TIME_DTYPE`: the stored instants are the same, so a frame in any
    zone costs nothing more.

    >>> time_dtype("UTC")
    datetime64[us, UTC]
    """
    return pd.DatetimeTZDtype("us", resolve_zone(tz))


_MIN_CAPACITY: Final = 1024


class GrowingArray:
    """A numpy array with spare capacity: appends go past the end, snapshots view the prefix.

    Example:
        >>> g = GrowingArray(np.int64)
        >>> g.extend([1, 2]); v = g.view(); g.extend([3])
        >>> v.tolist(), g.view().tolist(), v.flags.writeable
        ([1, 2], [1, 2, 3], False)
    """

    __slots__ = ("_buf", "_exported", "_size")

    def __init__(self, dtype: np.dtype[Any] | type, capacity: int = _MIN_CAPACITY) -> None:
        self._buf: np.ndarray[Any, Any] = np.empty(max(capacity, 1), dtype=dtype)
        self._size = 0
        self._exported = False

    def __len__(self) -> int:
        return self._size

    @property
    def dtype(self) -> np.dtype[Any]:
        dtype: np.dtype[Any] = self._buf.dtype
        return dtype

    @property
    def nbytes(self) -> int:
        """Bytes held, spare capacity included."""
        return int(self._buf.nbytes)

    def extend(self, values: Sequence[Any] | np.ndarray[Any, Any]) -> None:
        """Append values (converted to this array's dtype)."""
        k = len(values)
        end = self._size + k
        if end > len(self._buf):
            grown = np.empty(max(end, 2 * len(self._buf)), dtype=self._buf.dtype)
            grown[: self._size] = self._buf[: self._size]
            self._buf = grown  # snapshots keep the old array; nothing writes to it again
            self._exported = False
        self._buf[self._size : end] = values
        self._size = end

    def view(self) -> np.ndarray[Any, Any]:
        """A read-only view of the values so far. Later appends never change it."""
        view = self._buf[: self._size]
        view.flags.writeable = False
        self._exported = True
        return view

    def set(self, positions: np.ndarray[Any, Any] | Sequence[int], value: Any) -> None:
        """Overwrite values in place; copies the array first if a snapshot may be viewing it."""
        if self._exported:
            self._buf = self._buf.copy()
            self._exported = False
        self._buf[positions] = value

    def astype(self, dtype: np.dtype[Any] | type) -> GrowingArray:
        """A copy with another dtype (same values, same capacity)."""
        out = GrowingArray(dtype, len(self._buf))
        out.extend(self._buf[: self._size])
        return out


def text_array(values: Sequence[str | None]) -> pa.Array:
    """Values as an Arrow ``large_string`` array (the storage of pandas' ``str`` dtype).

    Building ``string`` and casting is several times faster than building ``large_string`` directly;
    the cast only widens the offsets and reuses the character data.
    """
    return pa.array(values, type=pa.string()).cast(pa.large_string())


class TextColumn:
    """Text in immutable Arrow arrays; see the module docstring for the merge policy."""

    __slots__ = ("_open", "_seal_rows", "_sealed", "_size")

    def __init__(self, seal_rows: int = 65_536) -> None:
        self._seal_rows = seal_rows
        self._sealed: list[pa.Array] = []
        self._open: list[pa.Array] = []
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def extend(self, values: Sequence[str | None]) -> None:
        """Append values (None means missing)."""
        self.extend_arrow(text_array(values))

    def extend_arrow(self, array: pa.Array) -> None:
        """Append an Arrow ``large_string`` array."""
        if len(array) == 0:
            return
        self._size += len(array)
        pieces = self._open
        pieces.append(array)
        while len(pieces) >= 2 and len(pieces[-2]) < 2 * len(pieces[-1]):
            tail = pieces.pop()
            pieces[-1] = pa.concat_arrays([pieces[-1], tail])
        while pieces and len(pieces[0]) >= self._seal_rows:
            self._sealed.append(pieces.pop(0))

    def chunks(self) -> list[pa.Array]:
        """All arrays, oldest first (a new list; the arrays are immutable)."""
        return [*self._sealed, *self._open]

    def pandas(self) -> pd.api.extensions.ExtensionArray:
        """A ``str`` array over the current chunks; zero-copy."""
        chunked = pa.chunked_array(self.chunks(), type=pa.large_string())
        result: pd.api.extensions.ExtensionArray = pd.array(chunked, dtype=STR_DTYPE)
        return result

    def positions(self, values: Iterable[str]) -> dict[str, int]:
        """Row positions of ``values`` (the last occurrence of each), searching newest rows first."""
        wanted = set(values)
        found: dict[str, int] = {}
        end = self._size
        for chunk in reversed(self.chunks()):
            start = end - len(chunk)
            if wanted - found.keys():
                mask = pc.is_in(chunk, value_set=pa.array(sorted(wanted - found.keys()), pa.large_string()))
                hits = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
                for i in hits[::-1]:
                    found.setdefault(chunk[int(i)].as_py(), start + int(i))
            end = start
        return found


def code_dtype(n_categories: int) -> type[np.signedinteger[Any]]:
    """The code width pandas uses for ``n_categories`` (so ``from_codes`` needs no conversion copy)."""
    if n_categories < np.iinfo(np.int8).max:
        return np.int8
    if n_categories < np.iinfo(np.int16).max:
        return np.int16
    if n_categories < np.iinfo(np.int32).max:
        return np.int32
    return np.int64


class InternedColumn:
    """Repeated values as a pandas ``category``: codes grow with the rows, categories only grow.

    Example:
        >>> col = InternedColumn()
        >>> col.extend(["@a", "@b", "@a", None])
        >>> col.pandas().tolist()
        ['@a', '@b', '@a', nan]
    """

    __slots__ = ("_categories", "_codes", "_dtype", "_index")

    def __init__(self, categories: Iterable[str] = ()) -> None:
        self._categories: list[str] = list(dict.fromkeys(categories))
        self._index: dict[str, int] = {c: i for i, c in enumerate(self._categories)}
        self._codes = GrowingArray(code_dtype(len(self._categories)))
        self._dtype: pd.CategoricalDtype | None = None

    def __len__(self) -> int:
        return len(self._codes)

    @property
    def n_categories(self) -> int:
        return len(self._categories)

    def extend(self, values: Sequence[str | None]) -> None:
        """Append values (None means missing); new values become new categories."""
        index = self._index
        codes = [index.get(v, -2) for v in values]  # type: ignore[arg-type]
        if -2 in codes:
            for i, v in enumerate(values):
                if codes[i] != -2:
                    continue
                if v is None:
                    codes[i] = -1
                    continue
                code = index.get(v)
                if code is None:
                    code = index[v] = len(self._categories)
                    self._categories.append(v)
                    self._dtype = None
                codes[i] = code
            wanted = code_dtype(len(self._categories))
            if wanted != self._codes.dtype.type:
                self._codes = self._codes.astype(wanted)
        self._codes.extend(codes)

    def extend_dictionary(self, array: pa.DictionaryArray) -> None:
        """Append an Arrow dictionary array (as read from a cache file) without a Python loop per row."""
        dictionary = array.dictionary.to_pylist()
        before = len(self._categories)
        mapping = np.empty(len(dictionary) + 1, dtype=np.int64)
        mapping[-1] = -1  # where the row is null
        for i, value in enumerate(dictionary):
            code = self._index.get(value)
            if code is None:
                code = self._index[value] = len(self._categories)
                self._categories.append(value)
            mapping[i] = code
        if len(self._categories) != before:
            self._dtype = None
            wanted = code_dtype(len(self._categories))
            if wanted != self._codes.dtype.type:
                self._codes = self._codes.astype(wanted)
        indices = array.indices.fill_null(len(dictionary)).to_numpy(zero_copy_only=False)
        self._codes.extend(mapping[indices])

    def pandas(self) -> pd.Categorical:
        """A ``category`` array over the codes so far; the codes are not copied."""
        if self._dtype is None:
            categories = pd.Index(self._categories, dtype=STR_DTYPE)
            self._dtype = pd.CategoricalDtype(categories)
        return pd.Categorical.from_codes(self._codes.view(), dtype=self._dtype, validate=False)


def _anchor_block() -> object | None:
    frame = pd.DataFrame({"anchor": np.zeros(1)})
    blocks = getattr(getattr(frame, "_mgr", None), "blocks", None)
    if not blocks:
        return None
    _KEEP.append(frame)
    anchor: object = blocks[0]
    return anchor


_KEEP: list[pd.DataFrame] = []
_ANCHOR: Final = _anchor_block()


def share_safely(frame: pd.DataFrame) -> pd.DataFrame:
    """Register ``frame``'s columns with pandas copy-on-write as shared with an object that never dies.

    pandas copies a column before writing into it when another live object references the same data.
    Giving every column of a cached frame such a reference makes every later write, by anyone, on this
    frame or anything derived from it, go to a private copy. Call it once per cached frame, then hand
    out ``frame.copy(deep=False)``.

    If a future pandas lacks the internals used here, nothing breaks silently: the store's numpy
    arrays are read-only, so such a write raises ``ValueError`` instead of changing the store.
    """
    blocks = getattr(getattr(frame, "_mgr", None), "blocks", ())
    for block in blocks:
        refs = getattr(block, "refs", None)
        if _ANCHOR is not None and refs is not None and hasattr(refs, "add_reference"):
            refs.add_reference(_ANCHOR)
    return frame
