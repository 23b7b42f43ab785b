"""What a login yields: the hosts its requests go to, the secrets of the session, and their file on disk.

``Credentials`` is the only state the protocol layer keeps. Its repr and str show no secret; its file
is JSON written atomically (a temporary file, fsync, rename) with mode 0600 so that no other user can
read it and no reader ever sees half a file.

Example:
    >>> creds = Credentials(uin=2663483803, sid="GLRECysse3NhRQe2", skey="@crypt_ae44_e9",
    ...                     pass_ticket="NuMI%2FNg", device_id="e123456789012345",
    ...                     hosts=Hosts.for_base("http://127.0.0.1:9"), user_name="@me")
    >>> creds
    Credentials(api='http://127.0.0.1:9', user_name='@me', secrets hidden)
    >>> creds.base_request()["Uin"]
    2663483803

Hosts: where each request goes: the login, API, push (synccheck) and file base URLs (PROTOCOL.md §1).

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

import contextlib
import json
import os
import random
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from wxnb.protocol.errors import CredentialsFileError, ProtocolError
from wxnb.protocol.text_replies import LoginTicket

__all__ = [
    "CGI_PATH",
    "PAGE_HOSTS",
    "Credentials",
    "Hosts",
    "new_device_id",
    "qr_text",
]

_rng = random.Random()


def new_device_id(rng: random.Random | None = None) -> str:
    """A fresh DeviceID, as the web page makes one: ``"e" + 15 random digits``
    (``Math.random().toFixed(15).substring(2, 17)``)."""
    return f"e{(rng or _rng).randrange(10**15):015d}"


# ---- hosts ---------------------------------------------------------------------------------------

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


# ---- -----------------------------------------------------------------------------------------------

_FORMAT: Final = "wxnb-credentials"
_VERSION: Final = 1


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """What a session needs to talk to the server: ids, keys, cookies, hosts, and who is logged in.

    ``pass_ticket`` is kept exactly as the login XML gave it (already percent-encoded): put it into a
    query string verbatim. ``cookies`` is a plain ``name → value`` dict. ``user_name`` is "" until
    webwxinit tells who is logged in. Frozen: use :meth:`with_changes` when the server hands out a new
    skey or cookies.
    """

    uin: int
    sid: str
    skey: str
    pass_ticket: str
    device_id: str
    hosts: Hosts
    cookies: dict[str, str] = field(default_factory=dict)
    user_name: str = ""

    @classmethod
    def from_login(
        cls, ticket: LoginTicket, hosts: Hosts, cookies: dict[str, str] | None = None, device_id: str = ""
    ) -> Credentials:
        """Credentials from the login XML (see :func:`~wxnb.protocol.text_replies.parse_login_xml`)."""
        return cls(
            uin=ticket.wxuin,
            sid=ticket.wxsid,
            skey=ticket.skey,
            pass_ticket=ticket.pass_ticket,
            device_id=device_id or new_device_id(),
            hosts=hosts,
            cookies=dict(cookies or {}),
        )

    def base_request(self) -> dict[str, Any]:
        """The ``BaseRequest`` object of every POST body: ``{Uin (int), Sid, Skey, DeviceID}``."""
        return {"Uin": self.uin, "Sid": self.sid, "Skey": self.skey, "DeviceID": self.device_id}

    def with_changes(self, **changes: Any) -> Credentials:
        """A copy with some fields replaced, e.g. ``creds.with_changes(skey=reply.skey)``."""
        return replace(self, **changes)

    def __repr__(self) -> str:
        return f"Credentials(api={self.hosts.api!r}, user_name={self.user_name!r}, secrets hidden)"

    __str__ = __repr__

    # --- the file ---------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A plain dict with every field (secrets included): only for :meth:`save`."""
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "uin": self.uin,
            "sid": self.sid,
            "skey": self.skey,
            "pass_ticket": self.pass_ticket,
            "device_id": self.device_id,
            "hosts": self.hosts.to_json(),
            "cookies": dict(self.cookies),
            "user_name": self.user_name,
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write to ``path`` atomically, readable by the owner only (mode 0600).

        Missing parent directories are created (mode 0700).
        """
        target = Path(path)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = json.dumps(self.to_json(), ensure_ascii=False, indent=1).encode("utf-8")
        # mkstemp creates the file with mode 0600 before anything is written to it.
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Credentials:
        """Read a file written by :meth:`save`.

        Raises:
            FileNotFoundError: there is no such file (nothing saved yet).
            CredentialsFileError: the file is corrupt, from another program, or another version.
        """
        shown = str(path)
        raw = Path(path).read_bytes()
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise CredentialsFileError("it is not JSON", path=shown) from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise CredentialsFileError("it was not written by wxnb", path=shown)
        if data.get("version") != _VERSION:
            raise CredentialsFileError(
                f"format version {data.get('version')!r} is not {_VERSION}", path=shown
            )
        try:
            return cls._from_json(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise CredentialsFileError(
                f"a field is missing or has the wrong type ({exc})", path=shown
            ) from None

    @classmethod
    def _from_json(cls, data: dict[str, Any]) -> Credentials:
        def text(name: str) -> str:
            value = data[name]
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a string")
            return value

        uin = data["uin"]
        if type(uin) is not int:
            raise TypeError("uin must be an integer")
        cookies = data.get("cookies", {})
        if not isinstance(cookies, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in cookies.items()
        ):
            raise TypeError("cookies must map strings to strings")
        return cls(
            uin=uin,
            sid=text("sid"),
            skey=text("skey"),
            pass_ticket=text("pass_ticket"),
            device_id=text("device_id"),
            hosts=Hosts.from_json(data["hosts"]),
            cookies=dict(cookies),
            user_name=text("user_name"),
        )
