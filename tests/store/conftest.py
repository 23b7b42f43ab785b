"""Factories for the store tests: messages, contacts and rooms as the protocol layer builds them."""

from __future__ import annotations

from wxnb.protocol.records import Contact, Member, Message, category_of
from wxnb.store.rows import MessageRows

BASE_TIME = 1_700_000_000


def msg_id(i: int) -> str:
    """A 19-digit MsgId, as the server sends them."""
    return str(4_000_000_000_000_000_000 + i)


def make_message(
    i: int,
    *,
    chat: str = "@ann",
    sender: str | None = None,
    text: str | None = None,
    is_group: bool = False,
    is_self: bool = False,
    msg_type: int = 1,
    app_msg_type: int = 0,
    raw: str | None = None,
    revoked_msg_id: str | None = None,
    voice_length: int = 0,
    play_length: int = 0,
) -> Message:
    """Message number ``i`` (its MsgId, time and default text derive from ``i``)."""
    body = text if text is not None else f"message {i}"
    who = sender if sender is not None else ("@me" if is_self else chat)
    return Message(
        msg_id=msg_id(i),
        from_user="@me" if is_self else chat,
        to_user=chat if is_self else "@me",
        chat=chat,
        sender=who,
        is_group=is_group,
        is_self=is_self,
        msg_type=msg_type,
        category=category_of(msg_type, app_msg_type),
        create_time=BASE_TIME + i,
        text=body,
        raw_content=raw if raw is not None else body,
        app_msg_type=app_msg_type,
        revoked_msg_id=revoked_msg_id,
        voice_length=voice_length,
        play_length=play_length,
    )


def rows_of(messages: list[Message]) -> MessageRows:
    """Rows with a trivial resolution: chat key/name from the chat id, sender name from the sender."""
    return MessageRows.from_messages(
        messages, [(f"k{m.chat}", f"name {m.chat}", f"name {m.sender}") for m in messages]
    )


def batch_rows(start: int, count: int) -> MessageRows:
    """``count`` messages numbered from ``start`` in five chats."""
    return rows_of([make_message(i, chat=f"@c{i % 5}") for i in range(start, start + count)])


def friend(
    user_name: str, nickname: str, *, remark: str = "", attr: int = 0, alias: str = "", flags: int = 3
) -> Contact:
    """A friend (ContactFlag 3 unless told otherwise)."""
    return Contact(
        user_name, nickname=nickname, remark=remark, kind="friend", attr_status=attr, alias=alias,
        contact_flag=flags,
    )  # fmt: skip


def room(user_name: str, topic: str, members: list[Member], *, ecr: str = "", owner: int = 0) -> Contact:
    """A room with its member list (an empty list: members not fetched yet)."""
    return Contact(
        user_name, nickname=topic, kind="room", members=tuple(members), member_count=len(members),
        encry_chat_room_id=ecr, owner_uin=owner, contact_flag=2,
    )  # fmt: skip
