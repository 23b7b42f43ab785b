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
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

from wxnb.protocol import bodies
from wxnb.protocol.codec import (
    SyncCheck,
    parse_synccheck,
)
from wxnb.protocol.credentials import Credentials
from wxnb.protocol.errors import ProtocolError, RevokeRefused, SendFailed
from wxnb.protocol.hosts import CGI_PATH
from wxnb.protocol.ids import client_msg_id as new_client_msg_id
from wxnb.protocol.ids import now_ms, reversed_ms
from wxnb.protocol.login_client import LoginClient, text_parser
from wxnb.protocol.records import Contact
from wxnb.protocol.replies import (
    ContactPage,
    CreateRoomReply,
    InitReply,
    RevokeReply,
    SendReply,
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
from wxnb.protocol.synckey import SyncKey
from wxnb.protocol.transport import CallKind, Verbatim, build_url, raise_for_image

__all__ = ["APP_ID", "USER_AGENT", "WebClient"]

T = TypeVar("T")

APP_ID: Final = "wx782c26e4c19acffb"  # the web page's appid in jslogin
USER_AGENT: Final = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
_LOGIN_PAGE: Final = "https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage"
_JSON: Final = {"Content-Type": "application/json;charset=UTF-8"}
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
            bodies.base_body(creds),
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
            bodies.status_notify_body(creds, code, to_user),
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
        for start in range(0, len(items), bodies.MAX_BATCH):
            chunk = items[start : start + bodies.MAX_BATCH]
            out.extend(
                self._post(
                    "webwxbatchgetcontact",
                    parse_batch_contacts,
                    bodies.batch_contact_body(creds, chunk),
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
        params = list(bodies.synccheck_params(creds, sync_check_key).items())
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
        the whole reply (see :func:`~wxnb.protocol.replies.parse_sync`).

        Example: ``reply = client.sync(init.sync_key); key = reply.sync_key``
        """
        creds = self._need(inited=True, endpoint="webwxsync")
        me = creds.user_name
        reply: SyncReply = self._post(
            "webwxsync",
            lambda body: parse_sync(body, me, skip_bad_items=skip_bad_items),
            bodies.sync_body(creds, sync_key),
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
        :func:`~wxnb.protocol.ids.client_msg_id`); the echo through webwxsync carries the returned
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
            bodies.send_text_body(creds, to_user, text, client_msg_id=cid),
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
            bodies.revoke_body(creds, to_user, svr_msg_id, client_msg_id),
            kind=CallKind.CHANGE,
        )

    def set_remark(self, user_name: str, remark: str) -> None:
        """webwxoplog CmdId 2: set a friend's remark ("" clears it). Never retried.

        Example: ``client.set_remark("@friend", "Annie")``
        """
        creds = self._need(endpoint="webwxoplog")
        self._oplog(creds, bodies.oplog_remark_body(creds, user_name, remark))

    def set_pinned(self, user_name: str, pinned: bool, *, remark: str) -> None:
        """webwxoplog CmdId 3: pin or unpin a chat. Pass the contact's current ``remark``: the server
        clears the remark when it is left out ("" for rooms and contacts without one). Never retried.

        Example: ``client.set_pinned(c.user_name, True, remark=c.remark)``
        """
        creds = self._need(endpoint="webwxoplog")
        self._oplog(creds, bodies.oplog_pin_body(creds, user_name, pinned, remark))

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
        op: bodies.RoomOp,
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
        payload = bodies.update_room_body(creds, op, room, topic=topic or "", members=members)
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
            bodies.create_room_body(creds, members, topic),
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

    def get_message_image(self, msg_id: str, *, thumbnail: bool = False) -> bytes:
        """The picture of an image (or sticker, video thumbnail) message (webwxgetmsgimg).

        Example: ``jpeg = client.get_message_image(message.msg_id)``
        """
        creds = self._need(endpoint="webwxgetmsgimg")
        params: list[tuple[str, object]] = [("MsgID", msg_id), ("skey", creds.skey)]
        if thumbnail:
            params.append(("type", "slave"))
        return self._image("webwxgetmsgimg", build_url(creds.hosts.cgi("webwxgetmsgimg"), params))

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
