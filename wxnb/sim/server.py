"""HTTP routing of the web protocol: paths → :class:`~wxnb.sim.webapi.WebApi`, long polls, faults.

One origin serves everything (login host, API host, webpush host, file host): ``/jslogin``,
``/qrcode/{uuid}``, ``/l/{uuid}``, ``/cgi-bin/mmwebwx-bin/{endpoint}``, plus the control API under
``/_sim/`` (see :mod:`wxnb.sim.control`). The login poll and synccheck are long polls: they answer the
moment the world has news for them (woken through the world's notifier), or after ``hold`` seconds.

Bodies are parsed as JSON whatever the Content-Type. Malformed JSON, a missing BaseRequest without
session cookies, oversized bodies and unknown paths get the real server's kind of reply (Ret + the
endpoint's zero-filled skeleton, or a plain 404), never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import quote

import orjson

from wxnb.sim.faults import FaultRule, Faults
from wxnb.sim.files import Unsatisfiable, byte_range
from wxnb.sim.http import Request, Response
from wxnb.sim.images import qr_jpeg
from wxnb.sim.logins import WebSession
from wxnb.sim.skeletons import skeleton, synccheck_reply
from wxnb.sim.strict import NumberError, parse_digits
from wxnb.sim.webapi import Reply, WebApi
from wxnb.sim.world import World

__all__ = ["ProtocolServer", "Waiters"]

logger = logging.getLogger("wxnb.sim.server")

API_PREFIX = "/cgi-bin/mmwebwx-bin/"
TEXT = "text/plain; charset=UTF-8"
JS = "text/javascript; charset=UTF-8"
JPEG = "image/jpeg"
OCTETS = "application/octet-stream"
_BAD_REQUEST = 1200

T = TypeVar("T")

_NGINX_PAGE = (
    "<html>\r\n<head><title>{0}</title></head>\r\n<body>\r\n<center><h1>{0}</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

# JSON POST endpoints: name -> (needs a session, handler name on ProtocolServer)
_SEND_ENDPOINTS = (
    "webwxsendmsg",
    "webwxsendmsgimg",
    "webwxsendappmsg",
    "webwxsendvideomsg",
    "webwxsendemoticon",
)


class Waiters:
    """Long-poll waiters of one event loop, woken from any thread.

    ``wait(check, timeout)`` returns ``check(False)`` as soon as it is not None — checked now, then
    after every :meth:`wake` — or ``check(True)`` once ``timeout`` seconds have passed.
    """

    def __init__(self, call_soon: Callable[[Callable[[], None]], None]) -> None:
        self._call_soon = call_soon
        self._items: dict[asyncio.Future[Any], Callable[[bool], Any]] = {}
        self._scheduled = False

    def __len__(self) -> int:
        return len(self._items)

    def wake(self) -> None:
        """Re-check every waiter soon (thread-safe; bursts of wakes coalesce into one pass)."""
        if not self._scheduled:
            self._scheduled = True
            self._call_soon(self._recheck)

    def _recheck(self) -> None:
        self._scheduled = False  # before checking, so that a wake during the pass is not lost
        for future, check in list(self._items.items()):
            if future.done():
                continue
            result = check(False)
            if result is not None:
                future.set_result(result)

    async def wait(self, check: Callable[[bool], T | None], timeout: float) -> T:
        first = check(False)
        if first is not None:
            return first
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._items[future] = check
        try:
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            final = check(True)
            assert final is not None, "a long poll's final check must answer"
            return final
        finally:
            self._items.pop(future, None)


def _json(reply: dict[str, Any], status: int = 200) -> Response:
    return Response(status, orjson.dumps(reply), TEXT)


def _parse_json(request: Request) -> dict[str, Any] | None:
    """The body as a JSON object ({} when empty); None when it is not one."""
    body = request.body.strip()
    if not body:
        return {}
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


class ProtocolServer:
    """The request handler of the simulator (give it to :class:`~wxnb.sim.http.HttpServer`)."""

    def __init__(
        self,
        world: World,
        faults: Faults,
        *,
        hold: float = 25.0,
        control: Callable[[Request], Response] | None = None,
    ) -> None:
        self.world = world
        self.faults = faults
        self.hold = hold
        self.api = WebApi(world, faults.allow, faults.writes)
        self.control = control
        self.waiters: Waiters | None = None
        self.default_host = "127.0.0.1"  # the Simulator sets host:port once bound
        self._routes: dict[str, Callable[[Request, FaultRule | None], Response | Awaitable[Response]]] = {
            "login": self._login_poll,
            "webwxnewloginpage": self._newloginpage,
            "webwxpushloginurl": self._pushloginurl,
            "webwxinit": self._init,
            "webwxstatusnotify": self._status_notify,
            "webwxgetcontact": self._get_contact,
            "webwxbatchgetcontact": self._batch_get_contact,
            "synccheck": self._synccheck,
            "webwxsync": self._sync,
            "webwxrevokemsg": self._revoke,
            "webwxoplog": self._oplog,
            "webwxupdatechatroom": self._update_chatroom,
            "webwxcreatechatroom": self._create_chatroom,
            "webwxlogout": self._logout,
            "webwxgeticon": self._icon,
            "webwxgetheadimg": self._icon,
            "webwxgetmsgimg": self._msg_image,
            "webwxgetvoice": self._voice,
            "webwxgetvideo": self._video,
            "webwxgetmedia": self._get_media,
            "webwxuploadmedia": self._upload,
        }
        for name in _SEND_ENDPOINTS:
            self._routes[name] = self._send

    def attach(self, call_soon: Callable[[Callable[[], None]], None]) -> None:
        """Connect long polls to the server loop: world changes wake them through ``call_soon``."""
        self.waiters = Waiters(call_soon)
        self.world.add_listener(self.waiters.wake)

    def detach(self) -> None:
        if self.waiters is not None:
            self.world.remove_listener(self.waiters.wake)

    # ---- dispatch -----------------------------------------------------------------------------

    def __call__(self, request: Request) -> Response | Awaitable[Response]:
        path = request.path
        if path.startswith("/_sim/") or path == "/_sim":
            if self.control is None:
                return Response(404, b"not found")
            return self.control(request)
        if path.startswith(API_PREFIX):
            endpoint = path[len(API_PREFIX) :].strip("/")
        elif path in ("/jslogin", "/jslogin/"):
            endpoint = "jslogin"
        elif path.startswith("/qrcode/"):
            endpoint = "qrcode"
        elif path.startswith("/l/"):
            endpoint = "l"
        elif path == "/":
            endpoint = "index"
        else:
            return Response(404, b"not found")
        rule = self.faults.pick(endpoint)
        if rule is not None:
            if rule.kind == "reset":
                return Response(action="reset")
            if rule.kind in ("http_500", "http_502"):
                status = 500 if rule.kind == "http_500" else 502
                page = _NGINX_PAGE.format(
                    f"{status} {'Internal Server Error' if status == 500 else 'Bad Gateway'}"
                )
                return Response(status, page.encode(), "text/html")
            if rule.kind == "logout":
                self.world.end_session(None, rule.code)
            if rule.kind == "delay":
                return self._delayed(request, endpoint, rule)
        return self._finish(self._route(request, endpoint, rule), rule)

    async def _delayed(self, request: Request, endpoint: str, rule: FaultRule) -> Response:
        await asyncio.sleep(rule.seconds)
        result = self._route(request, endpoint, None)
        if not isinstance(result, Response):
            result = await result
        return result

    def _finish(
        self, result: Response | Awaitable[Response], rule: FaultRule | None
    ) -> Response | Awaitable[Response]:
        if rule is None or rule.kind not in ("truncate", "malformed"):
            return result
        if isinstance(result, Response):
            return self._damage(result, rule)

        async def later() -> Response:
            return self._damage(await result, rule)

        return later()

    @staticmethod
    def _damage(response: Response, rule: FaultRule) -> Response:
        if rule.kind == "truncate":
            response.action = "truncate"
        else:  # malformed: a complete reply whose body is cut in the middle
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    def _route(
        self, request: Request, endpoint: str, rule: FaultRule | None
    ) -> Response | Awaitable[Response]:
        if endpoint == "jslogin":
            return Response(200, self.api.jslogin(request.query).encode(), JS)
        if endpoint == "qrcode":
            text = self.api.qr_text(request.path[len("/qrcode/") :])
            if text is None:
                return Response(404, b"")
            return Response(200, qr_jpeg(text), JPEG)
        if endpoint == "l":
            page = "<html><body>请使用微信扫描二维码以登录 (scan it with the simulated phone)</body></html>"
            return Response(200, page.encode(), "text/html; charset=UTF-8")
        if endpoint == "index":
            return Response(
                200, b"wxnb simulator: WeChat web protocol on one origin; control API under /_sim/\n"
            )
        route = self._routes.get(endpoint)
        if route is None:
            return Response(404, b"")
        return route(request, rule)

    # ---- helpers ------------------------------------------------------------------------------

    def _session_json(self, request: Request, endpoint: str) -> tuple[WebSession, dict[str, Any]] | Response:
        """The session and JSON body of a POST endpoint, or the error reply to send."""
        if request.oversized:
            return _json(skeleton(endpoint, _BAD_REQUEST, "request body too large"))
        body = _parse_json(request)
        if body is None:
            return _json(skeleton(endpoint, _BAD_REQUEST))
        session = self.api.authenticate(body.get("BaseRequest"), request.cookies, None)
        if isinstance(session, int):
            return _json(skeleton(endpoint, session))
        return session, body

    def _session_get(self, request: Request, endpoint: str) -> WebSession | Response:
        """The session of a GET endpoint (cookies, or a BaseRequest body when POSTed)."""
        body = _parse_json(request) if request.method == "POST" and not request.oversized else {}
        base = body.get("BaseRequest") if body else None
        session = self.api.authenticate(base, request.cookies, None)
        if isinstance(session, int):
            return _json(skeleton(endpoint, session))
        return session

    def _host(self, request: Request) -> str:
        """The origin clients reached us by (the Host header), for the login redirect."""
        return request.host or self.default_host

    # ---- login --------------------------------------------------------------------------------

    def _login_poll(self, request: Request, rule: FaultRule | None) -> Response | Awaitable[Response]:
        uuid = request.query.get("uuid", "")
        host = self._host(request)

        def check(final: bool) -> str | None:
            return self.api.login_status(uuid, host, final)

        return self._long_poll(check)

    def _long_poll(self, check: Callable[[bool], str | None]) -> Response | Awaitable[Response]:
        """Answer at once when ``check`` has an answer, else hold until it has one or the hold ends.

        ``check(final)`` returns the reply text, or None to keep waiting; with ``final`` it must answer.
        """
        first = check(False)
        if first is not None or self.waiters is None:
            return Response(200, (first or check(True) or "").encode(), JS)
        waiters = self.waiters

        async def poll() -> Response:
            text = await waiters.wait(check, self.hold)
            return Response(200, text.encode(), JS)

        return poll()

    def _newloginpage(self, request: Request, rule: FaultRule | None) -> Response:
        reply = self.api.newloginpage(request.query, request.headers)
        return self._reply(reply)

    @staticmethod
    def _reply(reply: Reply) -> Response:
        return Response(reply.status, reply.body, reply.content_type, list(reply.headers))

    def _pushloginurl(self, request: Request, rule: FaultRule | None) -> Response:
        return _json(self.api.pushloginurl(request.query))

    # ---- session endpoints --------------------------------------------------------------------

    def _init(self, request: Request, rule: FaultRule | None) -> Response:
        got = self._session_json(request, "webwxinit")
        if isinstance(got, Response):
            return got
        return _json(self.api.init(got[0]))

    def _status_notify(self, request: Request, rule: FaultRule | None) -> Response:
        got = self._session_json(request, "webwxstatusnotify")
        if isinstance(got, Response):
            return got
        return _json(self.api.status_notify(*got))

    def _get_contact(self, request: Request, rule: FaultRule | None) -> Response:
        session = self._session_get(request, "webwxgetcontact")
        if isinstance(session, Response):
            return session
        return _json(self.api.get_contact(session, request.query))

    def _batch_get_contact(self, request: Request, rule: FaultRule | None) -> Response:
        got = self._session_json(request, "webwxbatchgetcontact")
        if isinstance(got, Response):
            return got
        return _json(self.api.batch_get_contact(*got))

    def _synccheck(self, request: Request, rule: FaultRule | None) -> Response | Awaitable[Response]:
        session = self.api.authenticate(None, request.cookies, request.query)
        if isinstance(session, int):
            return Response(200, synccheck_reply(session, 0).encode(), JS)
        synckey = request.query.get("synckey", "")
        live_session = session

        def check(final: bool) -> str | None:
            if not live_session.live:
                return synccheck_reply(live_session.ended, 0)
            selector = self.api.selector(live_session, synckey)
            if selector or final:
                return synccheck_reply(0, selector)
            return None

        return self._long_poll(check)

    def _sync(self, request: Request, rule: FaultRule | None) -> Response:
        got = self._session_json(request, "webwxsync")
        if isinstance(got, Response):
            return got
        stale = rule is not None and rule.kind == "stale_key"
        return _json(self.api.sync(got[0], got[1], stale=stale))

    def _send(self, request: Request, rule: FaultRule | None) -> Response:
        endpoint = request.path[len(API_PREFIX) :].strip("/")
        got = self._session_json(request, endpoint)
        if isinstance(got, Response):
            return got
        return _json(self.api.send(got[0], got[1], endpoint))

    def _revoke(self, request: Request, rule: FaultRule | None) -> Response:
        got = self._session_json(request, "webwxrevokemsg")
        if isinstance(got, Response):
            return got
        return _json(self.api.revoke(*got))

    def _oplog(self, request: Request, rule: FaultRule | None) -> Response:
        got = self._session_json(request, "webwxoplog")
        if isinstance(got, Response):
            return got
        return _json(self.api.oplog(*got))

    def _update_chatroom(self, request: Request, rule: FaultRule | None) -> Response:
        got = self._session_json(request, "webwxupdatechatroom")
        if isinstance(got, Response):
            return got
        return _json(self.api.update_chatroom(got[0], request.query.get("fun", ""), got[1]))

    def _create_chatroom(self, request: Request, rule: FaultRule | None) -> Response:
        got = self._session_json(request, "webwxcreatechatroom")
        if isinstance(got, Response):
            return got
        return _json(self.api.create_chatroom(*got))

    def _logout(self, request: Request, rule: FaultRule | None) -> Response:
        session = self._session_get(request, "webwxlogout")
        if isinstance(session, WebSession):
            self.api.logout(session)
        return Response(200, b"", TEXT)

    def _media(
        self,
        request: Request,
        endpoint: str,
        make: Callable[[WebSession, dict[str, str]], bytes | None],
        kind: str,
    ) -> Response:
        session = self._session_get(request, endpoint)
        if isinstance(session, Response):
            return session
        data = make(session, request.query)
        if data is None:
            return Response(404, b"", TEXT)
        return _ranged(request, data, kind)

    def _icon(self, request: Request, rule: FaultRule | None) -> Response:
        return self._media(request, "webwxgeticon", self.api.icon, JPEG)

    def _msg_image(self, request: Request, rule: FaultRule | None) -> Response:
        return self._media(request, "webwxgetmsgimg", self.api.msg_image, JPEG)

    def _voice(self, request: Request, rule: FaultRule | None) -> Response:
        return self._media(request, "webwxgetvoice", self.api.voice, "audio/mp3")

    def _video(self, request: Request, rule: FaultRule | None) -> Response:
        return self._media(request, "webwxgetvideo", self.api.video, "video/mp4")

    def _get_media(self, request: Request, rule: FaultRule | None) -> Response:
        """webwxgetmedia (the file host): a file message's bytes, one Range at a time if asked."""
        session = self._session_get(request, "webwxgetmedia")
        if isinstance(session, Response):
            return session
        found = self.api.media_file(session, request.query)
        if found is None:
            return Response(404, b"", TEXT)
        content, file_name = found
        headers = [
            ("Accept-Ranges", "bytes"),
            ("Content-Disposition", f"attachment; filename*=UTF-8''{quote(file_name)}"),
        ]
        try:
            span = byte_range(request.headers.get("range", ""), content.size)
        except Unsatisfiable:
            return Response(416, b"", OCTETS, [("Content-Range", f"bytes */{content.size}")])
        if span is None:
            return Response(200, content.read(0, content.size - 1), OCTETS, headers)
        start, end = span
        headers.append(("Content-Range", f"bytes {start}-{end}/{content.size}"))
        return Response(206, content.read(start, end), OCTETS, headers)

    def _upload(self, request: Request, rule: FaultRule | None) -> Response:
        if request.oversized:
            return _json(skeleton("webwxuploadmedia", _BAD_REQUEST, "request body too large"))
        parsed = _multipart(request)
        if parsed is None:
            return _json(skeleton("webwxuploadmedia", _BAD_REQUEST))
        form, data, filename = parsed
        base: Any = None
        try:
            decoded = orjson.loads(form.get("uploadmediarequest", "") or "{}")
            base = decoded.get("BaseRequest") if isinstance(decoded, dict) else None
        except orjson.JSONDecodeError:
            return _json(skeleton("webwxuploadmedia", _BAD_REQUEST))
        session = self.api.authenticate(base, request.cookies, None)
        if isinstance(session, int):
            return _json(skeleton("webwxuploadmedia", session))
        return _json(self.api.upload(session, form, data, filename))


