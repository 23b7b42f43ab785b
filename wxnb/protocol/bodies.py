"""Request bodies and query parameters of the session endpoints, formed as the web page forms them.

Pure builders: the client posts ``encode_body(builder(...))`` (see :mod:`~wxnb.protocol.replies`).
Outgoing text is sent as plain Unicode: the web page does not escape ``& < >`` or write emoji spans
when it sends; the server encodes the text on delivery (so the echo through webwxsync comes back in
wire form).

Example:
    >>> from wxnb.protocol.hosts import Hosts
    >>> creds = Credentials(uin=42, sid="S", skey="K", pass_ticket="P", device_id="e1",
    ...                     hosts=Hosts.for_base("http://127.0.0.1:9"), user_name="@me")
    >>> body = send_text_body(creds, "@bob", "a < b\\r\\n", client_msg_id="15139251046900833")
    >>> body["Msg"]["Content"], body["Msg"]["LocalID"], body["Scene"]
    ('a < b\\n', '15139251046900833', 0)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal

from wxnb.protocol.credentials import Credentials
from wxnb.protocol.ids import client_msg_id as new_client_msg_id
from wxnb.protocol.ids import now_ms, reversed_ms
from wxnb.protocol.synckey import SyncKey

__all__ = [
    "MAX_BATCH",
    "RoomOp",
    "base_body",
    "batch_contact_body",
    "create_room_body",
    "mention",
    "oplog_pin_body",
    "oplog_remark_body",
    "outgoing_text",
    "revoke_body",
    "send_media_body",
    "send_text_body",
    "status_notify_body",
    "sync_body",
    "synccheck_params",
    "update_room_body",
]

MAX_BATCH: Final = 50  # webwxbatchgetcontact takes at most 50 entries per request
_MAX_TEXT: Final = 20_000  # characters; the web page refuses longer messages


def outgoing_text(text: str) -> str:
    """Text for ``Msg.Content``: plain Unicode with ``\\n`` line ends (no escaping, no emoji spans).

    Raises:
        ValueError: empty (or only white space), or longer than the web page allows.

    Example:
        >>> outgoing_text("Tom & Jerry\\r\\n😄")
        'Tom & Jerry\\n😄'
    """
    if not isinstance(text, str):
        raise TypeError(f"message text must be a str, not {type(text).__name__}")
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    if not normalised.strip():
        raise ValueError("cannot send an empty message: pass some text")
    if len(normalised) > _MAX_TEXT:
        raise ValueError(
            f"message is {len(normalised)} characters; split it into parts of {_MAX_TEXT} or fewer"
        )
    return normalised


def mention(display_name: str) -> str:
    """How the web page writes an @-mention inside a room message: ``@Name`` + U+2005.

    Example:
        >>> mention("Ann") + "hi"
        '@Ann\\u2005hi'
    """
    return f"@{display_name}\u2005"


def base_body(creds: Credentials) -> dict[str, Any]:
    """``{"BaseRequest": ...}``: the whole body of webwxinit."""
    return {"BaseRequest": creds.base_request()}


def sync_body(creds: Credentials, sync_key: SyncKey) -> dict[str, Any]:
    """webwxsync body: BaseRequest, the newest SyncKey, ``rr`` = ``~new Date``."""
    return {"BaseRequest": creds.base_request(), "SyncKey": sync_key.to_json(), "rr": reversed_ms()}


def synccheck_params(creds: Credentials, sync_check_key: SyncKey) -> dict[str, str]:
    """synccheck query parameters (the HTTP library URL-encodes ``|`` in ``synckey`` as ``%7C``)."""
    stamp = str(now_ms())
    return {
        "r": stamp,
        "skey": creds.skey,
        "sid": creds.sid,
        "uin": str(creds.uin),
        "deviceid": creds.device_id,
        "synckey": sync_check_key.for_synccheck(),
        "_": stamp,
    }


def send_text_body(creds: Credentials, to_user: str, text: str, *, client_msg_id: str = "") -> dict[str, Any]:
    """webwxsendmsg body for a text message (Type 1). LocalID = ClientMsgId (17 digits)."""
    msg_id = client_msg_id or new_client_msg_id()
    return {
        "BaseRequest": creds.base_request(),
        "Msg": {
            "Type": 1,
            "Content": outgoing_text(text),
            "FromUserName": creds.user_name,
            "ToUserName": to_user,
            "LocalID": msg_id,
            "ClientMsgId": msg_id,
        },
        "Scene": 0,
    }


def send_media_body(
    creds: Credentials,
    to_user: str,
    media_id: str,
    *,
    msg_type: Literal[3, 6, 43, 47] = 3,
    file_name: str = "",
    file_size: int = 0,
    client_msg_id: str = "",
) -> dict[str, Any]:
    """Body for webwxsendmsgimg (3), webwxsendappmsg (6, a file), webwxsendvideomsg (43) and
    webwxsendemoticon (47), after webwxuploadmedia gave ``media_id``.

    For a file, Content is the ``<appmsg>`` XML the web page writes (``file_name``, ``file_size``).
    """
    msg_id = client_msg_id or new_client_msg_id()
    msg: dict[str, Any] = {
        "Type": msg_type,
        "MediaId": media_id,
        "Content": "",
        "FromUserName": creds.user_name,
        "ToUserName": to_user,
        "LocalID": msg_id,
        "ClientMsgId": msg_id,
    }
    if msg_type == 6:
        name = _xml_escape(file_name)
        ext = _xml_escape(file_name.rpartition(".")[2] if "." in file_name else "")
        msg["Content"] = (
            f"<appmsg appid='wxeb7ec651dd0aefa9' sdkver=''><title>{name}</title><des></des><action></action>"
            f"<type>6</type><content></content><url></url><lowurl></lowurl><appattach>"
            f"<totallen>{int(file_size)}</totallen><attachid>{_xml_escape(media_id)}</attachid>"
            f"<fileext>{ext}</fileext></appattach><extinfo></extinfo></appmsg>"
        )
        del msg["MediaId"]
    elif msg_type == 47:
        msg["EmojiFlag"] = 2
    return {"BaseRequest": creds.base_request(), "Msg": msg, "Scene": 0}


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")


def status_notify_body(creds: Credentials, code: int, to_user: str = "") -> dict[str, Any]:
    """webwxstatusnotify body. Code 3 (inited, sent after init: To = self), 1 (read: To = the chat)."""
    return {
        "BaseRequest": creds.base_request(),
        "Code": code,
        "FromUserName": creds.user_name,
        "ToUserName": to_user or creds.user_name,
        "ClientMsgId": now_ms(),
    }


def batch_contact_body(creds: Credentials, entries: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """webwxbatchgetcontact body: ``entries`` are ``(UserName, EncryChatRoomId or "")``, at most 50.

    Raises:
        ValueError: more than :data:`MAX_BATCH` entries (split them).
    """
    if len(entries) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} contacts per request, got {len(entries)}: split the list")
    return {
        "BaseRequest": creds.base_request(),
        "Count": len(entries),
        "List": [{"UserName": name, "EncryChatRoomId": room_id} for name, room_id in entries],
    }


def revoke_body(creds: Credentials, to_user: str, svr_msg_id: str, client_msg_id: str) -> dict[str, Any]:
    """webwxrevokemsg body: the chat, the server's MsgID and our ClientMsgId of the message."""
    return {
        "BaseRequest": creds.base_request(),
        "ClientMsgId": client_msg_id,
        "SvrMsgId": svr_msg_id,
        "ToUserName": to_user,
    }


