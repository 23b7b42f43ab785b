"""The JSON objects of the web protocol, drawn from the world for one login (PROTOCOL.md §4–§6).

Contacts, room members, AddMsgList items, the init User, with every field the real server sends and
names in wire form (emoji spans, ``& < >`` escaped). Call these while holding ``world.lock``.

Example:
    >>> from wxnb.sim.spec import AccountSpec, FriendSpec, PersonSpec, WorldSpec
    >>> from wxnb.sim.world import World
    >>> spec = WorldSpec(AccountSpec(0), [PersonSpec(0, "wxid_me", "Me"), PersonSpec(1, "wxid_ann", "A&B")],
    ...                  friends=[FriendSpec(1)])
    >>> w = World.from_spec(spec); login = w.new_login(); w.confirm(login.uuid)
    '...'
    >>> s = w.start_session(login)
    >>> c = contact_json(w, s, ("person", 1))
    >>> c["NickName"], c["KeyWord"], c["Uin"]
    ('A&amp;B', 'wxi', 0)
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

import orjson

from wxnb.sim.content import Body, substitute_refs
from wxnb.sim.logins import WebSession
from wxnb.sim.markup import room_prefix, wire_text
from wxnb.sim.usernames import Ref
from wxnb.sim.world import LogMessage, World

__all__ = [
    "EMPTY_RECOMMEND",
    "contact_json",
    "head_url",
    "member_json",
    "message_json",
    "message_wire",
    "user_json",
]

EMPTY_RECOMMEND: dict[str, Any] = {
    "UserName": "", "NickName": "", "QQNum": 0, "Province": "", "City": "", "Content": "", "Signature": "",
    "Alias": "", "Scene": 0, "VerifyFlag": 0, "AttrStatus": 0, "Sex": 0, "Ticket": "", "OpCode": 0,
}  # fmt: skip

# ContactFlag bits (PROTOCOL.md §6)
FLAG_CONTACT: Final = 1
FLAG_CHAT: Final = 2
FLAG_SAVED_ROOM: Final = 4
FLAG_STAR: Final = 64
FLAG_MUTE: Final = 512
FLAG_PINNED: Final = 2048

_KNOWN_PINYIN = {"filehelper": ("WJCSZS", "wenjianchuanshuzhushou"), "weixin": ("WXTD", "weixintuandui")}


def _pinyin(name: str) -> tuple[str, str]:
    """PYInitial / PYQuanPin. The real server romanises CJK; we only fill them for ASCII names."""
    if not name or not name.isascii():
        return "", ""
    letters = "".join(ch for ch in name if ch.isalnum())
    return letters.upper(), letters.lower()


def _head_seq(key: str) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 900_000_000 + 600_000_000


def head_url(world: World, session: WebSession, ref: Ref) -> str:
    """HeadImgUrl: a path on the API host, ``webwxgeticon`` for people, ``webwxgetheadimg`` for rooms."""
    name = world.ref_name(session.naming, ref)
    skey = session.creds.skey
    if ref[0] == "room":
        return f"/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=0&username={name}&skey={skey}"
    seq = _head_seq(world.persons[ref[1]].wxid)
    return f"/cgi-bin/mmwebwx-bin/webwxgeticon?seq={seq}&username={name}&skey={skey}"


def _key_word(world: World, pid: int) -> str:
    person = world.persons[pid]
    return "gh_" if person.is_mp else person.wxid[:3]


def member_json(world: World, session: WebSession, rid: int, pid: int, brief: bool = False) -> dict[str, Any]:
    """A room member entry. ``brief`` (webwxinit) leaves NickName and DisplayName empty, as the real
    server does: clients fetch the details with webwxbatchgetcontact."""
    person = world.persons[pid]
    nick = "" if brief else wire_text(world.nickname(pid))
    display = "" if brief else wire_text(world.rooms[rid].display.get(pid, ""))
    py_initial, py_full = ("", "") if brief else _pinyin(world.nickname(pid))
    return {
        "Uin": 0,
        "UserName": world.person_name(session.naming, pid),
        "NickName": nick,
        "AttrStatus": person.attr_status,
        "PYInitial": py_initial,
        "PYQuanPin": py_full,
        "RemarkPYInitial": "",
        "RemarkPYQuanPin": "",
        "MemberStatus": 0,
        "DisplayName": display,
        "KeyWord": _key_word(world, pid),
    }


def contact_json(
    world: World, session: WebSession, ref: Ref, members: str = "none", encry: bool = True
) -> dict[str, Any]:
    """A contact object (person or room). ``members``: ``"none"`` (webwxgetcontact: MemberList [],
    MemberCount 0), ``"brief"`` (webwxinit) or ``"full"`` (batchgetcontact, ModContactList).
    ``encry``: fill EncryChatRoomId for rooms (webwxgetcontact leaves it empty)."""
    if ref[0] == "room":
        return _room_json(world, session, ref[1], members, encry)
    pid = ref[1]
    person = world.persons[pid]
    state = world.friends.get(pid)
    nickname = world.nickname(pid)
    remark = state.remark if state is not None and state.contact else ""
    flag = 0
    if state is not None and state.contact:
        flag = FLAG_CONTACT | FLAG_CHAT
        if pid in world.special:
            flag = FLAG_CHAT
        flag |= (FLAG_STAR if state.starred else 0) | (FLAG_PINNED if state.pinned else 0)
        flag |= FLAG_MUTE if state.muted else 0
    py_initial, py_full = _KNOWN_PINYIN.get(person.wxid) or _pinyin(nickname)
    remark_initial, remark_full = _pinyin(remark)
    return {
        "Uin": 0,
        "UserName": world.person_name(session.naming, pid),
        "NickName": wire_text(nickname),
        "HeadImgUrl": head_url(world, session, ref),
        "ContactFlag": flag,
        "MemberCount": 0,
        "MemberList": [],
        "RemarkName": wire_text(remark),
        "HideInputBarFlag": 0,
        "Sex": person.sex,
        "Signature": wire_text(person.signature),
        "VerifyFlag": person.verify_flag,
        "OwnerUin": 0,
        "PYInitial": py_initial,
        "PYQuanPin": py_full,
        "RemarkPYInitial": remark_initial,
        "RemarkPYQuanPin": remark_full,
        "StarFriend": 1 if state is not None and state.starred else 0,
        "AppAccountFlag": 0,
        "Statues": 0,
        "AttrStatus": person.attr_status,
        "Province": wire_text(person.province),
        "City": wire_text(person.city),
        "Alias": person.alias,
        "SnsFlag": 0 if person.is_mp or pid in world.special else 17,
        "UniFriend": 0,
        "DisplayName": "",
        "ChatRoomId": 0,
        "KeyWord": _key_word(world, pid),
        "EncryChatRoomId": "",
        "IsOwner": 0,
    }


def _room_json(world: World, session: WebSession, rid: int, members: str, encry: bool) -> dict[str, Any]:
    room = world.rooms[rid]
    flag = FLAG_CHAT
    if room.saved:
        flag |= FLAG_CONTACT | FLAG_SAVED_ROOM
    flag |= (FLAG_PINNED if room.pinned else 0) | (FLAG_MUTE if room.muted else 0)
    if members == "none":
        member_list: list[dict[str, Any]] = []
    else:
        brief = members == "brief"
        member_list = [member_json(world, session, rid, pid, brief) for pid in room.members]
    py_initial, py_full = _pinyin(room.topic)
    owner = world.persons[room.owner] if 0 <= room.owner < len(world.persons) else None
    return {
        "Uin": 0,
        "UserName": session.naming.room(rid),
        "NickName": wire_text(room.topic),
        "HeadImgUrl": head_url(world, session, ("room", rid)),
        "ContactFlag": flag,
        "MemberCount": len(member_list),
        "MemberList": member_list,
        "RemarkName": "",
        "HideInputBarFlag": 0,
        "Sex": 0,
        "Signature": "",
        "VerifyFlag": 0,
        "OwnerUin": (world.uin if room.owner == world.account else owner.uin) if owner else 0,
        "PYInitial": py_initial,
        "PYQuanPin": py_full,
        "RemarkPYInitial": "",
        "RemarkPYQuanPin": "",
        "StarFriend": 0,
        "AppAccountFlag": 0,
        "Statues": 0 if room.muted else 1,  # rooms: Statues 0 means notifications off
        "AttrStatus": 0,
        "Province": "",
        "City": "",
        "Alias": "",
        "SnsFlag": 0,
        "UniFriend": 0,
        "DisplayName": "",
        "ChatRoomId": 0,
        "KeyWord": "",
        "EncryChatRoomId": room.encry_id if encry else "",
        "IsOwner": 1 if room.owner == world.account else 0,
    }


def user_json(world: World, session: WebSession) -> dict[str, Any]:
    """The ``User`` object of webwxinit: the logged-in account (the only one with its real Uin)."""
    me = world.persons[world.account]
    nickname = world.nickname(world.account)
    py_initial, py_full = _pinyin(nickname)
    return {
        "Uin": world.uin,
        "UserName": world.person_name(session.naming, world.account),
        "NickName": wire_text(nickname),
        "HeadImgUrl": head_url(world, session, ("person", world.account)),
        "RemarkName": "",
        "PYInitial": py_initial,
        "PYQuanPin": py_full,
        "RemarkPYInitial": "",
        "RemarkPYQuanPin": "",
        "HideInputBarFlag": 0,
        "StarFriend": 0,
        "Sex": me.sex,
        "Signature": wire_text(me.signature),
        "AppAccountFlag": 0,
        "VerifyFlag": 0,
        "ContactFlag": 0,
        "WebWxPluginSwitch": 0,
        "HeadImgFlag": 1,
        "SnsFlag": 17,
    }


def message_json(world: World, session: WebSession, message: LogMessage) -> dict[str, Any]:
    """One AddMsgList item with every field (PROTOCOL.md §5), names resolved for this login."""
    naming = session.naming
    body = message.body
    from_name, to_name, sender = _names(world, session, message)
    content = body.content
    if sender is not None:
        content = room_prefix(sender) + content
    item = _item(message, from_name, to_name, content)
    if body.refs:

        def name(kind: str, ident: int) -> str:
            return naming.room(ident) if kind == "r" else world.person_name(naming, ident)

        for key in ("Content", "StatusNotifyUserName", "FromUserName"):
            item[key] = substitute_refs(item[key], name)
        if item["RecommendInfo"] is not EMPTY_RECOMMEND:
            recommend = dict(item["RecommendInfo"])
            recommend["UserName"] = substitute_refs(recommend["UserName"], name)
            item["RecommendInfo"] = recommend
    return item


def message_wire(world: World, session: WebSession, message: LogMessage) -> bytes:
    """``orjson.dumps(message_json(world, session, message))``, byte for byte.

    A message without extra fields or placeholders (plain texts: most of any traffic) is joined from
    constant pieces, the login's names for its chat and sender (kept on the session) and its escaped
    Content, instead of building and serialising a dict of 28 fields: several us less per message in
    a sync reply, which is on the critical path of a client's ingest. Others are rendered in full.
    """
    body = message.body
    if body.fields or body.refs:
        return orjson.dumps(message_json(world, session, message))
    key = (message.chat, message.sender, body.prefix)
    names = session.wire_names.get(key)
    if names is None:
        from_name, to_name, sender = _names(world, session, message)
        names = (
            b'","FromUserName":' + orjson.dumps(from_name) + b',"ToUserName":' + orjson.dumps(to_name)
            + b',"MsgType":',
            # Content's opening quote, with the room sender's prefix when there is one
            b',"Content":' + (orjson.dumps(room_prefix(sender))[:-1] if sender is not None else b'"'),
        )  # fmt: skip
        session.wire_names[key] = names
    msg_id = str(message.msg_id).encode()
    return b"".join(
        (
            b'{"MsgId":"', msg_id, names[0], str(body.msg_type).encode(), names[1],
            orjson.dumps(body.content)[1:], _PLAIN_TAIL[0], str(message.create_time).encode(),
            _PLAIN_TAIL[1], msg_id, _PLAIN_TAIL[2],
        )
    )  # fmt: skip


def _plain_tail() -> tuple[bytes, bytes, bytes]:
    """The constant pieces of a plain message's item after Content: before CreateTime's value,
    between it and NewMsgId's, and after that (serialised by orjson, so they match a full render)."""
    item = _item(LogMessage(0, 0, ("person", 0), 0, Body(1, "")), "", "", "")
    keys = list(item)
    ct, new = keys.index("CreateTime"), keys.index("NewMsgId")
    if keys[:5] != ["MsgId", "FromUserName", "ToUserName", "MsgType", "Content"] or not 5 < ct < new:
        raise AssertionError(f"the AddMsgList item's key order changed: {keys}")

    def members(start: int, stop: int) -> bytes:
        return orjson.dumps({k: item[k] for k in keys[start:stop]})[1:-1]

    return (
        b"," + members(5, ct) + b',"CreateTime":',
        b"," + members(ct + 1, new) + b',"NewMsgId":',
        b"," + members(new + 1, len(keys)) + b"}",
    )


