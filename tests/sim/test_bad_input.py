"""Bad input gets the real server's kind of error reply (Ret + skeleton), never a 500 or a dead server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sim.conftest import make_spec
from tests.sim.helpers import API, WebClient
from wxnb.sim.simulator import Simulator

POST_ENDPOINTS = {
    "webwxinit": [
        "Count",
        "ContactList",
        "SyncKey",
        "User",
        "ChatSet",
        "SKey",
        "ClientVersion",
        "SystemTime",
    ],
    "webwxstatusnotify": ["MsgID"],
    "webwxbatchgetcontact": ["Count", "ContactList"],
    "webwxsync": ["AddMsgCount", "AddMsgList", "ModContactList", "DelContactList", "SyncKey", "SyncCheckKey"],
    "webwxsendmsg": ["MsgID", "LocalID"],
    "webwxrevokemsg": ["Introduction", "SysWording"],
    "webwxoplog": [],
    "webwxupdatechatroom": ["MemberCount", "MemberList"],
    "webwxcreatechatroom": ["ChatRoomName", "MemberList", "Topic"],
}


@pytest.mark.parametrize("endpoint", sorted(POST_ENDPOINTS))
def test_malformed_json_gets_1200_and_the_skeleton(client: WebClient, endpoint: str) -> None:
    for body in (b"{not json", b"[1, 2]", b"\xff\xfe", b'"a string"'):
        reply = client.http.post(f"{client.base}{API}/{endpoint}?fun=modtopic", data=body)
        assert reply.status_code == 200
        value = reply.json()
        assert value["BaseResponse"] == {"Ret": 1200, "ErrMsg": ""}
        for key in POST_ENDPOINTS[endpoint]:
            assert key in value


@pytest.mark.parametrize("endpoint", sorted(POST_ENDPOINTS))
def test_no_credentials_at_all_is_1102_and_wrong_ones_1101(sim: Simulator, endpoint: str) -> None:
    bare = requests.post(f"{sim.base_url}{API}/{endpoint}", data=b"{}").json()
    assert bare["BaseResponse"]["Ret"] == 1102
    for key in POST_ENDPOINTS[endpoint]:
        assert key in bare
    wrong = {"BaseRequest": {"Uin": 1, "Sid": "nope", "Skey": "", "DeviceID": "e1"}}
    assert requests.post(f"{sim.base_url}{API}/{endpoint}", json=wrong).json()["BaseResponse"]["Ret"] == 1101


def test_session_by_cookies_without_base_request(client: WebClient) -> None:
    reply = client.http.post(f"{client.base}{API}/webwxinit", data=b"{}")  # the jar has wxuin/wxsid
    assert reply.json()["BaseResponse"]["Ret"] == 0


def test_uin_as_string_or_number_and_no_content_type(sim: Simulator, client: WebClient) -> None:
    for uin in (client.uin, int(client.uin)):
        body = {"BaseRequest": {"Uin": uin, "Sid": client.sid, "Skey": "", "DeviceID": client.pass_ticket}}
        reply = requests.post(f"{sim.base_url}{API}/webwxinit", data=__import__("json").dumps(body))
        assert "Content-Type" not in reply.request.headers
        assert reply.json()["BaseResponse"]["Ret"] == 0
    wrong_uin = {"BaseRequest": {"Uin": 42, "Sid": client.sid}}
    assert (
        requests.post(f"{sim.base_url}{API}/webwxinit", json=wrong_uin).json()["BaseResponse"]["Ret"] == 1101
    )


def test_synccheck_without_session(sim: Simulator) -> None:
    text = requests.get(
        f"{sim.base_url}{API}/synccheck?r=1&skey=&sid=nope&uin=1&deviceid=e1&synckey=1_1"
    ).text
    assert text == 'window.synccheck={retcode:"1101",selector:"0"}'
    text = requests.get(f"{sim.base_url}{API}/synccheck?r=1").text
    assert text == 'window.synccheck={retcode:"1102",selector:"0"}'


def test_synccheck_with_a_garbled_key_uses_the_last_position(client: WebClient) -> None:
    client.drain()
    url = client.synccheck_url().split("&synckey=")[0] + "&synckey=garbage"
    assert client.http.get(url).text == 'window.synccheck={retcode:"0",selector:"0"}'


def test_oversized_body_gets_1200_and_the_connection_goes_on() -> None:
    with Simulator(make_spec(), hold=1.0, max_body=2048) as sim:
        web = WebClient(sim.base_url)
        web.login(sim)
        web.init(notify=False)
        huge = {"BaseRequest": web.base_request, "Msg": {"Content": "x" * 10_000}}
        reply = web.http.post(f"{sim.base_url}{API}/webwxsendmsg", json=huge)
        assert reply.json() == {
            "BaseResponse": {"Ret": 1200, "ErrMsg": "request body too large"},
            "MsgID": "",
            "LocalID": "",
        }
        assert web.send_text("filehelper", "small")["BaseResponse"]["Ret"] == 0  # same keep-alive connection
        assert sim.errors == []


def test_garbage_on_the_socket_gets_400_and_the_server_lives_on(sim: Simulator) -> None:
    for garbage in (b"HELLO\r\n\r\n", b"GET / HTTP/9\r\n\r\n", b"GET / HTTP/1.1\r\nno colon\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", sim.port), timeout=10) as sock:
            sock.sendall(garbage)
            assert sock.recv(1000).startswith(b"HTTP/1.1 400 ")
    with socket.create_connection(("127.0.0.1", sim.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"a" * 70_000 + b"\r\n\r\n")
        assert sock.recv(1000).startswith(b"HTTP/1.1 431 ")
    assert requests.get(f"{sim.base_url}/jslogin").status_code == 200


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
FIELD_NAMES = st.sampled_from(
    ["Msg", "SyncKey", "List", "UserName", "CmdId", "OP", "RemarkName", "Code", "ToUserName", "SvrMsgId",
     "ChatRoomName", "NewTopic", "AddMemberList", "DelMemberList", "MemberList", "Topic", "Count"]
)  # fmt: skip


@pytest.fixture(scope="module")
def fuzz_target() -> Iterator[tuple[Simulator, WebClient]]:
    with Simulator(make_spec(), hold=0.2) as sim:
        web = WebClient(sim.base_url)
        web.login(sim)
        web.init()
        yield sim, web


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    endpoint=st.sampled_from(sorted(POST_ENDPOINTS)),
    fields=st.dictionaries(FIELD_NAMES, json_values, max_size=5),
    fun=st.sampled_from(["modtopic", "addmember", "delmember", "invitemember", "quitchatroom", "x"]),
)
def test_random_json_never_breaks_the_server(
    fuzz_target: tuple[Simulator, WebClient], endpoint: str, fields: dict[str, Any], fun: str
) -> None:
    sim, web = fuzz_target
    if endpoint == "webwxupdatechatroom" and fun == "quitchatroom":
        fun = "x"  # keep the account in its rooms so that later examples still reach deep code
    reply = web.post(endpoint, fields, fun=fun)
    assert isinstance(reply["BaseResponse"]["Ret"], int)
    assert sim.errors == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(sorted(POST_ENDPOINTS)), data=st.data())
def test_random_fields_around_real_names_never_break_the_server(
    fuzz_target: tuple[Simulator, WebClient], endpoint: str, data: st.DataObject
) -> None:
    """Like the test above, but with this login's real UserNames where names go, to reach deep code."""
    sim, web = fuzz_target
    real = [c["UserName"] for c in web.init_reply["ContactList"]] + [web.user_name, "filehelper"]
    name = st.sampled_from(real)
    value = json_values | name | st.lists(st.fixed_dictionaries({"UserName": name}), max_size=3)
    value |= st.lists(name, max_size=3).map(",".join)
    fields = data.draw(st.dictionaries(FIELD_NAMES, value, max_size=6))
    if endpoint == "webwxsendmsg" and data.draw(st.booleans()):
        fields["Msg"] = {
            "Type": data.draw(json_values | st.integers(0, 60)),
            "Content": data.draw(json_values | st.text(max_size=30)),
            "FromUserName": web.user_name,
            "ToUserName": data.draw(name),
            "ClientMsgId": data.draw(json_values),
        }
    fun = data.draw(st.sampled_from(["modtopic", "addmember", "delmember", "invitemember", "x"]))
    reply = web.post(endpoint, fields, fun=fun)
    assert isinstance(reply["BaseResponse"]["Ret"], int)
    assert sim.errors == []
