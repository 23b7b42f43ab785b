"""The web protocol's semantics, endpoint by endpoint, independent of HTTP (PROTOCOL.md §3–§4).

The HTTP layer (``wxnb.sim.server``) parses requests and calls these methods with plain values; they
validate, change the world and return reply objects (dicts for JSON endpoints, strings for the
JavaScript-assignment ones). Every error is a reply in the real server's style (Ret + zero-filled
skeleton), never an exception.

Choices where PROTOCOL.md says *unknown* (each also noted where it is made):

- a revoke later than 2 minutes: Ret 1204 (a permanent refusal, not a transient -1), SysWording says why;
- addmember at ≥ InviteStartCount (40) members: refused with Ret -1 and nothing changes (the client
  must use invitemember), rather than silently inviting;
- more than 50 entries in webwxbatchgetcontact: refused with Ret 1200 (a silent truncation would lose
  data without notice);
- an unknown UserName in a send/oplog/room action: Ret -1 (the seed's reply to an empty ToUserName);
- a re-sent ClientMsgId: the same MsgID again and no second message (retries are idempotent);
- the login poll after a scan that has been reported: held, then 201 again (never 408: the phone has
  scanned, and a 408 could make a client redraw its QR);
- a ticket redeemed twice: the same session again (idempotent), while the QR has not expired.

Skey and pass_ticket are not checked (desktop clients send an empty Skey and a DeviceID as
pass_ticket); sessions are found by Uin+Sid or by the wxuin+wxsid cookies, as PROTOCOL.md §2 says.
"""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from wxnb.sim.content import Body, compose, person_ref, room_ref
from wxnb.sim.cursors import parse_synccheck_key
from wxnb.sim.files import FileBytes
from wxnb.sim.images import head_jpeg, picture_jpeg
from wxnb.sim.logins import LoginState, PendingLogin, WebSession
from wxnb.sim.markup import wire_text, wire_xml
from wxnb.sim.render import contact_json, member_json, message_wire, user_json
from wxnb.sim.skeletons import BLOCKED_MESSAGE, login_reply, login_xml, profile_skeleton, skeleton
from wxnb.sim.strict import NumberError, digits_or_none, json_int, parse_digits
from wxnb.sim.usernames import Ref
from wxnb.sim.world import REVOKE_LIMIT_S, Outgoing, World
from wxnb.sim.writes import REMARK_MAX_CHARS, TOPIC_MAX_CHARS, WriteFaults, has_control, too_long

__all__ = ["INVITE_START_COUNT", "Reply", "WebApi", "login_pending"]

INVITE_START_COUNT = 40
CLIENT_VERSION = 369492002
_SEQ_BASE = 635_705_559  # webwxgetcontact's Seq cursors start here: they are opaque to clients
_UNKNOWN = -1  # Ret for an unknown UserName / message (the seed's reply to an empty ToUserName)
_BAD_REQUEST = 1200
_RATE_LIMITED = 1205
_REFUSED = 1204
_MAX_MSG_TYPE = 2**31 - 1
_PROFILE_JSON = orjson.Fragment(orjson.dumps(profile_skeleton()))  # the same in every sync reply


