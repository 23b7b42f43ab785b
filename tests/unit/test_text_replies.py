"""JS-assignment replies (jslogin, login poll, synccheck) and the login XML, on real samples."""

from __future__ import annotations

import pytest

from tests.unit import protocol_samples as s
from wxnb.protocol.errors import LoggedOut, LoginBlocked, ProtocolError, ServerError
from wxnb.protocol.text_replies import (
    parse_js_assignments,
    parse_jslogin,
    parse_login_poll,
    parse_login_xml,
    parse_synccheck,
)


@pytest.mark.parametrize(
    ("reply", "uuid"),
    [
        (s.JSLOGIN_PROTOCOL, "4dcaWx3uBw=="),
        (s.JSLOGIN_SEED002, "4a914KmLzA=="),
        (s.JSLOGIN_SEED003, "gfNHoe0rgA=="),
        (s.JSLOGIN_SEED003_NOSEMI, "xxxx"),
        ("window.QRLogin.code=200;window.QRLogin.uuid='gfNHoe0rgA==';", "gfNHoe0rgA=="),
        ('\n  window.QRLogin.code =\t200 ;\n window.QRLogin.uuid= "a-b_c+d/==" ;  \n', "a-b_c+d/=="),
    ],
)
def test_jslogin_uuid(reply: str, uuid: str) -> None:
    assert parse_jslogin(reply) == uuid


def test_jslogin_non_200_is_a_server_error() -> None:
    with pytest.raises(ServerError) as info:
        parse_jslogin('window.QRLogin.code = 400; window.QRLogin.error = "bad appid";')
    assert info.value.ret == 400
    assert "bad appid" in str(info.value)


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "window.QRLogin.code = 200;",  # no uuid
        'window.QRLogin.code = 200; window.QRLogin.uuid = "";',
        'window.QRLogin.code = "200"; window.QRLogin.uuid = "abcd";',
        'window.QRLogin.code = 200; window.QRLogin.uuid = "abcd"; window.QRLogin.uuid = "efgh";',
        'window.QRLogin.code = 200 window.QRLogin.uuid = "abcd";',  # missing ;
        'window.QRLogin.code = 200; window.QRLogin.uuid = "ab cd";',
        'window.QRLogin.code = 200; window.QRLogin.uuid = "abcd"; alert(1)',
        'window.QRLogin.code = 200; window.QRLogin.uuid = "abcd;',
        'window.QRLogin.code = 200; window.foo = 1; window.QRLogin.uuid = "abcd";',
        "<html>502 Bad Gateway</html>",
    ],
)
def test_jslogin_malformed(reply: str) -> None:
    with pytest.raises(ProtocolError):
        parse_jslogin(reply)


def test_login_poll_codes() -> None:
    assert parse_login_poll(s.POLL_408).status == "waiting"
    assert parse_login_poll(s.POLL_400).status == "expired"
    assert parse_login_poll(s.POLL_202).status == "cancelled"
    scanned = parse_login_poll(s.POLL_201_PROTOCOL)
    assert (scanned.code, scanned.status) == (201, "scanned")
    assert scanned.avatar == "data:img/jpg;base64,/9j/4AAQSkZJRg=="
    assert parse_login_poll(s.POLL_201_SEED002).avatar == "*"
    waiting = parse_login_poll(s.POLL_408_AVATAR_SEED003)
    assert (waiting.status, waiting.avatar) == ("waiting", "data:img/jpeg;base64,iVBORw...")


def test_login_poll_confirmed_carries_the_redirect() -> None:
    confirmed = parse_login_poll(s.POLL_200_SEED002)
    assert confirmed.status == "confirmed"
    assert confirmed.redirect_uri == s.REDIRECT_SEED002
    # The redirect carries the login ticket: it must not show in a repr.
    assert "qrticket" not in repr(confirmed)


@pytest.mark.parametrize(
    "reply",
    [
        "window.code=500;",
        "window.code=200;",  # confirmed without a redirect
        'window.code=200;window.redirect_uri="javascript:alert(1)";',
        'window.code=200;window.redirect_uri="https://wx.qq.com/x?a=1 2";',
        'window.code=408;window.redirect_uri="https://wx.qq.com/x";',
        "window.code=408;window.code=201;",
        "window.code={a:1};",
        "window.code=408;window.userAvatar=12;",
        "code=408;",
        "window.code=408;;",
    ],
)
def test_login_poll_malformed(reply: str) -> None:
    with pytest.raises(ProtocolError):
        parse_login_poll(reply)


def test_synccheck() -> None:
    assert parse_synccheck(s.SYNCCHECK_2).selector == 2
    assert parse_synccheck(s.SYNCCHECK_2).needs_sync
    assert not parse_synccheck(s.SYNCCHECK_0).needs_sync
    assert parse_synccheck("window.synccheck={ retcode : '0' , selector : '7' };").selector == 7
    assert parse_synccheck('window.synccheck={"retcode":"0","selector":"6"}').selector == 6
    assert parse_synccheck("window.synccheck={retcode:0,selector:4}").selector == 4


@pytest.mark.parametrize(("reply", "code"), [(s.SYNCCHECK_1100, 1100), (s.SYNCCHECK_1101, 1101)])
def test_synccheck_logged_out(reply: str, code: int) -> None:
    with pytest.raises(LoggedOut) as info:
        parse_synccheck(reply)
    assert info.value.code == code
    assert "log in again" in str(info.value).lower()


def test_synccheck_other_retcode_is_a_server_error() -> None:
    with pytest.raises(ServerError) as info:
        parse_synccheck('window.synccheck={retcode:"-1",selector:"0"}')
    assert info.value.ret == -1


