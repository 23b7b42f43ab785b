"""The login half of :class:`~wxnb.protocol.client.WebClient`: the client's only state (hosts,
credentials, cookies), its request helper over :class:`~wxnb.protocol.transport.Transport`, and the
login endpoints (jslogin, the QR URL, the login poll, webwxnewloginpage, webwxpushloginurl).

Use :class:`~wxnb.protocol.client.WebClient`, which adds the session endpoints; this class is apart only
to keep each module small.

Desktop (UOS) login mode: what the WeChat desktop client for UOS sends that the web page does not.

Many accounts are refused web login (Ret 1203) unless the login comes in desktop mode: ``?mod=desktop``
in jslogin's ``redirect_uri``, and three headers on webwxnewloginpage (PROTOCOL.md §3). The client uses
it by default (``WebClient(desktop=False)`` turns it off).

Example:
    >>> sorted(desktop_headers())
    ['client-version', 'extspam', 'referer']
    >>> desktop_headers()["client-version"]
    '2.0.0'

Stamps and ids: the small numbers a web client makes up (ClientMsgId/LocalID and the ``r``/``rr``/``_``
stamps; the DeviceID is made with the credentials).

Formed as the real web page forms them:

- ClientMsgId = LocalID: the ms timestamp followed by 4 random digits, 17 digits in all
  (``now + Math.random().toFixed(3).replace(".", "")``).
- ``r`` on webwxinit and the login poll, and ``rr`` in the webwxsync body: ``~new Date``, the bitwise
  NOT of the ms timestamp taken as a signed 32-bit integer (a negative number).
- ``_`` and synccheck's ``r``: the ms timestamp.

Example:
    >>> client_msg_id(now=1_513_925_104_690, rng=random.Random(0))
    '15139251046906311'
    >>> reversed_ms(now=1_513_922_271_000)  # same as ~1513922271000 in JavaScript
    -2093782809
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Final, Literal, Self, TypeVar
from urllib.parse import quote, urlsplit

from wxnb.protocol.cancel import CancelToken
from wxnb.protocol.credentials import Credentials, Hosts, qr_text
from wxnb.protocol.errors import NotLoggedIn
from wxnb.protocol.json_replies import encode_body, parse_push_login
from wxnb.protocol.text_replies import LoginPoll, parse_jslogin, parse_login_poll, parse_login_xml
from wxnb.protocol.transport import (
    MAX_REPLY_BYTES,
    CallKind,
    Expect,
    RetryPolicy,
    Timeouts,
    Transport,
    Verbatim,
    build_url,
)

__all__ = [
    "APP_ID",
    "DESKTOP_CLIENT_VERSION",
    "DESKTOP_REFERER",
    "UOS_EXTSPAM",
    "USER_AGENT",
    "LoginClient",
    "client_msg_id",
    "desktop_headers",
    "now_ms",
    "reversed_ms",
]

# ---- stamps and ids ------------------------------------------------------------------------------

_rng = random.Random()


def now_ms() -> int:
    """Milliseconds since the epoch: the ``_`` query parameter and synccheck's ``r``."""
    return time.time_ns() // 1_000_000


def client_msg_id(now: int | None = None, rng: random.Random | None = None) -> str:
    """A 17-digit ClientMsgId/LocalID string: ms timestamp × 10⁴ + 4 random digits."""
    ms = now_ms() if now is None else now
    return str(ms * 10_000 + (rng or _rng).randrange(10_000))


def reversed_ms(now: int | None = None) -> int:
    """``~new Date`` in JavaScript: NOT of the ms timestamp as a signed 32-bit int (``r``, ``rr``)."""
    ms = now_ms() if now is None else now
    as_int32 = ((ms + 2**31) % 2**32) - 2**31
    return ~as_int32


# ---- -----------------------------------------------------------------------------------------------

