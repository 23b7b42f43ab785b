"""Each injected fault, seen from a client: resets, 5xx, delays, truncated and malformed bodies,
forced logouts, stale keys, rate limits."""

from __future__ import annotations

import socket

import orjson
import pytest
import requests

from tests.sim.conftest import ANN
from tests.sim.helpers import API, WebClient
from wxnb.sim.clock import Clock
from wxnb.sim.faults import Faults
from wxnb.sim.simulator import Simulator


def raw_get(port: int, path: str) -> bytes:
    """One GET on a fresh connection; everything the server sent until it closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)


def test_reset(sim: Simulator) -> None:
    sim.faults.once("reset", endpoint="jslogin")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{sim.base_url}/jslogin?appid=x")
    assert requests.get(f"{sim.base_url}/jslogin?appid=x").status_code == 200
    sim.faults.once("reset")
    with socket.create_connection(("127.0.0.1", sim.port), timeout=10) as sock:
        sock.sendall(b"GET /jslogin HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(ConnectionResetError):
            sock.recv(100)


@pytest.mark.parametrize(("kind", "status"), [("http_500", 500), ("http_502", 502)])
def test_server_errors(sim: Simulator, client: WebClient, kind: str, status: int) -> None:
    sim.faults.once(kind, endpoint="webwxsync")
    reply = client.http.post(f"{sim.base_url}{API}/webwxsync", json={"BaseRequest": client.base_request})
    assert reply.status_code == status and "nginx" in reply.text
    assert client.sync()["BaseResponse"]["Ret"] == 0  # only once


def test_delay_still_answers_and_serves_others_meanwhile(sim: Simulator, client: WebClient) -> None:
    sim.faults.once("delay", endpoint="webwxinit", seconds=0.2)
    assert client.post("webwxinit")["BaseResponse"]["Ret"] == 0
    assert sim.faults.log[-1] == ("webwxinit", "delay")


def test_truncated_body(sim: Simulator) -> None:
    sim.faults.once("truncate", endpoint="jslogin")
    raw = raw_get(sim.port, "/jslogin?appid=x")
    head, _, body = raw.partition(b"\r\n\r\n")
    length = int(
        next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")).split(b":")[
            1
        ]
    )
    assert 0 < len(body) < length
    sim.faults.once("truncate", endpoint="jslogin")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(f"{sim.base_url}/jslogin?appid=x")


def test_malformed_body(sim: Simulator, client: WebClient) -> None:
    sim.faults.once("malformed", endpoint="webwxsync")
    reply = client.http.post(f"{sim.base_url}{API}/webwxsync", json={"BaseRequest": client.base_request})
    assert reply.status_code == 200 and reply.text.startswith('{"BaseResponse"')
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(reply.content)
    sim.faults.once("malformed", endpoint="synccheck")
    text = client.http.get(client.synccheck_url()).text
    assert text.startswith("window.synccheck={") and not text.endswith("}")


@pytest.mark.parametrize("code", [1101, 1102])
def test_forced_logout(sim: Simulator, client: WebClient, code: int) -> None:
    sim.faults.once("logout", endpoint="webwxsync", code=code)
    assert client.sync()["BaseResponse"]["Ret"] == code
    assert client.synccheck() == (str(code), "0")
    assert client.sync()["SyncKey"] == {"Count": 0, "List": []}


def test_stale_key_makes_the_client_see_the_batch_again(sim: Simulator, client: WebClient) -> None:
    client.drain()
    msg_id = sim.phone.send(("friend", ANN), "twice")
    sent_key = client.sync_key
    sim.faults.once("stale_key")
    first = client.sync()
    assert [m["MsgId"] for m in first["AddMsgList"]] == [msg_id]
    assert first["SyncKey"]["List"][:3] == sent_key["List"][:3]
    second = client.sync()
    assert [m["MsgId"] for m in second["AddMsgList"]] == [msg_id]
    assert client.sync()["AddMsgList"] == []


def test_rate_limit_budget_per_operation(sim: Simulator, client: WebClient, clock: Clock) -> None:
    client.drain()
    sim.faults.set_budget("send", 2, per=60)
    assert [client.send_text("filehelper", f"s{i}")["BaseResponse"]["Ret"] for i in range(3)] == [0, 0, 1205]
    limited = client.send_text("filehelper", "again")
    assert limited == {"BaseResponse": {"Ret": 1205, "ErrMsg": ""}, "MsgID": "", "LocalID": ""}
    assert len(sim.world.outbox_since(0)) == 2 and len(client.drain()) == 2
    clock.advance(61)
    assert client.send_text("filehelper", "later")["BaseResponse"]["Ret"] == 0
    sim.faults.set_budget("oplog", 0)
    ann = next(c["UserName"] for c in client.contacts() if c["RemarkName"].startswith("Annie"))
    assert (
        client.post("webwxoplog", {"UserName": ann, "CmdId": 2, "RemarkName": "x"})["BaseResponse"]["Ret"]
        == 1205
    )
    assert sim.world.remark(ANN) == "Annie ✨"
    sim.faults.clear()
    assert (
        client.post("webwxoplog", {"UserName": ann, "CmdId": 2, "RemarkName": "x"})["BaseResponse"]["Ret"]
        == 0
    )


def test_rates_are_seeded_and_reproducible() -> None:
    def pattern(seed: int) -> list[bool]:
        faults = Faults(seed=seed)
        faults.add("http_500", endpoint="webwxsync", rate=0.3)
        return [faults.pick("webwxsync") is not None for _ in range(200)]

    first = pattern(5)
    assert first == pattern(5) and first != pattern(6)
    assert 30 < sum(first) < 90


def test_faults_never_touch_the_control_api(sim: Simulator) -> None:
    sim.faults.add("http_500")
    assert requests.get(f"{sim.base_url}/_sim/state").status_code == 200
    assert requests.get(f"{sim.base_url}/jslogin").status_code == 500


def test_bad_fault_definitions_are_refused() -> None:
    faults = Faults()
    for kwargs in ({"kind": "explode"}, {"kind": "reset", "rate": 2.0}, {"kind": "logout", "code": 5}):
        with pytest.raises(ValueError):
            faults.add(**kwargs)  # type: ignore[arg-type]
