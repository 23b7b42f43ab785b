"""Every error kind, produced by the simulator's faults (or a plain real server for what it cannot do):
LoggedOut, RateLimited, TransportError after bounded retries, ProtocolError, OutcomeUnknown (a send is
never retried), SendFailed, ServerError."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.protocol.conftest import FAST_RETRY, Account, RecordingServer, log_in, new_client
from tests.protocol.test_sync import drain
from tests.sim.conftest import ANN, SAVED_ROOM
from wxnb.protocol.client import WebClient
from wxnb.protocol.credentials import Credentials, Hosts
from wxnb.protocol.errors import (
    LoggedOut,
    OutcomeUnknown,
    ProtocolError,
    RateLimited,
    SendFailed,
    ServerError,
    TransportError,
    WxError,
)
from wxnb.protocol.json_replies import SyncKey
from wxnb.protocol.transport import RetryPolicy, Timeouts
from wxnb.sim.http import Request, Response
from wxnb.sim.simulator import Simulator

Recording = Callable[[Callable[[Request], Response]], RecordingServer]


def fired(sim: Simulator, endpoint: str) -> int:
    """How many faults fired on ``endpoint`` (each firing is one request that reached the server)."""
    return sum(1 for name, _ in sim.faults.log if name == endpoint)


# ---- the session ends -------------------------------------------------------------------------------


def test_logout_on_the_phone_is_logged_out_1100(account: Account) -> None:
    client = account.client
    contact = client.get_contacts()[0]
    account.sim.phone.logout()
    for call in (
        lambda: client.sync_check(account.init.sync_key),
        lambda: client.sync(account.init.sync_key),
        client.get_contacts,
        lambda: client.get_head_image(contact.head_img_url),
    ):
        with pytest.raises(LoggedOut) as ended:
            call()
        assert ended.value.code == 1100 and "phone" in ended.value.reason
        assert "wxnb.login()" in str(ended.value)


def test_a_login_elsewhere_is_logged_out_1101(account: Account) -> None:
    with new_client(account.sim) as second:
        log_in(second, account.sim)
        second.init()
    with pytest.raises(LoggedOut) as by_check:
        account.client.sync_check(account.init.sync_key)
    with pytest.raises(LoggedOut) as by_sync:
        account.client.sync(account.init.sync_key)
    assert by_check.value.code == by_sync.value.code == 1101


def test_a_forced_logout_fault_is_logged_out_with_its_code(account: Account) -> None:
    account.sim.faults.once("logout", endpoint="webwxsync", code=1102)
    with pytest.raises(LoggedOut) as ended:
        account.client.sync(account.init.sync_key)
    assert ended.value.code == 1102


# ---- rate limits and refusals --------------------------------------------------------------------------


def test_a_spent_budget_is_rate_limited_and_not_retried(account: Account) -> None:
    sim, client = account.sim, account.client
    ann = account.name(("friend", ANN))
    sim.faults.set_budget("send", 1)
    client.send_text(ann, "first")
    with pytest.raises(RateLimited) as limited:
        client.send_text(ann, "second")
    assert limited.value.ret == 1205 and "Wait" in str(limited.value)
    assert len(sim.world.outbox_since(0)) == 1
    sim.faults.set_budget("batchgetcontact", 0)
    with pytest.raises(RateLimited):
        client.batch_get_contacts([account.name(("room", SAVED_ROOM))])
    assert sim.faults.log.count(("batchgetcontact", "rate_limit")) == 1  # a 1205 is an answer: no retry


def test_an_unknown_user_name_is_a_server_error(account: Account) -> None:
    with pytest.raises(ServerError) as unknown:
        account.client.send_text("@" + "0" * 32, "to nobody")
    assert unknown.value.ret == -1


# ---- the network fails ----------------------------------------------------------------------------------

TRANSIENT = ["reset", "http_500", "http_502", "truncate"]


@pytest.mark.parametrize("kind", TRANSIENT)
@pytest.mark.parametrize("endpoint", ["webwxgetcontact", "webwxsync", "synccheck", "webwxbatchgetcontact"])
def test_idempotent_requests_are_retried_then_fail_with_the_attempt_count(
    account: Account, kind: str, endpoint: str
) -> None:
    sim, client = account.sim, account.client
    sim.faults.add(kind, endpoint=endpoint)
    calls = {
        "webwxgetcontact": client.get_contacts,
        "webwxsync": lambda: client.sync(account.init.sync_key),
        "synccheck": lambda: client.sync_check(account.init.sync_key),
        "webwxbatchgetcontact": lambda: client.batch_get_contacts([account.name(("room", SAVED_ROOM))]),
    }
    with pytest.raises(TransportError) as failed:
        calls[endpoint]()
    err = failed.value
    assert not isinstance(err, OutcomeUnknown)
    assert err.attempts == FAST_RETRY.attempts == 3 and fired(sim, endpoint) == 3
    assert err.endpoint == endpoint and "after 3 attempts" in str(err)
    assert err.status == {"http_500": 500, "http_502": 502}.get(kind)


@pytest.mark.parametrize("kind", TRANSIENT)
def test_one_failure_is_retried_and_goes_unnoticed(account: Account, kind: str) -> None:
    sim, client = account.sim, account.client
    msg_id = sim.phone.send(("friend", ANN), "through a flaky network")
    sim.faults.once(kind, endpoint="webwxsync")
    assert msg_id in [m.msg_id for m in drain(client, account.init.sync_key)[0]]
    assert fired(sim, "webwxsync") == 1


def test_a_reply_that_does_not_come_in_time_is_retried_then_fails(sim: Simulator) -> None:
    with new_client(sim, timeouts=Timeouts(connect=5.0, read=0.2, long_poll=5.0)) as client:
        log_in(client, sim)
        client.init()
        sim.faults.once("delay", endpoint="webwxgetcontact", seconds=1.0)
        assert client.get_contacts()  # the second try is answered at once
        sim.faults.add("delay", endpoint="webwxgetcontact", seconds=1.0)
        with pytest.raises(TransportError, match=r"no reply within 0.2 s") as late:
            client.get_contacts()
        assert late.value.attempts == 3


def test_a_server_that_is_gone_cannot_be_reached(account: Account) -> None:
    client = account.client
    account.sim.close()
    with pytest.raises(TransportError, match="could not connect") as gone:
        client.get_contacts()
    assert gone.value.attempts == 3
    with pytest.raises(TransportError, match="nothing was sent") as unsent:
        client.send_text("filehelper", "hello?")
    assert not isinstance(unsent.value, OutcomeUnknown)


# ---- replies of the wrong shape ------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["webwxinit", "webwxgetcontact", "synccheck", "webwxsync"])
def test_a_malformed_reply_is_a_protocol_error_and_not_retried(account: Account, endpoint: str) -> None:
    sim, client = account.sim, account.client
    sim.faults.add("malformed", endpoint=endpoint)
    calls = {
        "webwxinit": client.init,
        "webwxgetcontact": client.get_contacts,
        "synccheck": lambda: client.sync_check(account.init.sync_key),
        "webwxsync": lambda: client.sync(account.init.sync_key),
    }
    with pytest.raises(ProtocolError) as broken:
        calls[endpoint]()
    assert broken.value.endpoint == endpoint and "report" in str(broken.value)
    assert fired(sim, endpoint) == 1


def test_a_malformed_login_reply_is_a_protocol_error(sim: Simulator, client: WebClient) -> None:
    sim.faults.once("malformed", endpoint="jslogin")
    with pytest.raises(ProtocolError):
        client.jslogin()
    uuid = client.jslogin()
    sim.phone.confirm(uuid)
    sim.faults.once("malformed", endpoint="login")
    with pytest.raises(ProtocolError):
        client.poll_login(uuid)


@pytest.mark.parametrize(
    ("body", "content_type", "what"),
    [
        (b"<html><body>Please log in to the Wi-Fi</body></html>", "text/html", "HTML page"),
        (b"", "text/plain", "empty reply"),
        (b"\xff\xd8\xff\xe0 not text", "image/jpeg", "image/jpeg body"),
        (b'{"BaseResponse": {"Ret": 0', "text/plain", "not JSON"),
    ],
)
def test_replies_of_the_wrong_kind_are_protocol_errors(
    recording: Recording, body: bytes, content_type: str, what: str
) -> None:
    server = recording(lambda request: Response(200, body, content_type))
    with _resumed(server) as client:
        with pytest.raises(ProtocolError, match=what):
            client.get_contacts()
        assert len(server.requests) == 1  # not retried
        # The same reply to a send: the request was read, so the server may have acted.
        with pytest.raises(OutcomeUnknown, match=what) as unknown:
            client.send_text("@friend", "hi", client_msg_id="17000000000000001")
        assert unknown.value.client_msg_id == "17000000000000001"
        assert len(server.requests) == 2


def _resumed(server: RecordingServer) -> WebClient:
    creds = Credentials(
        uin=42, sid="S", skey="@crypt_1", pass_ticket="P", device_id="e123456789012345",
        hosts=Hosts.for_base(server.base_url), cookies={"wxsid": "S", "wxuin": "42"}, user_name="@me",
    )  # fmt: skip
    return WebClient.resume(creds, retry=FAST_RETRY)


def test_a_send_without_msg_id_failed(recording: Recording) -> None:
    replies = [
        {"BaseResponse": {"Ret": 0, "ErrMsg": ""}, "MsgID": "", "LocalID": ""},
        {"BaseResponse": {"Ret": 1204, "ErrMsg": ""}, "MsgID": "", "LocalID": ""},
    ]
    server = recording(lambda request: Response(200, json.dumps(replies.pop(0)).encode()))
    with _resumed(server) as client:
        for _ in range(2):
            with pytest.raises(SendFailed, match="not sent"):
                client.send_text("@friend", "hi")


def test_a_missing_image_is_404_and_not_retried(account: Account) -> None:
    text_id = account.sim.phone.send(("friend", ANN), "no picture here")
    with pytest.raises(TransportError, match="404") as missing:
        account.client.get_message_image(text_id)
    assert (missing.value.status, missing.value.attempts) == (404, 1)
    assert "check the id" in str(missing.value)


# ---- requests that change state are never retried -------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "reached"), [("reset", False), ("http_502", False), ("truncate", True), ("malformed", True)]
)
def test_a_send_that_fails_is_not_retried_and_its_outcome_is_unknown(
    account: Account, kind: str, reached: bool
) -> None:
    sim, client = account.sim, account.client
    ann = account.name(("friend", ANN))
    sim.faults.add(kind, endpoint="webwxsendmsg")
    with pytest.raises(OutcomeUnknown) as unknown:
        client.send_text(ann, "did it go?", client_msg_id="17000000000004321")
    err = unknown.value
    assert err.client_msg_id == "17000000000004321" and "17000000000004321" in str(err)
    assert "outcome is unknown" in str(err) and err.attempts == 1
    assert fired(sim, "webwxsendmsg") == 1  # one request, no retry
    outbox = sim.world.outbox_since(0)
    assert len(outbox) == (1 if reached else 0)  # at most one message, whatever happened
    sim.faults.clear()
    # Resending with the same ClientMsgId is safe on this server: the same message, not a second one.
    again = client.send_text(ann, "did it go?", client_msg_id="17000000000004321")
    assert len(sim.world.outbox_since(0)) == 1
    (echo,) = [m for m in drain(client, account.init.sync_key)[0] if m.is_self and m.text == "did it go?"]
    assert echo.msg_id == again.msg_id


@pytest.mark.parametrize(
    "endpoint", ["webwxoplog", "webwxupdatechatroom", "webwxstatusnotify", "webwxrevokemsg"]
)
def test_other_changes_are_not_retried_either(account: Account, endpoint: str) -> None:
    sim, client = account.sim, account.client
    ann, room = account.name(("friend", ANN)), account.name(("room", SAVED_ROOM))
    sent = client.send_text(ann, "to revoke")
    sim.faults.add("reset", endpoint=endpoint)
    calls = {
        "webwxoplog": lambda: client.set_remark(ann, "x"),
        "webwxupdatechatroom": lambda: client.update_room(room, "modtopic", topic="x"),
        "webwxstatusnotify": lambda: client.status_notify(1, ann),
        "webwxrevokemsg": lambda: client.revoke(ann, sent.msg_id, sent.local_id),
    }
    with pytest.raises(OutcomeUnknown) as unknown:
        calls[endpoint]()
    assert unknown.value.client_msg_id == "" and "Check whether it took effect" in str(unknown.value)
    assert fired(sim, endpoint) == 1


def test_retry_policy_bounds() -> None:
    policy = RetryPolicy(attempts=4, backoff=0.5, max_backoff=1.5)
    delays = [policy.delay(n) for n in (1, 2, 3, 4)]
    assert 0.25 <= delays[0] <= 0.5 and 0.5 <= delays[1] <= 1.0
    assert all(0.75 <= d <= 1.5 for d in delays[2:])
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)


def test_every_error_is_a_wx_error_with_advice(account: Account) -> None:
    account.sim.faults.add("reset", endpoint="webwxsync")
    with pytest.raises(WxError) as failed:
        account.client.sync(SyncKey())
    assert "What to do:" in str(failed.value)
    assert failed.value.__cause__ is None and failed.value.__suppress_context__
