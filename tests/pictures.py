"""Small real pictures made in pure Python (no Pillow) for widget and browser tests."""

from __future__ import annotations

import base64
import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bytes(size: int = 64, seed: int = 0) -> bytes:
    """A size x size RGB PNG: a diagonal gradient whose hue depends on ``seed``."""
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            t = (x + y) / (2 * size - 2 or 1)
            r = int(60 + 150 * t + 37 * seed) % 256
            g = int(170 - 90 * t + 53 * seed) % 256
            b = int(90 + 120 * (1 - t) + 71 * seed) % 256
            row += bytes((r, g, b))
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )


def png_data_url(size: int = 64, seed: int = 0) -> str:
    """``data:image/png;base64,...`` of :func:`png_bytes`."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(size, seed)).decode("ascii")


#: The start of a real JPEG (SOI + JFIF APP0 marker), enough for signature checks.
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def wechat_avatar(payload: bytes = JPEG_HEAD) -> str:
    """An avatar exactly as the 201 login reply writes it: ``data:img/jpg;base64,...``."""
    return "data:img/jpg;base64," + base64.b64encode(payload).decode("ascii")
