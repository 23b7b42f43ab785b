"""What the store reads from the session: the attributes it uses of a message, a contact, a room member.

The store does not import the protocol (the session imports both, see DESIGN.md). It states here, as
``typing.Protocol`` classes, which attributes it reads; the protocol's frozen records
(``wxnb.protocol.records.Message``, ``Contact``, ``Member``) have them all, so the session passes those
as they are, and a test or another client can pass any object with these attributes.

``MESSAGE_CATEGORIES`` is the store's own list of message categories, in the order the ``type`` column
lists them; a category not in it still works (it becomes a new category of the column). A test keeps it
equal to the protocol's list.

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Person:
    ...     user_name: str
    ...     nickname: str = ""
    ...     display_name: str = ""
    ...     uin: int = 0
    ...     attr_status: int = 0
    >>> from wxnb.store.keys import member_key
    >>> member_key(Person("@m1", nickname="Bo", attr_status=77), b"x")[:2]
    'p:'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Protocol

__all__ = ["MESSAGE_CATEGORIES", "ContactLike", "MemberLike", "MessageLike"]

MESSAGE_CATEGORIES: Final = (
    "text", "image", "voice", "video", "sticker", "link", "file", "location", "live_location", "card",
    "friend_request", "possible_friend", "transfer", "red_packet", "mini_program", "app", "voip",
    "status", "system", "revoke", "unknown",
)  # fmt: skip


class MemberLike(Protocol):
    """A room member: what keys and the ``members`` table read."""

    @property
    def user_name(self) -> str: ...
    @property
    def nickname(self) -> str: ...
    @property
    def display_name(self) -> str:
        """The member's name inside the room, "" when unset."""

    @property
    def uin(self) -> int: ...
    @property
    def attr_status(self) -> int: ...


class ContactLike(Protocol):
    """A friend, room, official account or special account: what keys, names and ``contacts`` read.

    ``kind`` is one of friend, room, mp, special, other. ``members`` is empty for a room whose members
    were not fetched (the store then keeps the ones it knows).
    """

    @property
    def user_name(self) -> str: ...
    @property
    def nickname(self) -> str: ...
    @property
    def remark(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def uin(self) -> int: ...
    @property
    def alias(self) -> str: ...
    @property
    def sex(self) -> int: ...
    @property
    def province(self) -> str: ...
    @property
    def city(self) -> str: ...
    @property
    def signature(self) -> str: ...
    @property
    def contact_flag(self) -> int: ...
    @property
    def verify_flag(self) -> int: ...
    @property
    def attr_status(self) -> int: ...
    @property
    def key_word(self) -> str: ...
    @property
    def head_img_url(self) -> str: ...
    @property
    def member_count(self) -> int: ...
    @property
    def members(self) -> Sequence[MemberLike]: ...
    @property
    def owner_uin(self) -> int: ...
    @property
    def is_owner(self) -> int:
        """IsOwner: non-zero when the logged-in account owns the room."""

    @property
    def encry_chat_room_id(self) -> str: ...
    @property
    def is_starred(self) -> bool: ...


class MessageLike(Protocol):
    """A message: what the ``messages`` table, name resolution and revokes read.

    ``chat`` is the conversation's UserName, ``sender`` who wrote it; ``category`` one of
    :data:`MESSAGE_CATEGORIES`; ``create_time`` seconds since the epoch; ``revoked_msg_id`` the MsgId a
    revoke notice withdraws (None for any other message); ``voice_length`` a voice message's length in
    milliseconds (VoiceLength), ``play_length`` a video's in seconds (PlayLength), 0 when not given.
    """

    @property
    def msg_id(self) -> str: ...
    @property
    def chat(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def is_group(self) -> bool: ...
    @property
    def is_self(self) -> bool: ...
    @property
    def msg_type(self) -> int: ...
    @property
    def app_msg_type(self) -> int: ...
    @property
    def category(self) -> str: ...
    @property
    def create_time(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def file_name(self) -> str: ...
    @property
    def raw_content(self) -> str: ...
    @property
    def revoked_msg_id(self) -> str | None: ...
    @property
    def voice_length(self) -> int: ...
    @property
    def play_length(self) -> int: ...