@dataclass(slots=True)
class Reply:
    """A non-JSON reply: status, content type, body, extra headers (Set-Cookie...)."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=UTF-8"
    headers: tuple[tuple[str, str], ...] = ()


JsonReply = dict[str, Any]


def _as_str(value: object) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        return str(int(value))
    return value if isinstance(value, str) else ""


class WebApi:
    """One method per endpoint. ``allow(op)`` is the rate-limit check (:meth:`Faults.allow`)."""

    def __init__(
        self, world: World, allow: Callable[[str], bool] | None = None, writes: WriteFaults | None = None
    ) -> None:
        self.world = world
        self.allow = allow or (lambda op: True)
        self.writes = writes or WriteFaults()
        self._uploads: dict[str, dict[str, Any]] = {}
        self._media_ids = itertools.count(1)
        self._avatar_cache: str | None = None

    # ---- sessions -----------------------------------------------------------------------------

    def authenticate(
        self,
        base: object = None,
        cookies: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> WebSession | int:
        """The session a request belongs to, or the Ret code to answer with.

        BaseRequest Uin+Sid first (Uin compared as a string), then ``sid``/``uin`` query parameters,
        then the ``wxuin``/``wxsid`` cookies. Nothing at all → 1102; credentials of no session → 1101;
        an ended session → the code it ended with.
        """
        candidates: list[tuple[str, str]] = []
        if isinstance(base, dict):
            sid = _as_str(base.get("Sid"))
            if sid:
                candidates.append((_as_str(base.get("Uin")), sid))
        if query and query.get("sid"):
            candidates.append((query.get("uin", ""), query["sid"]))
        if cookies and cookies.get("wxsid"):
            candidates.append((cookies.get("wxuin", ""), cookies["wxsid"]))
        if not candidates:
            return 1102
        with self.world.lock:
            for uin, sid in candidates:
                session = self.world.by_sid.get(sid)
                if session is not None and str(session.creds.uin) == uin:
                    return session if session.live else session.ended
        return 1101

    # ---- login --------------------------------------------------------------------------------

    def jslogin(self, query: Mapping[str, str]) -> str:
        redirect = query.get("redirect_uri", "")
        login = self.world.new_login(desktop="mod=desktop" in redirect)
        return f'window.QRLogin.code = 200; window.QRLogin.uuid = "{login.uuid}";'

    def qr_text(self, uuid: str) -> str | None:
        """What the QR of ``uuid`` encodes, or None for an unknown uuid."""
        if self.world.login(uuid) is None:
            return None
        return f"https://login.weixin.qq.com/l/{uuid}"

    def _avatar(self) -> str:
        if self._avatar_cache is None:
            wxid = self.world.persons[self.world.account].wxid
            self._avatar_cache = base64.b64encode(head_jpeg(wxid)).decode("ascii")
        return self._avatar_cache

    def login_status(self, uuid: str, host: str, final: bool = False) -> str | None:
        """The login poll's answer now, or None to keep holding. ``final``: the hold is over."""
        world = self.world
        with world.lock:
            login = world.login(uuid)
            if login is None or login.state is LoginState.EXPIRED:
                return login_reply(400)
            if login.cancelled:
                login.cancelled = False
                return login_reply(202)
            if login.state is LoginState.CONFIRMED:
                redirect = (
                    f"http://{host}/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket={login.ticket}"
                    f"&uuid={login.uuid}&lang=zh_CN&scan={login.scan_time or world.now()}"
                )
                return login_reply(200, redirect_uri=redirect)
            if login.state is LoginState.SCANNED:
                if not login.scan_reported or final:
                    login.scan_reported = True
                    return login_reply(201, avatar_b64=self._avatar())
                return None
            return login_reply(408) if final else None

    def newloginpage(self, query: Mapping[str, str], headers: Mapping[str, str]) -> Reply:
        """HTTP 301, the one-line XML, and the cookies (PROTOCOL.md §3)."""
        world = self.world
        login = world.login(query.get("uuid", ""))
        ticket = query.get("ticket", "")
        if login is None or login.state is not LoginState.CONFIRMED or not ticket or ticket != login.ticket:
            return Reply(301, login_xml(1203, "check ticket failed").encode())
        desktop_headers = bool(headers.get("client-version")) and bool(headers.get("extspam"))
        if world.web_blocked and not desktop_headers:
            return Reply(301, login_xml(1203, BLOCKED_MESSAGE).encode())
        session = world.start_session(login)
        creds = session.creds
        xml = login_xml(
            0,
            skey=creds.skey,
            wxsid=creds.sid,
            wxuin=str(creds.uin),
            pass_ticket=creds.pass_ticket_encoded,
            isgrayscale="1",
        )
        cookies = tuple(("Set-Cookie", f"{k}={v}; Path=/") for k, v in creds.cookies(int(session.created)))
        return Reply(301, xml.encode(), headers=cookies)

    def pushloginurl(self, query: Mapping[str, str]) -> JsonReply:
        world = self.world
        uin = query.get("uin", "")
        with world.lock:
            known = uin == str(world.uin) and bool(world.sessions)
        if not known:
            # The real server's wording for an unusable uin is unknown; clients only test ret.
            return {"ret": "1", "msg": "uin not found", "uuid": ""}
        login = world.new_login(push=True)
        return {"ret": "0", "msg": "all ok", "uuid": login.uuid}

    # ---- init and contacts ----------------------------------------------------------------------

    def _recent_chats(self, limit: int = 12) -> list[Ref]:
        """What webwxinit lists: special accounts, pinned chats, then the most recently active ones."""
        world = self.world
        refs: list[Ref] = [("person", pid) for pid in world.special if world.is_contact(pid)]
        refs += [r for r in world.pinned() if r not in refs and (r[0] != "room" or world.in_room(r[1]))]
        recent = sorted(world.last_activity.items(), key=lambda item: -item[1])
        for ref, _ in recent:
            if len(refs) >= limit + len(world.special):
                break
            if ref in refs:
                continue
            if ref[0] == "room" and not world.in_room(ref[1]):
                continue
            if ref[0] == "person" and (ref[1] == world.account or not world.is_contact(ref[1])):
                continue
            refs.append(ref)
        return refs

    def init(self, session: WebSession) -> JsonReply:
        world = self.world
        with world.lock:
            chats = self._recent_chats()
            contacts = [contact_json(world, session, ref, members="brief", encry=False) for ref in chats]
            now = world.now()
            # With a backlog the first webwxsync delivers the recent past (World(backlog=...)).
            session.positions = (max(session.start[0], world.backlog_start()), len(world.contact_log))
            session.inited = True
            key = world.codec.encode(session.positions[0], session.positions[1], session.stamp, now)
            mps = [pid for pid, s in world.friends.items() if s.contact and world.persons[pid].is_mp][:3]
            mp_list = [self._mp_articles(session, pid, now) for pid in mps]
            return {
                "BaseResponse": {"Ret": 0, "ErrMsg": ""},
                "Count": len(contacts),
                "ContactList": contacts,
                "SyncKey": key,
                "User": user_json(world, session),
                "ChatSet": ",".join(c["UserName"] for c in contacts),
                "SKey": session.creds.skey,
                "ClientVersion": CLIENT_VERSION,
                "SystemTime": now,
                "GrayScale": 1,
                "InviteStartCount": INVITE_START_COUNT,
                "MPSubscribeMsgCount": len(mp_list),
                "MPSubscribeMsgList": mp_list,
                "ClickReportInterval": 600000,
            }

    def _mp_articles(self, session: WebSession, pid: int, now: int) -> dict[str, Any]:
        world = self.world
        nick = world.nickname(pid)
        articles = [
            {
                "Title": wire_text(f"{nick} · 第{i + 1}篇"),
                "Digest": wire_text(f"{nick}的今日推送"),
                "Cover": f"http://mmbiz.qpic.cn/mmbiz_jpg/{world.persons[pid].wxid}{i}/640?wxtype=jpeg&wxfrom=0",
                "Url": f"http://mp.weixin.qq.com/s?__biz={world.persons[pid].wxid}&mid={now}&idx={i + 1}#rd",
            }
            for i in range(2)
        ]
        return {
            "UserName": world.person_name(session.naming, pid),
            "MPArticleCount": len(articles),
            "MPArticleList": articles,
            "Time": now - 3600,
            "NickName": wire_text(nick),
        }

    def status_notify(self, session: WebSession, body: Mapping[str, Any]) -> JsonReply:
        world = self.world
        code = body.get("Code")
        if not isinstance(code, int) or isinstance(code, bool):
            return skeleton("webwxstatusnotify", _BAD_REQUEST)
        with world.lock:
            if code == 3:
                chats = self._recent_chats()
                names = ",".join(room_ref(r[1]) if r[0] == "room" else person_ref(r[1]) for r in chats)
                xml = (
                    f"<msg>\n<op id='4'>\n<username>{names}</username>\n<unreadchatlist>\n</unreadchatlist>\n"
                    "<unreadfunctionlist>\n</unreadfunctionlist>\n</op>\n</msg>"
                )
                wire = wire_xml(xml)
                status = Body(
                    51, wire, {"StatusNotifyCode": 4, "StatusNotifyUserName": names}, refs=True, prefix=False
                )
                msg_id = world.append(("person", world.account), world.account, status)
            else:
                msg_id = world.new_msg_id()
                if code == 1:
                    ref = session.naming.resolve(_as_str(body.get("ToUserName")))
                    if ref is None:
                        return skeleton("webwxstatusnotify", _UNKNOWN)
                    world.read_marks[ref] = (world.clock.now(), len(world.log))
            return {"BaseResponse": {"Ret": 0, "ErrMsg": ""}, "MsgID": str(msg_id)}

    def _contact_refs(self) -> list[Ref]:
        world = self.world
        refs: list[Ref] = [("person", pid) for pid in sorted(world.friends) if world.friends[pid].contact]
        refs += [
            ("room", rid) for rid in sorted(world.rooms) if world.rooms[rid].saved and world.in_room(rid)
        ]
        return refs

    def get_contact(self, session: WebSession, query: Mapping[str, str]) -> JsonReply:
        world = self.world
        seq = digits_or_none(query.get("seq", "0") or "0")
        seq = -1 if seq is None else seq
        with world.lock:
            refs = self._contact_refs()
            if seq == 0:
                offset = 0
            elif _SEQ_BASE < seq <= _SEQ_BASE + len(refs):
                offset = seq - _SEQ_BASE
            else:
                # A Seq this server never handed out: an empty last page (the real behaviour is unknown).
                offset = len(refs)
            page = refs[offset : offset + world.contact_page]
            end = offset + len(page)
            members = [contact_json(world, session, ref, members="none", encry=False) for ref in page]
            return {
                "BaseResponse": {"Ret": 0, "ErrMsg": ""},
                "MemberCount": len(members),
                "MemberList": members,
                "Seq": _SEQ_BASE + end if end < len(refs) else 0,
            }

    def batch_get_contact(self, session: WebSession, body: Mapping[str, Any]) -> JsonReply:
        world = self.world
        items = body.get("List")
        if not isinstance(items, list):
            return skeleton("webwxbatchgetcontact", _BAD_REQUEST)
        if len(items) > world.batch_limit:
            # More than 50 per request: refused (unknown on the real server); truncating silently
            # would lose contacts without the client noticing.
            return skeleton("webwxbatchgetcontact", _BAD_REQUEST, f"at most {world.batch_limit} per request")
        if not self.allow("batchgetcontact"):
            return skeleton("webwxbatchgetcontact", _RATE_LIMITED)
        out = []
        with world.lock:
            by_encry = {room.encry_id: room for room in world.rooms.values()}
            for item in items:
                if not isinstance(item, dict):
                    return skeleton("webwxbatchgetcontact", _BAD_REQUEST)
                ref = session.naming.resolve(_as_str(item.get("UserName")))
                if ref is None:
                    continue  # unknown UserNames are left out of the reply
                entry = contact_json(world, session, ref, members="full")
                room = by_encry.get(_as_str(item.get("EncryChatRoomId")))
                if ref[0] == "person" and room is not None and ref[1] in room.member_set:
                    entry["DisplayName"] = wire_text(room.display.get(ref[1], ""))
                out.append(entry)
        return {"BaseResponse": {"Ret": 0, "ErrMsg": ""}, "Count": len(out), "ContactList": out}

    # ---- sync ---------------------------------------------------------------------------------

    def _from_earlier_login(self, session: WebSession, key: object) -> bool:
        """True when ``key`` was handed out by an earlier login: its key 1000 is another login's, or
        its positions point before this login began."""
        codec = self.world.codec
        stamp = codec.login_stamp(key)
        if stamp is not None and stamp != session.stamp:
            return True
        decoded = codec.decode(key)
        if decoded is None:
            return False
        msg, contact = decoded
        return 0 <= msg < session.start[0] or 0 <= contact < session.start[1]

    def _refused(self, session: WebSession, key: object) -> bool:
        return self.world.old_keys == "refuse" and self._from_earlier_login(session, key)

    def _positions(self, session: WebSession, key: object) -> tuple[int, int]:
        world = self.world
        decoded = None if self._refused(session, key) else world.codec.decode(key)
        msg, contact = decoded if decoded is not None else session.positions
        if msg < 0:
            msg = session.positions[0]
        if contact < 0:
            contact = session.positions[1]
        return min(msg, len(world.log)), min(contact, len(world.contact_log))

    def selector(self, session: WebSession, synckey: str) -> int:
        """synccheck's selector for this key: 2 messages, 4 contact changes, 7 a chat opened on the
        phone, 0 nothing pending (keep holding)."""
        world = self.world
        with world.lock:
            msg, contact = self._positions(session, parse_synccheck_key(synckey))
            log = world.log
            if msg < len(log):
                for i in range(msg, len(log)):
                    if log[i].body.selector == 2:
                        return 2
                return 4 if contact < len(world.contact_log) else 7
            return 4 if contact < len(world.contact_log) else 0

    def sync(self, session: WebSession, body: Mapping[str, Any], stale: bool = False) -> JsonReply:
        """webwxsync: the messages and contact changes after the client's key, at most one batch.

        ``stale`` (a fault) hands the old key back, so the client receives the batch again.
        """
        world = self.world
        with world.lock:
            if self._refused(session, body.get("SyncKey")):
                # World(old_keys="refuse"): a reply the client can tell from any other (docs/simulator.md)
                return skeleton("webwxsync", _BAD_REQUEST)
            msg, contact = self._positions(session, body.get("SyncKey"))
            batch = world.log[msg : msg + world.sync_batch]
            changes = world.contact_log[contact : contact + world.contact_batch]
            new_msg, new_contact = msg + len(batch), contact + len(changes)
            # Pre-serialised items (orjson splices them into the reply as they are): see message_wire.
            messages = [orjson.Fragment(message_wire(world, session, m)) for m in batch]
            latest: dict[Ref, str] = {}
            for kind, ref in changes:
                latest.pop(ref, None)
                latest[ref] = kind
            mods, dels = [], []
            for ref, kind in latest.items():
                gone = kind == "del" or (ref[0] == "room" and not world.in_room(ref[1]))
                if ref[0] == "person" and not world.is_contact(ref[1]):
                    gone = True
                if gone:
                    flag = 0
                    dels.append({"UserName": world.ref_name(session.naming, ref), "ContactFlag": flag})
                else:
                    mods.append(contact_json(world, session, ref, members="full"))
            more = new_msg < len(world.log) or new_contact < len(world.contact_log)
            now = world.now()
            last_time = batch[-1].create_time if batch else now
            if stale:
                new_msg, new_contact = msg, contact
            else:
                session.positions = (new_msg, new_contact)
            key = world.codec.encode(new_msg, new_contact, session.stamp, last_time, full=True)
            return {
                "BaseResponse": {"Ret": 0, "ErrMsg": ""},
                "AddMsgCount": len(messages),
                "AddMsgList": messages,
                "ModContactCount": len(mods),
                "ModContactList": mods,
                "DelContactCount": len(dels),
                "DelContactList": dels,
                "ModChatRoomMemberCount": 0,
                "ModChatRoomMemberList": [],
                "Profile": _PROFILE_JSON,
                "ContinueFlag": 1 if more else 0,
                "SyncKey": key,
                "SKey": "",
                "SyncCheckKey": key,
            }

    # ---- sending ------------------------------------------------------------------------------

    def _target(self, session: WebSession, name: str) -> Ref | None:
        """A chat the account may write to: a contact, itself, or a room it is in."""
        world = self.world
        ref = session.naming.resolve(name)
        if ref is None:
            return None
        if ref[0] == "room":
            return ref if world.in_room(ref[1]) else None
        if ref[1] == world.account or world.is_contact(ref[1]):
            return ref
        return None

    def send(self, session: WebSession, body: Mapping[str, Any], endpoint: str = "webwxsendmsg") -> JsonReply:
        """webwxsendmsg and the media sends: accept, log (the echo through sync) and record in the outbox."""
        world = self.world
        msg = body.get("Msg")
        if not isinstance(msg, dict):
            return skeleton(endpoint, _BAD_REQUEST)
        try:
            msg_type = json_int(msg.get("Type", 1), "Msg.Type", 0, _MAX_MSG_TYPE, text=True)
        except NumberError as exc:
            return skeleton(endpoint, _BAD_REQUEST, str(exc))
        content = msg.get("Content", "")
        if not isinstance(content, str):
            return skeleton(endpoint, _BAD_REQUEST)
        client_msg_id = _as_str(msg.get("ClientMsgId")) or _as_str(msg.get("LocalID"))
        local_id = _as_str(msg.get("LocalID")) or client_msg_id
        with world.lock:
            me = world.person_name(session.naming, world.account)
            ref = self._target(session, _as_str(msg.get("ToUserName")))
            if ref is None or _as_str(msg.get("FromUserName")) != me:
                return skeleton(endpoint, _UNKNOWN)
            if client_msg_id and client_msg_id in session.sent:
                return self._sent_reply(session.sent[client_msg_id], local_id)
            media = self._uploads.get(_as_str(msg.get("MediaId")))
            if endpoint != "webwxsendmsg" and endpoint != "webwxsendappmsg" and media is None:
                return skeleton(endpoint, _UNKNOWN, "unknown MediaId: upload with webwxuploadmedia first")
            if not self.allow("send"):
                return skeleton(endpoint, _RATE_LIMITED)
            msg_id = world.new_msg_id()
            echo = self._echo_body(endpoint, msg_type, content, msg, media, msg_id)
            world.append(ref, world.account, echo, msg_id, client_msg_id)
            if client_msg_id:
                session.sent[client_msg_id] = msg_id
            world.record_outgoing(
                Outgoing(
                    seq=len(world.outbox),
                    time=world.clock.now(),
                    endpoint=endpoint,
                    msg_id=str(msg_id),
                    msg_type=msg_type,
                    to_user_name=_as_str(msg.get("ToUserName")),
                    chat=ref,
                    content=content,
                    client_msg_id=client_msg_id,
                    local_id=local_id,
                    session=session.number,
                    extra={"media_id": _as_str(msg.get("MediaId"))} if msg.get("MediaId") else {},
                )
            )
            return self._sent_reply(msg_id, local_id)

    @staticmethod
    def _sent_reply(msg_id: int, local_id: str) -> JsonReply:
        return {"BaseResponse": {"Ret": 0, "ErrMsg": ""}, "MsgID": str(msg_id), "LocalID": local_id}

    def _echo_body(
        self,
        endpoint: str,
        msg_type: int,
        content: str,
        msg: Mapping[str, Any],
        media: Mapping[str, Any] | None,
        msg_id: int,
    ) -> Body:
        me = self.world.persons[self.world.account].wxid
        if endpoint == "webwxsendmsgimg" and media is not None:
            return compose("image", fields=media, msg_id=msg_id, sender_wxid=me)
        if endpoint == "webwxsendemoticon" and media is not None:
            return compose("sticker", fields=media, msg_id=msg_id, sender_wxid=me)
        if endpoint == "webwxsendvideomsg" and media is not None:
            return compose("video", fields=media, msg_id=msg_id, sender_wxid=me)
        if endpoint == "webwxsendappmsg":
            # The client writes the appmsg XML itself; the echo carries it escaped, as for text.
            fields: dict[str, Any] = {"AppMsgType": 6 if msg_type == 6 else 5}
            match = re.search(r"<title>(.*?)</title>", content, re.S)
            if match:
                fields["FileName"] = wire_text(match.group(1))
            if media is not None:
                fields["FileSize"] = str(media.get("file_size", ""))
                fields["MediaId"] = _as_str(msg.get("MediaId"))
            return Body(49, wire_text(content), fields)
        return Body(msg_type, wire_text(content))

    def revoke(self, session: WebSession, body: Mapping[str, Any]) -> JsonReply:
        world = self.world
        svr = _as_str(body.get("SvrMsgId"))
        with world.lock:
            ref = self._target(session, _as_str(body.get("ToUserName")))
            message = world.message_by_id(svr)
            if ref is None or message is None or message.chat != ref:
                return skeleton("webwxrevokemsg", _UNKNOWN)
            if message.sender != world.account or message.body.msg_type in (10002, 51):
                return skeleton("webwxrevokemsg", _REFUSED)
            if world.clock.now() - message.create_time > REVOKE_LIMIT_S:
                # Late revokes: the real Ret is unknown; 1204 marks a permanent refusal.
                reply = skeleton("webwxrevokemsg", _REFUSED)
                reply["SysWording"] = "发送时间超过2分钟的消息，不能被撤回。"
                return reply
            if not self.allow("revoke"):
                return skeleton("webwxrevokemsg", _RATE_LIMITED)
            world.receive(ref, world.account, "revoke", fields={"msg_id": message.msg_id})
            return {"BaseResponse": {"Ret": 0, "ErrMsg": ""}, "Introduction": "", "SysWording": ""}

    # ---- contact and room changes ---------------------------------------------------------------

    def oplog(self, session: WebSession, body: Mapping[str, Any]) -> JsonReply:
        world = self.world
        cmd = body.get("CmdId")
        if cmd not in (2, 3):
            return skeleton("webwxoplog", _BAD_REQUEST)
        with world.lock:
            ref = session.naming.resolve(_as_str(body.get("UserName")))
            if ref is None:
                return skeleton("webwxoplog", _UNKNOWN)
            state = world.friends.get(ref[1]) if ref[0] == "person" else None
            if ref[0] == "person" and (state is None or not state.contact):
                return skeleton("webwxoplog", _UNKNOWN)
            if ref[0] == "room" and (cmd == 2 or not world.in_room(ref[1])):
                return skeleton("webwxoplog", _UNKNOWN)
            remark = body.get("RemarkName")
            op = body.get("OP")
            if cmd == 2 and not isinstance(remark, str):
                return skeleton("webwxoplog", _BAD_REQUEST)
            if cmd == 3 and op not in (0, 1):
                return skeleton("webwxoplog", _BAD_REQUEST)
            if isinstance(remark, str) and (too_long(remark, REMARK_MAX_CHARS) or has_control(remark)):
                # Unknown on the real server (the phone never sends more); see wxnb.sim.writes.
                what = f"RemarkName: at most {REMARK_MAX_CHARS} characters, no control characters"
                return skeleton("webwxoplog", _BAD_REQUEST, what)
            if not self.allow("oplog"):
                return skeleton("webwxoplog", _RATE_LIMITED)
            ignored = self.writes.ignores("oplog", ref)
            self._record_write(session, "webwxoplog", ref, body.get("UserName"), remark, cmd, ignored)
            if ignored:
                return {"BaseResponse": {"Ret": 0, "ErrMsg": ""}}  # and nothing changes (wxnb.sim.writes)

            def change() -> None:
                with world.lock:
                    if cmd == 2:
                        assert state is not None and isinstance(remark, str)
                        state.remark = remark
                    elif state is not None:
                        state.pinned = op == 1
                        # The real server's quirk: a pin without RemarkName clears the remark.
                        state.remark = remark if isinstance(remark, str) else ""
                    else:
                        world.rooms[ref[1]].pinned = op == 1
                    world.contact_changed(ref)

            self.writes.later(change)
            return {"BaseResponse": {"Ret": 0, "ErrMsg": ""}}

    def _record_write(
        self,
        session: WebSession,
        endpoint: str,
        ref: Ref,
        to: object,
        value: object,
        cmd: object,
        ignored: bool,
    ) -> None:
        """An accepted remark/pin/topic write goes to the outbox too: tests count the writes there."""
        world = self.world
        world.record_outgoing(
            Outgoing(
                seq=len(world.outbox),
                time=world.clock.now(),
                endpoint=endpoint,
                msg_id="",
                msg_type=0,
                to_user_name=_as_str(to),
                chat=ref,
                content=value if isinstance(value, str) else "",
                client_msg_id="",
                local_id="",
                session=session.number,
                extra={"cmd": cmd, "ignored": ignored},
            )
        )

    def _people(self, session: WebSession, names: object) -> list[int] | None:
        """Friends named in a ``"u1,u2"`` string or a ``[{UserName}]`` list; None if any is unusable."""
        world = self.world
        if isinstance(names, str):
            raw = [n for n in names.split(",") if n]
        elif isinstance(names, list):
            raw = [_as_str(item.get("UserName")) if isinstance(item, dict) else "" for item in names]
        else:
            return None
        pids = []
        for name in raw:
            ref = session.naming.resolve(name)
            if ref is None or ref[0] != "person":
                return None
            pid = ref[1]
            if pid == world.account or world.persons[pid].is_mp or pid in world.special:
                return None
            if not world.is_contact(pid):
                return None
            pids.append(pid)
        return pids

    def update_chatroom(self, session: WebSession, fun: str, body: Mapping[str, Any]) -> JsonReply:
        world = self.world
        if fun not in ("modtopic", "addmember", "delmember", "invitemember", "quitchatroom"):
            return skeleton("webwxupdatechatroom", _BAD_REQUEST)
        ok: JsonReply = {"BaseResponse": {"Ret": 0, "ErrMsg": ""}}
        with world.lock:
            ref = session.naming.resolve(_as_str(body.get("ChatRoomName")))
            if ref is None or ref[0] != "room" or not world.in_room(ref[1]):
                return skeleton("webwxupdatechatroom", _UNKNOWN)
            rid = ref[1]
            room = world.rooms[rid]
            if fun == "modtopic":
                topic = body.get("NewTopic")
                if not isinstance(topic, str):
                    return skeleton("webwxupdatechatroom", _BAD_REQUEST)
                if too_long(topic, TOPIC_MAX_CHARS) or has_control(topic):
                    what = f"NewTopic: at most {TOPIC_MAX_CHARS} characters, no control characters"
                    return skeleton("webwxupdatechatroom", _BAD_REQUEST, what)
                # Its own budget ("modtopic") and the room actions' one ("updatechatroom").
                if not self.allow("updatechatroom") or not self.allow("modtopic"):
                    return skeleton("webwxupdatechatroom", _RATE_LIMITED)
                ignored = self.writes.ignores("modtopic", ref)
                self._record_write(
                    session, "webwxupdatechatroom", ref, body.get("ChatRoomName"), topic, fun, ignored
                )
                if not ignored:

                    def rename() -> None:  # with the notice "你修改群名为“…”" to every member
                        with world.lock:
                            if world.in_room(rid):  # left during the lag: the rename is lost
                                world.set_topic(rid, topic)

                    self.writes.later(rename)
                return ok
            if fun == "quitchatroom":
                if not self.allow("updatechatroom"):
                    return skeleton("webwxupdatechatroom", _RATE_LIMITED)
                world.remove_members(rid, [world.account], by=world.account)
                return ok
            field = {
                "addmember": "AddMemberList",
                "delmember": "DelMemberList",
                "invitemember": "InviteMemberList",
            }
            if fun == "delmember":
                pids = self._room_members(session, rid, body.get(field[fun]))
            else:
                pids = self._people(session, body.get(field[fun]))
            if not pids:
                return skeleton("webwxupdatechatroom", _UNKNOWN)
            if fun == "addmember" and len(room.members) >= INVITE_START_COUNT:
                # Unknown on the real server; refusing keeps the room unchanged and tells the client
                # to invite instead (InviteStartCount).
                return skeleton("webwxupdatechatroom", _UNKNOWN, "use invitemember at >= 40 members")
            if fun == "delmember" and room.owner != world.account:
                return skeleton("webwxupdatechatroom", _UNKNOWN, "only the room owner removes members")
            if not self.allow("updatechatroom"):
                return skeleton("webwxupdatechatroom", _RATE_LIMITED)
            before = set(room.member_set)
            if fun == "delmember":
                world.remove_members(rid, pids, by=world.account)
                listed = []
            else:
                world.add_members(rid, pids, by=world.account)  # invitees accept at once
                # the reply lists who joined now (not those who were members already)
                listed = [member_json(world, session, rid, p) for p in dict.fromkeys(pids) if p not in before]
            return {**ok, "MemberCount": len(room.members), "MemberList": listed}

    def _room_members(self, session: WebSession, rid: int, names: object) -> list[int] | None:
        world = self.world
        if not isinstance(names, str):
            return None
        pids = []
        for name in (n for n in names.split(",") if n):
            ref = session.naming.resolve(name)
            if ref is None or ref[0] != "person" or ref[1] not in world.rooms[rid].member_set:
                return None
            if ref[1] == world.account:
                return None
            pids.append(ref[1])
        return pids

    def create_chatroom(self, session: WebSession, body: Mapping[str, Any]) -> JsonReply:
        world = self.world
        topic = body.get("Topic", "")
        if not isinstance(topic, str):
            return skeleton("webwxcreatechatroom", _BAD_REQUEST)
        with world.lock:
            pids = self._people(session, body.get("MemberList"))
            if pids is None or len(set(pids)) < 2:
                return skeleton("webwxcreatechatroom", _UNKNOWN, "a room needs at least two other friends")
            if not self.allow("createchatroom"):
                return skeleton("webwxcreatechatroom", _RATE_LIMITED)
            pids = list(dict.fromkeys(pids))
            room = world.new_room(topic, pids)
            names = "、".join(world.nickname(p) for p in pids)
            world.append(
                ("room", room.rid),
                world.account,
                compose("system", text=f'你邀请"{names}"加入了群聊', msg_id=0),
            )
            world.contact_changed(("room", room.rid))
            listed = [member_json(world, session, room.rid, p) for p in room.members]
            return {
                "BaseResponse": {"Ret": 0, "ErrMsg": ""},
                "Topic": wire_text(topic),
                "PYInitial": "",
                "QuanPin": "",
                "MemberCount": len(listed),
                "MemberList": listed,
                "ChatRoomName": session.naming.room(room.rid),
                "BlackList": "",
            }

    def logout(self, session: WebSession) -> None:
        self.world.end_session(session, 1101)

    # ---- media --------------------------------------------------------------------------------

    def icon(self, session: WebSession, query: Mapping[str, str]) -> bytes | None:
        """webwxgeticon / webwxgetheadimg: the identicon of a person or room of this login."""
        world = self.world
        with world.lock:
            ref = session.naming.resolve(query.get("username", ""))
            if ref is None:
                return None
            key = world.stable_key(ref)
        return head_jpeg(key)

    def msg_image(self, session: WebSession, query: Mapping[str, str]) -> bytes | None:
        """webwxgetmsgimg: the picture of an image/sticker/video message (``type=slave``: thumbnail)."""
        world = self.world
        raw = query.get("MsgID", query.get("msgid", ""))
        with world.lock:
            message = world.message_by_id(raw)
            if message is None or not message.body.media or "width" not in message.body.media:
                return None
            media = message.body.media
            if query.get("type") == "slave":
                width = int(message.body.fields.get("ImgWidth", media["width"]))
                height = int(message.body.fields.get("ImgHeight", media["height"]))
            else:
                width, height = int(media["width"]), int(media["height"])
        return picture_jpeg(str(message.msg_id), width, height)

    def voice(self, session: WebSession, query: Mapping[str, str]) -> bytes | None:
        """webwxgetvoice: silent MP3 frames lasting about the voice message's length."""
        raw = query.get("msgid", query.get("MsgID", ""))
        with self.world.lock:
            message = self.world.message_by_id(raw)
            if message is None or not message.body.media or "voice_ms" not in message.body.media:
                return None
            ms = int(message.body.media["voice_ms"])
        frames = max(1, min(2_300, ms // 26))  # one 128 kbit/s 44.1 kHz frame lasts ~26 ms
        frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
        return frame * frames

    def video(self, session: WebSession, query: Mapping[str, str]) -> bytes | None:
        """webwxgetvideo: an MP4-shaped byte string (ftyp box + padding), for Range-request handling."""
        raw = query.get("msgid", query.get("MsgID", ""))
        with self.world.lock:
            message = self.world.message_by_id(raw)
            if message is None or not message.body.media or "video_s" not in message.body.media:
                return None
            seconds = int(message.body.media["video_s"])
        ftyp = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
        size = min(2_000_000, 20_000 * seconds)
        free = (size + 8).to_bytes(4, "big") + b"free" + bytes(size)
        return ftyp + free

    def media_file(self, session: WebSession, query: Mapping[str, str]) -> tuple[FileBytes, str] | None:
        """webwxgetmedia: (the bytes, the file name) of the file message or upload ``mediaid`` names."""
        media_id = query.get("mediaid", query.get("MediaId", ""))
        if not media_id:
            return None
        with self.world.lock:
            uploaded = self._uploads.get(media_id)
            if uploaded is not None and "file_size" in uploaded:
                return FileBytes(media_id, int(uploaded["file_size"])), str(uploaded.get("file_name", "file"))
            for message in reversed(self.world.log):  # newest first: downloads are of recent files
                media = message.body.media
                if media is not None and media.get("media_id") == media_id:
                    return FileBytes(media_id, int(media["file_size"])), str(media.get("file_name", "file"))
        return None

    def upload(self, session: WebSession, form: Mapping[str, str], data: bytes, filename: str) -> JsonReply:
        """webwxuploadmedia (multipart, one chunk per request): the MediaId comes with the last chunk."""
        request = form.get("uploadmediarequest", "")
        client_media_id = ""
        total = 0
        match_id = re.search(r'"ClientMediaId"\s*:\s*"?([0-9]{1,40})', request)
        match_len = re.search(r'"TotalLen"\s*:\s*"?([0-9]+)', request)
        if match_id:
            client_media_id = match_id.group(1)
        try:
            if match_len:
                total = parse_digits(match_len.group(1), "TotalLen", 0, 2**53)
            chunks = parse_digits(form.get("chunks", "1") or "1", "chunks", 1, 100_000)
            chunk = parse_digits(form.get("chunk", "0") or "0", "chunk", 0, chunks - 1)
        except NumberError as exc:
            return skeleton("webwxuploadmedia", _BAD_REQUEST, str(exc))
        if not client_media_id:
            return skeleton("webwxuploadmedia", _BAD_REQUEST)
        key = f"{session.number}:{client_media_id}"
        with self.world.lock:
            pending = self._uploads.setdefault(key, {"received": 0, "chunks": set()})
            if chunk not in pending["chunks"]:
                pending["chunks"].add(chunk)
                pending["received"] += len(data)
            if len(pending["chunks"]) < chunks:
                return {**skeleton("webwxuploadmedia", 0), "StartPos": pending["received"]}
            del self._uploads[key]
            media_id = f"@crypt_{next(self._media_ids):08x}_{client_media_id}"
            size = total or pending["received"]
            kind = form.get("mediatype", "doc")
            media: dict[str, Any] = {"file_size": size, "file_name": filename, "width": 640, "height": 480}
            if data[:2] == b"\xff\xd8" or kind == "pic":
                media.update(_jpeg_size(data) or {})
            if kind == "video":
                media["play_length_s"] = 10
            self._uploads[media_id] = media
        reply = skeleton("webwxuploadmedia", 0)
        reply.update({"MediaId": media_id, "StartPos": size, "EncryFileName": quote(filename)})
        return reply


def _jpeg_size(data: bytes) -> dict[str, int] | None:
    """Width and height from a JPEG's SOF marker (no decoding)."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return {"width": width, "height": height}
        i += 2 + length
    return None


def login_pending(login: PendingLogin) -> dict[str, Any]:
    """A pending login as the control API lists it."""
    return {
        "uuid": login.uuid,
        "state": login.state.value,
        "push": login.push,
        "desktop": login.desktop,
        "created": login.created,
        "expires": login.expires,
    }
