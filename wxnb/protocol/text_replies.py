"""The login-side reply formats: JS-assignment replies (jslogin, login poll, synccheck) and the login XML.

Both are read by small scanners that are strict about structure and tolerant of spacing, quote style
and a trailing ``;``. Every regex here is linear (no nested quantifiers over overlapping classes), and
inputs are size-capped, so hostile replies cannot make parsing hang. The XML reader accepts only the
flat ``<error><tag>text</tag>...</error>`` shape, so a DOCTYPE or ENTITY declaration is simply refused
(no entity expansion, no external fetches).

Example:
    >>> parse_jslogin('window.QRLogin.code = 200; window.QRLogin.uuid = "4dcaWx3uBw==";')
    '4dcaWx3uBw=='
    >>> parse_login_poll("window.code=408;").status
    'waiting'
    >>> parse_synccheck('window.synccheck={retcode:"0",selector:"2"}').selector
    2
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Final, Literal

from wxnb.protocol.errors import LoginBlocked, ProtocolError, ServerError, error_for_ret

__all__ = [
    "LoginPoll",
    "LoginStatus",
    "LoginTicket",
    "SyncCheck",
    "parse_js_assignments",
    "parse_jslogin",
    "parse_login_poll",
    "parse_login_xml",
    "parse_synccheck",
]

JsValue = int | str | dict[str, int | str]

# Replies are small (the largest is a login poll with a base64 avatar); refuse anything absurd.
_MAX_JS: Final = 1 << 20
_MAX_XML: Final = 1 << 16

_WS = r"[ \t\r\n]*"
_NAME = r"[A-Za-z_$][A-Za-z0-9_$]*"
_DQ = r'"((?:[^"\\\r\n]|\\.)*)"'
_SQ = r"'((?:[^'\\\r\n]|\\.)*)'"
_INT = r"(-?[0-9]{1,18})"
_STMT_RE = re.compile(rf"{_WS}window((?:\.{_NAME}){{1,4}}){_WS}={_WS}")
_SCALAR_RE = re.compile(rf"{_DQ}|{_SQ}|{_INT}")
_OBJ_KEY_RE = re.compile(rf"{_WS}(?:({_NAME})|{_DQ}|{_SQ}){_WS}:{_WS}")
_SEP_RE = re.compile(rf"{_WS}(;|,|\}}|$)")
_END_RE = re.compile(rf"{_WS};?{_WS}$")
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)


def _unescape_js(raw: str) -> str:
    return _ESCAPE_RE.sub(r"\1", raw) if "\\" in raw else raw


def _scalar(text: str, pos: int, endpoint: str) -> tuple[int | str, int]:
    m = _SCALAR_RE.match(text, pos)
    if m is None:
        raise ProtocolError("expected a number or a quoted string", text[pos : pos + 80], endpoint=endpoint)
    dq, sq, num = m.groups()
    if num is not None:
        return int(num), m.end()
    return _unescape_js(dq if dq is not None else sq), m.end()


def parse_js_assignments(text: str, *, endpoint: str = "") -> dict[str, JsValue]:
    """Read ``window.a.b = value; ...`` into ``{"a.b": value}``.

    Values are integers, single- or double-quoted strings, or a flat object literal of those
    (``{retcode:"0",selector:"2"}``). A repeated name, or anything else, raises ProtocolError.

    Example:
        >>> parse_js_assignments("window.code=201;window.userAvatar = 'data:img/jpg;base64,/9j/';")
        {'code': 201, 'userAvatar': 'data:img/jpg;base64,/9j/'}
    """
    if len(text) > _MAX_JS:
        raise ProtocolError(f"reply is {len(text)} characters long", text, endpoint=endpoint)
    out: dict[str, JsValue] = {}
    pos = 0
    while True:
        m = _STMT_RE.match(text, pos)
        if m is None:
            what = "expected window.<name> = <value>"
            raise ProtocolError(what, text[pos : pos + 80] or text, endpoint=endpoint)
        name = m.group(1)[1:]
        if name in out:
            raise ProtocolError(f"window.{name} is assigned twice", text, endpoint=endpoint)
        pos = m.end()
        value: JsValue
        if text.startswith("{", pos):
            value, pos = _object(text, pos + 1, endpoint)
        else:
            value, pos = _scalar(text, pos, endpoint)
        out[name] = value
        if _END_RE.match(text, pos):
            return out
        sep = _SEP_RE.match(text, pos)
        if sep is None or sep.group(1) != ";":
            raise ProtocolError("expected ';' between assignments", text[pos : pos + 80], endpoint=endpoint)
        pos = sep.end()


def _object(text: str, pos: int, endpoint: str) -> tuple[dict[str, int | str], int]:
    obj: dict[str, int | str] = {}
    close = re.compile(rf"{_WS}\}}").match(text, pos)
    if close is not None:
        return obj, close.end()
    while True:
        k = _OBJ_KEY_RE.match(text, pos)
        if k is None:
            raise ProtocolError("expected key: value in an object", text[pos : pos + 80], endpoint=endpoint)
        key = k.group(1) or _unescape_js(k.group(2) if k.group(2) is not None else (k.group(3) or ""))
        if key in obj:
            raise ProtocolError(f"key {key!r} appears twice", text, endpoint=endpoint)
        obj[key], pos = _scalar(text, k.end(), endpoint)
        sep = _SEP_RE.match(text, pos)
        if sep is None or sep.group(1) not in (",", "}"):
            raise ProtocolError("expected ',' or '}' in an object", text[pos : pos + 80], endpoint=endpoint)
        pos = sep.end()
        if sep.group(1) == "}":
            return obj, pos


def _exact_keys(
    values: dict[str, JsValue], required: set[str], optional: set[str], text: str, ep: str
) -> None:
    missing = required - values.keys()
    extra = values.keys() - required - optional
    if missing or extra:
        what = f"missing {sorted(missing)}" if missing else f"unexpected {sorted(extra)}"
        raise ProtocolError(f"{what} in the reply", text, endpoint=ep)


_UUID_RE: Final = re.compile(r"[A-Za-z0-9_=+/-]{4,64}")


def parse_jslogin(text: str) -> str:
    """The uuid from a jslogin reply: ``window.QRLogin.code = 200; window.QRLogin.uuid = "...";``.

    Raises:
        ServerError: the code is not 200 (``ret`` is the code).
        ProtocolError: anything else is wrong with the reply.
    """
    ep = "jslogin"
    values = parse_js_assignments(text, endpoint=ep)
    _exact_keys(values, {"QRLogin.code"}, {"QRLogin.uuid", "QRLogin.error"}, text, ep)
    code = values["QRLogin.code"]
    if not isinstance(code, int):
        raise ProtocolError("QRLogin.code is not a number", text, endpoint=ep)
    if code != 200:
        error = values.get("QRLogin.error", "")
        raise ServerError(code, error if isinstance(error, str) else "", endpoint=ep)
    uuid = values.get("QRLogin.uuid")
    if not isinstance(uuid, str) or not _UUID_RE.fullmatch(uuid):
        raise ProtocolError("QRLogin.uuid is missing or malformed", text, endpoint=ep)
    return uuid


LoginStatus = Literal["waiting", "scanned", "confirmed", "expired", "cancelled"]
_LOGIN_STATUS: Final[dict[int, LoginStatus]] = {
    408: "waiting",
    201: "scanned",
    200: "confirmed",
    400: "expired",
    202: "cancelled",
}


@dataclass(frozen=True, slots=True)
class LoginPoll:
    """One login poll reply.

    ``status``: waiting (408, poll again), scanned (201, ``avatar`` may hold a data: URL), confirmed
    (200, ``redirect_uri`` is set: GET it next), expired (400, get a new uuid), cancelled (202).
    """

    code: int
    status: LoginStatus
    redirect_uri: str = field(default="", repr=False)  # carries the login ticket: a secret
    avatar: str = field(default="", repr=False)


def parse_login_poll(text: str) -> LoginPoll:
    """Parse ``window.code=...;`` login poll replies (PROTOCOL.md §3).

    Raises:
        ProtocolError: an unknown code, a 200 without a usable redirect_uri, or a malformed reply.

    Example:
        >>> r = parse_login_poll('window.code=200;\\nwindow.redirect_uri="http://127.0.0.1:9/x?ticket=T";')
        >>> r.status, r.redirect_uri
        ('confirmed', 'http://127.0.0.1:9/x?ticket=T')
    """
    ep = "login"
    values = parse_js_assignments(text, endpoint=ep)
    _exact_keys(values, {"code"}, {"userAvatar", "redirect_uri"}, text, ep)
    code = values["code"]
    if not isinstance(code, int) or code not in _LOGIN_STATUS:
        raise ProtocolError(f"unknown login poll code {code!r}", text, endpoint=ep)
    avatar = values.get("userAvatar", "")
    redirect = values.get("redirect_uri", "")
    if not isinstance(avatar, str) or not isinstance(redirect, str):
        raise ProtocolError("userAvatar and redirect_uri must be strings", text, endpoint=ep)
    if code == 200:
        if not redirect.startswith(("http://", "https://")) or any(c.isspace() for c in redirect):
            raise ProtocolError("code 200 without a usable redirect_uri", text, endpoint=ep)
    elif redirect:
        raise ProtocolError(f"redirect_uri with code {code}", text, endpoint=ep)
    return LoginPoll(code=code, status=_LOGIN_STATUS[code], redirect_uri=redirect, avatar=avatar)


@dataclass(frozen=True, slots=True)
class SyncCheck:
    """A synccheck answer with retcode 0. ``selector`` 0 means nothing new; anything else: call webwxsync.

    Known selectors: 2 new messages, 4 contact/profile change, 7 a chat opened on the phone (3 and 6
    are seen in the wild with no known meaning).
    """

    selector: int

    @property
    def needs_sync(self) -> bool:
        """True when webwxsync should be called now."""
        return self.selector != 0


def _int_field(value: int | str, name: str, text: str, ep: str) -> int:
    if isinstance(value, int):
        return value
    if value.isascii() and value.lstrip("-").isdigit() and len(value) <= 18:
        return int(value)
    raise ProtocolError(f"{name} is not a number", text, endpoint=ep)


def parse_synccheck(text: str) -> SyncCheck:
    """Parse ``window.synccheck={retcode:"0",selector:"2"}``.

    Raises:
        LoggedOut: retcode 1100, 1101 or 1102.
        WxError: another non-zero retcode (mapped like a BaseResponse Ret).
        ProtocolError: the reply is malformed.
    """
    ep = "synccheck"
    values = parse_js_assignments(text, endpoint=ep)
    _exact_keys(values, {"synccheck"}, set(), text, ep)
    obj = values["synccheck"]
    if not isinstance(obj, dict) or not {"retcode", "selector"} <= obj.keys():
        raise ProtocolError("synccheck must be {retcode, selector}", text, endpoint=ep)
    retcode = _int_field(obj["retcode"], "retcode", text, ep)
    selector = _int_field(obj["selector"], "selector", text, ep)
    if retcode != 0:
        raise error_for_ret(retcode, endpoint=ep)
    return SyncCheck(selector=selector)


# --- the login XML --------------------------------------------------------------------------------

_XML_HEAD_RE = re.compile(rf"{_WS}(?:<\?xml[ \t][^?<>]{{0,200}}\?>{_WS})?<error>")
_XML_ELEM_RE = re.compile(
    rf"{_WS}<([a-z_]{{1,32}})>(?:<!\[CDATA\[((?:[^\]]|\](?!\]>)){{0,8192}})\]\]>|([^<]{{0,8192}}))</\1>"
)
_XML_TAIL_RE = re.compile(rf"{_WS}</error>{_WS}$")


@dataclass(frozen=True, slots=True, repr=False)
class LoginTicket:
    """The session secrets from webwxnewloginpage's XML. ``pass_ticket`` is kept as received
    (already percent-encoded). The repr shows none of the secrets.
    """

    skey: str
    wxsid: str
    wxuin: int
    pass_ticket: str
    is_grayscale: int = 0

    def __repr__(self) -> str:
        return f"LoginTicket(is_grayscale={self.is_grayscale}, secrets hidden)"


def _xml_text(cdata: str | None, text: str | None) -> str:
    if cdata is not None:
        return cdata
    raw = text or ""
    return html.unescape(raw) if "&" in raw else raw


def parse_login_xml(text: str) -> LoginTicket:
    """Parse the ``<error><ret>0</ret>...</error>`` body of webwxnewloginpage (one line or pretty-printed).

    Raises:
        LoginBlocked: Ret 1203 (web login refused; the server's message is kept).
        WxError: another non-zero Ret (e.g. LoggedOut, ServerError).
        ProtocolError: not this flat XML shape (DOCTYPE, entities, nesting, attributes are refused),
            or Ret 0 without wxsid/wxuin.

    Example:
        >>> t = parse_login_xml("<error><ret>0</ret><message></message><skey>@crypt_1</skey>"
        ...     "<wxsid>S</wxsid><wxuin>42</wxuin><pass_ticket>P%2F</pass_ticket>"
        ...     "<isgrayscale>1</isgrayscale></error>")
        >>> t.wxuin, t.pass_ticket
        (42, 'P%2F')
    """
    ep = "webwxnewloginpage"
    if len(text) > _MAX_XML:
        raise ProtocolError(f"login XML is {len(text)} characters long", text, endpoint=ep)
    head = _XML_HEAD_RE.match(text)
    if head is None:
        raise ProtocolError("expected <error> at the start of the login XML", text, endpoint=ep)
    values: dict[str, str] = {}
    pos = head.end()
    while _XML_TAIL_RE.match(text, pos) is None:
        m = _XML_ELEM_RE.match(text, pos)
        if m is None:
            raise ProtocolError("expected <tag>text</tag> or </error>", text[pos : pos + 80], endpoint=ep)
        tag = m.group(1)
        if tag in values:
            raise ProtocolError(f"<{tag}> appears twice", text, endpoint=ep)
        values[tag] = _xml_text(m.group(2), m.group(3))
        pos = m.end()
    ret_text = values.get("ret", "").strip()
    if not (ret_text.lstrip("-").isdigit() and ret_text.isascii() and len(ret_text) <= 9):
        raise ProtocolError("<ret> is missing or not a number", text, endpoint=ep)
    ret = int(ret_text)
    message = values.get("message", "")
    if ret == 1203:
        raise LoginBlocked(message, endpoint=ep)
    if ret != 0:
        raise error_for_ret(ret, message, endpoint=ep)
    uin_text = values.get("wxuin", "").strip()
    if not (uin_text.isascii() and uin_text.isdigit() and len(uin_text) <= 20):
        raise ProtocolError("<wxuin> is missing or not a number", text, endpoint=ep)
    if not values.get("wxsid"):
        raise ProtocolError("<wxsid> is missing", text, endpoint=ep)
    gray = values.get("isgrayscale", "0").strip()
    return LoginTicket(
        skey=values.get("skey", ""),
        wxsid=values["wxsid"],
        wxuin=int(uin_text),
        pass_ticket=values.get("pass_ticket", ""),
        is_grayscale=int(gray) if gray.isascii() and gray.isdigit() and len(gray) <= 9 else 0,
    )
