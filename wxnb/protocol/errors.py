"""Typed errors of the web protocol, each saying what to do next, none carrying a secret.

Every message goes through :func:`redact`, so a snippet of a reply or a URL quoted in an error can never
leak skey, sid, uin, pass_ticket, tickets or cookies into a log or a notebook traceback.

Example:
    >>> err = error_for_ret(1101, "", endpoint="webwxsync")
    >>> type(err).__name__, err.code
    ('LoggedOut', 1101)
    >>> redact("synccheck?skey=@crypt_ab_12&sid=GLREC&uin=123")
    'synccheck?skey=***&sid=***&uin=***'
"""

from __future__ import annotations

import re
from typing import ClassVar

from wxnb.errors import Error

__all__ = [
    "CredentialsFileError",
    "LoggedOut",
    "LoginBlocked",
    "LoginCancelled",
    "LoginExpired",
    "NotLoggedIn",
    "OutcomeUnknown",
    "ProtocolError",
    "RateLimited",
    "RevokeRefused",
    "SendFailed",
    "ServerError",
    "TransportError",
    "WxError",
    "error_for_ret",
    "redact",
    "snippet",
]

# Names whose values are secrets: session ids, keys, tickets, and the cookies that carry them.
_SECRET_NAMES = (
    r"wxuin|uin|wxsid|sid|skey|pass_ticket|passticket|webwx_data_ticket|webwx_auth_ticket|"
    r"webwxuvid|ticket"
)
# key=value in URLs, query strings, cookie headers and form bodies.
_KV_RE = re.compile(rf"(?i)(?<![A-Za-z0-9_])({_SECRET_NAMES})=([^&;\s\"'<>,]+)")
# <skey>...</skey> in the login XML.
_XML_RE = re.compile(rf"(?i)<({_SECRET_NAMES})>([^<]*)</\1>")
# "Skey": "..." / 'Uin': 123 in JSON bodies and Python reprs.
_JSON_RE = re.compile(
    rf"""(?i)(["'])({_SECRET_NAMES})\1(\s*:\s*)("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|-?\d+)"""
)
# An skey shows up inside other values too (HeadImgUrl carries ?skey=@crypt_...).
_CRYPT_RE = re.compile(r"@crypt_[0-9A-Za-z_]+")


def redact(text: str) -> str:
    """Replace every secret value in ``text`` by ``***``.

    Covers ``name=value`` (URLs, cookies), ``<name>value</name>`` (login XML), ``"Name": value``
    (JSON, reprs) for skey, sid, uin, pass_ticket, tickets and the session cookies, and any
    ``@crypt_...`` token wherever it appears.

    Example:
        >>> redact('<wxsid>GLREC</wxsid> "Uin": 2663483803, a@crypt_ae44_e9 b')
        '<wxsid>***</wxsid> "Uin": "***", a@crypt_*** b'
    """
    text = _CRYPT_RE.sub("@crypt_***", text)
    text = _KV_RE.sub(r"\1=***", text)
    text = _XML_RE.sub(r"<\1>***</\1>", text)
    return _JSON_RE.sub(r'\1\2\1\3"***"', text)


def snippet(data: object, limit: int = 300) -> str:
    """A short, redacted, one-line rendering of the offending part of a reply, for error messages.

    Only the head of the text is kept, so a secret can only be cut at its end, after its name: the
    name stays visible to :func:`redact`.
    """
    if isinstance(data, bytes | bytearray | memoryview):
        text = bytes(data[: limit * 8]).decode("utf-8", "replace")
    elif isinstance(data, str):
        text = data[: limit * 8]
    else:
        text = repr(data)[: limit * 8]
    text = redact(text)
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + "…"


class WxError(Error):
    """Base of every wxnb protocol error. ``str(err)`` is the problem, then what to do next.

    ``hint`` says what to do; ``endpoint`` names the request that failed ("" when not known);
    ``ret`` is the server's Ret code when there was one.
    """

    default_hint: ClassVar[str] = "See the message above; if it persists, log in again with wxnb.login()."

    def __init__(self, message: str, *, hint: str = "", endpoint: str = "", ret: int | None = None) -> None:
        self.message = redact(message)
        self.hint = redact(hint or self.default_hint)
        self.endpoint = endpoint
        self.ret = ret
        where = f"{endpoint}: " if endpoint else ""
        super().__init__(f"{where}{self.message}. What to do: {self.hint}")


