"""The bytes of a file message, as ``webwxgetmedia`` serves them, and byte ranges of any body.

A file message in the simulator has a name and a size but no stored content: its bytes are made up,
deterministically, from its MediaId (a 4 KiB block derived from it, repeated), so any byte range is
computed without building the file, and two downloads of one file are equal. :func:`byte_range`
reads a ``Range`` header the way the real file host answers it (one range; 206 with Content-Range,
416 when it starts past the end, the whole body when the header is not a single byte range).

Example:
    >>> f = FileBytes("@crypt_ab", 10_000)
    >>> f.read(0, 9_999) == f.read(0, 4_999) + f.read(5_000, 9_999), len(f.read(9_990, 20_000))
    (True, 10)
    >>> byte_range("bytes=100-199", 1_000), byte_range("bytes=-10", 1_000), byte_range("items=1-2", 1_000)
    ((100, 199), (990, 999), None)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Final

from wxnb.errors import Error
from wxnb.sim.strict import NumberError, parse_digits

__all__ = ["BLOCK", "FileBytes", "Unsatisfiable", "byte_range"]

BLOCK: Final = 4096
"""The length of the block a file's bytes repeat."""


class Unsatisfiable(Error, ValueError):
    """A ``Range`` that starts past the end (the server answers 416)."""


@dataclass(frozen=True, slots=True)
class FileBytes:
    """The made-up content of one file: ``size`` bytes determined by ``media_id``."""

    media_id: str
    size: int
    _block: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        seed = self.media_id.encode("utf-8")
        block = b"".join(hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(BLOCK // 32))
        object.__setattr__(self, "_block", block)

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``start`` to ``end`` inclusive (cut at the end of the file)."""
        end = min(end, self.size - 1)
        if start > end:
            return b""
        first, offset = divmod(start, BLOCK)
        repeats = (end - first * BLOCK) // BLOCK + 1
        return (self._block * repeats)[offset : offset + end - start + 1]


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single ``Range: bytes=…`` header for a body of ``size`` bytes.

    None when the header asks for no single byte range (serve the whole body, RFC 9110 §14.2).

    Raises:
        Unsatisfiable: the range starts at or past the end.
    """
    if not header.startswith("bytes=") or "," in header:
        return None
    start_text, _, end_text = header[len("bytes=") :].partition("-")
    try:
        if start_text:
            start = parse_digits(start_text, "range start")
            end = parse_digits(end_text, "range end") if end_text else size - 1
        else:
            start = max(0, size - parse_digits(end_text, "suffix length"))
            end = size - 1
    except NumberError:
        return None
    if start >= size or start > end:
        raise Unsatisfiable(f"bytes */{size}")
    return start, min(end, size - 1)
