"""The items of JSON replies → records: contacts, room members and messages, and the field readers
they share.

Contacts and members (PROTOCOL.md §4, §6) → :class:`Contact` / :class:`Member`.

Names (NickName, RemarkName, DisplayName, Signature, Province, City) are decoded from the wire text
rule to clean Unicode. ``HeadImgUrl`` loses its ``skey`` parameter: records carry no secret, and the
client adds the current skey when it fetches the image.

Example:
    >>> c = decode_contact({"UserName": "@@ab", "NickName": "Tea &amp; cake", "MemberList": [
    ...     {"UserName": "@1", "NickName": "Ann", "DisplayName": "A"}],
    ...     "HeadImgUrl": "/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=0&username=@@ab&skey=@crypt_1"})
    >>> c.kind, c.nickname, c.members[0].display_name, c.head_img_url
    ('room', 'Tea & cake', 'A', '/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=0&username=@@ab')

Field readers: the type checks every decoder shares.

They raise TypeError for a value of the wrong type; the reply parsers turn that (with KeyError and
friends) into one ProtocolError naming the offending part of the reply.

Example:
    >>> as_int(3), as_int("42"), wire_text("a &amp; b<br/>c")
    (3, 42, 'a & b\\nc')

Messages: AddMsgList items → :class:`~wxnb.protocol.records.Message` (PROTOCOL.md §5), the hot path
of sync.

Who wrote what, in which chat, given the logged-in user's UserName ``me``:

- ``From == me``: one's own message (sent here or on the phone): ``chat`` is To, ``sender`` is me.
- ``From`` is a room (``@@...``): ``chat`` is the room; ``Content`` starts ``@sender:<br/>``, which is
  split off (a prefix naming ``me`` marks one's own message); no prefix (system notices) → sender is
  the room.
- otherwise a direct message: ``chat`` and ``sender`` are From.

The envelope (MsgId, From/To, MsgType, Content, CreateTime and the types of the other fields) must be
right or ProtocolError is raised; the *content* of a message is decoded leniently (a revoke notice
without a msgid gets ``revoked_msg_id=None``, an app message without a title gets text ""), because
data is kept either way in ``raw_content``.

Example:
    >>> item = {"MsgId": "1", "FromUserName": "@@r", "ToUserName": "@me", "MsgType": 1,
    ...         "Content": '@a1:<br/>hi <span class="emoji emoji1f604"></span>', "CreateTime": 5}
    >>> m = decode_message(item, "@me")
    >>> m.chat, m.sender, m.is_group, m.is_self, m.text
    ('@@r', '@a1', True, False, 'hi 😄')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any, Final

from wxnb.protocol.errors import ProtocolError
from wxnb.protocol.records import Contact, Member, Message, category_of, contact_kind, message_from_values
from wxnb.protocol.wiretext import decode_text, unescape_entities

__all__ = [
    "SHAPE_ERRORS",
    "as_int",
    "as_str",
    "decode_contact",
    "decode_member",
    "decode_message",
    "decode_messages",
    "split_group_prefix",
    "strip_skey",
    "wire_text",
]

# What a wrongly shaped reply makes a decoder raise; caught once at each parser's edge.
SHAPE_ERRORS: Final = (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError)


def as_int(value: Any) -> int:
    """Ints pass; digit strings (some servers quote numbers) are converted; anything else: TypeError."""
    if type(value) is int:
        return value
    if type(value) is str and value.isascii() and value.lstrip("-").isdigit() and len(value) <= 20:
        return int(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def as_str(value: Any) -> str:
    """Strings pass; anything else: TypeError."""
    if type(value) is str:
        return value
    raise TypeError(f"expected a string, got {type(value).__name__}")


def wire_text(wire: str) -> str:
    """Wire text → clean Unicode (:func:`~wxnb.protocol.wiretext.decode_text`), skipping plain text fast."""
    if "<" in wire or "&" in wire:
        return decode_text(wire)
    return wire


# ---- -----------------------------------------------------------------------------------------------

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


# ---- messages ------------------------------------------------------------------------------------

_PREFIX_SEP: Final = ":<br/>"
_PREFIX_MAX: Final = 130  # "@" + up to 128 hex digits
_SENDER_RE: Final = re.compile(r"@[0-9a-fA-F]{1,128}")
_read_required: Final = itemgetter("MsgId", "FromUserName", "ToUserName", "Content", "MsgType", "CreateTime")
_OPTIONAL_DEFAULTS: Final = (
    ("AppMsgType", 0), ("SubMsgType", 0), ("StatusNotifyCode", 0), ("ImgWidth", 0), ("ImgHeight", 0),
    ("PlayLength", 0), ("VoiceLength", 0), ("Url", ""), ("FileName", ""), ("MediaId", ""),
    ("StatusNotifyUserName", ""), ("FileSize", ""),
)  # fmt: skip
_read_optional: Final = itemgetter(*(name for name, _ in _OPTIONAL_DEFAULTS))


def split_group_prefix(content: str) -> tuple[str, str]:
    """``"@abc:<br/>text"`` → ``("@abc", "text")``; ``("", content)`` when there is no sender prefix.

    Example:
        >>> split_group_prefix("@9f2e:<br/>hello"), split_group_prefix("no prefix")
        (('@9f2e', 'hello'), ('', 'no prefix'))
    """
    if content.startswith("@"):
        end = content.find(_PREFIX_SEP, 2, _PREFIX_MAX + len(_PREFIX_SEP))
        if end > 0 and _SENDER_RE.fullmatch(content, 0, end) is not None:
            return content[:end], content[end + 6 :]
    return "", content


def _file_size(value: Any) -> int | None:
    if value == "" or value is None:
        return None
    return as_int(value)


def _between(text: str, start: str, end: str) -> str | None:
    """The text between the first ``start`` and the next ``end`` (str.find: linear, no backtracking)."""
    i = text.find(start)
    if i < 0:
        return None
    i += len(start)
    j = text.find(end, i)
    return None if j < 0 else text[i:j]


_CDATA_OPEN: Final = "<![CDATA["


def _xml_value(raw: str) -> str:
    """Text of an XML element (CDATA or entity-escaped), with emoji spans decoded."""
    raw = raw.strip()
    if raw.startswith(_CDATA_OPEN) and raw.endswith("]]>"):
        return raw[len(_CDATA_OPEN) : -3]
    return wire_text(raw)


def _element(xml_escaped: str, escaped: bool, tag: str) -> str | None:
    """Value of ``<tag>`` in app-message XML, read from the wire-escaped form without unescaping all of it."""
    if escaped:
        raw = _between(xml_escaped, f"&lt;{tag}&gt;", f"&lt;/{tag}&gt;")
        if raw is None:
            return None
        raw = unescape_entities(raw) if "&" in raw else raw
    else:
        raw = _between(xml_escaped, f"<{tag}>", f"</{tag}>")
        if raw is None:
            return None
    return _xml_value(raw)


def _unescape_url(url: str) -> str:
    return unescape_entities(url) if "&" in url else url


_ATTR_RE: Final = re.compile(r'\b(x|y|label|poiname)="([^"<>]{0,512})"')


def _location_attrs(xml: str) -> dict[str, str]:
    xml = unescape_entities(xml) if "&" in xml else xml
    i = xml.find("<location")
    if i < 0:
        return {}
    j = xml.find(">", i)
    element = xml[i : j if j >= 0 else i + 2048]
    return {m.group(1): unescape_entities(m.group(2)) for m in _ATTR_RE.finditer(element)}


def _coordinate(value: str | None) -> float | None:
    if not value or len(value) > 24:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def decode_messages(items: Iterable[Mapping[str, Any]], me: str) -> tuple[Message, ...]:
    """Decode a whole AddMsgList. Raises ProtocolError (naming the item) for a wrongly shaped item."""
    out: list[Message] = []
    append = out.append
    item: Any = None
    try:
        for item in items:
            append(_decode(item, me))
    except SHAPE_ERRORS as exc:
        raise ProtocolError(
            f"AddMsgList[{len(out)}] is not a message ({type(exc).__name__}: {exc})",
            item,
            endpoint="webwxsync",
        ) from None
    return tuple(out)


def decode_message(item: Mapping[str, Any], me: str) -> Message:
    """Decode one AddMsgList item; ``me`` is the logged-in user's UserName. See the module docstring."""
    try:
        return _decode(item, me)
    except SHAPE_ERRORS as exc:
        raise ProtocolError(
            f"not a message ({type(exc).__name__}: {exc})", item, endpoint="webwxsync"
        ) from None


