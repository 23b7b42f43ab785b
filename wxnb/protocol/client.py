"""WebClient: one method per endpoint of the WeChat web protocol, typed results, typed errors.

It keeps no state but the login credentials (and their cookies); no threads, no tables. The session
layer (login state machine, sync thread) stands on it. Every request goes through
:class:`~wxnb.protocol.transport.Transport`: timeouts, bounded retries of idempotent calls, no blind
retry of calls that change state, redacted DEBUG logging (see ``docs/protocol-client.md``).

Example (against a simulator; a real login differs only in who scans the QR code):
    >>> from wxnb.sim.simulator import Simulator
    >>> with Simulator(scenario="tiny", hold=0.2) as sim, WebClient(sim.base_url) as client:
    ...     uuid = client.jslogin()
    ...     _ = sim.phone.confirm(uuid)
    ...     poll = client.poll_login(uuid)
    ...     creds = client.new_login_page(poll.redirect_uri)
    ...     init = client.init()
    ...     contacts = client.get_contacts()
    ...     poll.status, init.user.kind, len(contacts) > 0, client.credentials is not None
    ('confirmed', 'other', True, True)

Request bodies and query parameters of the session endpoints are built here too, as the web page
forms them.

Pure builders: the client posts ``encode_body(builder(...))`` (see :mod:`~wxnb.protocol.json_replies`).
Outgoing text is sent as plain Unicode: the web page does not escape ``& < >`` or write emoji spans
when it sends; the server encodes the text on delivery (so the echo through webwxsync comes back in
wire form).

Example:
    >>> from wxnb.protocol.credentials import Hosts
    >>> creds = Credentials(uin=42, sid="S", skey="K", pass_ticket="P", device_id="e1",
    ...                     hosts=Hosts.for_base("http://127.0.0.1:9"), user_name="@me")
    >>> body = send_text_body(creds, "@bob", "a < b\\r\\n", client_msg_id="15139251046900833")
    >>> body["Msg"]["Content"], body["Msg"]["LocalID"], body["Scene"]
    ('a < b\\n', '15139251046900833', 0)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal, TypeVar
from urllib.parse import urlsplit

from wxnb.protocol.credentials import CGI_PATH, Credentials
from wxnb.protocol.errors import ProtocolError, RevokeRefused, SendFailed
from wxnb.protocol.json_replies import (
    ContactPage,
    CreateRoomReply,
    InitReply,
    RevokeReply,
    SendReply,
    SyncKey,
    SyncReply,
    UpdateRoomReply,
    load_json,
    parse_batch_contacts,
    parse_contact_page,
    parse_create_room,
    parse_init,
    parse_ok,
    parse_revoke,
    parse_send,
    parse_status_notify,
    parse_sync,
    parse_update_room,
)
from wxnb.protocol.login_client import LoginClient, now_ms, reversed_ms, text_parser
from wxnb.protocol.login_client import client_msg_id as new_client_msg_id
from wxnb.protocol.records import Contact
from wxnb.protocol.text_replies import (
    SyncCheck,
    parse_synccheck,
)
from wxnb.protocol.transport import CallKind, Verbatim, build_url, raise_for_image

__all__ = [
    "MAX_BATCH",
    "RoomOp",
    "WebClient",
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

T = TypeVar("T")

_MAX_CONTACT_PAGES: Final = 10_000
_MEDIA_ENDPOINTS: Final = ("webwxgeticon", "webwxgetheadimg")


class WebClient(LoginClient):
    """A client of the WeChat web protocol: one method per endpoint, typed results, typed errors.

    See :class:`~wxnb.protocol.login_client.LoginClient` for the constructor (``base_url``,
    ``credentials``, ``desktop``, ``timeouts``, ``retry``...), :meth:`resume`, :attr:`credentials` and
    the login endpoints.
    """

    # ---- session ----------------------------------------------------------------------------------

    def init(self) -> InitReply:
        """webwxinit: who is logged in, the recent chats, the first SyncKey. Sets :attr:`user_name`.

        Example: ``init = client.init(); key = init.sync_key``
        """
        creds = self._need(endpoint="webwxinit")
        reply: InitReply = self._post(
            "webwxinit",
            parse_init,
            base_body(creds),
            ("r", reversed_ms()),
            kind=CallKind.READ,
        )
        changes: dict[str, Any] = {"user_name": reply.user_name}
        if reply.skey:
            changes["skey"] = reply.skey
        self._creds = creds.with_changes(**changes)
        return reply

    def status_notify(self, code: int = 3, to_user: str = "") -> str:
        """webwxstatusnotify: 3 after init (``to_user`` = self, the default), 1 to mark ``to_user``'s
        chat read. Returns the MsgID. Never retried (it changes state).

        Example: ``client.status_notify(1, "@friend")``
        """
        creds = self._need(inited=True, endpoint="webwxstatusnotify")
        return self._post(
            "webwxstatusnotify",
            parse_status_notify,
            status_notify_body(creds, code, to_user),
            kind=CallKind.CHANGE,
        )

    def get_contact_page(self, seq: int = 0) -> ContactPage:
        """One page of webwxgetcontact; ``page.seq`` ≠ 0 means more: ask again with ``seq=page.seq``.

        Example: ``page = client.get_contact_page(); page.has_more``
        """
        creds = self._need(endpoint="webwxgetcontact")
        params = [
            ("r", now_ms()),
            ("seq", seq),
            ("skey", creds.skey),
            ("pass_ticket", Verbatim(creds.pass_ticket)),
        ]
        return self._call("GET", "webwxgetcontact", parse_contact_page, kind=CallKind.READ, params=params)

    def get_contacts(self) -> tuple[Contact, ...]:
        """Every contact of webwxgetcontact, all Seq pages (saved rooms come without members: fetch
        them with :meth:`batch_get_contacts`).

        Raises:
            ProtocolError: the server hands out a Seq it handed out before (the pages would never end).

        Example: ``friends = [c for c in client.get_contacts() if c.kind == "friend"]``
        """
        contacts: list[Contact] = []
        seen: set[int] = set()
        seq = 0
        for _ in range(_MAX_CONTACT_PAGES):
            page = self.get_contact_page(seq)
            contacts.extend(page.contacts)
            if not page.has_more:
                return tuple(contacts)
            if page.seq in seen:
                what = f"Seq {page.seq} was handed out twice"
                raise ProtocolError(what, None, endpoint="webwxgetcontact")
            seen.add(page.seq)
            seq = page.seq
        what = f"more than {_MAX_CONTACT_PAGES} pages"
        raise ProtocolError(what, None, endpoint="webwxgetcontact")

    def batch_get_contacts(self, entries: Iterable[str | tuple[str, str]]) -> tuple[Contact, ...]:
        """webwxbatchgetcontact for any number of entries, 50 per request: rooms come with their
        members. An entry is a UserName, or ``(UserName, EncryChatRoomId)`` for a member as seen in
        that room. Unknown UserNames are left out of the result.

        Example: ``rooms = client.batch_get_contacts(c.user_name for c in contacts if c.is_room)``
        """
        creds = self._need(endpoint="webwxbatchgetcontact")
        items = [(e, "") if isinstance(e, str) else (e[0], e[1]) for e in entries]
        out: list[Contact] = []
        for start in range(0, len(items), MAX_BATCH):
            chunk = items[start : start + MAX_BATCH]
            out.extend(
                self._post(
                    "webwxbatchgetcontact",
                    parse_batch_contacts,
                    batch_contact_body(creds, chunk),
                    ("type", "ex"),
                    ("r", now_ms()),
                    kind=CallKind.READ,
                )
            )
        return tuple(out)

    def sync_check(self, sync_check_key: SyncKey) -> SyncCheck:
        """synccheck on the push host: a long poll (~25 s) answered at once when something is new.

        Raises:
            LoggedOut: retcode 1100 (logged out on the phone), 1101/1102 (session over).

        Example: ``if client.sync_check(reply.sync_check_key).needs_sync: reply = client.sync(key)``
        """
        creds = self._need(endpoint="synccheck")
        params = list(synccheck_params(creds, sync_check_key).items())
        return self._call(
            "GET",
            "synccheck",
            text_parser(parse_synccheck),
            kind=CallKind.LONG_POLL,
            params=params,
        )

    def sync(
        self,
        sync_key: SyncKey,
        *,
        skip_bad_items: bool = False,
    ) -> SyncReply:
        """webwxsync with the newest key: new messages and contact changes. Retried when the network
        fails (a repeat with the same key re-delivers; dedupe messages by MsgId). When
        ``continue_flag`` ≠ 0, call again at once with ``reply.sync_key``. ``skip_bad_items``: an
        item that cannot be decoded is left out and listed in ``reply.skipped`` instead of failing
        the whole reply (see :func:`~wxnb.protocol.json_replies.parse_sync`).

        Example: ``reply = client.sync(init.sync_key); key = reply.sync_key``
        """
        creds = self._need(inited=True, endpoint="webwxsync")
        me = creds.user_name
        reply: SyncReply = self._post(
            "webwxsync",
            lambda body: parse_sync(body, me, skip_bad_items=skip_bad_items),
            sync_body(creds, sync_key),
            ("sid", creds.sid),
            ("skey", creds.skey),
            kind=CallKind.READ,
        )
        # A new skey replaces the old one, unless a new login replaced the credentials meanwhile.
        if reply.skey and reply.skey != creds.skey and self._creds is creds:
            self._creds = creds.with_changes(skey=reply.skey)
        return reply

    def send_text(self, to_user: str, text: str, *, client_msg_id: str | None = None) -> SendReply:
        """webwxsendmsg: send ``text`` (plain Unicode) to a contact or room. Never retried.

        ``client_msg_id``: record it before sending (default: a fresh one, see
        :func:`~wxnb.protocol.login_client.client_msg_id`); the echo through webwxsync carries the returned
        ``msg_id``.

        Raises:
            OutcomeUnknown: the network failed after the request may have reached the server: look for
                ``err.client_msg_id`` in what webwxsync delivers before sending again.
            SendFailed: Ret 1204 or no MsgID (not sent). RateLimited: Ret 1205 (slow down).

        Example: ``reply = client.send_text("filehelper", "hi 😄"); reply.msg_id``
        """
        creds = self._need(inited=True, endpoint="webwxsendmsg")
        cid = client_msg_id or new_client_msg_id()
        return self._post(
            "webwxsendmsg",
            parse_send,
            send_text_body(creds, to_user, text, client_msg_id=cid),
            kind=CallKind.CHANGE,
            client_msg_id=cid,
        )

    def revoke(self, to_user: str, svr_msg_id: str, client_msg_id: str) -> RevokeReply:
        """webwxrevokemsg: take back one's own message (``svr_msg_id`` = the MsgID the send returned)
        within 2 minutes. Never retried.

        Raises:
            RevokeRefused: Ret 1204 (too late, or not one's own message).

        Example: ``client.revoke("filehelper", reply.msg_id, reply.local_id)``
        """
        creds = self._need(inited=True, endpoint="webwxrevokemsg")
        return self._post(
            "webwxrevokemsg",
            _parse_revoke,
            revoke_body(creds, to_user, svr_msg_id, client_msg_id),
            kind=CallKind.CHANGE,
        )

    def set_remark(self, user_name: str, remark: str) -> None:
        """webwxoplog CmdId 2: set a friend's remark ("" clears it). Never retried.

        Example: ``client.set_remark("@friend", "Annie")``
        """
        creds = self._need(endpoint="webwxoplog")
        self._oplog(creds, oplog_remark_body(creds, user_name, remark))

    def set_pinned(self, user_name: str, pinned: bool, *, remark: str) -> None:
        """webwxoplog CmdId 3: pin or unpin a chat. Pass the contact's current ``remark``: the server
        clears the remark when it is left out ("" for rooms and contacts without one). Never retried.

        Example: ``client.set_pinned(c.user_name, True, remark=c.remark)``
        """
        creds = self._need(endpoint="webwxoplog")
        self._oplog(creds, oplog_pin_body(creds, user_name, pinned, remark))

    def _oplog(self, creds: Credentials, payload: dict[str, Any]) -> None:
        self._post(
            "webwxoplog",
            lambda body: parse_ok(body, endpoint="webwxoplog"),
            payload,
            kind=CallKind.CHANGE,
        )

    def update_room(
        self,
        room: str,
        op: RoomOp,
        *,
        topic: str | None = None,
        members: Iterable[str] = (),
    ) -> UpdateRoomReply:
        """webwxupdatechatroom: ``op`` is modtopic (needs ``topic``), addmember / delmember /
        invitemember (need ``members``: UserNames) or quitchatroom. Use invitemember from 40 members
        on (the init reply's ``invite_start_count``). Never retried.

        Example: ``client.update_room(room, "invitemember", members=["@friend"])``
        """
        if op == "modtopic" and topic is None:
            raise ValueError("modtopic needs topic=...: the new name of the room")
        if op != "modtopic" and topic is not None:
            raise ValueError(f"topic is only for modtopic, not {op}")
        creds = self._need(endpoint="webwxupdatechatroom")
        payload = update_room_body(creds, op, room, topic=topic or "", members=members)
        return self._post(
            "webwxupdatechatroom",
            parse_update_room,
            payload,
            ("fun", op),
            kind=CallKind.CHANGE,
        )

    def create_room(self, members: Iterable[str], topic: str = "") -> CreateRoomReply:
        """webwxcreatechatroom with at least two other members. Never retried.

        Example: ``room = client.create_room(["@ann", "@tom"], "Tea").chat_room_name``
        """
        creds = self._need(endpoint="webwxcreatechatroom")
        return self._post(
            "webwxcreatechatroom",
            parse_create_room,
            create_room_body(creds, members, topic),
            ("r", now_ms()),
            kind=CallKind.CHANGE,
        )

    def logout(self) -> None:
        """webwxlogout: end the session on the server, then forget the credentials and cookies.

        Example: ``client.logout(); client.credentials is None``
        """
        creds = self._need(endpoint="webwxlogout")
        self._call(
            "POST",
            "webwxlogout",
            lambda body: None,
            kind=CallKind.READ,  # ending a session twice is the same as once
            params=[("redirect", 1), ("type", 0), ("skey", creds.skey)],
            expect="any",
            form={"sid": creds.sid, "uin": str(creds.uin)},
        )
        self._creds = None
        self._transport.clear_cookies()

    # ---- media ------------------------------------------------------------------------------------

    def get_head_image(self, head_img_url: str) -> bytes:
        """The head image of a contact, room or member: ``head_img_url`` as the records carry it (a
        ``/cgi-bin/mmwebwx-bin/webwxgeticon?...`` path without skey); the current skey is added.

        Example: ``jpeg = client.get_head_image(contact.head_img_url)``
        """
        creds = self._need(endpoint="webwxgeticon")
        parts = urlsplit(head_img_url)
        endpoint = parts.path.rsplit("/", 1)[-1]
        origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
        if not parts.path.startswith(CGI_PATH + "/") or endpoint not in _MEDIA_ENDPOINTS:
            raise ValueError(
                f"not a head image path (…/webwxgeticon?… or …/webwxgetheadimg?…): {head_img_url!r}"
            )
        if origin and origin not in (creds.hosts.api, creds.hosts.file):
            raise ValueError("a head image URL on another host than this session's: pass the record's path")
        query = parts.query
        url = build_url(creds.hosts.api + parts.path + (f"?{query}" if query else ""), [("skey", creds.skey)])
        return self._image(endpoint, url)

    def get_user_head_image(self, user_name: str, *, room: str | None = None) -> bytes:
        """The head image of ``user_name`` (a UserName of this login), as the web page asks for it
        (webwxgeticon); with ``room`` (the room's UserName), that of a member of the room, who need
        not be a contact.

        Example: ``jpeg = client.get_user_head_image(message.sender, room=message.chat)``

        Raises:
            ValueError: ``user_name`` is not a UserName (``@...``), or ``room`` not a room's (``@@...``).
        """
        if not user_name.startswith("@") or (room is not None and not room.startswith("@@")):
            raise ValueError(
                f"pass a UserName of this login (@..., a room's @@...), not {user_name!r} / {room!r}"
            )
        params = [("seq", "0"), ("username", user_name)] + ([("chatroomid", room)] if room else [])
        return self.get_head_image(build_url(f"{CGI_PATH}/webwxgeticon", params))

    def get_message_image(self, msg_id: str, *, thumbnail: bool = False) -> bytes:
        """The picture of an image (or sticker, video thumbnail) message (webwxgetmsgimg).

        Example: ``jpeg = client.get_message_image(message.msg_id)``
        """
        creds = self._need(endpoint="webwxgetmsgimg")
        params: list[tuple[str, object]] = [("MsgID", msg_id), ("skey", creds.skey)]
        if thumbnail:
            params.append(("type", "slave"))
        return self._image("webwxgetmsgimg", build_url(creds.hosts.cgi("webwxgetmsgimg"), params))

    def get_media(
        self, media_id: str, *, sender: str = "", file_name: str = "", start: int = 0, end: int | None = None
    ) -> bytes:
        """Bytes ``start``..``end`` (inclusive; None: to the end) of a file message (webwxgetmedia, on
        the file host, with a ``Range`` header). A server that ignores the range sends the whole file:
        the caller sees more bytes than it asked for.

        Example: ``first_mb = client.get_media(message.media_id, sender=message.sender, end=(1 << 20) - 1)``

        Raises:
            TransportError: status 404 (no such file) or 416 (``start`` is past the end), or the network.
        """
        if start < 0 or (end is not None and end < start):
            raise ValueError(f"a byte range needs 0 <= start <= end, not {start}..{end}")
        creds = self._need(endpoint="webwxgetmedia")
        # No fromuser (the web page sends the uin there, a secret the log redaction does not know by
        # that name): the cookies (webwx_data_ticket) already say who asks.
        params: list[tuple[str, object]] = [
            ("sender", sender), ("mediaid", media_id), ("encryfilename", file_name),
            ("pass_ticket", Verbatim(creds.pass_ticket)),
        ]  # fmt: skip
        span = f"bytes={start}-{'' if end is None else end}"
        return self._transport.call(
            "GET",
            build_url(creds.hosts.cgi("webwxgetmedia"), params),
            lambda content: content,
            endpoint="webwxgetmedia",
            kind=CallKind.READ,
            expect="any",
            headers={"Range": span},
            follow_redirects=True,
        )

    def _image(self, endpoint: str, url: str) -> bytes:
        return self._transport.call(
            "GET",
            url,
            lambda content: raise_for_image(content, endpoint, lambda b: parse_ok(b, endpoint=endpoint)),
            endpoint=endpoint,
            kind=CallKind.READ,
            expect="image",
            follow_redirects=True,
        )


def _parse_revoke(body: bytes) -> RevokeReply:
    try:
        return parse_revoke(body)
    except SendFailed:
        wording = load_json(body, endpoint="webwxrevokemsg").get("SysWording", "")
        raise RevokeRefused(wording if isinstance(wording, str) else "") from None


# ---- request bodies ------------------------------------------------------------------------------

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
