"""The pictures the simulator serves: login QR codes, head images and message pictures, all real JPEGs.

Each is drawn from flat 8×8 blocks (see :mod:`wxnb.sim.jpeg`) and is a pure function of its inputs,
so the same person gets the same head image at every login, and results can be cached.

Example:
    >>> qr = qr_jpeg("https://login.weixin.qq.com/l/4dcaWx3uBw==")
    >>> qr[:2] == b"\\xff\\xd8"
    True
"""

from __future__ import annotations

import colorsys
import hashlib
from functools import lru_cache

import qrcode

from wxnb.sim.jpeg import encode_gray, encode_rgb

__all__ = ["head_jpeg", "picture_jpeg", "qr_jpeg"]


@lru_cache(maxsize=256)
def qr_jpeg(text: str) -> bytes:
    """A QR code of ``text`` as a greyscale JPEG, one 8×8-pixel block per module, quiet zone included."""
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return encode_gray([[0 if dark else 255 for dark in row] for row in matrix])


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def _colour(hue_byte: int, light: float, sat: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue_byte / 255.0, light, sat)
    return round(r * 255), round(g * 255), round(b * 255)


@lru_cache(maxsize=4096)
def head_jpeg(key: str, cells: int = 12) -> bytes:
    """A symmetric identicon for ``key`` (a stable id such as a wxid): ``cells``×``cells`` blocks of 8 px.

    Example:
        >>> head_jpeg("wxid_ann") == head_jpeg("wxid_ann") != head_jpeg("wxid_bob")
        True
    """
    digest = _digest(key)
    fg = _colour(digest[0], 0.45, 0.65)
    bg = (240, 240, 240)
    inner = cells - 2  # a one-block margin all round
    half = (inner + 1) // 2
    bits = int.from_bytes(digest[1:], "big")
    grid = [[bg] * cells for _ in range(cells)]
    for r in range(inner):
        for c in range(half):
            if (bits >> (r * half + c)) & 1:
                grid[r + 1][c + 1] = fg
                grid[r + 1][cells - 2 - c] = fg
    return encode_rgb(grid)


@lru_cache(maxsize=512)
def picture_jpeg(key: str, width: int, height: int) -> bytes:
    """A colourful ``width``×``height`` picture (rounded up to whole 8×8 blocks) for a message image.

    Example:
        >>> picture_jpeg("123", 120, 90)[:2] == b"\\xff\\xd8"
        True
    """
    cols = max(1, min(256, (width + 7) // 8))
    rows = max(1, min(256, (height + 7) // 8))
    digest = _digest(key)
    hue0, hue1 = digest[0], digest[1]
    grid = []
    for r in range(rows):
        row = []
        for c in range(cols):
            t = (r / max(1, rows - 1) + c / max(1, cols - 1)) / 2
            hue = round(hue0 + (hue1 - hue0) * t) % 256
            light = 0.35 + 0.3 * ((r * 7 + c * 3 + digest[2]) % 5) / 4
            row.append(_colour(hue, light, 0.6))
        grid.append(row)
    return encode_rgb(grid)
