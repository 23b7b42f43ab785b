"""AddMsgList items → :class:`~wxnb.protocol.records.Message` (PROTOCOL.md §5). The hot path of sync.

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

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from wxnb.protocol.errors import ProtocolError
from wxnb.protocol.fields import SHAPE_ERRORS, as_int, as_str, wire_text
from wxnb.protocol.records import Message, category_of

__all__ = ["decode_message", "decode_messages", "split_group_prefix"]

_PREFIX_SEP: Final = ":<br/>"
_PREFIX_MAX: Final = 130  # "@" + up to 128 hex digits
_HEX: Final = frozenset("0123456789abcdefABCDEF")


def split_group_prefix(content: str) -> tuple[str, str]:
    """``"@abc:<br/>text"`` → ``("@abc", "text")``; ``("", content)`` when there is no sender prefix.

    Example:
        >>> split_group_prefix("@9f2e:<br/>hello"), split_group_prefix("no prefix")
        (('@9f2e', 'hello'), ('', 'no prefix'))
    """
    if not content.startswith("@"):
        return "", content
    end = content.find(_PREFIX_SEP, 2, _PREFIX_MAX + len(_PREFIX_SEP))
    if end < 0:
        return "", content
    name = content[1:end]
    if not _HEX.issuperset(name):
        return "", content
    return content[:end], content[end + len(_PREFIX_SEP) :]


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
        raw = html.unescape(raw) if "&" in raw else raw
    else:
        raw = _between(xml_escaped, f"<{tag}>", f"</{tag}>")
        if raw is None:
            return None
    return _xml_value(raw)


def _unescape_url(url: str) -> str:
    return html.unescape(url) if "&" in url else url


_ATTR_RE: Final = re.compile(r'\b(x|y|label|poiname)="([^"<>]{0,512})"')


def _location_attrs(xml: str) -> dict[str, str]:
    xml = html.unescape(xml) if "&" in xml else xml
    i = xml.find("<location")
    if i < 0:
        return {}
    j = xml.find(">", i)
    element = xml[i : j if j >= 0 else i + 2048]
    return {m.group(1): html.unescape(m.group(2)) for m in _ATTR_RE.finditer(element)}


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
    msg_id = item["MsgId"]
    if type(msg_id) is not str:
        msg_id = str(as_int(msg_id))
    from_user = item["FromUserName"]
    to_user = item["ToUserName"]
    if type(from_user) is not str or type(to_user) is not str:
        raise TypeError("FromUserName and ToUserName must be strings")
    msg_type = item["MsgType"]
    if type(msg_type) is not int:
        msg_type = as_int(msg_type)
    content = item["Content"]
    if type(content) is not str:
        raise TypeError("Content must be a string")
    create_time = item["CreateTime"]
    if type(create_time) is not int:
        create_time = as_int(create_time)
    get = item.get
    app_msg_type = get("AppMsgType", 0)
    if type(app_msg_type) is not int:
        app_msg_type = as_int(app_msg_type)
    sub_msg_type = get("SubMsgType", 0)
    if type(sub_msg_type) is not int:
        sub_msg_type = as_int(sub_msg_type)

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

    category = category_of(msg_type, app_msg_type, sub_msg_type)
    url = as_str(get("Url", ""))
    if url and "&" in url:
        url = html.unescape(url)
    file_name = as_str(get("FileName", ""))
    if file_name:
        file_name = wire_text(file_name)
    file_size = _file_size(get("FileSize", ""))
    revoked: str | None = None
    names: tuple[str, ...] = ()
    description = rec_user = rec_nick = rec_content = rec_ticket = ""
    latitude: float | None = None
    longitude: float | None = None

    if category == "text":
        text = wire_text(body)
    elif msg_type == 49:
        escaped = "<appmsg" not in body  # the real server escapes the XML; other servers may not
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
        xml = html.unescape(body) if "&" in body else body
        old = _between(xml, "<msgid>", "</msgid>")
        revoked = old.strip() if old and old.strip().isdigit() else None
        replace = _between(xml, "<replacemsg>", "</replacemsg>")
        text = _xml_value(replace) if replace is not None else ""
    elif msg_type == 51:
        text = ""
        names = tuple(n for n in as_str(get("StatusNotifyUserName", "")).split(",") if n)
    elif msg_type in (37, 42):
        info = get("RecommendInfo") or {}
        rec_user = as_str(info.get("UserName", ""))
        rec_nick = wire_text(as_str(info.get("NickName", "")))
        rec_content = wire_text(as_str(info.get("Content", "")))
        rec_ticket = as_str(info.get("Ticket", ""))
        text = rec_content if msg_type == 37 else rec_nick
    elif category == "location":
        if msg_type == 1:
            label, sep, _ = body.partition(_PREFIX_SEP)
            text = wire_text(label) if sep else ""
            attrs = _location_attrs(as_str(get("OriContent", "")))
        else:
            attrs = _location_attrs(body)
            text = attrs.get("label") or attrs.get("poiname") or ""
        latitude = _coordinate(attrs.get("x"))
        longitude = _coordinate(attrs.get("y"))
    elif category in ("system", "unknown"):
        text = wire_text(body)
    else:  # media and the like: the XML stays in raw_content
        text = ""

    return Message(
        msg_id,
        from_user,
        to_user,
        chat,
        sender,
        is_group,
        is_self,
        msg_type,
        category,
        create_time,
        text,
        content,
        app_msg_type,
        sub_msg_type,
        url,
        file_name,
        file_size,
        as_str(get("MediaId", "")),
        as_int(get("StatusNotifyCode", 0)),
        as_str(get("StatusNotifyUserName", "")),
        revoked,
        rec_user,
        rec_nick,
        as_int(get("ImgWidth", 0)),
        as_int(get("ImgHeight", 0)),
        as_int(get("PlayLength", 0)),
        as_int(get("VoiceLength", 0)),
        names,
        description,
        rec_content,
        rec_ticket,
        latitude,
        longitude,
    )
