"""The simulated world of one account: people, contacts, rooms, the message log and login sessions.

A :class:`World` is loaded from a :class:`~wxnb.sim.spec.WorldSpec` and then changed from two sides:
the web protocol (``wxnb.sim.webapi``, driven by HTTP requests) and the phone (``wxnb.sim.phone``,
driven by tests, the control API and the traffic runner). One re-entrant lock guards all state; every
change calls the notifier hooks so that long polls waiting on the world re-check at once.

Stable facts the real server keeps across logins stay stable here: wxids, AttrStatus, KeyWord,
EncryChatRoomId, head images. Per-login facts (UserNames, credentials) live in the
:class:`~wxnb.sim.logins.WebSession`. Loading is O(spec) with no per-person work, so a world of
100k people loads in well under a second.

Example:
    >>> from wxnb.sim.spec import AccountSpec, FriendSpec, PersonSpec, WorldSpec
    >>> spec = WorldSpec(account=AccountSpec(pid=0),
    ...                  persons=[PersonSpec(0, "wxid_me", "Me", uin=123), PersonSpec(1, "wxid_ann", "Ann")],
    ...                  friends=[FriendSpec(pid=1)])
    >>> world = World.from_spec(spec)
    >>> msg_id = world.receive(("person", 1), sender=1, kind="text", text="hi")
    >>> world.message(msg_id).body.content
    'hi'
"""

from __future__ import annotations

import hashlib
import random
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wxnb.errors import Error
from wxnb.sim.clock import Clock
from wxnb.sim.content import (
    Body,
    PersonFacts,
    card_body,
    compose,
    friend_request_body,
    person_ref,
    revoke_body,
    room_ref,
)
from wxnb.sim.cursors import SyncKeyCodec
from wxnb.sim.logins import Credentials, LoginState, PendingLogin, WebSession, new_ticket, new_uuid
from wxnb.sim.spec import IncomingSpec, PersonSpec, WorldSpec
from wxnb.sim.strict import MAX_INT64, digits_or_none, json_real
from wxnb.sim.usernames import SPECIAL_ACCOUNTS, Naming, Ref

__all__ = ["OLD_KEY_MODES", "LogMessage", "Outgoing", "RoomState", "World", "WorldError"]

OLD_KEY_MODES = ("honour", "refuse")

REVOKE_LIMIT_S = 120.0  # only messages under 2 minutes old can be revoked (PROTOCOL.md §4)
_SPECIAL_NICKNAMES = {"filehelper": "文件传输助手", "weixin": "微信团队", "fmessage": "朋友推荐消息"}


class WorldError(Error, ValueError):
    """A phone or control action that cannot be done in this world (unknown chat, person, uuid...)."""


def _old_keys_mode(mode: object) -> str:
    if mode not in OLD_KEY_MODES:
        raise WorldError(f"old_keys must be 'honour' or 'refuse', not {mode!r}")
    return str(mode)


@dataclass(slots=True)
class FriendState:
    """The account's relation to a person in its contact list."""

    remark: str = ""
    starred: bool = False
    pinned: bool = False
    muted: bool = False
    contact: bool = True  # False once deleted


@dataclass(slots=True)
class RoomState:
    """A room and its members (pids, in join order)."""

    rid: int
    topic: str
    owner: int
    members: list[int]
    display: dict[int, str]
    saved: bool
    pinned: bool
    muted: bool
    encry_id: str
    member_set: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.member_set = set(self.members)


@dataclass(slots=True)
class LogMessage:
    """One entry of the message log. ``chat`` is the conversation, ``sender`` the author's pid."""

    msg_id: int
    create_time: int
    chat: Ref
    sender: int
    body: Body
    client_msg_id: str = ""


