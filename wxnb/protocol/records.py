"""Typed records that the protocol layer hands upwards: messages, contacts, room members.

These are the contract between ``wxnb.protocol`` (which builds them from wire replies) and
``wxnb.session``/``wxnb.store`` (which turn them into tables). They are plain frozen dataclasses with
slots: cheap to build in bulk, safe to share between threads, and free of any secret.

Example:
    >>> from wxnb.protocol.records import Message, category_of
    >>> category_of(49, app_msg_type=5)
    'link'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Final

__all__ = [
    "CATEGORIES",
    "Contact",
    "ContactKind",
    "Member",
    "Message",
    "category_of",
    "contact_kind",
    "message_from_values",
]

# ContactFlag bits (PROTOCOL.md §6).
FLAG_CONTACT: Final = 1
FLAG_CHAT: Final = 2
FLAG_SAVED_ROOM: Final = 4
FLAG_BLACKLIST: Final = 8
FLAG_HIDDEN: Final = 32
FLAG_STAR: Final = 64
FLAG_MUTE: Final = 512
FLAG_PINNED: Final = 2048
VERIFY_MP_BIT: Final = 8

SPECIAL_USER_NAMES: Final = frozenset(
    {
        "filehelper", "weixin", "fmessage", "newsapp", "qqmail", "tmessage", "qmessage", "qqsync",
        "floatbottle", "lbsapp", "shakeapp", "medianote", "qqfriend", "readerapp", "blogapp",
        "facebookapp", "masssendapp", "meishiapp", "feedsapp", "voip", "blogappweixin", "brandsessionholder",
        "weibo", "qqweibo", "notifymessage", "voipnotify", "officialaccounts", "notification_messages",
        "wxid_novlwrv3lqwv11", "gh_22b87fa7cb3c", "wxitil", "userexperience_alarm", "exmail_tool",
    }
)  # fmt: skip

# Message categories: the values of the ``type`` column of ``session.messages``.
CATEGORIES: Final = (
    "text", "image", "voice", "video", "sticker", "link", "file", "location", "live_location", "card",
    "friend_request", "possible_friend", "transfer", "red_packet", "mini_program", "app", "voip",
    "status", "system", "revoke", "unknown",
)  # fmt: skip

_BY_MSG_TYPE: Final[dict[int, str]] = {
    1: "text", 3: "image", 34: "voice", 37: "friend_request", 40: "possible_friend", 42: "card",
    43: "video", 47: "sticker", 48: "location", 50: "voip", 51: "status", 52: "voip", 53: "voip",
    62: "video", 9999: "system", 10000: "system", 10002: "revoke",
}  # fmt: skip
_BY_APP_TYPE: Final[dict[int, str]] = {
    5: "link", 6: "file", 8: "sticker", 17: "live_location", 33: "mini_program", 36: "mini_program",
    2000: "transfer", 2001: "red_packet",
}  # fmt: skip


def category_of(msg_type: int, app_msg_type: int = 0, sub_msg_type: int = 0) -> str:
    """The message category (one of ``CATEGORIES``) of a MsgType / AppMsgType / SubMsgType triple.

    Example:
        >>> category_of(1), category_of(1, sub_msg_type=48), category_of(49, 6), category_of(12345)
        ('text', 'location', 'file', 'unknown')
    """
    if msg_type == 1 and sub_msg_type == 48:
        return "location"
    if msg_type == 49:
        return _BY_APP_TYPE.get(app_msg_type, "app")
    return _BY_MSG_TYPE.get(msg_type, "unknown")


ContactKind = str  # one of "friend", "room", "mp", "special", "other"


def contact_kind(user_name: str, verify_flag: int, contact_flag: int) -> ContactKind:
    """Classify a contact (PROTOCOL.md §6): room, official account (mp), special account, friend.

    Example:
        >>> contact_kind("@@ab", 0, 0), contact_kind("@cd", 24, 3), contact_kind("filehelper", 0, 2)
        ('room', 'mp', 'special')
    """
    if user_name.startswith("@@"):
        return "room"
    if verify_flag & VERIFY_MP_BIT:
        return "mp"
    if user_name in SPECIAL_USER_NAMES:
        return "special"
    if contact_flag & FLAG_CONTACT:
        return "friend"
    return "other"


@dataclass(frozen=True, slots=True)
class Member:
    """One member of a room, as webwxbatchgetcontact lists it (names already decoded to Unicode)."""

    user_name: str
    nickname: str = ""
    display_name: str = ""  # the member's name inside this room, "" when unset
    uin: int = field(default=0, repr=False)  # a uin is a secret: kept out of reprs
    attr_status: int = 0
    key_word: str = ""
    member_status: int = 0


@dataclass(frozen=True, slots=True)
class Contact:
    """A friend, room, official account or special account (names already decoded to Unicode).

    ``kind`` is derived with :func:`contact_kind`. ``members`` is empty for rooms whose members have
    not been fetched yet (webwxgetcontact lists saved rooms with ``MemberList: []``).
    """

    user_name: str
    nickname: str = ""
    remark: str = ""
    kind: ContactKind = "other"
    uin: int = field(default=0, repr=False)  # a uin is a secret: kept out of reprs
    alias: str = ""
    sex: int = 0
    province: str = ""
    city: str = ""
    signature: str = ""
    contact_flag: int = 0
    verify_flag: int = 0
    star_friend: int = 0
    attr_status: int = 0
    key_word: str = ""
    head_img_url: str = ""
    member_count: int = 0
    members: tuple[Member, ...] = field(default=())
    owner_uin: int = field(default=0, repr=False)  # the account's own uin when it owns the room
    is_owner: int = 0
    encry_chat_room_id: str = ""
    display_name: str = ""

    @property
    def is_room(self) -> bool:
        return self.kind == "room"

    @property
    def is_starred(self) -> bool:
        return bool(self.star_friend) or bool(self.contact_flag & FLAG_STAR)

    @property
    def is_pinned(self) -> bool:
        return bool(self.contact_flag & FLAG_PINNED)

    @property
    def is_muted(self) -> bool:
        return bool(self.contact_flag & FLAG_MUTE)


@dataclass(frozen=True, slots=True)
class Message:
    """One AddMsgList item, decoded.

    ``chat`` is the conversation's UserName (for one's own messages the recipient, else the sender or
    the room); ``sender`` is who wrote it (for a room message from someone else, the UserName from the
    ``@user:<br/>`` prefix, which is removed from ``text``). ``text`` is clean Unicode; ``raw_content``
    is the Content exactly as received. ``create_time`` is seconds since the epoch (UTC).
    ``revoked_msg_id`` is set for revoke notices (MsgType 10002): the MsgId that was withdrawn.
    """

    msg_id: str
    from_user: str
    to_user: str
    chat: str
    sender: str
    is_group: bool
    is_self: bool
    msg_type: int
    category: str
    create_time: int
    text: str
    raw_content: str
    app_msg_type: int = 0
    sub_msg_type: int = 0
    url: str = ""
    file_name: str = ""
    file_size: int | None = None
    media_id: str = ""
    status_notify_code: int = 0
    status_notify_user_name: str = ""
    revoked_msg_id: str | None = None
    recommend_user_name: str = ""
    recommend_nickname: str = ""
    img_width: int = 0
    img_height: int = 0
    play_length: int = 0
    voice_length: int = 0
    # Added by the codec (all defaulted, so older constructors keep working):
    status_notify_user_names: tuple[str, ...] = ()  # MsgType 51: the chats StatusNotifyUserName lists
    description: str = ""  # app messages: the <des> line under a link's title
    recommend_content: str = ""  # MsgType 37: the greeting of a friend request
    recommend_ticket: str = field(default="", repr=False)  # MsgType 37: needed to accept the request
    latitude: float | None = None  # locations: x= of the <location> element
    longitude: float | None = None  # locations: y= of the <location> element


def _positional_builder(cls: type[Any]) -> Callable[..., Any]:
    """A constructor taking every field positionally that sets the slots directly.

    A frozen dataclass's ``__init__`` calls ``object.__setattr__`` once per field, which is most of the
    cost of decoding a message (33 fields). Setting each slot through its descriptor, in a function
    generated here the same way ``dataclasses`` generates ``__init__``, builds an identical object in
    less than half the time. Every field is set, in declaration order, so the result equals
    ``cls(*values)``.
    """
    names = [f.name for f in fields(cls)]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def build({', '.join(names)}):", "    obj = _new(_cls)"]
    for name in names:
        namespace[f"_set_{name}"] = cls.__dict__[name].__set__
        lines.append(f"    _set_{name}(obj, {name})")
    lines.append("    return obj")
    exec("\n".join(lines), namespace)  # the source is built from the class's own field names only
    builder: Callable[..., Any] = namespace["build"]
    return builder


message_from_values: Callable[..., Message] = _positional_builder(Message)
"""``message_from_values(*values)`` equals ``Message(*values)`` (all 33 fields, in order), twice as fast.

Example:
    >>> values = ("1", "@a", "@me", "@a", "@a", False, False, 1, "text", 0, "hi", "hi")
    >>> defaults = tuple(f.default for f in fields(Message)[len(values):])
    >>> message_from_values(*values, *defaults) == Message(*values)
    True
"""