def _names(world: World, session: WebSession, message: LogMessage) -> tuple[str, str, str | None]:
    """From, To, and the sender whose ``@name:<br/>`` prefix a room message from someone else carries."""
    naming = session.naming
    me = world.person_name(naming, world.account)
    chat_name = world.ref_name(naming, message.chat)
    if message.sender == world.account:
        return me, chat_name, None
    if message.chat[0] == "room" and message.body.prefix:
        return chat_name, me, world.person_name(naming, message.sender)
    return chat_name, me, None


def _item(message: LogMessage, from_name: str, to_name: str, content: str) -> dict[str, Any]:
    body = message.body
    item: dict[str, Any] = {
        "MsgId": str(message.msg_id),
        "FromUserName": from_name,
        "ToUserName": to_name,
        "MsgType": body.msg_type,
        "Content": content,
        "Status": 3,
        "ImgStatus": 1,
        "CreateTime": message.create_time,
        "VoiceLength": 0,
        "PlayLength": 0,
        "FileName": "",
        "FileSize": "",
        "MediaId": "",
        "Url": "",
        "AppMsgType": 0,
        "StatusNotifyCode": 0,
        "StatusNotifyUserName": "",
        "RecommendInfo": EMPTY_RECOMMEND,
        "ForwardFlag": 0,
        "AppInfo": {"AppID": "", "Type": 0},
        "HasProductId": 0,
        "Ticket": "",
        "ImgHeight": 0,
        "ImgWidth": 0,
        "SubMsgType": 0,
        "NewMsgId": message.msg_id,
        "OriContent": "",
        "EncryFileName": "",
    }
    if body.fields:
        item.update(body.fields)
    return item


_PLAIN_TAIL: Final = _plain_tail()