@dataclass(slots=True, frozen=True)
class Outgoing:
    """What a web client sent (the outbox): one entry per accepted send request, and per accepted
    remark, pin or room-topic write (``extra``: ``cmd``, ``ignored``; ``content`` is the new value)."""

    seq: int
    time: float
    endpoint: str
    msg_id: str
    msg_type: int
    to_user_name: str
    chat: Ref | None
    content: str  # exactly as the client sent it (Unicode, not wire-encoded)
    client_msg_id: str
    local_id: str
    session: int
    extra: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the control API's outbox entries)."""
        chat = f"{self.chat[0]}:{self.chat[1]}" if self.chat else None
        return {
            "seq": self.seq,
            "time": self.time,
            "endpoint": self.endpoint,
            "msg_id": self.msg_id,
            "msg_type": self.msg_type,
            "to_user_name": self.to_user_name,
            "chat": chat,
            "content": self.content,
            "client_msg_id": self.client_msg_id,
            "local_id": self.local_id,
            "session": self.session,
            **dict(self.extra),
        }


def _stable_hex(*parts: object, n: int = 32) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode("utf-8")).hexdigest()[:n]


class World:
    """Everything the simulated server knows. Thread-safe: every public method takes :attr:`lock`.

    Attributes without a leading underscore that are not methods (``persons``, ``friends``, ``rooms``,
    ``log``, ``contact_log``, ``logins``...) are the live state: read them only while holding
    :attr:`lock`, and change them only through methods (so that waiters are notified).
    """

    def __init__(
        self,
        spec: WorldSpec,
        *,
        clock: Clock | None = None,
        seed: int | None = None,
        login_timeout: float = 300.0,
        sync_batch: int = 50,
        contact_batch: int = 100,
        contact_page: int = 1000,
        batch_limit: int = 50,
        old_keys: str = "honour",
        backlog: float = 0.0,
    ) -> None:
        self.lock = threading.RLock()
        # A new login's first webwxsync delivers the messages of the last ``backlog`` seconds, as the
        # real server delivers the recent ones at login (0: only what arrives after the login).
        self.backlog = json_real(backlog, "backlog", 0.0, 10 * 366 * 86_400.0)
        self.old_keys = _old_keys_mode(old_keys)
        self.clock = clock or Clock()
        self.seed = spec.seed if seed is None else seed
        self.name = spec.name
        self.login_timeout = login_timeout
        self.sync_batch = sync_batch
        self.contact_batch = contact_batch
        self.contact_page = contact_page
        self.batch_limit = batch_limit
        self._rng = random.Random(f"world:{self.seed}")
        self.codec = SyncKeyCodec(self.seed)

        self.persons: list[PersonSpec] = list(spec.persons)
        for index in range(0, len(self.persons), max(1, len(self.persons) // 16)):
            spec.person(index)  # spot-check that persons are indexed by pid (full check would cost O(n))
        self.account = spec.account.pid
        self.nicknames: dict[int, str] = {}  # renamed people (the spec itself is never changed)
        self.friends: dict[int, FriendState] = {
            f.pid: FriendState(f.remark, f.starred, f.pinned, f.muted) for f in spec.friends
        }
        self.special: dict[int, str] = {}
        for pid in self.friends:
            wxid = self.persons[pid].wxid
            if wxid in SPECIAL_ACCOUNTS:
                self.special[pid] = wxid
        if "filehelper" not in self.special.values():
            pid = len(self.persons)
            self.persons.append(PersonSpec(pid=pid, wxid="filehelper", nickname="文件传输助手"))
            self.friends[pid] = FriendState()
            self.special[pid] = "filehelper"
        self.rooms: dict[int, RoomState] = {
            r.rid: RoomState(
                rid=r.rid,
                topic=r.topic,
                owner=r.owner_pid,
                members=list(r.member_pids),
                display=dict(r.display_names),
                saved=r.saved,
                pinned=r.pinned,
                muted=r.muted,
                encry_id="@" + _stable_hex(self.seed, "room", r.rid),
            )
            for r in spec.rooms
        }
        me = self.persons[self.account]
        self.uin = me.uin or 2_000_000_000 + self._rng.randrange(0, 2_000_000_000)
        self.web_blocked = me.web_blocked

        self.log: list[LogMessage] = []
        self.by_msg_id: dict[int, LogMessage] = {}
        self.contact_log: list[tuple[str, Ref]] = []
        self.last_activity: dict[Ref, int] = {}
        # Recent chats before any message: a few rooms and friends, so that webwxinit lists what a
        # real account's init lists (rooms with brief member lists among them). Negative = older
        # than any message of this run.
        joined = [rid for rid, room in self.rooms.items() if self.account in room.member_set][:6]
        for rank, rid in enumerate(joined):
            self.last_activity[("room", rid)] = -1 - rank
        chatty = [p for p in self.friends if p not in self.special and not self.persons[p].is_mp][:4]
        for rank, pid in enumerate(chatty):
            self.last_activity[("person", pid)] = -10 - rank
        self.read_marks: dict[Ref, tuple[float, int]] = {}
        self.outbox: list[Outgoing] = []
        self.logins: dict[str, PendingLogin] = {}
        self.sessions: list[WebSession] = []
        self.by_sid: dict[str, WebSession] = {}
        self.current: WebSession | None = None
        self._listeners: list[Callable[[], None]] = []
        self._login_hooks: list[Callable[[PendingLogin], None]] = []
        self.clock.add_listener(self.notify)

    @classmethod
    def from_spec(cls, spec: WorldSpec, **options: Any) -> World:
        """Load ``spec`` into a live world; ``options`` are those of :class:`World` (clock, seed, ...)."""
        return cls(spec, **options)

    # ---- notification -------------------------------------------------------------------------

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every change (from the changing thread; keep it quick)."""
        with self.lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        with self.lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def add_login_hook(self, hook: Callable[[PendingLogin], None]) -> None:
        """Call ``hook(login)`` whenever a new QR login (or pushed login) is created."""
        with self.lock:
            self._login_hooks.append(hook)

    def notify(self) -> None:
        """Wake whoever waits on the world (long polls re-check their condition)."""
        for listener in list(self._listeners):
            listener()

    # ---- identities ---------------------------------------------------------------------------

    def person(self, pid: int) -> PersonSpec:
        if not 0 <= pid < len(self.persons):
            raise WorldError(f"no person with pid {pid} (the world has {len(self.persons)})")
        return self.persons[pid]

    def nickname(self, pid: int) -> str:
        return (
            self.nicknames.get(pid)
            or self.persons[pid].nickname
            or _SPECIAL_NICKNAMES.get(self.persons[pid].wxid, "")
        )

    def is_contact(self, pid: int) -> bool:
        state = self.friends.get(pid)
        return state is not None and state.contact

    def in_room(self, rid: int, pid: int | None = None) -> bool:
        room = self.rooms.get(rid)
        return room is not None and (self.account if pid is None else pid) in room.member_set

    def person_name(self, naming: Naming, pid: int) -> str:
        """This login's UserName of ``pid`` (friends and the owner get 32 hex digits, others 64)."""
        return naming.person(pid, long=not (pid == self.account or self.is_contact(pid)))

    def ref_name(self, naming: Naming, ref: Ref) -> str:
        return self.person_name(naming, ref[1]) if ref[0] == "person" else naming.room(ref[1])

    def user_name(self, chat: object) -> str:
        """The UserName of a person or room (any :meth:`chat_ref` form) in the current login.

        Lets tests compare what a client shows with the world, e.g. ``world.user_name("room:2")``.
        Raises WorldError when nobody is logged in.
        """
        with self.lock:
            if self.current is None:
                raise WorldError("nobody is logged in: UserNames exist only within a login")
            return self.ref_name(self.current.naming, self.chat_ref(chat))

    def stable_key(self, ref: Ref) -> str:
        """A key that does not change across logins (wxid, or the room's EncryChatRoomId)."""
        return self.persons[ref[1]].wxid if ref[0] == "person" else self.rooms[ref[1]].encry_id

    def facts(self, pid: int) -> PersonFacts:
        p = self.persons[pid]
        return PersonFacts(
            pid, p.wxid, self.nickname(pid), p.alias, p.province, p.city, p.signature, p.sex,
            p.verify_flag, p.attr_status,
        )  # fmt: skip

    def chat_ref(self, chat: object) -> Ref:
        """Normalise a chat reference: ``("friend"|"person"|"mp", pid)``, ``("room", rid)``,
        ``"friend:3"``/``"room:2"``, a wxid, or a UserName of the current login.

        Example:
            >>> from wxnb.sim.spec import AccountSpec, PersonSpec, WorldSpec
            >>> w = World.from_spec(WorldSpec(AccountSpec(0), [PersonSpec(0, "wxid_me", "Me")]))
            >>> w.chat_ref("filehelper"), w.chat_ref("friend:0")
            (('person', 1), ('person', 0))
        """
        with self.lock:
            if isinstance(chat, str) and ":" in chat and not chat.startswith("@"):
                kind, _, number = chat.partition(":")
                ident = digits_or_none(number, MAX_INT64)
                if ident is not None:
                    chat = (kind, ident)
            if isinstance(chat, tuple | list) and len(chat) == 2:
                kind, number = chat[0], chat[1]
                if not isinstance(number, int):
                    raise WorldError(f"chat id must be an integer: {chat!r}")
                if kind in ("friend", "person", "mp", "special"):
                    self.person(number)
                    return ("person", number)
                if kind == "room":
                    if number not in self.rooms:
                        raise WorldError(f"no room with rid {number}")
                    return ("room", number)
                raise WorldError(f"unknown chat kind {kind!r}: use friend, room or person")
            if isinstance(chat, str):
                if chat.startswith("@") and self.current is not None:
                    ref = self.current.naming.resolve(chat)
                    if ref is not None:
                        return ref
                for pid, name in self.special.items():
                    if name == chat:
                        return ("person", pid)
                for pid in self.friends:
                    if self.persons[pid].wxid == chat:
                        return ("person", pid)
            raise WorldError(
                f"cannot find chat {chat!r}: give ('friend', pid), ('room', rid), 'room:3', a wxid of a "
                "contact, or a UserName of the current login"
            )

    # ---- the message log ----------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock.now())

    def new_msg_id(self) -> int:
        with self.lock:
            while True:
                msg_id = self._rng.randrange(1_000_000_000_000_000_000, 9_000_000_000_000_000_000)
                if msg_id not in self.by_msg_id:
                    return msg_id

    def append(
        self,
        chat: Ref,
        sender: int,
        body: Body,
        msg_id: int | None = None,
        client_msg_id: str = "",
        at: int | None = None,
    ) -> int:
        """Add a message to the log (delivered by the next webwxsync) and wake waiters.

        ``at``: its CreateTime, for history written before the run (default: now). The log stays in
        time order, so a past message may only follow older ones.
        """
        with self.lock:
            now = self.now()
            if at is None:
                at = now
            elif not (self.log[-1].create_time if self.log else 0) <= at <= now:
                raise WorldError(
                    f"a past message (CreateTime {at}) must be older than now and not older than the "
                    "last logged message: add history oldest first, before any other message"
                )
            if msg_id is None:
                msg_id = self.new_msg_id()
            message = LogMessage(msg_id, at, chat, sender, body, client_msg_id)
            self.log.append(message)
            self.by_msg_id[msg_id] = message
            if body.selector == 2:
                self.last_activity[chat] = len(self.log)
        self.notify()
        return msg_id

    def message(self, msg_id: int | str) -> LogMessage:
        """The logged message with this MsgId."""
        message = self.message_by_id(msg_id)
        if message is None:
            raise WorldError(f"no message with MsgId {msg_id!r}")
        return message

    def message_by_id(self, msg_id: int | str) -> LogMessage | None:
        """The logged message with this MsgId (an int, or ASCII digits as a request carries it), or None."""
        key = msg_id if isinstance(msg_id, int) and not isinstance(msg_id, bool) else None
        if isinstance(msg_id, str):
            key = digits_or_none(msg_id)
        with self.lock:
            return None if key is None else self.by_msg_id.get(key)

    def contact_changed(self, ref: Ref, deleted: bool = False) -> None:
        """Record a contact or room change; the next webwxsync carries the whole object."""
        with self.lock:
            self.contact_log.append(("del" if deleted else "mod", ref))
        self.notify()

    # ---- what other people do (the phone's side) ----------------------------------------------

    def receive(
        self,
        chat: object,
        sender: int | None = None,
        kind: str = "text",
        text: str = "",
        fields: Mapping[str, object] | None = None,
        at: int | None = None,
    ) -> int:
        """Someone (``sender``, default: the friend of a direct chat) sends a message; returns its MsgId.

        ``kind`` is any of :data:`wxnb.sim.content.KINDS`. Cards take ``fields={"card_pid": pid}``;
        revokes take ``fields={"msg_id": id}`` (default: the sender's latest message in the chat).
        ``at``: a past CreateTime (history; see :meth:`append`). The sender may be the account owner
        (a message sent from the phone).
        """
        fields = dict(fields or {})
        with self.lock:
            ref = self.chat_ref(chat)
            if sender is None:
                if ref[0] != "person":
                    raise WorldError("a room message needs a sender pid")
                sender = ref[1]
            self.person(sender)
            if ref[0] == "room" and not self.in_room(ref[1], sender):
                raise WorldError(f"person {sender} is not a member of room {ref[1]}")
            if kind == "revoke":
                if at is not None:
                    raise WorldError("history has no revokes: a revoke is always sent now")
                return self._revoke_from(ref, sender, fields)
            msg_id = self.new_msg_id()
            body = self._body(kind, text, fields, msg_id, sender)
            return self.append(ref, sender, body, msg_id, at=at)

    def _body(self, kind: str, text: str, fields: Mapping[str, object], msg_id: int, sender: int) -> Body:
        if kind == "card":
            card = fields.get("card_pid", fields.get("pid"))
            if not isinstance(card, int):
                raise WorldError("a card needs fields={'card_pid': pid}")
            self.person(card)
            return card_body(self.facts(card))
        if kind in ("friend_request", "possible_friend"):
            greeting = text or f"我是{self.nickname(sender)}"
            return friend_request_body(
                self.facts(sender), greeting, msg_id, 37 if kind == "friend_request" else 40
            )
        return compose(kind, text=text, fields=fields, msg_id=msg_id, sender_wxid=self.persons[sender].wxid)

    def deliver(
        self, incoming: IncomingSpec, revoke_ids: Mapping[int, int] | None = None, at: int | None = None
    ) -> int:
        """Send an :class:`~wxnb.sim.spec.IncomingSpec` (traffic generator output); returns its MsgId.

        ``revoke_ids`` maps traffic stream indexes to MsgIds, for revokes that name the message they
        take back by its index (``fields["revokes"]``). ``at``: a past CreateTime (history).
        """
        kind, ident = incoming.chat
        fields = dict(incoming.fields)
        if incoming.kind == "revoke" and "revokes" in fields and revoke_ids is not None:
            target = fields.pop("revokes")
            if isinstance(target, int) and target in revoke_ids:
                fields["msg_id"] = revoke_ids[target]
        if incoming.kind == "system" and not incoming.text and "text" in fields:
            return self.receive(
                (kind, ident), incoming.sender_pid, "system", str(fields["text"]), fields, at=at
            )
        return self.receive((kind, ident), incoming.sender_pid, incoming.kind, incoming.text, fields, at=at)

    def backlog_start(self) -> int:
        """The log position a new login's first webwxsync starts from: the first message of the last
        :attr:`backlog` seconds (the end of the log when there is no backlog)."""
        with self.lock:
            if self.backlog <= 0:
                return len(self.log)
            return bisect_left(self.log, self.clock.now() - self.backlog, key=lambda m: m.create_time)

    def _revoke_from(self, ref: Ref, sender: int, fields: Mapping[str, object]) -> int:
        target_id = fields.get("msg_id")
        with self.lock:
            if target_id is None:
                for message in reversed(self.log):
                    if message.chat == ref and message.sender == sender and message.body.msg_type != 10002:
                        target_id = message.msg_id
                        break
                else:
                    raise WorldError(f"person {sender} has no message in {ref} to revoke")
            if not isinstance(target_id, int | str):
                raise WorldError(f"msg_id must be a MsgId, not {target_id!r}")
            target = self.message(target_id)
            if target.sender != sender or target.chat != ref:
                raise WorldError(f"message {target_id} was not sent by {sender} in {ref}")
            name = self._display_in(ref, sender)
            replace = "你撤回了一条消息" if sender == self.account else f'"{name}" 撤回了一条消息'
            body = revoke_body(
                self._chat_placeholder(ref, sender), target.msg_id, target.client_msg_id, replace
            )
            return self.append(ref, sender, body)

    def _chat_placeholder(self, ref: Ref, sender: int) -> str:
        if ref[0] == "room":
            return room_ref(ref[1])
        return person_ref(ref[1] if sender == self.account else sender)

    def _display_in(self, ref: Ref, pid: int) -> str:
        """How the account's phone names ``pid`` in this chat: in-room name, remark or nickname."""
        if ref[0] == "room":
            name = self.rooms[ref[1]].display.get(pid)
            if name:
                return name
        state = self.friends.get(pid)
        if state is not None and state.remark:
            return state.remark
        return self.nickname(pid)

    def owner_send(
        self, chat: object, text: str = "", kind: str = "text", fields: Mapping[str, object] | None = None
    ) -> int:
        """The account owner sends from the phone: it arrives through sync as from self."""
        with self.lock:
            ref = self.chat_ref(chat)
            if ref[0] == "room" and not self.in_room(ref[1]):
                raise WorldError(f"the account is not a member of room {ref[1]}")
            if kind == "revoke":
                return self._revoke_from(ref, self.account, dict(fields or {}))
            msg_id = self.new_msg_id()
            return self.append(
                ref, self.account, self._body(kind, text, fields or {}, msg_id, self.account), msg_id
            )

    def open_chat(self, chat: object) -> int:
        """The owner opens a chat on the phone: a MsgType 51 notice that raises selector 7."""
        with self.lock:
            ref = self.chat_ref(chat)
            body = Body(
                51,
                "",
                {"StatusNotifyCode": 2, "StatusNotifyUserName": self._chat_placeholder(ref, self.account)},
                refs=True,
                selector=7,
                prefix=False,
            )
            return self.append(ref, self.account, body)

    def set_remark(self, pid: int, remark: str) -> None:
        """The owner changes a friend's remark on the phone (selector 4 for the web client)."""
        with self.lock:
            state = self.friends.get(pid)
            if state is None or not state.contact:
                raise WorldError(f"person {pid} is not a contact")
            state.remark = remark
            self.contact_changed(("person", pid))

    def set_nickname(self, pid: int, nickname: str) -> None:
        """Someone changes their own nickname: contacts and rooms they are in change."""
        with self.lock:
            self.person(pid)
            self.nicknames[pid] = nickname
            if self.is_contact(pid):
                self.contact_changed(("person", pid))
            for room in self.rooms.values():
                if pid in room.member_set and self.account in room.member_set:
                    self.contact_changed(("room", room.rid))

    def set_topic(self, rid: int, topic: str, by: int | None = None) -> None:
        """A member (default: the owner of the account) renames a room; a system message says so."""
        with self.lock:
            room = self._room(rid)
            by = self.account if by is None else by
            if by not in room.member_set:
                raise WorldError(f"person {by} is not in room {rid}")
            room.topic = topic
            who = "你" if by == self.account else f'"{self._display_in(("room", rid), by)}"'
            self.append(("room", rid), by, compose("system", text=f"{who}修改群名为“{topic}”", msg_id=0))
            self.contact_changed(("room", rid))

    def add_members(self, rid: int, pids: Iterable[int], by: int | None = None) -> None:
        """``by`` adds people to a room (a join notice, a room change)."""
        with self.lock:
            room = self._room(rid)
            by = self.account if by is None else by
            added = [p for p in pids if p not in room.member_set]
            for pid in added:
                self.person(pid)
                room.members.append(pid)
                room.member_set.add(pid)
            if not added:
                return
            names = "、".join(self._display_in(("room", rid), p) for p in added)
            who = "你" if by == self.account else f'"{self._display_in(("room", rid), by)}"'
            self.append(("room", rid), by, compose("system", text=f'{who}邀请"{names}"加入了群聊', msg_id=0))
            self.contact_changed(("room", rid))

    def remove_members(self, rid: int, pids: Iterable[int], by: int | None = None) -> None:
        """``by`` (default: the room owner) removes people from a room."""
        with self.lock:
            room = self._room(rid)
            removed = [p for p in pids if p in room.member_set]
            if not removed:
                return
            names = "、".join(self._display_in(("room", rid), p) for p in removed)
            for pid in removed:
                room.members.remove(pid)
                room.member_set.discard(pid)
            if self.account in removed:
                self.contact_changed(("room", rid), deleted=True)
                return
            by = room.owner if by is None else by
            who = "你" if by == self.account else f'"{self._display_in(("room", rid), by)}"'
            self.append(("room", rid), by, compose("system", text=f'{who}将"{names}"移出了群聊', msg_id=0))
            self.contact_changed(("room", rid))

    def _room(self, rid: int) -> RoomState:
        room = self.rooms.get(rid)
        if room is None:
            raise WorldError(f"no room with rid {rid}")
        return room

    def new_room(self, topic: str, members: list[int]) -> RoomState:
        """Create a room owned by the account (webwxcreatechatroom)."""
        with self.lock:
            rid = max(self.rooms, default=-1) + 1
            room = RoomState(
                rid=rid,
                topic=topic,
                owner=self.account,
                members=[self.account, *members],
                display={},
                saved=False,
                pinned=False,
                muted=False,
                encry_id="@" + _stable_hex(self.seed, "room", rid, self.now()),
            )
            self.rooms[rid] = room
            return room

    # ---- logins -------------------------------------------------------------------------------

    def new_login(self, desktop: bool = False, push: bool = False) -> PendingLogin:
        """A new QR code (jslogin) or a pushed login (webwxpushloginurl)."""
        with self.lock:
            while True:
                uuid = new_uuid(self._rng)
                if uuid not in self.logins:
                    break
            now = self.clock.now()
            login = PendingLogin(uuid, now, now + self.login_timeout, desktop=desktop, push=push)
            self.logins[uuid] = login
            hooks = list(self._login_hooks)
        for hook in hooks:
            hook(login)
        self.notify()
        return login

    def login(self, uuid: str) -> PendingLogin | None:
        """The login with this uuid, with its expiry brought up to date; None if unknown."""
        with self.lock:
            login = self.logins.get(uuid)
            if (
                login is not None
                and login.state is not LoginState.EXPIRED
                and login.session is None
                and self.clock.now() >= login.expires
            ):
                login.state = LoginState.EXPIRED
            return login

    def pending_logins(self) -> list[PendingLogin]:
        """Logins not yet redeemed nor expired, oldest first."""
        with self.lock:
            out = []
            for uuid in list(self.logins):
                login = self.login(uuid)
                if login is not None and login.state is not LoginState.EXPIRED and login.session is None:
                    out.append(login)
            return out

    def _pending(self, uuid: str | None) -> PendingLogin:
        if uuid is None:
            pending = self.pending_logins()
            if not pending:
                raise WorldError("no login is pending: a client must ask for a QR code (jslogin) first")
            return pending[-1]
        login = self.login(uuid)
        if login is None:
            raise WorldError(f"unknown uuid {uuid!r}")
        if login.state is LoginState.EXPIRED:
            raise WorldError(f"the QR code {uuid!r} has expired")
        return login

    def scan(self, uuid: str | None = None) -> str:
        """The phone scans the QR code (the newest pending one by default)."""
        with self.lock:
            login = self._pending(uuid)
            if login.state is LoginState.WAITING:
                login.state = LoginState.SCANNED
                login.scan_reported = False
                login.cancelled = False
                login.scan_time = self.now()
        self.notify()
        return login.uuid

    def confirm(self, uuid: str | None = None) -> str:
        """The phone confirms the login (scanning first if needed): the login poll answers 200."""
        with self.lock:
            login = self._pending(uuid)
            if login.state is LoginState.WAITING:
                self.scan(login.uuid)
            if login.state is not LoginState.CONFIRMED:
                login.state = LoginState.CONFIRMED
                login.ticket = new_ticket(self._rng)
        self.notify()
        return login.uuid

    def cancel(self, uuid: str | None = None) -> str:
        """The phone cancels: the login poll answers 202 once; the QR stays scannable."""
        with self.lock:
            login = self._pending(uuid)
            login.state = LoginState.WAITING
            login.cancelled = True
            login.ticket = ""
        self.notify()
        return login.uuid

    def expire(self, uuid: str | None = None) -> str:
        """Expire a QR code now: its login poll answers 400."""
        with self.lock:
            login = self._pending(uuid)
            login.state = LoginState.EXPIRED
        self.notify()
        return login.uuid

    def start_session(self, login: PendingLogin) -> WebSession:
        """Redeem a confirmed login: a new session that ends the previous one (1101 for it)."""
        with self.lock:
            if login.session is not None:
                return login.session
            number = len(self.sessions) + 1
            creds = Credentials.generate(self._rng, self.uin)
            while creds.sid in self.by_sid:
                creds = Credentials.generate(self._rng, self.uin)
            naming = Naming(f"{self.seed}:login:{number}", dict(self.special))
            now = self.clock.now()
            start = (self.backlog_start(), len(self.contact_log))
            # key 1000 (the login time) tells logins apart, even two in the same second
            stamp = max(int(now), self.sessions[-1].stamp + 1) if self.sessions else int(now)
            session = WebSession(
                number, creds, naming, now, desktop=login.desktop, positions=start, start=start, stamp=stamp
            )
            if self.current is not None and self.current.live:
                self.current.ended = 1101
            self.sessions.append(session)
            self.by_sid[creds.sid] = session
            self.current = session
            login.session = session
        self.notify()
        return session

    def set_old_keys(self, mode: str) -> None:
        """What a webwxsync of a new login does with a SyncKey of an earlier login of the account:
        ``"honour"`` (deliver what arrived since that key) or ``"refuse"`` (Ret 1200, see
        docs/simulator.md). The real server's behaviour is unknown; clients must cope with both.

        Example:
            >>> from wxnb.sim.spec import AccountSpec, PersonSpec, WorldSpec
            >>> w = World.from_spec(WorldSpec(AccountSpec(0), [PersonSpec(0, "wxid_me", "Me")]))
            >>> w.set_old_keys("refuse"); w.old_keys
            'refuse'
        """
        mode = _old_keys_mode(mode)
        with self.lock:
            self.old_keys = mode

    def end_session(self, session: WebSession | None = None, code: int = 1101) -> None:
        """End a session (default: the current one) with ``code``: 1100 phone logout, 1101, 1102."""
        with self.lock:
            session = session or self.current
            if session is None or not session.live:
                return
            session.ended = code
        self.notify()

    def logout_from_phone(self) -> None:
        """The owner logs the web session out on the phone: its synccheck answers 1100."""
        self.end_session(None, 1100)

    # ---- views (for tests and the control API) ------------------------------------------------

    def remark(self, pid: int) -> str:
        with self.lock:
            state = self.friends.get(pid)
            return state.remark if state else ""

    def remarks(self) -> dict[int, str]:
        """pid → remark, for contacts that have one."""
        with self.lock:
            return {pid: s.remark for pid, s in self.friends.items() if s.remark and s.contact}

    def topic(self, rid: int) -> str:
        with self.lock:
            return self._room(rid).topic

    def topics(self) -> dict[int, str]:
        with self.lock:
            return {rid: room.topic for rid, room in self.rooms.items()}

    def members(self, rid: int) -> list[int]:
        with self.lock:
            return list(self._room(rid).members)

    def pinned(self) -> list[Ref]:
        with self.lock:
            out: list[Ref] = [("person", pid) for pid, s in self.friends.items() if s.pinned and s.contact]
            out += [("room", rid) for rid, room in self.rooms.items() if room.pinned]
            return out

    def outbox_since(self, seq: int = 0) -> list[Outgoing]:
        """What web clients sent, from outbox position ``seq`` on."""
        with self.lock:
            return list(self.outbox[seq:])

    def record_outgoing(self, entry: Outgoing) -> None:
        with self.lock:
            self.outbox.append(entry)
        self.notify()

    def read_marks_view(self) -> dict[str, dict[str, float | int]]:
        """chat ("person:3"/"room:1") → {"time", "position"} of the client's last read notice."""
        with self.lock:
            return {f"{k}:{i}": {"time": t, "position": pos} for (k, i), (t, pos) in self.read_marks.items()}

    def find_messages(self, text: str) -> list[LogMessage]:
        """Logged messages whose wire Content contains ``text`` (a test helper)."""
        with self.lock:
            return [m for m in self.log if text in m.body.content]
