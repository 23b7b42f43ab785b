"""Host table: companions for the real page hosts, one origin for anything else."""

from __future__ import annotations

import pytest

from tests.unit.protocol_samples import POLL_200_PROTOCOL, REDIRECT_SEED002
from wxnb.protocol.credentials import Hosts, qr_text
from wxnb.protocol.errors import ProtocolError
from wxnb.protocol.text_replies import parse_login_poll


@pytest.mark.parametrize(
    ("page", "label_domain"),
    [
        ("wx.qq.com", "wx.qq.com"),
        ("wx2.qq.com", "wx2.qq.com"),
        ("wx8.qq.com", "wx8.qq.com"),
        ("web.wechat.com", "web.wechat.com"),
        ("web2.wechat.com", "web2.wechat.com"),
    ],
)
def test_real_page_hosts_get_their_companions(page: str, label_domain: str) -> None:
    hosts = Hosts.from_redirect(f"https://{page}/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=T&uuid=U")
    assert hosts == Hosts(
        login=f"https://login.{label_domain}",
        api=f"https://{page}",
        push=f"https://webpush.{label_domain}",
        file=f"https://file.{label_domain}",
    )
    assert not hosts.is_single_origin


def test_redirect_from_real_login_poll_replies() -> None:
    assert Hosts.from_redirect(REDIRECT_SEED002).api == "https://wx.qq.com"
    redirect = parse_login_poll(POLL_200_PROTOCOL).redirect_uri
    hosts = Hosts.from_redirect(redirect)
    assert hosts.push == "https://webpush.wx2.qq.com"
    assert hosts.cgi("synccheck") == "https://webpush.wx2.qq.com/cgi-bin/mmwebwx-bin/synccheck"
    assert hosts.cgi("webwxuploadmedia") == "https://file.wx2.qq.com/cgi-bin/mmwebwx-bin/webwxuploadmedia"
    assert hosts.cgi("webwxsync") == "https://wx2.qq.com/cgi-bin/mmwebwx-bin/webwxsync"
    assert hosts.cgi("login") == "https://login.wx2.qq.com/cgi-bin/mmwebwx-bin/login"


def test_host_case_is_ignored() -> None:
    assert Hosts.from_redirect("https://WX2.QQ.com/x").api == "https://wx2.qq.com"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:41234/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=T",
        "http://127.0.0.1:41234",
    ],
)
def test_any_other_host_is_one_origin_keeping_scheme_and_port(url: str) -> None:
    hosts = Hosts.from_redirect(url)
    assert hosts.is_single_origin
    assert hosts.api == "http://127.0.0.1:41234"
    assert hosts.cgi("synccheck") == "http://127.0.0.1:41234/cgi-bin/mmwebwx-bin/synccheck"
    assert hosts.cgi("jslogin") == "http://127.0.0.1:41234/jslogin"
    assert hosts.qrcode_url("U==") == "http://127.0.0.1:41234/qrcode/U=="


def test_lookalike_hosts_are_not_in_the_table() -> None:
    assert Hosts.from_redirect("https://wx.qq.com.evil.example/x").is_single_origin
    assert Hosts.from_redirect("https://evilwx.qq.com/x").is_single_origin


def test_ipv6_origin_keeps_brackets() -> None:
    assert Hosts.from_redirect("http://[::1]:8080/x").api == "http://[::1]:8080"


def test_pre_login_defaults_and_overrides() -> None:
    default = Hosts.for_base()
    assert default.login == "https://login.weixin.qq.com"
    assert default.push == "https://webpush.weixin.qq.com"
    assert default.cgi("jslogin") == "https://login.weixin.qq.com/jslogin"
    sim = Hosts.for_base("http://127.0.0.1:1234")
    assert sim == Hosts.for_base("http://127.0.0.1:1234/")
    assert {sim.login, sim.api, sim.push, sim.file} == {"http://127.0.0.1:1234"}
    assert Hosts.for_base("https://wx8.qq.com").login == "https://login.wx8.qq.com"


@pytest.mark.parametrize(
    "base",
    [
        "ftp://x",
        "127.0.0.1:80",
        "http://",
        "http://u:p@127.0.0.1:1",
        "http://127.0.0.1:1/api",
        "http://h:99999",
        "",
    ],
)
def test_bad_base_urls_are_refused_with_a_clear_error(base: str) -> None:
    with pytest.raises(ValueError, match=r"URL|origin"):
        Hosts.for_base(base)


@pytest.mark.parametrize("redirect", ["javascript:alert(1)", "/relative/path", "https://", "http://a b/"])
def test_bad_redirects_are_protocol_errors(redirect: str) -> None:
    with pytest.raises(ProtocolError):
        Hosts.from_redirect(redirect)


def test_json_round_trip_and_validation() -> None:
    hosts = Hosts.from_redirect(REDIRECT_SEED002)
    assert Hosts.from_json(hosts.to_json()) == hosts
    with pytest.raises(ValueError):
        Hosts.from_json({"login": "x", "api": 1})
    with pytest.raises(ValueError):
        Hosts.from_json([])


def test_qr_text_is_the_real_login_url() -> None:
    assert qr_text("4dcaWx3uBw==") == "https://login.weixin.qq.com/l/4dcaWx3uBw=="
