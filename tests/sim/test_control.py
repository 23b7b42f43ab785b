"""The JSON control API under /_sim/: drive the phone, read the world, faults, clock."""

from __future__ import annotations

import re
from typing import Any

import requests

from tests.sim.conftest import ANN, BIG_ROOM, MING1, SAVED_ROOM, STRANGERS, TOM
from tests.sim.helpers import WebClient
from wxnb.sim.simulator import Simulator


def ctl(sim: Simulator, name: str, body: dict[str, Any] | None = None, status: int = 200) -> Any:
    if body is None:
        reply = requests.get(f"{sim.base_url}/_sim/{name}")
    else:
        reply = requests.post(f"{sim.base_url}/_sim/{name}", json=body)
    assert reply.status_code == status, reply.text
    return reply.json()


def test_login_by_control_api(sim: Simulator) -> None:
    web = WebClient(sim.base_url)
    uuid = web.jslogin()
    [pending] = ctl(sim, "logins")
    assert pending["uuid"] == uuid and pending["state"] == "waiting"
    assert ctl(sim, "scan", {}) == {"uuid": uuid}
    assert web.poll(uuid).startswith("window.code=201;")
    ctl(sim, "cancel", {"uuid": uuid})
    assert web.poll(uuid) == "window.code=202;"
    ctl(sim, "confirm", {"uuid": uuid})
    assert web.poll(uuid).startswith("window.code=200;")
    uuid2 = web.jslogin()
    ctl(sim, "expire", {"uuid": uuid2})
    assert web.poll(uuid2) == "window.code=400;"
    assert "unknown uuid" in ctl(sim, "scan", {"uuid": "nope"}, status=400)["error"]


def test_messages_and_reads(sim: Simulator, client: WebClient) -> None:
    client.drain()
    sent = ctl(sim, "message", {"chat": f"friend:{ANN}", "text": "from control 😄"})
    assert re.fullmatch(r"\d{19}", sent["msg_id"])
    room = ctl(sim, "message", {"chat": ["room", BIG_ROOM], "sender": STRANGERS[0], "kind": "image"})
    own = ctl(sim, "owner_message", {"chat": f"room:{SAVED_ROOM}", "text": "me"})
    revoked = ctl(sim, "revoke", {"msg_id": sent["msg_id"]})
    opened = ctl(sim, "open_chat", {"chat": f"friend:{TOM}"})
    got = [m["MsgId"] for m in client.drain()]
    assert got == [sent["msg_id"], room["msg_id"], own["msg_id"], revoked["msg_id"], opened["msg_id"]]
    client.send_text("filehelper", "to the outbox")
    outbox = ctl(sim, "outbox?since=0")
    assert outbox["next"] == 1 and outbox["entries"][0]["content"] == "to the outbox"
    assert outbox["entries"][0]["to_user_name"] == "filehelper"
    assert ctl(sim, "outbox?since=1")["entries"] == []
    client.status_notify(1, client.name_of("Tom &amp; Jerry &lt;3"))
    assert f"person:{TOM}" in ctl(sim, "read_marks")
    errors = ctl(sim, "message", {"chat": "room:99", "text": "x"}, status=400)
    assert "room" in errors["error"]
    assert "sender" in ctl(sim, "message", {"chat": f"room:{BIG_ROOM}", "text": "x"}, status=400)["error"]
    assert "kind" in ctl(sim, "message", {"chat": f"friend:{ANN}", "kind": "hologram"}, status=400)["error"]


def test_world_views_and_changes(sim: Simulator, client: WebClient) -> None:
    assert ctl(sim, "remarks")[str(ANN)] == "Annie ✨"
    ctl(sim, "remark", {"pid": MING1, "remark": "同学"})
    assert ctl(sim, "remarks")[str(MING1)] == "同学"
    ctl(sim, "topic", {"rid": SAVED_ROOM, "topic": "T"})
    assert ctl(sim, "topics")[str(SAVED_ROOM)] == "T"
    members = ctl(sim, "members", {"rid": SAVED_ROOM, "add": [STRANGERS[3]], "remove": [TOM]})["members"]
    assert STRANGERS[3] in members and TOM not in members
    assert ctl(sim, f"members?rid={SAVED_ROOM}") == members
    ctl(sim, "nickname", {"pid": ANN, "nickname": "Anna"})
    assert next(c for c in ctl(sim, "contacts") if c["pid"] == ANN)["nickname"] == "Anna"
    assert {r["rid"] for r in ctl(sim, "rooms")} == {0, 1, 2}
    assert f"person:{TOM}" in ctl(sim, "pinned")
    state = ctl(sim, "state")
    assert state["session"]["live"] and state["friends"] == 6 and state["account"]["wxid"] == "wxid_me0001"
    assert client.synccheck() == ("0", "2")