def _ranged(request: Request, data: bytes, content_type: str) -> Response:
    """Serve ``data``, honouring a single ``Range: bytes=a-b`` (206) as webwxgetvideo clients use."""
    spec = request.headers.get("range", "")
    if not spec.startswith("bytes=") or "," in spec:
        return Response(200, data, content_type, [("Accept-Ranges", "bytes")])
    start_text, _, end_text = spec[len("bytes=") :].partition("-")
    size = len(data)
    try:
        if start_text:
            start = parse_digits(start_text, "range start")
            end = parse_digits(end_text, "range end") if end_text else size - 1
        else:
            start = max(0, size - parse_digits(end_text, "suffix length"))
            end = size - 1
    except NumberError:  # a Range header that is not one is ignored (RFC 9110 §14.2)
        return Response(200, data, content_type, [("Accept-Ranges", "bytes")])
    if start >= size or start > end:
        return Response(416, b"", content_type, [("Content-Range", f"bytes */{size}")])
    end = min(end, size - 1)
    headers = [("Accept-Ranges", "bytes"), ("Content-Range", f"bytes {start}-{end}/{size}")]
    return Response(206, data[start : end + 1], content_type, headers)


def _multipart(request: Request) -> tuple[dict[str, str], bytes, str] | None:
    """Form fields, the file part's bytes and file name of a multipart/form-data body."""
    ctype = request.headers.get("content-type", "")
    marker = "boundary="
    if "multipart/form-data" not in ctype or marker not in ctype:
        return None
    boundary = ctype.split(marker, 1)[1].split(";")[0].strip().strip('"').encode("latin-1")
    form: dict[str, str] = {}
    data = b""
    filename = ""
    for part in request.body.split(b"--" + boundary):
        if not part or part.startswith(b"--"):
            continue
        head, sep, content = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            continue
        if content.endswith(b"\r\n"):
            content = content[:-2]
        disposition = ""
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                disposition = line
        name = _param(disposition, "name")
        file_name = _param(disposition, "filename")
        if file_name is not None:
            data, filename = content, file_name
        elif name is not None:
            form[name] = content.decode("utf-8", "replace")
    return form, data, filename


def _param(disposition: str, key: str) -> str | None:
    for piece in disposition.split(";"):
        name, sep, value = piece.strip().partition("=")
        if sep and name.lower() == key:
            return value.strip().strip('"')
    return None