def oplog_remark_body(creds: Credentials, user_name: str, remark: str) -> dict[str, Any]:
    """webwxoplog body setting a remark (CmdId 2)."""
    return {"BaseRequest": creds.base_request(), "UserName": user_name, "CmdId": 2, "RemarkName": remark}


def oplog_pin_body(creds: Credentials, user_name: str, pinned: bool, remark: str) -> dict[str, Any]:
    """webwxoplog body pinning/unpinning (CmdId 3). Pass the current ``remark``: leaving it out clears it."""
    return {
        "BaseRequest": creds.base_request(),
        "UserName": user_name,
        "CmdId": 3,
        "OP": 1 if pinned else 0,
        "RemarkName": remark,
    }


RoomOp = Literal["modtopic", "addmember", "delmember", "invitemember", "quitchatroom"]
_MEMBER_FIELD: Final[dict[str, str]] = {
    "addmember": "AddMemberList",
    "delmember": "DelMemberList",
    "invitemember": "InviteMemberList",
}


def update_room_body(
    creds: Credentials, fun: RoomOp, room: str, *, topic: str = "", members: Iterable[str] = ()
) -> dict[str, Any]:
    """webwxupdatechatroom body (``?fun=<fun>``): NewTopic for modtopic, ``"u1,u2"`` member lists.

    Use ``invitemember`` instead of ``addmember`` from InviteStartCount (40) members on.
    """
    body: dict[str, Any] = {"BaseRequest": creds.base_request(), "ChatRoomName": room}
    if fun == "modtopic":
        body["NewTopic"] = topic
    elif fun in _MEMBER_FIELD:
        names = list(members)
        if not names:
            raise ValueError(f"{fun} needs at least one member UserName")
        body[_MEMBER_FIELD[fun]] = ",".join(names)
    return body


def create_room_body(creds: Credentials, members: Iterable[str], topic: str = "") -> dict[str, Any]:
    """webwxcreatechatroom body: the members (besides oneself) and an optional topic."""
    names = list(members)
    if len(names) < 2:
        raise ValueError("a new room needs at least two other members")
    return {
        "BaseRequest": creds.base_request(),
        "MemberCount": len(names),
        "MemberList": [{"UserName": name} for name in names],
        "Topic": topic,
    }