DESKTOP_CLIENT_VERSION: Final = "2.0.0"
DESKTOP_REFERER: Final = "https://wx.qq.com/?&lang=zh_CN&target=t"
#: The ``extspam`` header of desktop (UOS) mode: the opaque base64 blob the WeChat desktop client for
#: UOS sends on webwxnewloginpage, as published by the UOS patch of itchat (itchat-uos 1.4.1,
#: ``config.UOS_PATCH_EXTSPAM``). Its content is not understood outside Tencent; the server is only
#: known to require that it is present. Override it with ``WebClient(extspam=...)``.
UOS_EXTSPAM: Final = (
    "Gp8ICJkIEpkICggwMDAwMDAwMRAGGoAI1GiJSIpeO1RZTq9QBKsRbPJdi84ropi16EYI10WB6g74sGmRwSNXjPQnYUKYotKkvLGp"
    "shucCaeWZMOylnc6o2AgDX9grhQQx7fm2DJRTyuNhUlwmEoWhjoG3F0ySAWUsEbH3bJMsEBwoB//0qmFJob74ffdaslqL+IrSy7L"
    "J76/G5TkvNC+J0VQkpH1u3iJJs0uUYyLDzdBIQ6Ogd8LDQ3VKnJLm4g/uDLe+G7zzzkOPzCjXL+70naaQ9medzqmh+/SmaQ6uFWL"
    "DQLcRln++wBwoEibNpG4uOJvqXy+ql50DjlNchSuqLmeadFoo9/mDT0q3G7o/80P15ostktjb7h9bfNc+nZVSnUEJXbCjTeqS5U"
    "Yuxn+HTS5nZsPVxJA2O5GdKCYK4x8lTTKShRstqPfbQpplfllx2fwXcSljuYi3YipPyS3GCAqf5A7aYYwJ7AvGqUiR2SsVQ9Nbp8"
    "MGHET1GxhifC692APj6SJxZD3i1drSYZPMMsS9rKAJTGz2FEupohtpf2tgXm6c16nDk/cw+C7K7me5j5PLHv55DFCS84b06AytZP"
    "dkFZLj7FHOkcFGJXitHkX5cgww7vuf6F3p0yM/W73SoXTx6GX4G6Hg2rYx3O/9VU2Uq8lvURB4qIbD9XQpzmyiFMaytMnqxcZJco"
    "XCtfkTJ6pI7a92JpRUvdSitg967VUDUAQnCXCM/m0snRkR9LtoXAO1FUGpwlp1EfIdCZFPKNnXMeqev0j9W9ZrkEs9ZWcUEexSj5"
    "z+dKYQBhIICviYUQHVqBTZSNy22PlUIeDeIs11j7q4t8rD8LPvzAKWVqXE+5lS1JPZkjg4y5hfX1Dod3t96clFfwsvDP6xBSe1NB"
    "coKbkyGxYK0UvPGtKQEE0Se2zAymYDv41klYE9s+rxp8e94/H8XhrL9oGm8KWb2RmYnAE7ry9gd6e8ZuBRIsISlJAE/e8y8xFmP0"
    "31S6Lnaet6YXPsFpuFsdQs535IjcFd75hh6DNMBYhSfjv456cvhsb99+fRw/KVZLC3yzNSCbLSyo9d9BI45Plma6V8akURQA/qsa"
    "AzU0VyTIqZJkPDTzhuCl92vD2AD/QOhx6iwRSVPAxcRFZcWjgc2wCKh+uCYkTVbNQpB9B90YlNmI3fWTuUOUjwOzQRxJZj11Nsim"
    "jOJ50qQwTTFj6qQvQ1a/I+MkTx5UO+yNHl718JWcR3AXGmv/aa9rD1eNP8ioTGlOZwPgmr2sor2iBpKTOrB83QgZXP+xRYkb4zVC"
    "+LoAXEoIa1+zArywlgREer7DLePukkU6wHTkuSaF+ge5Of1bXuU4i938WJHj0t3D8uQxkJvoFi/EYN/7u2P1zGRLV4dHVUsZMGCC"
    "tnO6BBigFMAA="
)


def desktop_headers(
    client_version: str = DESKTOP_CLIENT_VERSION, extspam: str = UOS_EXTSPAM
) -> dict[str, str]:
    """The three headers of webwxnewloginpage in desktop mode."""
    return {"client-version": client_version, "extspam": extspam, "referer": DESKTOP_REFERER}