class LoginBlocked(WxError):
    """Ret 1203: the server refuses web login for this account (``server_message`` says why)."""

    default_hint: ClassVar[str] = (
        "This account may not use web login. Retry the login in desktop mode (it presents wxnb as the "
        "WeChat desktop client); if that is refused too, log in with the WeChat desktop app instead"
    )

    def __init__(self, server_message: str = "", *, endpoint: str = "webwxnewloginpage") -> None:
        self.server_message = redact(server_message)
        shown = f" (server says: {server_message})" if server_message else ""
        super().__init__(f"web login refused, Ret 1203{shown}", endpoint=endpoint, ret=1203)


_LOGGED_OUT_REASONS = {
    1100: "the session ended: you logged out on the phone, or the server closed the session",
    1101: "the session is no longer valid: it was logged out or expired",
    1102: "the session is no longer valid: its cookies are missing, or the account logged in elsewhere",
}


class LoggedOut(WxError):
    """Ret/retcode 1100, 1101 or 1102: the session is over. ``code`` says which, ``reason`` why."""

    default_hint: ClassVar[str] = "Log in again with wxnb.login() and scan the new QR code"

    def __init__(self, code: int, *, endpoint: str = "") -> None:
        self.code = code
        self.reason = _LOGGED_OUT_REASONS.get(code, "the session is no longer valid")
        super().__init__(f"logged out ({code}): {self.reason}", endpoint=endpoint, ret=code)


class RateLimited(WxError):
    """Ret 1205: too many requests. The real web page logs out on it; slow down at once."""

    default_hint: ClassVar[str] = (
        "Wait several minutes before sending again and send less often; repeated 1205s may log you out"
    )

    def __init__(self, *, endpoint: str = "", errmsg: str = "") -> None:
        extra = f" ({errmsg})" if errmsg else ""
        super().__init__(f"rate limited by the server, Ret 1205{extra}", endpoint=endpoint, ret=1205)


class SendFailed(WxError):
    """Ret 1204, or a send reply with an empty MsgID: the message was not delivered."""

    default_hint: ClassVar[str] = (
        "The message was not sent. Check the recipient is still a contact or room you belong to, then retry"
    )

    def __init__(self, detail: str = "", *, endpoint: str = "webwxsendmsg", ret: int | None = 1204) -> None:
        extra = f": {detail}" if detail else ""
        super().__init__(f"send failed{extra}", endpoint=endpoint, ret=ret)


class ProtocolError(WxError):
    """A reply did not have the expected shape. ``snippet`` is the redacted, truncated offending part."""

    default_hint: ClassVar[str] = (
        "This is a wxnb bug or a server change. Retry once; if it repeats, report this message "
        "(secrets are already removed from it)"
    )

    def __init__(self, what: str, data: object = None, *, endpoint: str = "") -> None:
        self.what = redact(what)
        self.snippet = "" if data is None else snippet(data)
        got = f"; got: {self.snippet}" if data is not None else ""
        super().__init__(f"unexpected reply: {what}{got}", endpoint=endpoint)


class TransportError(WxError):
    """The network failed (connection, timeout, HTTP status, a reply cut short) after bounded retries.

    ``attempts`` is how many times the request was tried; ``status`` the HTTP status when there was
    one (None for a connection failure).
    """

    default_hint: ClassVar[str] = (
        "Check the network connection (and that the server or simulator is running), then retry"
    )

    def __init__(
        self, what: str, *, endpoint: str = "", attempts: int = 1, status: int | None = None, hint: str = ""
    ) -> None:
        self.attempts = attempts
        self.status = status
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        WxError.__init__(self, f"network failure{tries}: {what}", hint=hint, endpoint=endpoint)