def test_faults_budget_and_clock(sim: Simulator, client: WebClient) -> None:
    rule = ctl(sim, "faults", {"kind": "http_502", "endpoint": "webwxsync", "times": 1})
    assert rule["kind"] == "http_502" and ctl(sim, "faults")["rules"][0]["id"] == rule["id"]
    reply = client.http.post(
        f"{sim.base_url}/cgi-bin/mmwebwx-bin/webwxsync", json={"BaseRequest": client.base_request}
    )
    assert reply.status_code == 502
    assert ctl(sim, "faults")["fired"][-1] == ["webwxsync", "http_502"]
    kept = ctl(sim, "faults", {"kind": "reset", "endpoint": "nothing", "rate": 0.5})
    assert ctl(sim, "faults/remove", {"id": kept["id"]}) == {"removed": True}
    ctl(sim, "budget", {"op": "send", "count": 0})
    assert client.send_text("filehelper", "x")["BaseResponse"]["Ret"] == 1205
    ctl(sim, "faults/clear", {})
    assert client.send_text("filehelper", "x")["BaseResponse"]["Ret"] == 0
    assert "unknown fault kind" in ctl(sim, "faults", {"kind": "meteor"}, status=400)["error"]
    assert ctl(sim, "clock/advance", {"seconds": 60})["offset"] >= 60


def test_logout_and_auto_confirm(sim: Simulator, client: WebClient) -> None:
    ctl(sim, "logout", {})
    assert client.synccheck() == ("1100", "0")
    ctl(sim, "auto_confirm", {"delay": 0.05})
    web = WebClient(sim.base_url)
    uuid = web.jslogin()
    sim.hold = 30
    text = web.poll(uuid)
    if text.startswith("window.code=201;"):
        text = web.poll(uuid)
    assert text.startswith("window.code=200;")
    ctl(sim, "auto_confirm", {})


def test_bad_control_requests(sim: Simulator) -> None:
    assert "endpoints" in ctl(sim, "nope", status=404)
    reply = requests.post(f"{sim.base_url}/_sim/message", data=b"{oops")
    assert reply.status_code == 400 and "not JSON" in reply.json()["error"]
    assert "missing field" in ctl(sim, "remark", {"pid": ANN}, status=400)["error"]
    assert "wrong type" in ctl(sim, "remark", {"pid": "1", "remark": "x"}, status=400)["error"]
    assert requests.delete(f"{sim.base_url}/_sim/state").status_code == 405
    assert "no login is pending" in ctl(sim, "confirm", {}, status=400)["error"]
    assert "traffic" not in ctl(sim, "")["get"]


def test_write_faults_by_control_api(sim: Simulator, client: WebClient) -> None:
    """A kernel logged in to a shared simulator sets sim.faults.writes over HTTP: by UserName too."""
    tom = sim.world.user_name(("person", TOM))
    assert ctl(sim, "writes", {"ignore": "oplog", "targets": [tom], "lag": 2}) == {"lag": 2.0}
    assert sim.faults.writes.ignores("oplog", ("person", TOM))
    assert not sim.faults.writes.ignores("oplog", ("person", ANN))
    ctl(sim, "writes", {"ignore": "modtopic", "targets": None})
    assert sim.faults.writes.ignores("modtopic", ("room", BIG_ROOM))
    assert "unknown write op" in ctl(sim, "writes", {"ignore": "delete"}, status=400)["error"]
    assert "targets" in ctl(sim, "writes", {"ignore": "oplog", "targets": [3]}, status=400)["error"]
    ctl(sim, "faults/clear", {})
    assert not sim.faults.writes.ignores("oplog", ("person", TOM)) and sim.faults.writes.lag == 0
