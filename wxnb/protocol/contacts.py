"""Contact and member objects of the wire → :class:`Contact` / :class:`Member` records (PROTOCOL.md §4, §6).

Names (NickName, RemarkName, DisplayName, Signature, Province, City) are decoded from the wire text
rule to clean Unicode. ``HeadImgUrl`` loses its ``skey`` parameter: records carry no secret, and the
client adds the current skey when it fetches the image.

Example:
    >>> c = decode_contact({"UserName": "@@ab", "NickName": "Tea &amp; cake", "MemberList": [
    ...     {"UserName": "@1", "NickName": "Ann", "DisplayName": "A"}],
    ...     "HeadImgUrl": "/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=0&username=@@ab&skey=@crypt_1"})
    >>> c.kind, c.nickname, c.members[0].display_name, c.head_img_url
    ('room', 'Tea & cake', 'A', '/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=0&username=@@ab')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from wxnb.protocol.fields import as_int, as_str, wire_text
from wxnb.protocol.records import Contact, Member, contact_kind

__all__ = ["decode_contact", "decode_member", "strip_skey"]

_SKEY_PARAM_RE: Final = re.compile(r"[?&]skey=[^&#]*")


def strip_skey(url: str) -> str:
    """Remove the ``skey`` query parameter from a media path (keeping the others).

    Example:
        >>> strip_skey("/x?skey=@crypt_1&seq=2"), strip_skey("/x?seq=2&skey=@crypt_1")
        ('/x?seq=2', '/x?seq=2')
    """
    if "skey=" not in url:
        return url
    stripped = _SKEY_PARAM_RE.sub("", url)
    if "?" not in stripped and "&" in stripped:
        stripped = stripped.replace("&", "?", 1)
    return stripped


def decode_member(d: Mapping[str, Any]) -> Member:
    """A room member entry (webwxbatchgetcontact MemberList). Raises TypeError/KeyError on a bad shape."""
    get = d.get
    return Member(
        as_str(d["UserName"]),
        wire_text(as_str(get("NickName", ""))),
        wire_text(as_str(get("DisplayName", ""))),
        as_int(get("Uin", 0)),
        as_int(get("AttrStatus", 0)),
        as_str(get("KeyWord", "")),
        as_int(get("MemberStatus", 0)),
    )


def decode_contact(d: Mapping[str, Any]) -> Contact:
    """A contact object (webwxinit/webwxgetcontact/webwxbatchgetcontact/ModContactList).

    Raises TypeError/KeyError on a bad shape (the reply parsers turn those into ProtocolError).
    """
    get = d.get
    user_name = as_str(d["UserName"])
    verify_flag = as_int(get("VerifyFlag", 0))
    contact_flag = as_int(get("ContactFlag", 0))
    members = get("MemberList") or ()
    if not isinstance(members, list | tuple):
        raise TypeError("MemberList must be a list")
    return Contact(
        user_name,
        wire_text(as_str(get("NickName", ""))),
        wire_text(as_str(get("RemarkName", ""))),
        contact_kind(user_name, verify_flag, contact_flag),
        as_int(get("Uin", 0)),
        as_str(get("Alias", "")),
        as_int(get("Sex", 0)),
        wire_text(as_str(get("Province", ""))),
        wire_text(as_str(get("City", ""))),
        wire_text(as_str(get("Signature", ""))),
        contact_flag,
        verify_flag,
        as_int(get("StarFriend", 0)),
        as_int(get("AttrStatus", 0)),
        as_str(get("KeyWord", "")),
        strip_skey(as_str(get("HeadImgUrl", ""))),
        as_int(get("MemberCount", 0)),
        tuple(decode_member(m) for m in members),
        as_int(get("OwnerUin", 0)),
        as_int(get("IsOwner", 0)),
        as_str(get("EncryChatRoomId", "")),
        wire_text(as_str(get("DisplayName", ""))),
    )
