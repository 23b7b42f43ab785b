"""The login flow on the wire: jslogin, QR, the login long poll, webwxnewloginpage, push login."""

from __future__ import annotations

import base64
import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from PIL import Image

from tests.sim.conftest import make_spec
from tests.sim.helpers import API, WebClient, wait_for, xml_value
from wxnb.sim.clock import Clock
from wxnb.sim.simulator import Simulator


def test_jslogin_reply_is_exactly_the_real_servers(sim: Simulator) -> None:
    for method in ("GET", "POST"):
        reply = requests.request(
            method, f"{sim.base_url}/jslogin?appid=wx782c26e4c19acffb&fun=new&lang=zh_CN&_=1"
        )
        assert reply.status_code == 200
        assert re.fullmatch(
            r'window\.QRLogin\.code = 200; window\.QRLogin\.uuid = "[A-Za-z0-9]{10}==";', reply.text
        )


def test_qrcode_is_a_jpeg_of_the_l_url(sim: Simulator) -> None:
    web = WebClient(sim.base_url)
    uuid = web.jslogin()
    reply = requests.get(f"{sim.base_url}/qrcode/{uuid}?t=webwx")
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(reply.content))
    image.load()
    assert image.format == "JPEG" and image.size[0] == image.size[1] and image.size[0] % 8 == 0
    import qrcode

    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(f"https://login.weixin.qq.com/l/{uuid}")
    code.make(fit=True)
    matrix = code.get_matrix()
    assert len(matrix) * 8 == image.size[0]
    gray = image.convert("L")
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            assert (gray.getpixel((c * 8 + 4, r * 8 + 4)) < 128) == dark
    assert requests.get(f"{sim.base_url}/qrcode/NOSUCHUUID==").status_code == 404


def test_login_poll_408_then_201_with_avatar_then_200(sim: Simulator) -> None:
    web = WebClient(sim.base_url)
    uuid = web.jslogin()
    assert web.poll(uuid) == "window.code=408;"  # held for `hold`, nothing happened
    sim.phone.scan(uuid)
    text = web.poll(uuid)
    match = re.fullmatch(
        r"window\.code=201;window\.userAvatar = 'data:img/jpg;base64,(/9j/[A-Za-z0-9+/=]+)';", text
    )
    assert match, text
    avatar = Image.open(io.BytesIO(base64.b64decode(match.group(1))))
    avatar.load()
    assert avatar.format == "JPEG"
    sim.phone.confirm(uuid)
    text = web.poll(uuid, tip=0)
    match = re.fullmatch(r'window\.code=200;\nwindow\.redirect_uri="([^"\s]+)";', text)
    assert match, text
    redirect = match.group(1)
    assert redirect.startswith(f"{sim.base_url}/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=")
    query = redirect.split("?", 1)[1]
    assert "/" not in query and f"uuid={uuid}" in query and "@qrticket_0" in query and "&scan=" in query


def test_login_poll_wakes_the_moment_the_phone_scans(sim: Simulator) -> None:
    sim.hold = 30
    web = WebClient(sim.base_url)
    uuid = web.jslogin()
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(web.poll, uuid)
        wait_for(lambda: len(sim.protocol.waiters or []) == 1, what="the login poll to be held")
        sim.phone.scan(uuid)
        assert pending.result(timeout=10).startswith("window.code=201;")
        pending = pool.submit(web.poll, uuid, 0)
        wait_for(lambda: len(sim.protocol.waiters or []) == 1, what="the second poll to be held")
        sim.phone.confirm(uuid)
        assert pending.result(timeout=10).startswith("window.code=200;")


def test_cancel_answers_202_once_and_the_qr_stays_scannable(sim: Simulator) -> None:
    web = WebClient(sim.base_url)
    uuid = web.jslogin()
    sim.phone.scan(uuid)
    assert web.poll(uuid).startswith("window.code=201;")
    sim.phone.cancel(uuid)
    assert web.poll(uuid) == "window.code=202;"
    assert web.poll(uuid) == "window.code=408;"
    sim.phone.scan(uuid)
    assert web.poll(uuid).startswith("window.code=201;")


def test_expiry_by_clock_and_by_phone_gives_400(sim: Simulator, clock: Clock) -> None:
    web = WebClient(sim.base_url)
    uuid = web.jslogin()
    clock.advance(301)  # default login timeout: 300 s
    assert web.poll(uuid) == "window.code=400;"
    uuid2 = web.jslogin()
    sim.phone.expire(uuid2)
    assert web.poll(uuid2) == "window.code=400;"
    assert web.poll("NOSUCHUUID==") == "window.code=400;"


def test_held_poll_answers_400_when_the_clock_passes_the_expiry(sim: Simulator, clock: Clock) -> None:
    sim.hold = 30
    web = WebClient(sim.base_url)
    uuid = web.jslogin()
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(web.poll, uuid)
        wait_for(lambda: len(sim.protocol.waiters or []) == 1, what="the login poll to be held")
        clock.advance(400)
        assert pending.result(timeout=10) == "window.code=400;"