def _decode(item: Mapping[str, Any], me: str) -> Message:
    # The hot path of sync: fields read by one itemgetter call, type checks chained instead of
    # helper calls, and the slot-setting constructor (see records.message_from_values).
    msg_id, from_user, to_user, content, msg_type, create_time = _read_required(item)
    if type(msg_id) is not str:
        msg_id = str(as_int(msg_id))
    if not type(from_user) is type(to_user) is type(content) is str:
        raise TypeError("FromUserName, ToUserName and Content must be strings")
    try:
        optional = _read_optional(item)
    except KeyError:  # a server that leaves fields out (the real one sends them all)
        optional = tuple(item.get(name, default) for name, default in _OPTIONAL_DEFAULTS)
    (
        app_msg_type, sub_msg_type, notify_code, img_width, img_height, play_length, voice_length,
        url, file_name, media_id, notify_user, file_size,
    ) = optional  # fmt: skip
    if not (
        type(msg_type) is type(create_time) is type(app_msg_type) is type(sub_msg_type) is type(notify_code)
        is type(img_width) is type(img_height) is type(play_length) is type(voice_length) is int
    ):  # fmt: skip
        msg_type, create_time = as_int(msg_type), as_int(create_time)
        app_msg_type, sub_msg_type, notify_code = (
            as_int(app_msg_type),
            as_int(sub_msg_type),
            as_int(notify_code),
        )
        img_width, img_height = as_int(img_width), as_int(img_height)
        play_length, voice_length = as_int(play_length), as_int(voice_length)
    if not type(url) is type(file_name) is type(media_id) is type(notify_user) is str:
        raise TypeError("Url, FileName, MediaId and StatusNotifyUserName must be strings")
    file_size = None if file_size == "" else _file_size(file_size)
    if url and "&" in url:
        url = unescape_entities(url)
    if file_name and ("<" in file_name or "&" in file_name):
        file_name = decode_text(file_name)

    body = content
    if from_user == me:
        chat, sender, is_self, is_group = to_user, me, True, to_user.startswith("@@")
    elif from_user.startswith("@@"):
        chat, is_group = from_user, True
        sender, body = split_group_prefix(content)
        if not sender:
            sender = from_user
        is_self = sender == me
    elif to_user.startswith("@@"):
        chat, sender, is_self, is_group = to_user, from_user, False, True
    else:
        chat, sender, is_self, is_group = from_user, from_user, False, False

    revoked: str | None = None
    names: tuple[str, ...] = ()
    description = rec_user = rec_nick = rec_content = rec_ticket = ""
    latitude: float | None = None
    longitude: float | None = None

    if msg_type == 1 and sub_msg_type != 48:
        category = "text"
        text = decode_text(body) if "<" in body or "&" in body else body
    else:
        category = category_of(msg_type, app_msg_type, sub_msg_type)
        text = ""
        if msg_type == 49:
            # The real server escapes the XML (other servers may not); "&lt;appmsg" is found early.
            escaped = "&lt;appmsg" in body or "<appmsg" not in body
            text = _element(body, escaped, "title") or ""
            description = _element(body, escaped, "des") or ""
            if not url:
                url = _unescape_url(_element(body, escaped, "url") or "")
            if app_msg_type == 6:
                if file_size is None:
                    total = _element(body, escaped, "totallen") or ""
                    if total.isascii() and total.isdigit() and len(total) < 19:
                        file_size = int(total)
                if not text:
                    text = file_name
        elif msg_type == 10002:
            xml = unescape_entities(body) if "&" in body else body
            old = _between(xml, "<msgid>", "</msgid>")
            revoked = old.strip() if old and old.strip().isdigit() else None
            replace = _between(xml, "<replacemsg>", "</replacemsg>")
            text = _xml_value(replace) if replace is not None else ""
        elif msg_type == 51:
            names = tuple(n for n in notify_user.split(",") if n)
        elif msg_type == 37 or msg_type == 42:
            info = item.get("RecommendInfo") or {}
            rec_user = as_str(info.get("UserName", ""))
            rec_nick = wire_text(as_str(info.get("NickName", "")))
            rec_content = wire_text(as_str(info.get("Content", "")))
            rec_ticket = as_str(info.get("Ticket", ""))
            text = rec_content if msg_type == 37 else rec_nick
        elif category == "location":
            if msg_type == 1:
                label, sep, _ = body.partition(_PREFIX_SEP)
                text = wire_text(label) if sep else ""
                attrs = _location_attrs(as_str(item.get("OriContent", "")))
            else:
                attrs = _location_attrs(body)
                text = attrs.get("label") or attrs.get("poiname") or ""
            latitude = _coordinate(attrs.get("x"))
            longitude = _coordinate(attrs.get("y"))
        elif category == "system" or category == "unknown":
            text = wire_text(body)
        # else media and the like: text stays "", the XML is in raw_content

    return message_from_values(
        msg_id, from_user, to_user, chat, sender, is_group, is_self, msg_type, category, create_time,
        text, content, app_msg_type, sub_msg_type, url, file_name, file_size, media_id, notify_code,
        notify_user, revoked, rec_user, rec_nick, img_width, img_height, play_length, voice_length,
        names, description, rec_content, rec_ticket, latitude, longitude,
    )  # fmt: skip
