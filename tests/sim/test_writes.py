"""Remark and topic writes on the simulator: limits, budgets, writes that change nothing, lag, notices,
and the outbox entries that prove what was written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sim.conftest import ANN, SAVED_ROOM, TOM
from tests.sim.helpers import WebClient, wait_for
from wxnb.sim.simulator import Simulator
from wxnb.sim.writes import REMARK_MAX_CHARS, TOPIC_MAX_CHARS, WriteFaults


def _remark(client: WebClient, user: str, remark: str) -> int:
    body = {"UserName": user, "CmdId": 2, "RemarkName": remark}
    return int(client.post("webwxoplog", body)["BaseResponse"]["Ret"])


def _topic(client: WebClient, room: str, topic: str) -> dict[str, Any]:
    return client.post("webwxupdatechatroom", {"ChatRoomName": room, "NewTopic": topic}, fun="modtopic")


def _names(client: WebClient) -> tuple[str, str, str]:
    contacts = client.contacts()
    ann = next(c["UserName"] for c in contacts if c["RemarkName"].startswith("Annie"))
    tom = next(c["UserName"] for c in contacts if "Tom" in c["NickName"])
    room = next(
        c["UserName"] for c in contacts if c["UserName"].startswith("@@") and "家人群" in c["NickName"]
    )
    return ann, tom, room


def test_limits_refuse_and_change_nothing(sim: Simulator, client: WebClient) -> None:
    ann, _, room = _names(client)
    assert _remark(client, ann, "r" * (REMARK_MAX_CHARS + 1)) == 1200
    assert _remark(client, ann, "two\nlines") == 1200
    assert sim.world.remark(ANN) == "Annie ✨"
    assert (
        _remark(client, ann, "r" * REMARK_MAX_CHARS) == 0 and sim.world.remark(ANN) == "r" * REMARK_MAX_CHARS
    )
    too_long = _topic(client, room, "t" * (TOPIC_MAX_CHARS + 1))
    assert (
        too_long["BaseResponse"]["Ret"] == 1200 and str(TOPIC_MAX_CHARS) in too_long["BaseResponse"]["ErrMsg"]
    )
    assert sim.world.topic(SAVED_ROOM) == "家人群 👨‍👩‍👧"
    assert [e.content for e in sim.world.outbox_since(0)] == [
        "r" * REMARK_MAX_CHARS
    ]  # refusals are no writes


def test_modtopic_has_its_own_budget(sim: Simulator, client: WebClient) -> None:
    _, _, room = _names(client)
    sim.faults.set_budget("modtopic", 1, per=60)
    assert _topic(client, room, "One")["BaseResponse"]["Ret"] == 0
    assert _topic(client, room, "Two")["BaseResponse"]["Ret"] == 1205
    assert sim.world.topic(SAVED_ROOM) == "One"
    assert len(sim.world.find_messages("修改群名")) == 1


def test_writes_that_answer_0_and_change_nothing(sim: Simulator, client: WebClient) -> None:
    ann, tom, room = _names(client)
    client.drain()
    sim.faults.writes.ignore("oplog", [("person", ANN)])
    assert _remark(client, ann, "ignored") == 0 and _remark(client, tom, "Tom!") == 0
    assert sim.world.remark(ANN) == "Annie ✨" and sim.world.remark(TOM) == "Tom!"
    changed = client.drain_contacts()
    assert tom in changed and ann not in changed  # no contact change for the write that did nothing
    sim.faults.writes.ignore("modtopic")
    assert _topic(client, room, "Never")["BaseResponse"]["Ret"] == 0
    assert sim.world.topic(SAVED_ROOM) == "家人群 👨‍👩‍👧" and not sim.world.find_messages("Never")
    writes = [(e.endpoint, e.content, e.extra["ignored"]) for e in sim.world.outbox_since(0)]
    assert writes == [
        ("webwxoplog", "ignored", True), ("webwxoplog", "Tom!", False), ("webwxupdatechatroom", "Never", True)
    ]  # fmt: skip
    sim.faults.clear()
    assert _remark(client, ann, "now") == 0 and sim.world.remark(ANN) == "now"


def test_a_lag_before_a_change_shows_and_the_rename_notice(sim: Simulator, client: WebClient) -> None:
    ann, _, room = _names(client)
    client.drain()
    sim.faults.writes.set_lag(0.2)
    assert _remark(client, ann, "later") == 0 and _topic(client, room, "Later")["BaseResponse"]["Ret"] == 0
    assert sim.world.remark(ANN) == "Annie ✨" and sim.world.topic(SAVED_ROOM) == "家人群 👨‍👩‍👧"  # not yet
    wait_for(
        lambda: sim.world.remark(ANN) == "later" and sim.world.topic(SAVED_ROOM) == "Later", what="the lag"
    )
    notices = [m for m in client.drain() if "修改群名" in m["Content"]]
    assert (
        len(notices) == 1
        and notices[0]["MsgType"] == 10000
        and "你修改群名为“Later”" in notices[0]["Content"]
    )


def test_write_faults_check_their_input() -> None:
    writes = WriteFaults()
    with pytest.raises(ValueError, match="oplog"):
        writes.ignore("send")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        writes.set_lag(-1)
    writes.set_lag(5)
    done: list[int] = []
    writes.later(lambda: done.append(1))
    writes.clear()  # the waiting change is dropped
    assert writes.lag == 0 and done == []
