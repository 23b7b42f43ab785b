"""Image data URLs: the 201 avatar is normalised, anything else that is not a picture is refused."""

from __future__ import annotations

import base64
import re

import pytest

from tests.pictures import JPEG_HEAD, png_bytes, png_data_url, wechat_avatar
from wxnb.widgets.errors import InvalidImageDataUrl, WidgetInputError
from wxnb.widgets.images import MAX_IMAGE_BYTES, image_data_url, qr_svg, qr_svg_data_url


def test_wechat_201_avatar_becomes_image_jpeg() -> None:
    url = image_data_url(wechat_avatar())
    assert url == "data:image/jpeg;base64," + base64.b64encode(JPEG_HEAD).decode()


def test_type_comes_from_the_bytes_and_base64_is_canonical() -> None:
    b64 = base64.b64encode(png_bytes(8)).decode()
    wrapped = "\n".join(b64[i : i + 20] for i in range(0, len(b64), 20))
    assert image_data_url(f"data:img/jpg;base64,{wrapped}") == png_data_url(8)
    assert image_data_url(f"  DATA:IMAGE/PNG;BASE64,{b64}  ".replace("DATA", "data")).startswith(
        "data:image/png;base64,"
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://wx.qq.com/cgi-bin/avatar.jpg", "not a data: URL"),
        ("/cgi-bin/mmwebwx-bin/webwxgeticon?seq=1", "not a data: URL"),
        ("javascript:alert(1)", "not a data: URL"),
        ("data:text/html;base64,PGI+eDwvYj4=", "declares type 'text/html'"),
        ("data:image/svg+xml;base64,PHN2Zz4=", "declares type 'image/svg\\+xml'"),
        ("data:image/png,rawbytes", "not base64"),
        ("data:image/png;base64,@@@@", "invalid base64"),
        ("data:image/png;base64," + base64.b64encode(b"<script>").decode(), "does not hold a PNG"),
    ],
)
def test_anything_but_a_base64_picture_is_refused(url: str, reason: str) -> None:
    with pytest.raises(InvalidImageDataUrl, match=reason):
        image_data_url(url)


def test_non_string_and_huge_images_are_refused() -> None:
    with pytest.raises(InvalidImageDataUrl, match="not bytes"):
        image_data_url(b"data:image/png;base64,AAAA")  # type: ignore[arg-type]
    huge = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(MAX_IMAGE_BYTES)).decode()
    with pytest.raises(InvalidImageDataUrl, match="larger than"):
        image_data_url(huge)


def test_error_text_does_not_echo_a_whole_payload() -> None:
    url = "data:text/plain;base64," + "A" * 5000
    with pytest.raises(InvalidImageDataUrl) as info:
        image_data_url(url)
    assert len(str(info.value)) < 300


def test_qr_svg_is_black_on_white_with_a_quiet_zone() -> None:
    svg = qr_svg("https://login.weixin.qq.com/l/gZ-ab_12==")
    assert svg.startswith("<svg") and 'shape-rendering="crispEdges"' in svg
    assert '<rect fill="white"' in svg and 'fill="#000000"' in svg
    view = re.search(r'viewBox="0 0 (\d+) \1"', svg)
    assert view is not None
    modules = int(view.group(1))
    # 4-module quiet zone on each side: nothing is drawn before x=4 or y=4.
    coords = [(float(x), float(y)) for x, y in re.findall(r"M([\d.]+),([\d.]+)", svg)]
    assert min(x for x, _ in coords) == 4 and min(y for _, y in coords) == 4
    assert (modules - 8 - 21) % 4 == 0  # a QR version's size: 21 + 4k modules


def test_qr_data_url_decodes_to_the_svg() -> None:
    url = qr_svg_data_url("https://login.weixin.qq.com/l/abc")
    prefix = "data:image/svg+xml;base64,"
    assert url.startswith(prefix)
    assert base64.b64decode(url[len(prefix) :]).decode() == qr_svg("https://login.weixin.qq.com/l/abc")


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "non-empty"), ("a\nb", "control characters"), ("x" * 1001, "longer than")],
)
def test_bad_qr_text_is_refused(text: str, reason: str) -> None:
    with pytest.raises(WidgetInputError, match=reason):
        qr_svg(text)
