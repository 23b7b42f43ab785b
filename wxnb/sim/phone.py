"""The virtual phone: scan and confirm logins, log out, and make contacts talk.

Everything the real phone (and the people in the contact list) would do to a web session: scan a QR
code, confirm or cancel, approve a pushed login, log the web session out (1100), expire a QR now;
a contact or room member sends a message of any kind (text, image, voice, video, sticker, link, file,
location, card, friend request, system notice, revoke...), the owner sends from the phone (it arrives
as from self), opens a chat on the phone (selector 7), renames people and rooms, adds and removes
members. Optionally the phone confirms every new login by itself after a delay (demos).

Example:
    >>> from wxnb.sim.spec import AccountSpec, FriendSpec, PersonSpec, WorldSpec
    >>> from wxnb.sim.world import World
    >>> world = World.from_spec(WorldSpec(AccountSpec(0), [PersonSpec(0, "wxid_me", "Me"),
    ...                                   PersonSpec(1, "wxid_ann", "Ann")], friends=[FriendSpec(1)]))
    >>> phone = Phone(world)
    >>> msg_id = phone.send(("friend", 1), "hello 😄")
    >>> world.message(msg_id).body.content
    'hello <span class="emoji emoji1f604"></span>'
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from wxnb.sim.logins import PendingLogin
from wxnb.sim.spec import IncomingSpec
from wxnb.sim.strict import json_real
from wxnb.sim.world import World, WorldError

__all__ = ["Phone"]

MAX_AUTO_DELAY_S = 86_400.0

T = TypeVar("T")

logger = logging.getLogger("wxnb.sim.phone")


class Phone:
    """The phone of the world's account. Thread-safe (it acts on the world under its lock).

    Chats are given as ``("friend", pid)``, ``("room", rid)``, ``"room:3"``, a contact's wxid, or a
    UserName of the current login. MsgIds are returned as strings, as the wire carries them.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self._auto_delay: float | None = None
        self._timers: list[threading.Timer] = []
        self._lock = threading.Lock()
        world.add_login_hook(self._on_new_login)

    # ---- logins -------------------------------------------------------------------------------

    def pending_logins(self) -> list[PendingLogin]:
        """QR codes (and pushed logins) that are neither redeemed nor expired, oldest first."""
        return self.world.pending_logins()

    def wait_for_login(self, timeout: float = 10.0) -> str:
        """Wait until a client has asked for a QR code (jslogin) and return the newest uuid.

        Raises TimeoutError after ``timeout`` seconds.
        """

        def newest() -> PendingLogin | None:
            pending = self.pending_logins()
            return pending[-1] if pending else None

        return self.wait_for(newest, timeout, "a pending login").uuid

    def wait_for(self, probe: Callable[[], T | None], timeout: float = 10.0, what: str = "a condition") -> T:
        """Wait until ``probe()`` returns something other than None/False (re-checked on every world
        change) and return it; TimeoutError after ``timeout`` seconds."""
        changed = threading.Event()
        self.world.add_listener(changed.set)
        try:
            deadline = time.monotonic() + timeout
            while True:
                changed.clear()
                value = probe()
                if value is not None and value is not False:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"waited {timeout} s for {what}")
                changed.wait(left)
        finally:
            self.world.remove_listener(changed.set)

    def scan(self, uuid: str | None = None) -> str:
        """Scan the QR code ``uuid`` (default: the newest pending one); the login poll answers 201."""
        return self.world.scan(uuid)

    def confirm(self, uuid: str | None = None) -> str:
        """Confirm the login (scans first if needed); the login poll answers 200 with the redirect."""
        return self.world.confirm(uuid)

    def cancel(self, uuid: str | None = None) -> str:
        """Cancel on the phone: the login poll answers 202 once; the same QR can be scanned again."""
        return self.world.cancel(uuid)

    def expire(self, uuid: str | None = None) -> str:
        """Expire the QR code now: its login poll answers 400."""
        return self.world.expire(uuid)

    def approve_push(self, uuid: str | None = None) -> str:
        """Approve a login pushed to the phone (webwxpushloginurl); no scan needed."""
        return self.world.confirm(uuid)

    def logout(self) -> None:
        """Log the web session out from the phone: synccheck answers retcode 1100."""
        self.world.logout_from_phone()

    def auto_confirm(self, delay: float | None) -> None:
        """Scan every new QR after ``delay``/2 seconds and confirm it after ``delay`` (None: stop).

        ``delay`` is 0 to 86,400 seconds (NumberError otherwise: a longer timer cannot be armed).
        """
        if delay is not None:
            delay = json_real(delay, "delay", 0.0, MAX_AUTO_DELAY_S)
        with self._lock:
            self._auto_delay = delay
            if delay is None:
                for timer in self._timers:
                    timer.cancel()
                self._timers.clear()

    def _on_new_login(self, login: PendingLogin) -> None:
        with self._lock:
            delay = self._auto_delay
            if delay is None:
                return
            self._timers = [t for t in self._timers if t.is_alive()]
            steps: list[tuple[float, Callable[[str | None], str]]] = [(delay, self.confirm)]
            if not login.push:
                steps.insert(0, (delay / 2, self.scan))
            for after, action in steps:
                timer = threading.Timer(after, self._auto_step, args=(action, login.uuid))
                timer.daemon = True
                timer.start()
                self._timers.append(timer)

    @staticmethod
    def _auto_step(action: Callable[[str | None], str], uuid: str) -> None:
        try:
            action(uuid)
        except WorldError as exc:  # the QR expired or was redeemed meanwhile: nothing to do
            logger.info("auto-confirm skipped for %s: %s", uuid, exc)

    # ---- people talking -----------------------------------------------------------------------

    def send(
        self,
        chat: object,
        text: str = "",
        *,
        sender: int | None = None,
        kind: str = "text",
        fields: Mapping[str, object] | None = None,
    ) -> str:
        """``sender`` (default: the friend of a direct chat) sends a message into ``chat``.

        ``kind``: text, image, voice, video, short_video, sticker, link, file, location,
        live_location, transfer, red_packet, mini_program, voip, card (``fields={"card_pid": pid}``),
        friend_request, possible_friend, system, notice, revoke (``fields={"msg_id": id}``).
        """
        return str(self.world.receive(chat, sender, kind, text, fields))

    def deliver(self, incoming: IncomingSpec) -> str:
        """Send a traffic generator event (:class:`~wxnb.sim.spec.IncomingSpec`)."""
        return str(self.world.deliver(incoming))

    def send_as_owner(
        self, chat: object, text: str = "", *, kind: str = "text", fields: Mapping[str, object] | None = None
    ) -> str:
        """The owner sends from the phone: the web client receives it as from self."""
        return str(self.world.owner_send(chat, text, kind, fields))

    def revoke(self, msg_id: int | str) -> str:
        """The author of message ``msg_id`` takes it back (MsgType 10002 notice)."""
        message = self.world.message(msg_id)
        if message.sender == self.world.account:
            return str(self.world.owner_send(message.chat, kind="revoke", fields={"msg_id": message.msg_id}))
        return str(
            self.world.receive(message.chat, message.sender, "revoke", fields={"msg_id": message.msg_id})
        )

    def open_chat(self, chat: object) -> str:
        """The owner opens a chat on the phone (synccheck selector 7, a MsgType 51 notice)."""
        return str(self.world.open_chat(chat))

    # ---- contacts and rooms changing ------------------------------------------------------------

    def set_remark(self, pid: int, remark: str) -> None:
        """The owner sets a friend's remark on the phone (selector 4, ModContactList)."""
        self.world.set_remark(pid, remark)

    def rename(self, pid: int, nickname: str) -> None:
        """Person ``pid`` changes their nickname."""
        self.world.set_nickname(pid, nickname)

    def set_topic(self, rid: int, topic: str, by: int | None = None) -> None:
        """A member (default: the owner) renames a room."""
        self.world.set_topic(rid, topic, by)

    def add_members(self, rid: int, pids: Iterable[int], by: int | None = None) -> None:
        """``by`` (default: the owner) adds people to a room."""
        self.world.add_members(rid, pids, by)

    def remove_members(self, rid: int, pids: Iterable[int], by: int | None = None) -> None:
        """``by`` (default: the room owner) removes people from a room (the account too)."""
        self.world.remove_members(rid, pids, by)
