"""Images the widgets may show: QR codes drawn here, and avatars checked and normalised here.

The front end shows images only from ``data:`` URLs that this module built (DESIGN.md), so a
browser never fetches anything on the login data's behalf.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import qrcode
import qrcode.constants
import qrcode.exceptions
import qrcode.image.svg

from wxnb.widgets.errors import InvalidImageDataUrl, WidgetInputError

#: Largest decoded avatar accepted (WeChat's are a few KB; this only stops absurd payloads).
MAX_IMAGE_BYTES = 1 << 20
#: Longest text encoded in a QR (a login URL is ~45 characters; QR capacity at level M is ~2300).
MAX_QR_TEXT = 1000

# The 201 reply says `data:img/jpg;base64,...`: not a MIME type. These are the declared types we
# accept as "an image"; the real type always comes from the bytes themselves.
_IMAGE_TYPE_ALIASES = frozenset(
    {
        "image/jpeg",
        "image/jpg",
        "image/pjpeg",
        "img/jpg",
        "img/jpeg",
        "image/png",
        "img/png",
        "image/gif",
        "img/gif",
        "image/webp",
        "img/webp",
    }
)
_DATA_URL = re.compile(r"data:(?P<type>[A-Za-z0-9.+/-]+)(?P<params>(?:;[^,;]*)*),(?P<payload>.*)", re.S)
_WHITESPACE = re.compile(r"\s+")


def _sniff_image_type(data: bytes) -> str | None:
    """The MIME type of a raster picture from its signature, or None if it is not one we show."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _preview(value: str) -> str:
    return repr(value[:48] + ("…" if len(value) > 48 else ""))


def image_data_url(url: str) -> str:
    """Check an image ``data:`` URL and return it in canonical form.

    Accepts base64 data URLs of PNG, JPEG, GIF or WebP pictures, including the 201 login
    reply's non-standard ``data:img/jpg;base64,...``; the MIME type of the result is taken from
    the picture's own bytes, and the base64 text is re-encoded without white space.

    >>> image_data_url("data:img/jpg;base64,/9j/4AAQSkZJRg==")
    'data:image/jpeg;base64,/9j/4AAQSkZJRg=='

    Raises:
        InvalidImageDataUrl: not a string, not a base64 data URL, not an image type, bad base64,
            bytes that are no PNG/JPEG/GIF/WebP picture, or larger than :data:`MAX_IMAGE_BYTES`.
    """
    if not isinstance(url, str):
        raise InvalidImageDataUrl(f"an image must be a data: URL string, not {type(url).__name__}")
    if len(url) > MAX_IMAGE_BYTES * 4 // 3 + 256:
        raise InvalidImageDataUrl(
            f"image data URL of {len(url)} characters is larger than {MAX_IMAGE_BYTES} bytes allow"
        )
    match = _DATA_URL.fullmatch(url.strip())
    if match is None:
        raise InvalidImageDataUrl(
            f"{_preview(url)} is not a data: URL; pass `data:image/jpeg;base64,...` "
            "(remote URLs are never shown: fetch the picture in Python first)"
        )
    declared = match["type"].lower()
    params = [p.strip().lower() for p in match["params"].split(";") if p.strip()]
    if declared not in _IMAGE_TYPE_ALIASES:
        raise InvalidImageDataUrl(
            f"{_preview(url)} declares type {declared!r}; only PNG, JPEG, GIF or WebP images are shown"
        )
    if "base64" not in params:
        raise InvalidImageDataUrl(f"{_preview(url)} is not base64-encoded; pass `data:<type>;base64,...`")
    try:
        raw = base64.b64decode(_WHITESPACE.sub("", match["payload"]), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidImageDataUrl(f"{_preview(url)} has invalid base64 data ({exc})") from exc
    if len(raw) > MAX_IMAGE_BYTES:
        raise InvalidImageDataUrl(f"image of {len(raw)} bytes is larger than {MAX_IMAGE_BYTES} bytes")
    actual = _sniff_image_type(raw)
    if actual is None:
        raise InvalidImageDataUrl(
            f"{_preview(url)} does not hold a PNG, JPEG, GIF or WebP picture (unknown file signature)"
        )
    return f"data:{actual};base64,{base64.b64encode(raw).decode('ascii')}"


class _CrispQrSvg(qrcode.image.svg.SvgPathFillImage):  # type: ignore[misc]
    """Black modules on a white background; crispEdges so scaled modules leave no hairlines."""

    def _svg(self, viewBox: Any = None, **kwargs: Any) -> Any:
        svg = super()._svg(viewBox=viewBox, **kwargs)
        svg.set("shape-rendering", "crispEdges")
        return svg


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as a standalone SVG document (black on white, 4-module quiet zone).

    >>> qr_svg("https://login.weixin.qq.com/l/abc").startswith("<svg")
    True

    Raises:
        WidgetInputError: empty text, control characters, or too long for a QR code.
    """
    if not isinstance(text, str) or not text:
        raise WidgetInputError("the QR needs a non-empty string to encode (the login URL)")
    if len(text) > MAX_QR_TEXT:
        raise WidgetInputError(f"QR text of {len(text)} characters is longer than {MAX_QR_TEXT}")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise WidgetInputError(f"QR text {_preview(text)} contains control characters")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text)
    try:
        code.make(fit=True)
    except qrcode.exceptions.DataOverflowError as exc:
        raise WidgetInputError(f"QR text of {len(text)} characters does not fit in a QR code") from exc
    image = code.make_image(image_factory=_CrispQrSvg)
    svg: str = image.to_string(encoding="unicode")
    return svg


def qr_svg_data_url(text: str) -> str:
    """The QR code of ``text`` as a ``data:image/svg+xml;base64,...`` URL for an ``<img>``.

    >>> qr_svg_data_url("https://login.weixin.qq.com/l/abc")[:26]
    'data:image/svg+xml;base64,'

    Raises:
        WidgetInputError: see :func:`qr_svg`.
    """
    encoded = base64.b64encode(qr_svg(text).encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"
