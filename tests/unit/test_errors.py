"""Error kinds, Ret mapping, and redaction: no error text and no Credentials repr shows a secret."""

from __future__ import annotations

import inspect
import json

import pytest

from tests.unit import protocol_samples as s
from wxnb.protocol import errors
from wxnb.protocol.credentials import Credentials, Hosts
from wxnb.protocol.errors import (
    CredentialsFileError,
    LoggedOut,
    LoginBlocked,
    LoginCancelled,
    LoginExpired,
    NotLoggedIn,
    OutcomeUnknown,
    ProtocolError,
    RateLimited,
    RevokeRefused,
    SendFailed,
    ServerError,
    TransportError,
    WxError,
    error_for_ret,
    redact,
    snippet,
)

SECRETS = [s.SKEY, s.WXSID, s.WXUIN, s.PASS_TICKET, "webwxDataTicketValue123", "authTicket456", "uvid789"]


def _leaky_text() -> str:
    """Every way a secret shows up on the wire, in one text."""
    return (
        f"https://wx.qq.com/cgi-bin/mmwebwx-bin/synccheck?r=1&skey={s.SKEY}&sid={s.WXSID}&uin={s.WXUIN}"
        f"&deviceid=e1&synckey=1_2&pass_ticket={s.PASS_TICKET} "
        f"Cookie: wxuin={s.WXUIN}; wxsid={s.WXSID}; webwx_data_ticket=webwxDataTicketValue123; "
        "webwx_auth_ticket=authTicket456; webwxuvid=uvid789 "
        + s.LOGIN_XML_PROTOCOL
        + json.dumps({"BaseRequest": {"Uin": int(s.WXUIN), "Sid": s.WXSID, "Skey": s.SKEY, "DeviceID": "e1"}})
        + repr({"Uin": s.WXUIN, "pass_ticket": s.PASS_TICKET})
        + f" HeadImgUrl /cgi-bin/mmwebwx-bin/webwxgeticon?seq=1&username=@a&skey={s.SKEY}"
        + f" ticket=Ab_yr7Yr6WvKsemcObL59fjA@qrticket_0 {s.REDIRECT_SEED002}"
    )


def test_redact_removes_every_secret_form() -> None:
    cleaned = redact(_leaky_text())
    for secret in [*SECRETS, "Ab_yr7Yr6WvKsemcObL59fjA"]:
        assert secret not in cleaned
    # What is not secret stays readable.
    assert "synckey=1_2" in cleaned
    assert "deviceid=e1" in cleaned
    assert "<ret>0</ret>" in cleaned


def test_redact_leaves_ordinary_text_alone() -> None:
    text = "sidebar=1 mission=2 a basic skeyboard, 撤回了一条消息 Uinput"
    assert redact(text) == text


def test_custom_hints_are_redacted_too() -> None:
    err = WxError("m", hint=_leaky_text())
    for secret in SECRETS:
        assert secret not in str(err)


def test_snippet_is_short_one_line_and_redacted() -> None:
    out = snippet(("x" * 50 + "\n" + _leaky_text()).encode())
    assert len(out) <= 301
    assert "\n" not in out
    for secret in SECRETS:
        assert secret not in out


def _error_instances(secret_text: str) -> list[WxError]:
    return [
        WxError(secret_text, endpoint="x"),
        LoginBlocked(secret_text),
        LoggedOut(1100),
        LoggedOut(1101),
        LoggedOut(1102),
        RateLimited(errmsg=secret_text),
        SendFailed(secret_text),
        ProtocolError(secret_text, secret_text.encode()),
        ProtocolError("bad", {"Skey": s.SKEY, "Uin": int(s.WXUIN), "Sid": s.WXSID}),
        TransportError(secret_text, attempts=3),
        TransportError(secret_text, status=502, hint=f"Retry in a minute or two: {secret_text}"),
        OutcomeUnknown(secret_text, endpoint="webwxsendmsg", client_msg_id="15139251046900833"),
        OutcomeUnknown(secret_text, endpoint="webwxoplog"),
        RevokeRefused(secret_text),
        NotLoggedIn(secret_text),
        LoginExpired(secret_text),
        LoginCancelled(secret_text),
        ServerError(-1, secret_text),
        CredentialsFileError(secret_text),
    ]


def test_every_error_class_is_covered() -> None:
    classes = {obj for _, obj in inspect.getmembers(errors, inspect.isclass) if issubclass(obj, WxError)}
    covered = {type(e) for e in _error_instances("x")}
    assert classes == covered


@pytest.mark.parametrize("err", _error_instances(_leaky_text()), ids=lambda e: type(e).__name__)
def test_no_error_shows_a_secret(err: WxError) -> None:
    shown = " ".join([str(err), repr(err), err.message, err.hint, *map(str, err.args)])
    shown += " " + " ".join(str(v) for v in vars(err).values()) if hasattr(err, "__dict__") else ""
    for secret in SECRETS:
        assert secret not in shown


@pytest.mark.parametrize("err", _error_instances("detail"), ids=lambda e: type(e).__name__)
def test_every_error_says_what_to_do(err: WxError) -> None:
    assert "What to do:" in str(err)
    assert len(err.hint) > 20


def test_credentials_repr_and_str_show_no_secret() -> None:
    creds = Credentials(
        uin=int(s.WXUIN),
        sid=s.WXSID,
        skey=s.SKEY,
        pass_ticket=s.PASS_TICKET,
        device_id="e123456789012345",
        hosts=Hosts.for_base("http://127.0.0.1:9"),
        cookies={"wxuin": s.WXUIN, "wxsid": s.WXSID, "webwx_data_ticket": "webwxDataTicketValue123"},
        user_name=s.ME,
    )
    for shown in (repr(creds), str(creds), f"{creds}", f"{creds!r}"):
        for secret in SECRETS:
            assert secret not in shown
        assert s.ME in shown


@pytest.mark.parametrize(
    ("ret", "kind"),
    [
        (1100, LoggedOut),
        (1101, LoggedOut),
        (1102, LoggedOut),
        (1203, LoginBlocked),
        (1204, SendFailed),
        (1205, RateLimited),
        (-1, ServerError),
        (1, ServerError),
        (1200, ServerError),
        (4242, ServerError),
    ],
)
def test_ret_codes_map_to_kinds(ret: int, kind: type[WxError]) -> None:
    err = error_for_ret(ret, "msg", endpoint="webwxsync")
    assert type(err) is kind
    assert err.ret == ret
    assert err.endpoint == "webwxsync"
    assert str(err).startswith("webwxsync: ")


def test_logged_out_says_which_code_and_why() -> None:
    reasons = {code: LoggedOut(code).reason for code in (1100, 1101, 1102)}
    assert len(set(reasons.values())) == 3
    assert "phone" in reasons[1100]
    assert "elsewhere" in reasons[1102]
    assert "1102" in str(LoggedOut(1102))


def test_errors_are_not_value_errors() -> None:
    # Reply parsers catch ValueError/TypeError from bad shapes; our own errors must pass through.
    assert not issubclass(WxError, ValueError | TypeError | KeyError)