# ---- -----------------------------------------------------------------------------------------------

T = TypeVar("T")

APP_ID: Final = "wx782c26e4c19acffb"  # the web page's appid in jslogin
USER_AGENT: Final = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
_LOGIN_PAGE: Final = "https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage"


class LoginClient:
    """A client of the WeChat web protocol over pooled urllib3 connections (see
    :class:`~wxnb.protocol.transport.Transport`).

    ``base_url``: where to log in: None for the real login host, or a simulator's origin
    (``"http://127.0.0.1:PORT"``). After login every request goes to the hosts the login redirect
    names. ``credentials``: resume a saved session (see :meth:`resume`). ``desktop``: log in as the
    desktop (UOS) client — ``?mod=desktop`` in jslogin's redirect_uri and the ``client-version``,
    ``extspam`` and ``referer`` headers on webwxnewloginpage — which many accounts need (else Ret 1203).
    ``timeouts``/``retry``: see :class:`~wxnb.protocol.transport.Timeouts` and
    :class:`~wxnb.protocol.transport.RetryPolicy`. ``lang``: the ``lang`` parameter of requests.
    ``max_reply_bytes``: the largest reply accepted, after decompression
    (:data:`~wxnb.protocol.transport.MAX_REPLY_BYTES`).

    Safe to use from two threads at once (a long poll in one, sends in another). The repr shows no
    secret.

    Example:
        >>> from wxnb.protocol.client import WebClient
        >>> client = WebClient("http://127.0.0.1:8080", desktop=False)
        >>> client
        WebClient(api='http://127.0.0.1:8080', desktop=False, logged in: no)
        >>> client.qr_url("4dcaWx3uBw==")
        'http://127.0.0.1:8080/qrcode/4dcaWx3uBw=='
        >>> client.close()
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        credentials: Credentials | None = None,
        desktop: bool = True,
        extspam: str = UOS_EXTSPAM,
        client_version: str = DESKTOP_CLIENT_VERSION,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        user_agent: str = USER_AGENT,
        lang: str = "zh_CN",
        cancel: CancelToken | None = None,
        max_reply_bytes: int = MAX_REPLY_BYTES,
    ) -> None:
        if base_url is not None or credentials is None:
            self._login_hosts = Hosts.for_base(base_url)
        else:
            self._login_hosts = credentials.hosts
        self.desktop = desktop
        self.extspam = extspam
        self.client_version = client_version
        self.lang = lang
        self._transport = Transport(
            timeouts=timeouts or Timeouts(),
            retry=retry or RetryPolicy(),
            headers={"User-Agent": user_agent, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"},
            max_reply_bytes=max_reply_bytes,
        )
        # Cancels every request of this client: interrupt() (a session closing) uses it.
        self._cancel = cancel or CancelToken()
        self._creds: Credentials | None = None
        if credentials is not None:
            self._creds = credentials
            self._transport.set_cookies(credentials.cookies, _cookie_domain(credentials.hosts))

    @classmethod
    def resume(cls, credentials: Credentials, **options: Any) -> Self:
        """A client for a saved session: its hosts, keys and cookies (see :meth:`Credentials.load`).

        Example:
            >>> creds = Credentials(uin=1, sid="S", skey="K", pass_ticket="P", device_id="e1",
            ...                     hosts=Hosts.for_base("http://127.0.0.1:9"), cookies={"wxsid": "S"})
            >>> from wxnb.protocol.client import WebClient
            >>> with WebClient.resume(creds) as client:
            ...     client.credentials == creds
            True
        """
        return cls(credentials=credentials, **options)

    # ---- state ------------------------------------------------------------------------------------

    @property
    def credentials(self) -> Credentials | None:
        """The current credentials with the current cookies (None before login): save them with
        ``client.credentials.save(path)`` to resume later."""
        creds = self._creds
        if creds is None:
            return None
        return creds.with_changes(cookies=self._transport.cookies())

    @property
    def hosts(self) -> Hosts:
        """Where requests go now: the login redirect's hosts once logged in, else the base URL's."""
        return self._creds.hosts if self._creds is not None else self._login_hosts

    @property
    def user_name(self) -> str:
        """The logged-in account's UserName in this login ("" before :meth:`init`)."""
        return self._creds.user_name if self._creds is not None else ""

    def close(self) -> None:
        """Close the pooled connections (the credentials stay readable)."""
        self._transport.close()

    def interrupt(self) -> None:
        """Stop every request of this client at once, from any thread: requests in flight (long
        polls included) and later ones fail with :class:`~wxnb.protocol.cancel.Interrupted`. Final.

        Example: a session's ``close()`` calls ``client.interrupt()`` while its sync thread waits in
        ``sync_check``; the thread gets Interrupted within milliseconds.
        """
        self._cancel.cancel()

    @property
    def interrupted(self) -> bool:
        """True once :meth:`interrupt` was called."""
        return self._cancel.cancelled

    @property
    def on_retry(self) -> Callable[[str, str], None] | None:
        """Called with ``(endpoint, what failed)`` before each automatic retry (e.g. to count them)."""
        return self._transport.on_retry

    @on_retry.setter
    def on_retry(self, hook: Callable[[str, str], None] | None) -> None:
        self._transport.on_retry = hook

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        if self.user_name:
            state = f"user_name={self.user_name!r}"
        else:
            state = f"logged in: {'yes' if self._creds is not None else 'no'}"
        return f"{type(self).__name__}(api={self.hosts.api!r}, desktop={self.desktop}, {state})"

    __str__ = __repr__

    # ---- the request helper -----------------------------------------------------------------------

    def _need(self, *, inited: bool = False, endpoint: str = "") -> Credentials:
        creds = self._creds
        if creds is None:
            raise NotLoggedIn("not logged in", endpoint=endpoint)
        if inited and not creds.user_name:
            raise NotLoggedIn("webwxinit has not been called in this login", endpoint=endpoint)
        return creds

    def _call(
        self,
        method: str,
        endpoint: str,
        parse: Callable[[bytes], T],
        *,
        kind: CallKind,
        params: Iterable[tuple[str, object]] = (),
        payload: Any = None,
        url: str = "",
        expect: Expect = "text",
        headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        client_msg_id: str = "",
        cancel: CancelToken | None = None,
    ) -> T:
        """One request: URL built here (pass_ticket verbatim), JSON ``payload`` encoded, the
        transport's retry policy for ``kind``, and ``parse`` for the reply. The client's own token
        and ``cancel`` (if given) can stop it."""
        body = encode_body(payload) if payload is not None else None
        return self._transport.call(
            method,
            build_url(url or self.hosts.cgi(endpoint), list(params)),
            parse,
            endpoint=endpoint,
            kind=kind,
            expect=expect,
            body=body,
            form=form,
            headers=headers,
            client_msg_id=client_msg_id,
            cancel=(self._cancel,) if cancel is None else (self._cancel, cancel),
        )

    def _post(
        self,
        endpoint: str,
        parse: Callable[[bytes], T],
        payload: dict[str, Any],
        *params: tuple[str, object],
        kind: CallKind,
        client_msg_id: str = "",
    ) -> T:
        """A JSON POST to the API host; ``lang`` and ``pass_ticket`` (verbatim) end the query."""
        creds = self._need(endpoint=endpoint)
        query = [*params, ("lang", self.lang), ("pass_ticket", Verbatim(creds.pass_ticket))]
        return self._call(
            "POST",
            endpoint,
            parse,
            params=query,
            payload=payload,
            kind=kind,
            client_msg_id=client_msg_id,
        )

    # ---- login ------------------------------------------------------------------------------------

    def jslogin(self) -> str:
        """A new login uuid (``GET /jslogin``). Draw the QR code of :meth:`qr_text`, then poll.

        Example: ``uuid = client.jslogin()``
        """
        redirect = _LOGIN_PAGE + ("?mod=desktop" if self.desktop else "")
        params: list[tuple[str, object]] = [("appid", APP_ID), ("redirect_uri", redirect), ("fun", "new")]
        params += [("lang", self.lang), ("_", now_ms())]
        return self._call("GET", "jslogin", text_parser(parse_jslogin), kind=CallKind.READ, params=params)

    def qr_text(self, uuid: str) -> str:
        """What the login QR code encodes (always the real login host's ``/l/`` URL: the phone reads it).

        Example: ``client.qr_text(uuid)`` → ``'https://login.weixin.qq.com/l/4dcaWx3uBw=='``
        """
        return qr_text(uuid)

    def qr_url(self, uuid: str) -> str:
        """The URL of the login QR code as a JPEG, on the login host (it encodes :meth:`qr_text`).

        Example: ``client.qr_url(uuid)`` → ``'https://login.weixin.qq.com/qrcode/4dcaWx3uBw=='``
        """
        return self.hosts.qrcode_url(quote(uuid, safe="="))

    def poll_login(
        self, uuid: str, *, tip: Literal[0, 1] = 1, cancel: CancelToken | None = None
    ) -> LoginPoll:
        """One login long poll (held by the server up to ~25 s): waiting, scanned, confirmed (then
        call :meth:`new_login_page` with ``redirect_uri``), expired (get a new uuid) or cancelled.
        ``tip`` is 1 on the first poll of a QR code, 0 on the following ones. ``cancel`` stops it
        from another thread (e.g. the user wants a new QR code): it raises Interrupted.

        Example:
            ``poll = client.poll_login(uuid)``; ``if poll.status == "confirmed":
            client.new_login_page(poll.redirect_uri)``
        """
        stamp = now_ms()
        params = [
            ("loginicon", "true"), ("uuid", uuid), ("tip", tip), ("r", reversed_ms(stamp)), ("_", stamp)
        ]  # fmt: skip
        return self._call(
            "GET",
            "login",
            text_parser(parse_login_poll),
            kind=CallKind.LONG_POLL,
            params=params,
            cancel=cancel,
        )

    def new_login_page(self, redirect_uri: str) -> Credentials:
        """Redeem the confirmed login (webwxnewloginpage): the session's credentials and cookies.

        The server answers HTTP 301 with the XML in the body: the redirect is not followed. In
        desktop mode the request carries the three desktop headers.

        Raises:
            LoginBlocked: Ret 1203 (web login refused; try desktop mode, or the desktop app).

        Example: ``creds = client.new_login_page(poll.redirect_uri)``
        """
        hosts = Hosts.from_redirect(redirect_uri)
        headers = desktop_headers(self.client_version, self.extspam) if self.desktop else None
        url = redirect_uri + ("&" if "?" in redirect_uri else "?") + "fun=new&version=v2"
        ticket = self._call(
            "GET",
            "webwxnewloginpage",
            text_parser(parse_login_xml),
            kind=CallKind.READ,
            url=url,
            expect="xml",
            headers=headers,
        )
        creds = Credentials.from_login(ticket, hosts, self._transport.cookies())
        self._creds = creds
        return creds

    def push_login(self, uin: int | None = None) -> str:
        """Ask the phone to confirm a login (webwxpushloginurl) and return the uuid to poll. Works with
        the cookies of an earlier login of the account (a resumed client); ``uin`` defaults to the
        current credentials' uin.

        Raises:
            ServerError: the server refused (fall back to a QR login).

        Example: ``uuid = WebClient.resume(saved).push_login()``, then :meth:`poll_login`
        """
        if uin is None:
            uin = self._need(endpoint="webwxpushloginurl").uin
        return self._call(
            "GET", "webwxpushloginurl", parse_push_login, kind=CallKind.READ, params=[("uin", uin)]
        )


def text_parser(parse: Callable[[str], T]) -> Callable[[bytes], T]:
    """A body parser for the text replies (JS assignments, login XML): decode as UTF-8 first."""

    def parse_text(body: bytes) -> T:
        return parse(body.decode("utf-8", "replace"))

    return parse_text


def _cookie_domain(hosts: Hosts) -> str:
    """The domain to scope resumed cookies to: the one host of a single origin, else the page host
    and its companions (``.wx2.qq.com`` covers wx2.qq.com and webpush.wx2.qq.com)."""
    host = urlsplit(hosts.api).hostname or ""
    return host if hosts.is_single_origin else "." + host
