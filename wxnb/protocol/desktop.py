"""Desktop (UOS) login mode: what the WeChat desktop client for UOS sends that the web page does not.

Many accounts are refused web login (Ret 1203) unless the login comes in desktop mode: ``?mod=desktop``
in jslogin's ``redirect_uri``, and three headers on webwxnewloginpage (PROTOCOL.md §3). The client uses
it by default (``WebClient(desktop=False)`` turns it off).

Example:
    >>> sorted(desktop_headers())
    ['client-version', 'extspam', 'referer']
    >>> desktop_headers()["client-version"]
    '2.0.0'
"""

from __future__ import annotations

from typing import Final

__all__ = ["DESKTOP_CLIENT_VERSION", "DESKTOP_REFERER", "UOS_EXTSPAM", "desktop_headers"]

DESKTOP_CLIENT_VERSION: Final = "2.0.0"
DESKTOP_REFERER: Final = "https://wx.qq.com/?&lang=zh_CN&target=t"
#: The ``extspam`` header of desktop (UOS) mode: the opaque base64 blob the WeChat desktop client for
#: UOS sends on webwxnewloginpage, as published by the UOS patch of itchat (itchat-uos 1.4.1,
#: ``config.UOS_PATCH_EXTSPAM``). Its content is not understood outside Tencent; the server is only
#: known to require that it is present. Override it with ``WebClient(extspam=...)``.
UOS_EXTSPAM: Final = (
    "Gp8ICJkIEpkICggwMDAwMDAwMRAGGoAI1GiJSIpeO1RZTq9QBKsRbPJdi84ropi16EYI10WB6g74sGmRwSNXjPQnYUKYotKkvLGp"
    "shucCaeWZMOylnc6o2AgDX9grhQQx7fm2DJRTyuNhUlwmEoWhjoG3F0ySAWUsEbH3bJMsEBwoB//0qmFJob74ffdaslqL+IrSy7L"
    "J76/G5TkvNC+J0VQkpH1u3iJJs0uUYyLDzdBIQ6Ogd8LDQ3VKnJLm4g/uDLe+G7zzzkOPzCjXL+70naaQ9medzqmh+/SmaQ6uFWL"
    "DQLcRln++wBwoEibNpG4uOJvqXy+ql50DjlNchSuqLmeadFoo9/mDT0q3G7o/80P15ostktjb7h9bfNc+nZVSnUEJXbCjTeqS5U"
    "Yuxn+HTS5nZsPVxJA2O5GdKCYK4x8lTTKShRstqPfbQpplfllx2fwXcSljuYi3YipPyS3GCAqf5A7aYYwJ7AvGqUiR2SsVQ9Nbp8"
    "MGHET1GxhifC692APj6SJxZD3i1drSYZPMMsS9rKAJTGz2FEupohtpf2tgXm6c16nDk/cw+C7K7me5j5PLHv55DFCS84b06AytZP"
    "dkFZLj7FHOkcFGJXitHkX5cgww7vuf6F3p0yM/W73SoXTx6GX4G6Hg2rYx3O/9VU2Uq8lvURB4qIbD9XQpzmyiFMaytMnqxcZJco"
    "XCtfkTJ6pI7a92JpRUvdSitg967VUDUAQnCXCM/m0snRkR9LtoXAO1FUGpwlp1EfIdCZFPKNnXMeqev0j9W9ZrkEs9ZWcUEexSj5"
    "z+dKYQBhIICviYUQHVqBTZSNy22PlUIeDeIs11j7q4t8rD8LPvzAKWVqXE+5lS1JPZkjg4y5hfX1Dod3t96clFfwsvDP6xBSe1NB"
    "coKbkyGxYK0UvPGtKQEE0Se2zAymYDv41klYE9s+rxp8e94/H8XhrL9oGm8KWb2RmYnAE7ry9gd6e8ZuBRIsISlJAE/e8y8xFmP0"
    "31S6Lnaet6YXPsFpuFsdQs535IjcFd75hh6DNMBYhSfjv456cvhsb99+fRw/KVZLC3yzNSCbLSyo9d9BI45Plma6V8akURQA/qsa"
    "AzU0VyTIqZJkPDTzhuCl92vD2AD/QOhx6iwRSVPAxcRFZcWjgc2wCKh+uCYkTVbNQpB9B90YlNmI3fWTuUOUjwOzQRxJZj11Nsim"
    "jOJ50qQwTTFj6qQvQ1a/I+MkTx5UO+yNHl718JWcR3AXGmv/aa9rD1eNP8ioTGlOZwPgmr2sor2iBpKTOrB83QgZXP+xRYkb4zVC"
    "+LoAXEoIa1+zArywlgREer7DLePukkU6wHTkuSaF+ge5Of1bXuU4i938WJHj0t3D8uQxkJvoFi/EYN/7u2P1zGRLV4dHVUsZMGCC"
    "tnO6BBigFMAA="
)


def desktop_headers(
    client_version: str = DESKTOP_CLIENT_VERSION, extspam: str = UOS_EXTSPAM
) -> dict[str, str]:
    """The three headers of webwxnewloginpage in desktop mode."""
    return {"client-version": client_version, "extspam": extspam, "referer": DESKTOP_REFERER}