@pytest.mark.parametrize(
    "reply",
    [
        'window.synccheck={retcode:"0"}',
        'window.synccheck={retcode:"x",selector:"2"}',
        'window.synccheck={retcode:"0",selector:"2"',
        'window.synccheck={retcode:"0",,selector:"2"}',
        'window.synccheck={retcode:"0",selector:"2",selector:"3"}',
        'window.synccheck="0"',
        'window.synccheck={retcode:"0",selector:{a:1}}',
        'window.synccheck={retcode:"0",selector:"2"}; window.other=1',
    ],
)
def test_synccheck_malformed(reply: str) -> None:
    with pytest.raises(ProtocolError):
        parse_synccheck(reply)


def test_js_values_unescape_and_empty_object() -> None:
    assert parse_js_assignments(r'window.a="x\"y\\z";window.b={}') == {"a": 'x"y\\z', "b": {}}


def test_js_reply_size_is_capped() -> None:
    with pytest.raises(ProtocolError, match="characters long"):
        parse_js_assignments("window.a='" + "x" * (1 << 21) + "'")


# --- login XML ------------------------------------------------------------------------------------


def test_login_xml_one_line() -> None:
    ticket = parse_login_xml(s.LOGIN_XML_PROTOCOL)
    assert (ticket.skey, ticket.wxsid, ticket.wxuin) == (s.SKEY, s.WXSID, int(s.WXUIN))
    assert ticket.pass_ticket == s.PASS_TICKET  # kept percent-encoded, as received
    assert ticket.is_grayscale == 1


def test_login_xml_pretty_printed_seed() -> None:
    text = (s.SAMPLES / "login_pretty_seed002.xml").read_text()
    ticket = parse_login_xml(text)
    assert ticket.wxuin == 2450346660
    assert ticket.wxsid == "7VvAoIRIYVQ3KiF7"
    assert ticket.skey == "@crypt_1533a725_c3f334541b894cc7c82c3e6ff11daec9"
    assert ticket.pass_ticket.startswith("RKWoJHbo6pkiL0q%2F")


def test_login_xml_with_prolog_cdata_and_entities() -> None:
    text = (
        '<?xml version="1.0" encoding="utf-8"?>\r\n<error>\r\n <ret>0</ret>\r\n'
        "<message><![CDATA[OK & fine]]></message><skey>a&amp;b</skey><wxsid>S</wxsid>"
        "<wxuin>1</wxuin><pass_ticket></pass_ticket></error>\n"
    )
    ticket = parse_login_xml(text)
    assert (ticket.skey, ticket.wxuin, ticket.pass_ticket, ticket.is_grayscale) == ("a&b", 1, "", 0)


def test_desktop_mode_login_may_have_an_empty_skey() -> None:
    ticket = parse_login_xml("<error><ret>0</ret><skey></skey><wxsid>S</wxsid><wxuin>7</wxuin></error>")
    assert ticket.skey == ""


@pytest.mark.parametrize("text", [s.LOGIN_XML_1203, s.LOGIN_XML_1203_TICKET])
def test_login_xml_1203_is_login_blocked_with_the_server_message(text: str) -> None:
    with pytest.raises(LoginBlocked) as info:
        parse_login_xml(text)
    err = info.value
    assert err.ret == 1203
    message = text.split("<message>")[1].split("</message>")[0]
    assert err.server_message == message
    assert "desktop" in err.hint.lower()


def test_login_xml_other_ret_maps_to_its_kind() -> None:
    with pytest.raises(LoggedOut):
        parse_login_xml("<error><ret>1102</ret><message></message></error>")
    with pytest.raises(ServerError) as info:
        parse_login_xml("<error><ret>-1</ret><message>oops</message></error>")
    assert info.value.ret == -1


@pytest.mark.parametrize(
    "text",
    [
        "",
        "<error></error>",  # no ret
        "<error><ret>0</ret><wxsid>S</wxsid></error>",  # no wxuin
        "<error><ret>0</ret><wxuin>1</wxuin></error>",  # no wxsid
        "<error><ret>0</ret><wxsid>S</wxsid><wxuin>abc</wxuin></error>",
        "<error><ret>0</ret><wxsid>S</wxsid><wxuin>1</wxuin>",  # unclosed
        "<error><ret>0</ret><ret>0</ret></error>",
        "<error><ret a='1'>0</ret></error>",
        "<error><ret>0</ret><x><y>1</y></x></error>",
        '<!DOCTYPE error [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><error><ret>0</ret></error>',
        "<error><ret>0</ret><wxsid>&xxe;</wxsid><wxuin>1</wxuin></error><!ENTITY a 'b'>",
        "<!ENTITY a 'b'><error><ret>0</ret></error>",
        "<html><body>502</body></html>",
        "<error><ret>0</ret><wxsid>S</wxsid><wxuin>1</wxuin></error> trailing",
    ],
)
def test_login_xml_malformed_or_hostile(text: str) -> None:
    with pytest.raises(ProtocolError):
        parse_login_xml(text)


def test_login_xml_undefined_entity_is_left_as_text_not_expanded() -> None:
    ticket = parse_login_xml("<error><ret>0</ret><wxsid>&xxe;</wxsid><wxuin>1</wxuin></error>")
    assert ticket.wxsid == "&xxe;"


def test_login_ticket_repr_hides_secrets() -> None:
    ticket = parse_login_xml(s.LOGIN_XML_PROTOCOL)
    for secret in (s.SKEY, s.WXSID, s.WXUIN, s.PASS_TICKET):
        assert secret not in repr(ticket)
        assert secret not in str(ticket)
