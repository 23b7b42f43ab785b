"""Logging in through WebClient: QR states, expiry, cancel, desktop mode and 1203, push login, resume."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
from PIL import Image

from tests.protocol.conftest import RecordingServer, log_in, new_client
from tests.sim.conftest import ANN, make_spec
from wxnb.protocol.client import WebClient
from wxnb.protocol.credentials import Credentials
from wxnb.protocol.errors import LoginBlocked, NotLoggedIn, ServerError
from wxnb.sim.http import Request, Response
from wxnb.sim.simulator import Simulator


def test_qr_login_goes_through_every_state(sim: Simulator, client: WebClient) -> None:
    uuid = client.jslogin()
    assert client.qr_text(uuid) == f"https://login.weixin.qq.com/l/{uuid}"
    qr = requests.get(client.qr_url(uuid), timeout=10)
    assert qr.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(qr.content)).format == "JPEG"

    waiting = client.poll_login(uuid)  # held for the simulator's 0.3 s, then 408
    assert (waiting.code, waiting.status, waiting.redirect_uri) == (408, "waiting", "")
    sim.phone.scan(uuid)
    scanned = client.poll_login(uuid, tip=0)
    assert (scanned.code, scanned.status) == (201, "scanned")
    assert scanned.avatar.startswith("data:img/jpg;base64,")
    sim.phone.confirm(uuid)
    confirmed = client.poll_login(uuid, tip=0)
    assert (confirmed.code, confirmed.status) == (200, "confirmed")
    assert confirmed.redirect_uri.startswith(sim.base_url + "/cgi-bin/mmwebwx-bin/webwxnewloginpage?")

    creds = client.new_login_page(confirmed.redirect_uri)
    session = sim.world.current
    assert session is not None
    assert (creds.uin, creds.sid, creds.skey) == (session.creds.uin, session.creds.sid, session.creds.skey)
    assert creds.pass_ticket == session.creds.pass_ticket_encoded  # kept percent-encoded, as received
    assert unquote(creds.pass_ticket) == session.creds.pass_ticket
    assert creds.hosts.api == sim.base_url and creds.hosts.is_single_origin
    assert creds.device_id.startswith("e") and len(creds.device_id) == 16 and creds.device_id[1:].isdigit()
    assert {"wxuin", "wxsid", "webwx_data_ticket", "webwx_auth_ticket", "webwxuvid"} <= creds.cookies.keys()
    assert creds.cookies["wxsid"] == session.creds.sid
    assert client.credentials == creds
    assert client.user_name == ""  # known after init

    init = client.init()
    assert client.user_name == init.user_name == sim.world.user_name(("friend", 0))
    assert client.credentials is not None and client.credentials.user_name == init.user_name


def test_an_expired_qr_code_needs_a_new_uuid(sim: Simulator, client: WebClient) -> None:
    first = client.jslogin()
    sim.phone.expire(first)
    assert client.poll_login(first).status == "expired"
    second = client.jslogin()
    assert second != first
    sim.phone.confirm(second)
    poll = client.poll_login(second)
    assert poll.status == "confirmed"
    client.new_login_page(poll.redirect_uri)
    assert client.init().user.nickname == "Me 🐼"


def test_a_cancelled_login_answers_202_and_the_qr_code_stays_scannable(
    sim: Simulator, client: WebClient
) -> None:
    uuid = client.jslogin()
    sim.phone.scan(uuid)
    assert client.poll_login(uuid).status == "scanned"
    sim.phone.cancel(uuid)
    cancelled = client.poll_login(uuid, tip=0)
    assert (cancelled.code, cancelled.status) == (202, "cancelled")
    sim.phone.confirm(uuid)
    assert client.poll_login(uuid, tip=0).status == "confirmed"


@pytest.mark.parametrize("desktop", [True, False])
def test_desktop_mode_is_marked_in_jslogin(sim: Simulator, desktop: bool) -> None:
    with new_client(sim, desktop=desktop) as client:
        uuid = client.jslogin()
    (login,) = [p for p in sim.phone.pending_logins() if p.uuid == uuid]
    assert login.desktop is desktop


def test_a_web_blocked_account_gets_1203_unless_in_desktop_mode() -> None:
    with Simulator(make_spec(web_blocked=True), hold=0.3) as sim:
        with new_client(sim, desktop=False) as web:
            with pytest.raises(LoginBlocked) as blocked:
                log_in(web, sim)
            assert blocked.value.ret == 1203
            assert blocked.value.server_message.startswith("为了你的帐号安全，此微信号不能登录网页微信。")
            assert "desktop mode" in str(blocked.value)
            assert web.credentials is None
        with new_client(sim) as desktop:  # desktop mode is the default
            log_in(desktop, sim)
            assert desktop.init().user.nickname == "Me 🐼"
        assert sim.errors == []


def test_a_ticket_that_does_not_check_out_is_1203(sim: Simulator, client: WebClient) -> None:
    uuid = client.jslogin()
    sim.phone.confirm(uuid)
    redirect = client.poll_login(uuid).redirect_uri
    forged = redirect.replace("ticket=", "ticket=x", 1)
    with pytest.raises(LoginBlocked) as refused:
        client.new_login_page(forged)
    assert refused.value.server_message == "check ticket failed"
    assert client.credentials is None


def test_push_login_after_a_previous_login(sim: Simulator, client: WebClient) -> None:
    creds = log_in(client, sim)
    client.init()
    uuid = client.push_login()
    assert client.poll_login(uuid).status == "waiting"
    sim.phone.approve_push(uuid)
    poll = client.poll_login(uuid, tip=0)
    assert poll.status == "confirmed"
    fresh = client.new_login_page(poll.redirect_uri)
    assert fresh.sid != creds.sid
    assert client.init().user.nickname == "Me 🐼"
    with pytest.raises(ServerError):
        client.push_login(12345)  # an uin the server does not know


def test_saved_credentials_resume_the_session(sim: Simulator, client: WebClient, tmp_path: Path) -> None:
    log_in(client, sim)
    init = client.init()
    saved = client.credentials
    assert saved is not None
    path = tmp_path / "creds.json"
    saved.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with WebClient.resume(Credentials.load(path)) as resumed:
        assert resumed.user_name == init.user_name
        # webwxgetcontact carries no session id: the restored cookies identify the session
        assert {c.user_name for c in resumed.get_contacts()} == {c.user_name for c in client.get_contacts()}
        assert resumed.sync(init.sync_key).sync_key
        assert len(resumed.get_head_image(init.user.head_img_url)) > 100


def test_session_calls_before_login_say_what_to_do(client: WebClient, sim: Simulator) -> None:
    with pytest.raises(NotLoggedIn, match="new_login_page"):
        client.init()
    log_in(client, sim)
    with pytest.raises(NotLoggedIn, match="webwxinit"):
        client.send_text(sim.world.user_name(("friend", ANN)), "hi")


def test_new_login_page_does_not_follow_the_301(
    recording: Callable[[Callable[[Request], Response]], RecordingServer],
) -> None:
    xml = (
        "<error><ret>0</ret><message></message><skey>@crypt_1_2</skey><wxsid>SID</wxsid>"
        "<wxuin>42</wxuin><pass_ticket>a%2Fb%2Bc</pass_ticket><isgrayscale>1</isgrayscale></error>"
    )

    def answer(request: Request) -> Response:
        if request.path.endswith("/webwxnewloginpage"):
            headers = [("Location", "/elsewhere"), ("Set-Cookie", "wxsid=SID; Path=/")]
            return Response(301, xml.encode(), "text/plain", headers)
        if request.path.endswith("/webwxinit"):
            return Response(200, b'{"BaseResponse": {"Ret": 1101, "ErrMsg": ""}}')
        return Response(404, b"")

    server = recording(answer)
    with WebClient(server.base_url) as client:
        creds = client.new_login_page(
            f"{server.base_url}/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=T&uuid=U"
        )
        assert (creds.uin, creds.sid, creds.pass_ticket, creds.cookies["wxsid"]) == (
            42,
            "SID",
            "a%2Fb%2Bc",
            "SID",
        )
        with pytest.raises(Exception, match="1101"):
            client.init()
    paths = [r.path for r in server.requests]
    assert "/elsewhere" not in paths
    login_page, init = server.requests
    assert login_page.query["fun"] == "new" and login_page.query["version"] == "v2"
    assert login_page.headers["client-version"] == "2.0.0"
    assert login_page.headers["referer"] == "https://wx.qq.com/?&lang=zh_CN&target=t"
    assert len(login_page.headers["extspam"]) > 1000
    # pass_ticket goes into URLs exactly as the XML gave it: encoded once, not twice
    assert "pass_ticket=a%2Fb%2Bc" in init.target
    assert init.headers["content-type"].startswith("application/json")
