"""A third-party web-protocol client, itchat-uos 1.4.1, changed only in its base URL.

It logs in (in desktop/UOS mode, with the extra headers), lists friends, receives a message a
contact sends and sends one that shows in the simulator's outbox.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from typing import Any

import itchat  # in the test extra: a missing install must fail here, not skip the proof
import pytest

from tests.sim.conftest import ANN, BIG_ROOM, STRANGERS, make_spec
from wxnb.sim.simulator import Simulator

pytestmark = pytest.mark.filterwarnings("ignore:setDaemon:DeprecationWarning")


@pytest.fixture
def logged_in() -> Iterator[tuple[Simulator, Any]]:
    with Simulator(make_spec(), hold=1.0, auto_confirm=0.2) as sim:
        itchat.config.BASE_URL = sim.base_url  # the one thing a third-party client must change
        core = itchat.new_instance()
        seen_statuses: list[str] = []
        done = threading.Event()
        exited = threading.Event()

        def qr_callback(uuid: str, status: str, qrcode: bytes) -> None:
            seen_statuses.append(status)

        errors: list[BaseException] = []

        def login() -> None:
            try:
                core.login(qrCallback=qr_callback, loginCallback=done.set, exitCallback=exited.set)
            except Exception as exc:  # noqa: BLE001 - reported to the test below
                errors.append(exc)
                done.set()

        logging.getLogger("itchat").setLevel(logging.WARNING)
        thread = threading.Thread(target=login, daemon=True)
        thread.start()
        assert done.wait(30), "itchat did not log in"
        assert errors == []
        assert "200" in seen_statuses and "0" in seen_statuses
        yield sim, core
        core.logout()  # ends the session: the held synccheck answers 1101 and itchat's loop ends
        assert exited.wait(20), "itchat's receiving loop did not end"
        thread.join(10)
        assert sim.errors == []


def test_itchat_logs_in_lists_friends_receives_and_sends(logged_in: tuple[Simulator, Any]) -> None:
    sim, core = logged_in
    assert core.storageClass.nickName == "Me 🐼"  # itchat decoded the emoji span itself
    friends = core.get_friends()
    nicknames = {f["NickName"] for f in friends}
    # itchat decodes emoji spans but keeps HTML entities as the server sent them
    assert {"Ann 🌸", "Tom &amp; Jerry &lt;3", "小明"} <= nicknames
    assert len(core.get_mps()) == 1 and len(core.get_chatrooms()) >= 2
    assert sim.world.current is not None and sim.world.current.desktop  # itchat-uos logs in as UOS desktop

    msg_id = sim.phone.send(("friend", ANN), "你好 itchat 😄")
    received = _next_message(core, lambda m: m.get("MsgId") == msg_id)
    assert received["Text"] == "你好 itchat 😄"
    ann = next(f for f in friends if f["RemarkName"].startswith("Annie"))
    assert received["FromUserName"] == ann["UserName"]

    room_msg = sim.phone.send(("room", BIG_ROOM), "群里好", sender=STRANGERS[0])
    in_room = _next_message(core, lambda m: m.get("MsgId") == room_msg)
    assert in_room["Text"] == "群里好" and in_room["ActualNickName"]

    reply = core.send("hello from itchat", toUserName=ann["UserName"])
    assert reply["BaseResponse"]["Ret"] == 0
    sim.wait_until(lambda: sim.world.outbox_since(0), what="itchat's message in the outbox")
    [sent] = sim.world.outbox_since(0)
    assert (
        sent.content == "hello from itchat" and sent.chat == ("person", ANN) and sent.msg_id == reply["MsgID"]
    )


def _next_message(core: Any, wanted: Any, timeout: float = 20) -> dict[str, Any]:
    while True:
        try:
            message = core.msgList.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("itchat received nothing in time") from None
        if wanted(message):
            return dict(message)
