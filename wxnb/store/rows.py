"""What the store keeps per message, contact and room member, before it becomes a table or a SQLite row.

:class:`MessageRows` is a batch of messages in columns (one list per column): the tables append
columns, the archive inserts rows, and both read the same object, so a message is converted from its
record (:class:`~wxnb.store.inputs.MessageLike`) once. :class:`ContactRow` and :class:`MemberRow` are
the keyed, resolved forms of contacts and members.

Example:
    >>> from wxnb.protocol.records import Message
    >>> m = Message("1", "@a", "@me", "@a", "@a", False, False, 1, "text", 1700000000, "hi", "hi")
    >>> rows = MessageRows.from_messages([m], [("p:0123456789ab", "Ann", "Ann")])
    >>> rows.msg_id, rows.chat_name, len(rows)
    (['1'], ['Ann'], 1)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any, Final

from wxnb.store.inputs import ContactLike, MemberLike, MessageLike

__all__ = [
    "MESSAGE_COLUMNS",
    "ROOM_NAME_MEMBERS",
    "UNNAMED_ROOM",
    "ContactRow",
    "MemberRow",
    "MessageRows",
    "Resolution",
    "duration_of",
    "room_name",
]

Resolution = tuple[str | None, str | None, str | None]
"""(chat_key, chat_name, sender_name) of one message; None where unknown at append time."""

MESSAGE_COLUMNS: Final = (
    "msg_id", "time", "chat", "chat_key", "chat_name", "sender", "sender_name", "is_group", "is_self",
    "type", "msg_type", "app_type", "text", "url", "file_name", "duration", "raw_content", "revoked",
)  # fmt: skip


ROOM_NAME_MEMBERS: Final = 3
"""How many members name a room without a topic (WeChat's clients show the first few, then "…")."""

UNNAMED_ROOM: Final = "Group chat"
"""The name of a room with neither a topic nor any known member (what WeChat shows for it)."""


def room_name(member_names: Sequence[str]) -> str:
    """The name WeChat shows for a room without a topic: its members' names joined with "、".

    ``member_names`` are the members' names as the account sees them (one's remark for them, else
    their name in the room, else their nickname), in the room's member order, the account excluded.
    The first :data:`ROOM_NAME_MEMBERS` name the room, "…" follows when there are more; empty names are
    skipped; a room with no named member is :data:`UNNAMED_ROOM`. Never a UserName, never empty.

    Example:
        >>> room_name(["Ann", "Bob"]), room_name(["Ann", "", "Bob", "Carol", "Dan"]), room_name([])
        ('Ann、Bob', 'Ann、Bob、Carol…', 'Group chat')
    """
    named = [name for name in member_names if name]
    if not named:
        return UNNAMED_ROOM
    shown = "、".join(named[:ROOM_NAME_MEMBERS])
    return shown + "…" if len(named) > ROOM_NAME_MEMBERS else shown


def duration_of(message: MessageLike) -> float | None:
    """How long a voice or video message plays, in seconds; None for every other message, and when the
    server gave no length (0).

    Voice messages (MsgType 34) carry ``VoiceLength`` in milliseconds, videos (MsgType 43, and 62 for
    short videos) ``PlayLength`` in seconds.

    Example:
        >>> from dataclasses import replace
        >>> from wxnb.protocol.records import Message
        >>> voice = Message("1", "@a", "@me", "@a", "@a", False, False, 34, "voice", 0, "", "")
        >>> duration_of(replace(voice, voice_length=7250))
        7.25
    """
    category = message.category
    if category == "voice" and message.voice_length > 0:
        return message.voice_length / 1000
    if category == "video" and message.play_length > 0:
        return float(message.play_length)
    return None


@dataclass(slots=True)
class MessageRows:
    """A batch of messages as columns. ``time`` is seconds since the epoch (UTC); ``duration`` seconds
    (voice and video, else None: :func:`duration_of`)."""

    msg_id: list[str]
    time: list[int]
    chat: list[str]
    chat_key: list[str | None]
    chat_name: list[str | None]
    sender: list[str]
    sender_name: list[str | None]
    is_group: list[bool]
    is_self: list[bool]
    type: list[str]
    msg_type: list[int]
    app_type: list[int]
    text: list[str]
    url: list[str]
    file_name: list[str]
    duration: list[float | None]
    raw_content: list[str]
    revoked: list[bool]

    @classmethod
    def empty(cls) -> MessageRows:
        """A batch with no rows."""
        return cls(*([] for _ in MESSAGE_COLUMNS))

    @classmethod
    def from_messages(cls, messages: Sequence[MessageLike], resolutions: Sequence[Resolution]) -> MessageRows:
        """Columns of ``messages``, with the names resolved by the caller (one resolution per message)."""
        if len(messages) != len(resolutions):
            raise ValueError(f"{len(messages)} messages but {len(resolutions)} resolutions: give one each")
        return cls(
            msg_id=[m.msg_id for m in messages],
            time=[m.create_time for m in messages],
            chat=[m.chat for m in messages],
            chat_key=[r[0] for r in resolutions],
            chat_name=[r[1] for r in resolutions],
            sender=[m.sender for m in messages],
            sender_name=[r[2] for r in resolutions],
            is_group=[m.is_group for m in messages],
            is_self=[m.is_self for m in messages],
            type=[m.category for m in messages],
            msg_type=[m.msg_type for m in messages],
            app_type=[m.app_msg_type for m in messages],
            text=[m.text for m in messages],
            url=[m.url for m in messages],
            file_name=[m.file_name for m in messages],
            duration=[duration_of(m) for m in messages],
            raw_content=[m.raw_content for m in messages],
            revoked=[False] * len(messages),
        )

    @classmethod
    def concat(cls, batches: Sequence[MessageRows]) -> MessageRows:
        """One batch of the rows of ``batches``, in order (new lists; the batches are not changed)."""
        out = cls.empty()
        for batch in batches:
            out.extend(batch)
        return out

    def __len__(self) -> int:
        return len(self.msg_id)

    def columns(self) -> Iterator[tuple[str, list[object]]]:
        """(name, values) for every column, in ``MESSAGE_COLUMNS`` order."""
        for f in fields(self):
            yield f.name, getattr(self, f.name)

    def select(self, positions: Sequence[int]) -> MessageRows:
        """The rows at ``positions``, in that order."""
        if len(positions) == len(self) and all(i == p for i, p in enumerate(positions)):
            return self
        picked: list[list[Any]] = [[values[i] for i in positions] for _, values in self.columns()]
        return MessageRows(*picked)

    def extend(self, other: MessageRows) -> None:
        """Append ``other``'s rows to this batch."""
        for name, values in self.columns():
            values.extend(getattr(other, name))


@dataclass(frozen=True, slots=True)
class ContactRow:
    """One row of the ``contacts`` table (and of the archive's contacts).

    ``user_name`` is this login's UserName, or None for a contact known from the archive and not yet
    seen in this login. ``member_count`` is None for everyone but rooms. ``room_name`` is the name a
    room without a topic goes by (:func:`room_name`; "" for everyone else and for rooms with a topic).
    ``owner`` is the name of a room's owner (the account's own name when it owns the room), None when
    unknown and for everyone but rooms.
    """

    key: str
    user_name: str | None
    kind: str
    nickname: str = ""
    remark: str = ""
    alias: str = ""
    sex: int = 0
    province: str = ""
    city: str = ""
    signature: str = ""
    member_count: int | None = None
    is_starred: bool = False
    contact_flag: int = 0
    verify_flag: int = 0
    head_img_url: str = ""
    room_name: str = ""
    owner: str | None = None

    @property
    def display_name(self) -> str:
        """What the phone shows: the remark when set, else the nickname (a room's topic).

        A room without either goes by its members' names (:func:`room_name`), else
        :data:`UNNAMED_ROOM`: a room's display name is never empty.
        """
        name = self.remark or self.nickname or self.room_name
        return name or (UNNAMED_ROOM if self.kind == "room" else "")

    @classmethod
    def from_contact(
        cls,
        key: str,
        contact: ContactLike,
        member_count: int | None = None,
        room_name: str = "",
        owner: str | None = None,
    ) -> ContactRow:
        """The row of a contact record, under its stable ``key`` (``room_name``, ``owner``: see the class)."""
        is_room = contact.kind == "room"
        return cls(
            key=key,
            user_name=contact.user_name,
            kind=contact.kind,
            nickname=contact.nickname,
            remark=contact.remark,
            alias=contact.alias,
            sex=contact.sex,
            province=contact.province,
            city=contact.city,
            signature=contact.signature,
            member_count=(member_count if member_count is not None else contact.member_count)
            if is_room
            else None,
            is_starred=contact.is_starred,
            contact_flag=contact.contact_flag,
            verify_flag=contact.verify_flag,
            head_img_url=contact.head_img_url,
            room_name=room_name if is_room else "",
            owner=owner if is_room else None,
        )


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One row of the ``members`` table: one person in one room.

    ``room_user_name``/``user_name`` are this login's UserNames, None when restored from the archive
    and not seen in this login. ``display_name`` is the member's name inside the room ("" when unset).
    """

    room_key: str
    room_user_name: str | None
    user_name: str | None
    nickname: str
    display_name: str
    key: str

    @classmethod
    def from_member(cls, room_key: str, room_user_name: str, key: str, member: MemberLike) -> MemberRow:
        """The row of a member record in the room ``room_key``."""
        return cls(room_key, room_user_name, member.user_name, member.nickname, member.display_name, key)