class OutcomeUnknown(TransportError):
    """A request that changes state (send, revoke, oplog, room changes, status notify) failed after it
    may have reached the server: it may or may not have taken effect. It is never retried blindly.

    ``client_msg_id`` is the ClientMsgId of a send ("" for other requests): look for it in what comes
    back through webwxsync before sending again (or resend with the same id).
    """

    default_hint: ClassVar[str] = (
        "Check whether it took effect (the contact list, the room, or what webwxsync reports) before "
        "trying again"
    )

    def __init__(
        self, what: str, *, endpoint: str = "", status: int | None = None, client_msg_id: str = ""
    ) -> None:
        self.client_msg_id = client_msg_id
        hint = ""
        if client_msg_id:
            hint = (
                f"Do not resend blindly: look for ClientMsgId {client_msg_id} in the messages webwxsync "
                "delivers (the echo of your send); if it never shows up, resend with the same "
                "client_msg_id"
            )
        super().__init__(
            f"{what}; the outcome is unknown (the server may have acted)",
            endpoint=endpoint,
            status=status,
            hint=hint,
        )


class RevokeRefused(SendFailed):
    """Ret 1204 from webwxrevokemsg: the server refuses to revoke (too late, or not one's own message)."""

    default_hint: ClassVar[str] = (
        "Only your own messages can be revoked, and only within 2 minutes of sending; this one stays"
    )

    def __init__(self, detail: str = "") -> None:
        extra = f": {detail}" if detail else ""
        WxError.__init__(self, f"revoke refused{extra}", endpoint="webwxrevokemsg", ret=1204)


class NotLoggedIn(WxError):
    """A session request was made before login finished (no credentials, or no webwxinit yet)."""

    default_hint: ClassVar[str] = (
        "Finish the login first: new_login_page(redirect_uri) after the login poll confirms, then "
        "init(); or resume saved credentials with WebClient.resume(credentials)"
    )

    def __init__(self, what: str = "not logged in", *, endpoint: str = "") -> None:
        super().__init__(what, endpoint=endpoint)


class LoginExpired(WxError):
    """The QR code expired (login poll code 400) or login took too long."""

    default_hint: ClassVar[str] = (
        "Call wxnb.login() again to get a fresh QR code, and scan it within a minute"
    )

    def __init__(
        self, what: str = "the QR code expired before it was confirmed", *, endpoint: str = ""
    ) -> None:
        super().__init__(what, endpoint=endpoint)


class LoginCancelled(WxError):
    """The login was cancelled on the phone (login poll code 202)."""

    default_hint: ClassVar[str] = "Scan the QR code again and tap Log In on the phone"

    def __init__(self, what: str = "login was cancelled on the phone", *, endpoint: str = "login") -> None:
        super().__init__(what, endpoint=endpoint)


class ServerError(WxError):
    """A non-zero Ret that has no kind of its own (-1 system error, 1 wrong host, 1200 bad request...)."""

    default_hint: ClassVar[str] = "Retry later; if it keeps failing, log in again with wxnb.login()"

    _HINTS: ClassVar[dict[int, str]] = {
        -1: "The server had an internal error; retry in a little while",
        1: "The request went to the wrong host for this account; log in again so the host is taken "
        "from the login redirect",
        1200: "The server rejected the request as malformed; this is likely a wxnb bug, please report it",
    }

    def __init__(self, ret: int, errmsg: str = "", *, endpoint: str = "") -> None:
        self.errmsg = redact(errmsg)
        extra = f" ({errmsg})" if errmsg else ""
        super().__init__(
            f"server answered Ret {ret}{extra}", hint=self._HINTS.get(ret, ""), endpoint=endpoint, ret=ret
        )


class CredentialsFileError(WxError):
    """A saved credentials file is corrupt, from another program, or from another format version."""

    default_hint: ClassVar[str] = "Delete the file and log in again with wxnb.login()"

    def __init__(self, what: str, *, path: str = "") -> None:
        self.path = path
        where = f" {path}" if path else ""
        super().__init__(f"cannot use the credentials file{where}: {what}")


def error_for_ret(ret: int, errmsg: str = "", *, endpoint: str = "") -> WxError:
    """The error for a non-zero BaseResponse.Ret (or synccheck retcode), by PROTOCOL.md §7.

    Example:
        >>> type(error_for_ret(1205, endpoint="webwxsendmsg")).__name__
        'RateLimited'
    """
    if ret in _LOGGED_OUT_REASONS:
        return LoggedOut(ret, endpoint=endpoint)
    if ret == 1203:
        return LoginBlocked(errmsg, endpoint=endpoint)
    if ret == 1204:
        return SendFailed(errmsg, endpoint=endpoint)
    if ret == 1205:
        return RateLimited(endpoint=endpoint, errmsg=errmsg)
    return ServerError(ret, errmsg, endpoint=endpoint)
