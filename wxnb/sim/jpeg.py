"""A tiny baseline JPEG encoder for pictures made of flat-colour 8×8 blocks (no Pillow needed).

When every 8×8 block of an image has one colour, its DCT has a DC coefficient only: the JPEG needs no
real DCT, just each block's mean, Huffman-coded with the standard DC table, and an end-of-block for the
63 AC coefficients. A QR code drawn with 8×8-pixel modules is such an image, and so are the identicon
head images and message pictures the simulator serves. The output is an ordinary baseline JFIF file
that any decoder reads; decoding gives back the block colours exactly (quantisation step 1).

Example:
    >>> data = encode_gray([[0, 255], [255, 0]])  # a 16×16 checkerboard of 8×8 squares
    >>> data[:3] == b"\\xff\\xd8\\xff" and data[-2:] == b"\\xff\\xd9"
    True
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

__all__ = ["encode_gray", "encode_rgb"]

# The standard luminance DC table (ITU T.81 K.3): code lengths 1..16 and the symbols (categories).
_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_VALS = tuple(range(12))
# Only one AC symbol is ever written, end-of-block (0x00): a one-code table, code "0".
_AC_BITS = (1,) + (0,) * 15
_AC_VALS = (0,)


def _canonical_codes(bits: Sequence[int], vals: Sequence[int]) -> dict[int, tuple[int, int]]:
    """symbol -> (code, length) for a canonical Huffman table given as JPEG BITS/HUFFVAL."""
    codes: dict[int, tuple[int, int]] = {}
    code = 0
    k = 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[vals[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


_DC_CODES = _canonical_codes(_DC_BITS, _DC_VALS)
_EOB_CODE, _EOB_LEN = _canonical_codes(_AC_BITS, _AC_VALS)[0]


class _BitWriter:
    __slots__ = ("_acc", "_nbits", "out")

    def __init__(self) -> None:
        self.out = bytearray()
        self._acc = 0
        self._nbits = 0

    def write(self, value: int, length: int) -> None:
        self._acc = (self._acc << length) | (value & ((1 << length) - 1))
        self._nbits += length
        while self._nbits >= 8:
            self._nbits -= 8
            byte = (self._acc >> self._nbits) & 0xFF
            self.out.append(byte)
            if byte == 0xFF:  # byte stuffing: 0xFF in entropy-coded data is followed by 0x00
                self.out.append(0)
        self._acc &= (1 << self._nbits) - 1

    def flush(self) -> bytes:
        if self._nbits:
            self.write((1 << (8 - self._nbits)) - 1, 8 - self._nbits)  # pad with 1-bits
        return bytes(self.out)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload


def _dht(table_class: int, table_id: int, bits: Sequence[int], vals: Sequence[int]) -> bytes:
    return bytes([(table_class << 4) | table_id, *bits, *vals])


def _encode(planes: Sequence[Sequence[Sequence[int]]]) -> bytes:
    """Encode 1 or 3 planes of block values (0..255), all of the same rows × cols, as a JPEG."""
    rows = len(planes[0])
    cols = len(planes[0][0]) if rows else 0
    if rows == 0 or cols == 0:
        raise ValueError("an image needs at least one 8×8 block")
    if rows * 8 > 0xFFFF or cols * 8 > 0xFFFF:
        raise ValueError(f"image too large for JPEG: {cols * 8}×{rows * 8}")
    ncomp = len(planes)
    header = bytearray(b"\xff\xd8")
    header += _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    header += _segment(0xDB, b"\x00" + b"\x01" * 64)  # quantisation step 1 everywhere: exact DC
    sof = struct.pack(">BHHB", 8, rows * 8, cols * 8, ncomp)
    sof += b"".join(bytes([i + 1, 0x11, 0]) for i in range(ncomp))
    header += _segment(0xC0, sof)
    header += _segment(0xC4, _dht(0, 0, _DC_BITS, _DC_VALS) + _dht(1, 0, _AC_BITS, _AC_VALS))
    sos = bytes([ncomp]) + b"".join(bytes([i + 1, 0x00]) for i in range(ncomp)) + b"\x00\x3f\x00"
    header += _segment(0xDA, sos)

    writer = _BitWriter()
    write = writer.write
    previous = [0] * ncomp
    for r in range(rows):
        for c in range(cols):
            for k in range(ncomp):
                value = planes[k][r][c]
                dc = 8 * (min(255, max(0, int(value))) - 128)  # F(0,0) of a flat level-shifted block
                diff = dc - previous[k]
                previous[k] = dc
                category = abs(diff).bit_length()
                code, length = _DC_CODES[category]
                write(code, length)
                if category:
                    write(diff if diff > 0 else diff + (1 << category) - 1, category)
                write(_EOB_CODE, _EOB_LEN)
    return bytes(header) + writer.flush() + b"\xff\xd9"


def encode_gray(blocks: Sequence[Sequence[int]]) -> bytes:
    """A greyscale JPEG whose 8×8 block (r, c) has the grey level ``blocks[r][c]`` (0..255)."""
    return _encode([blocks])


def encode_rgb(blocks: Sequence[Sequence[tuple[int, int, int]]]) -> bytes:
    """A colour JPEG (YCbCr, no subsampling) whose 8×8 block (r, c) has the colour ``blocks[r][c]``.

    Example:
        >>> len(encode_rgb([[(255, 0, 0), (0, 0, 255)]])) > 100
        True
    """
    y: list[list[int]] = []
    cb: list[list[int]] = []
    cr: list[list[int]] = []
    for row in blocks:
        yr, cbr, crr = [], [], []
        for red, green, blue in row:
            yr.append(round(0.299 * red + 0.587 * green + 0.114 * blue))
            cbr.append(round(-0.168736 * red - 0.331264 * green + 0.5 * blue + 128))
            crr.append(round(0.5 * red - 0.418688 * green - 0.081312 * blue + 128))
        y.append(yr)
        cb.append(cbr)
        cr.append(crr)
    return _encode([y, cb, cr])