def test_newloginpage_answers_301_one_line_xml_and_plain_cookies(sim: Simulator) -> None:
    web = WebClient(sim.base_url)
    uuid = web.jslogin()
    sim.phone.confirm(uuid)
    redirect = re.search(r'redirect_uri="(\S+)"', web.poll(uuid))
    assert redirect
    reply = web.redeem(redirect.group(1))
    assert reply.status_code == 301 and "Location" not in reply.headers
    body = reply.text
    assert "\n" not in body and body.startswith("<error><ret>0</ret><message></message><skey>@crypt_")
    assert re.fullmatch(
        r"<error><ret>0</ret><message></message><skey>@crypt_[0-9a-f]{8}_[0-9a-f]{32}</skey>"
        r"<wxsid>[A-Za-z0-9+/]{16}</wxsid><wxuin>2663483803</wxuin><pass_ticket>[A-Za-z0-9%]+</pass_ticket>"
        r"<isgrayscale>1</isgrayscale></error>",
        body,
    ), body
    raw_cookies = reply.raw.headers.getlist("Set-Cookie")
    names = [c.split("=", 1)[0] for c in raw_cookies]
    assert names == [
        "wxuin", "wxsid", "wxloadtime", "mm_lang", "webwx_data_ticket", "webwxuvid", "webwx_auth_ticket",
    ]  # fmt: skip
    for cookie in raw_cookies:
        assert cookie.endswith("; Path=/") and "Domain" not in cookie and "Secure" not in cookie
    jar = web.http.cookies.get_dict()
    assert jar["wxuin"] == "2663483803" and jar["wxsid"] == xml_value(body, "wxsid")
    # following redirects changes nothing: there is no Location, the 301 is the answer
    again = web.http.get(redirect.group(1))
    assert again.status_code == 301 and xml_value(again.text, "wxsid") == xml_value(body, "wxsid")


def test_bad_ticket_answers_1203_check_ticket_failed(sim: Simulator) -> None:
    web = WebClient(sim.base_url)
    uuid = web.jslogin()
    reply = web.http.get(
        f"{sim.base_url}{API}/webwxnewloginpage?ticket=nope@qrticket_0&uuid={uuid}&lang=zh_CN"
    )
    assert reply.status_code == 301
    assert reply.text == "<error><ret>1203</ret><message>check ticket failed</message></error>"
    assert "wxsid" not in web.http.cookies.get_dict()


def test_web_blocked_account_needs_desktop_headers() -> None:
    with Simulator(make_spec(web_blocked=True), hold=1.0) as sim:
        web = WebClient(sim.base_url)
        uuid = web.jslogin()
        sim.phone.confirm(uuid)
        redirect = re.search(r'redirect_uri="(\S+)"', web.poll(uuid))
        assert redirect
        refused = web.redeem(redirect.group(1))
        assert refused.text.startswith(
            "<error><ret>1203</ret><message>为了你的帐号安全，此微信号不能登录网页微信。"
        )
        assert "wxsid" not in web.http.cookies.get_dict()
        accepted = web.redeem(redirect.group(1), desktop=True)
        assert accepted.text.startswith("<error><ret>0</ret>")
        desktop = WebClient(sim.base_url)
        desktop.login(sim, desktop=True)
        desktop.init()
        assert sim.errors == []


def test_a_new_login_ends_the_previous_session_with_1101(sim: Simulator, client: WebClient) -> None:
    assert client.synccheck() == ("0", "2")  # the status-notify message of the first login
    second = WebClient(sim.base_url)
    second.login(sim)
    second.init()
    assert client.synccheck() == ("1101", "0")
    assert client.sync()["BaseResponse"]["Ret"] == 1101
    assert second.synccheck()[0] == "0"
    assert second.user_name != client.user_name  # UserNames are new at every login


def test_held_synccheck_of_the_old_session_answers_1101_at_a_new_login(
    sim: Simulator, client: WebClient
) -> None:
    client.drain()
    sim.hold = 30
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(client.synccheck)
        wait_for(lambda: len(sim.protocol.waiters or []) == 1, what="synccheck to be held")
        WebClient(sim.base_url).login(sim)
        assert pending.result(timeout=10) == ("1101", "0")


def test_phone_logout_gives_1100(sim: Simulator, client: WebClient) -> None:
    sim.phone.logout()
    assert client.synccheck() == ("1100", "0")
    assert client.sync()["BaseResponse"]["Ret"] == 1100


def test_push_login_after_a_previous_login(sim: Simulator, client: WebClient) -> None:
    uin = client.http.cookies.get_dict()["wxuin"]
    reply = requests.get(f"{sim.base_url}{API}/webwxpushloginurl?uin={uin}").json()
    assert reply["ret"] == "0" and reply["msg"] == "all ok" and reply["uuid"]
    assert client.poll(reply["uuid"]) == "window.code=408;"
    sim.phone.approve_push(reply["uuid"])
    assert client.poll(reply["uuid"]).startswith("window.code=200;")
    unknown = requests.get(f"{sim.base_url}{API}/webwxpushloginurl?uin=12345").json()
    assert unknown["ret"] != "0"


def test_redeeming_the_same_ticket_twice_gives_the_same_session(sim: Simulator) -> None:
    web = WebClient(sim.base_url)
    uuid = web.jslogin()
    sim.phone.confirm(uuid)
    redirect = re.search(r'redirect_uri="(\S+)"', web.poll(uuid))
    assert redirect
    first = web.redeem(redirect.group(1)).text
    second = web.redeem(redirect.group(1)).text
    assert xml_value(first, "wxsid") == xml_value(second, "wxsid")


@pytest.mark.parametrize("path", ["/cgi-bin/mmwebwx-bin/nosuchthing", "/elsewhere", "/qrcode/"])
def test_unknown_paths_are_404(sim: Simulator, path: str) -> None:
    assert requests.get(sim.base_url + path).status_code == 404
