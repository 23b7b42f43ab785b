"""Requests prepared without ``requests.Session.request``'s per-call work, with the same outcome.

``Session.request`` costs ~0.6 ms of CPU per call before a byte is sent: it copies the cookie jar,
runs the stdlib cookie policy over every cookie, parses and re-quotes the URL, looks for a ``.netrc``
entry and walks ``os.environ`` twice for proxy settings (on this machine ~150 variables). For
webwxsync — one call per batch of messages, on the critical path of ingest — that was ~40 % of the
session thread's time. :class:`Preparer` makes the same :class:`requests.PreparedRequest` from
results it keeps:

- the prepared URL, per URL (webwxsync's URL is the same for a whole login);
- the session headers merged with the call's headers, per distinct call headers;
- the ``Cookie`` header, per (scheme, host, path), computed by the cookie jar itself
  (:func:`requests.cookies.get_cookie_header`) and dropped whenever the jar may have changed: a reply
  with ``Set-Cookie``, :meth:`Preparer.cookies_changed`, or after ``cookie_ttl`` seconds (so that
  expired cookies stop being sent as the jar would stop sending them);
- the environment settings (proxies, CA bundle) and ``.netrc`` lookup, per scheme and host, read at
  the first request to that host (later changes to the environment are not seen; restart the
  session after changing ``HTTPS_PROXY``).

It declines (``prepare`` returns None, and the caller uses ``Session.request``) what it does not
cover: form bodies, a ``.netrc`` entry or session-level auth, hooks or params set on the session.
The session's headers are read once per distinct call headers: set them before the first request.

Example:
    >>> import requests
    >>> http = requests.Session()
    >>> preparer = Preparer(http)
    >>> prep, settings = preparer.prepare("POST", "http://127.0.0.1:9/x?a=%7C", b"{}", None)
    >>> prep.url, prep.headers["Content-Length"], settings["proxies"] == {} or settings["proxies"]
    ('http://127.0.0.1:9/x?a=%7C', '2', True)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import requests
from requests.cookies import RequestsCookieJar, get_cookie_header
from requests.hooks import default_hooks
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict
from requests.utils import get_netrc_auth

__all__ = ["Preparer"]

_MAX_CACHED: Final = 256  # distinct URLs / headers / hosts kept; the cache starts over when full


class Preparer:
    """Makes :class:`requests.PreparedRequest` objects for ``http`` as ``http.request`` would.

    Thread-safe: the caches are replaced or filled under a lock, and a cookie header computed while
    the jar changed is not kept (a generation counter).
    """

    def __init__(self, http: requests.Session, *, cookie_ttl: float = 1.0) -> None:
        self.http = http
        self.cookie_ttl = cookie_ttl
        self._lock = threading.Lock()
        self._urls: dict[str, str] = {}
        self._headers: dict[tuple[tuple[str, str], ...], CaseInsensitiveDict[str]] = {}
        self._settings: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._cookies: dict[tuple[str, str, str], tuple[str | None, float]] = {}
        self._generation = 0

    def cookies_changed(self) -> None:
        """The jar was changed (cookies set, cleared, or a reply's Set-Cookie stored): forget headers."""
        with self._lock:
            self._generation += 1
            self._cookies = {}

    def prepare(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str] | None
    ) -> tuple[PreparedRequest, dict[str, Any]] | None:
        """The prepared request and the keyword arguments for ``http.send`` (proxies, verify, stream,
        cert), or None when this request needs ``http.request``."""
        http = self.http
        if http.auth is not None or http.params or any(http.hooks.get("response", ())):
            return None
        prepared_url = self._url(url)
        parts = urlsplit(prepared_url)
        settings = self._env(parts.scheme, parts.netloc, prepared_url)
        if settings is None:
            return None
        prep = PreparedRequest()
        prep.method = method.upper()
        prep.url = prepared_url
        prep.headers = self._merged_headers(headers).copy()
        prep.body = body or None
        # Session.send reads it to prepare ``response.next`` when the reply is a redirect (never
        # followed here); requests puts a copy of the session's jar there, which nothing of ours reads.
        setattr(prep, "_cookies", RequestsCookieJar())  # noqa: B010 (not in the type stubs)
        if body:
            prep.headers["Content-Length"] = str(len(body))
        elif prep.method not in ("GET", "HEAD"):
            prep.headers["Content-Length"] = "0"
        cookie = self._cookie_header(prep, (parts.scheme, parts.netloc, parts.path))
        if cookie:
            prep.headers["Cookie"] = cookie
        prep.hooks = default_hooks()
        return prep, settings

    # -- the caches ---------------------------------------------------------------------------------

    def _url(self, url: str) -> str:
        prepared = self._urls.get(url)
        if prepared is None:
            probe = PreparedRequest()
            probe.prepare_url(url, None)
            prepared = str(probe.url)
            with self._lock:
                if len(self._urls) >= _MAX_CACHED:
                    self._urls = {}
                self._urls[url] = prepared
        return prepared

    def _merged_headers(self, headers: Mapping[str, str] | None) -> CaseInsensitiveDict[str]:
        key = tuple(headers.items()) if headers else ()
        merged = self._headers.get(key)
        if merged is None:
            probe = PreparedRequest()
            probe.prepare_headers(_merge(self.http.headers, headers))
            merged = probe.headers
            with self._lock:
                if len(self._headers) >= _MAX_CACHED:
                    self._headers = {}
                self._headers[key] = merged
        return merged

    def _env(self, scheme: str, netloc: str, url: str) -> dict[str, Any] | None:
        key = (scheme, netloc)
        if key in self._settings:
            return self._settings[key]
        found = self.http.merge_environment_settings(url, {}, None, None, None)
        settings: dict[str, Any] | None = dict(found)
        if self.http.trust_env and get_netrc_auth(url):
            settings = None  # a .netrc login for this host: let requests add it
        with self._lock:
            if len(self._settings) >= _MAX_CACHED:
                self._settings = {}
            self._settings[key] = settings
        return settings

    def _cookie_header(self, prep: PreparedRequest, key: tuple[str, str, str]) -> str | None:
        now = time.monotonic()
        hit = self._cookies.get(key)
        if hit is not None and now - hit[1] < self.cookie_ttl:
            return hit[0]
        generation = self._generation
        header: str | None = get_cookie_header(self.http.cookies, prep)  # type: ignore[no-untyped-call]
        with self._lock:
            if generation == self._generation:
                if len(self._cookies) >= _MAX_CACHED:
                    self._cookies = {}
                self._cookies[key] = (header, now)
        return header


def _merge(
    session: Mapping[str, str | bytes | None], call: Mapping[str, str] | None
) -> CaseInsensitiveDict[Any]:
    """Session headers overridden by the call's, None values removed (as ``merge_setting`` does)."""
    merged: CaseInsensitiveDict[Any] = CaseInsensitiveDict(session)
    if call:
        merged.update(call)
    for name in [k for k, v in merged.items() if v is None]:
        del merged[name]
    return merged
