"""Where each request goes: the login, API, push (synccheck) and file base URLs (PROTOCOL.md §1).

The real service splits one account's traffic over companion hosts of the page host that the login
redirect names (``wx2.qq.com`` → ``login.wx2.qq.com``, ``webpush.wx2.qq.com``, ``file.wx2.qq.com``).
Any host outside that table (a simulator on ``http://127.0.0.1:PORT``) serves everything from one
origin, keeping its scheme and port.

Example:
    >>> Hosts.from_redirect("https://wx2.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=A").push
    'https://webpush.wx2.qq.com'
    >>> Hosts.for_base("http://127.0.0.1:1234").file
    'http://127.0.0.1:1234'
    >>> Hosts.for_base().cgi("jslogin")
    'https://login.weixin.qq.com/jslogin'
    >>> Hosts.from_redirect("https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage").cgi("webwxinit")
    'https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxinit'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from wxnb.protocol.errors import ProtocolError

__all__ = ["CGI_PATH", "PAGE_HOSTS", "Hosts", "qr_text"]

CGI_PATH: Final = "/cgi-bin/mmwebwx-bin"

# Page host → its domain and the label that companions are prefixed to (login.wx2.qq.com ...).
PAGE_HOSTS: Final[frozenset[str]] = frozenset(
    {"wx.qq.com", "wx2.qq.com", "wx8.qq.com", "web.wechat.com", "web2.wechat.com"}
)

_DEFAULT_LOGIN: Final = "https://login.weixin.qq.com"
_DEFAULT_PUSH: Final = "https://webpush.weixin.qq.com"
_DEFAULT_FILE: Final = "https://file.wx.qq.com"
_QR_PREFIX: Final = "https://login.weixin.qq.com/l/"


def qr_text(uuid: str) -> str:
    """The text the login QR code encodes: always the real login host (PROTOCOL.md §3).

    Example:
        >>> qr_text("4dcaWx3uBw==")
        'https://login.weixin.qq.com/l/4dcaWx3uBw=='
    """
    return _QR_PREFIX + uuid


def _split_origin(url: str) -> tuple[str, str, str]:
    """(scheme, host, origin) of an absolute http(s) URL; ValueError for anything else."""
    if any(c.isspace() for c in url):
        raise ValueError("a base URL must not contain white space")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"the URL must start with http:// or https://, not {scheme or 'nothing'}")
    if "@" in parts.netloc:
        raise ValueError("the URL must not carry a user name or password")
    try:
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError as exc:  # a port that is not a number in range
        raise ValueError(f"the URL has a bad port: {exc}") from None
    if not host:
        raise ValueError("the URL has no host")
    shown_host = f"[{host}]" if ":" in host else host
    origin = f"{scheme}://{shown_host}" + (f":{port}" if port is not None else "")
    return scheme, host, origin


@dataclass(frozen=True, slots=True)
class Hosts:
    """Base URLs (scheme://host[:port], no trailing slash) for the four kinds of request.

    ``login``: jslogin, QR, the login poll. ``api``: every ``/cgi-bin/mmwebwx-bin/`` call of a
    session. ``push``: synccheck. ``file``: uploads and webwxgetmedia.
    """

    login: str
    api: str
    push: str
    file: str

    @classmethod
    def for_base(cls, base: str | None = None) -> Hosts:
        """Hosts to use before login: the real defaults, or one origin when ``base`` overrides them.

        ``base`` is a page host of the real table (its companions are used) or any other origin
        (a simulator): then every request goes there. A path other than ``/`` is refused.

        Raises:
            ValueError: ``base`` is not an absolute http(s) URL of an origin.

        Example:
            >>> Hosts.for_base("http://127.0.0.1:8080/").api
            'http://127.0.0.1:8080'
        """
        if base is None:
            return cls(login=_DEFAULT_LOGIN, api=_DEFAULT_LOGIN, push=_DEFAULT_PUSH, file=_DEFAULT_FILE)
        path = urlsplit(base).path
        if path not in ("", "/"):
            raise ValueError(f"a base URL names only an origin (like http://127.0.0.1:8080), not {path}")
        _, host, origin = _split_origin(base)
        return cls._for_host(host, origin)

    @classmethod
    def from_redirect(cls, redirect_uri: str) -> Hosts:
        """Hosts of a logged-in session, from the ``redirect_uri`` that the login poll returned.

        Raises:
            ProtocolError: the redirect is not an absolute http(s) URL.

        Example:
            >>> Hosts.from_redirect("https://web.wechat.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?x=1").login
            'https://login.web.wechat.com'
        """
        try:
            _, host, origin = _split_origin(redirect_uri)
        except ValueError as exc:
            what = f"login redirect_uri is not usable ({exc})"
            raise ProtocolError(what, redirect_uri, endpoint="login") from None
        return cls._for_host(host, origin)

    @classmethod
    def _for_host(cls, host: str, origin: str) -> Hosts:
        if host in PAGE_HOSTS:
            label, _, domain = host.partition(".")
            return cls(
                login=f"https://login.{label}.{domain}",
                api=f"https://{host}",
                push=f"https://webpush.{label}.{domain}",
                file=f"https://file.{label}.{domain}",
            )
        return cls(login=origin, api=origin, push=origin, file=origin)

    @property
    def is_single_origin(self) -> bool:
        """True when one origin serves everything (a simulator, or any host outside the table)."""
        return self.login == self.api == self.push == self.file

    def cgi(self, endpoint: str) -> str:
        """URL of an API endpoint, e.g. ``hosts.cgi("webwxinit")``; ``jslogin`` lives on the login host."""
        if endpoint == "jslogin":
            return f"{self.login}/jslogin"
        if endpoint == "login":
            return f"{self.login}{CGI_PATH}/login"
        if endpoint == "synccheck":
            return f"{self.push}{CGI_PATH}/synccheck"
        if endpoint in ("webwxuploadmedia", "webwxgetmedia"):
            return f"{self.file}{CGI_PATH}/{endpoint}"
        return f"{self.api}{CGI_PATH}/{endpoint}"

    def qrcode_url(self, uuid: str) -> str:
        """URL of the QR code image (a JPEG) on the login host."""
        return f"{self.login}/qrcode/{uuid}"

    def to_json(self) -> dict[str, str]:
        """A plain dict, for saving with the credentials."""
        return {"login": self.login, "api": self.api, "push": self.push, "file": self.file}

    @classmethod
    def from_json(cls, data: object) -> Hosts:
        """Inverse of :meth:`to_json`. Raises ValueError when ``data`` is not such a dict."""
        if not isinstance(data, dict):
            raise ValueError("hosts must be an object")
        values = []
        for name in ("login", "api", "push", "file"):
            value = data.get(name)
            if not isinstance(value, str):
                raise ValueError(f"hosts.{name} must be a string")
            _split_origin(value)
            values.append(value)
        return cls(*values)
