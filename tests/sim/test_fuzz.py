"""A bounded, seeded fuzz of every protocol endpoint and every control call, over raw sockets.

Each request starts from a valid one (this login's credentials, real UserNames and MsgIds) and
mutates it: query values, JSON leaves, headers, the body's bytes, the request line; some connections
carry 2-3 pipelined requests. The run fails on any traceback in the simulator (its error log, its
loggers at ERROR, any thread that died), any 5xx (no fault is left active: the control calls that add
faults are followed by a clear), and any request left without a reply (unless an earlier reply on
its connection said ``Connection: close``).

In CI it sends ``WXNB_FUZZ_REQUESTS`` requests (default 5,000: a few seconds, well under 30); set it
higher for a longer run, and ``WXNB_FUZZ_SEED`` to replay another seed. Figures (requests, time, RSS
growth) are printed at the end (``pytest -s``).
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest

from tests.sim.conftest import ANN, BIG_ROOM, LONER, MING1, SAVED_ROOM, STRANGERS, TOM, make_spec
from tests.sim.helpers import API, WebClient
from wxnb.sim.simulator import Simulator

SEND_ENDPOINTS = [
    "webwxsendmsg",
    "webwxsendmsgimg",
    "webwxsendappmsg",
    "webwxsendvideomsg",
    "webwxsendemoticon",
]
REQUESTS = int(os.environ.get("WXNB_FUZZ_REQUESTS", "5000"))
SEED = int(os.environ.get("WXNB_FUZZ_SEED", "20261206"))

HOSTILE_TEXT = [
    "", "²", "٣", "1²", "-1", "+1", " 1", "1 ", "1_000", "0x1f", "1e308", "NaN", "inf", "9" * 25, "9" * 400,
    "0", "00000000000000000000001", "18446744073709551616", "-9223372036854775809", "\x00", "%", "%C2%B2",
    "😄", "@@", "@", "a,b,,", "<br/>", "&amp;", "'\"", "\u2005", "\r\n", "x" * 5000,
]  # fmt: skip
VALID_HEADERS = [
    b"Range: bytes=0-9", b"Range: bytes=-5", b"Range: bytes=3-", b"Range: bytes=0-0",
    b"Content-Type: application/json;charset=UTF-8", b"Expect: 100-continue", b"Accept-Encoding: gzip",
]  # fmt: skip
HOSTILE_JSON: list[Any] = [
    "x" * 20_000,  # beyond the fuzzed simulator's max_body (8 KiB)
    None, True, False, 0, -1, 1.5, -0.0, 1e308, -1e308, 2**63 - 1, 2**63, 2**64 - 1, -(2**63), 10**18,
    "", "²", "٣", "-1", "1e308", "9" * 30, "x" * 5000, [], {}, [None], {"": None}, [[[[[[[[]]]]]]]],
    {"Key": "²", "Val": 1e308}, [{"UserName": "²"}], {"Count": 1e308, "List": [{"Key": 1, "Val": -1}]},
]  # fmt: skip
RAW_LINES = [
    b"GET / HTTP/1.1", b"GET / HTTP/1.2", b"GET / HTTP/2.0", b"\xb2 / HTTP/1.1", b"GET \xb2 HTTP/1.1",
    b"GET", b"", b" ", b"GET /  HTTP/1.1", b"GET / HTTP/1.1 extra", b"POST /_sim/message HTTP/1.0",
    b"PUT /_sim/state HTTP/1.1", b"DELETE /cgi-bin/mmwebwx-bin/webwxsync HTTP/1.1", b"GET /%ff%fe HTTP/1.1",
    b"GET /cgi-bin/mmwebwx-bin/webwxgetmsgimg?MsgID=%C2%B2 HTTP/1.1", b"GET /" + b"a" * 9000 + b" HTTP/1.1",
]  # fmt: skip
HOSTILE_HEADERS = [
    b"Content-Length: \xb2", b"Content-Length: -1", b"Content-Length: 1e3", b"Content-Length: 3, 3",
    b"Content-Length: 999999999999999999999999", b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip",
    b"Transfer-Encoding: chunked, chunked", b"Expect: 100-continue", b"Range: bytes=\xb2-",
    b"Range: bytes=0x1-2", b"Range: bytes=-99999999999999999999999", b"Range: bytes=5-1",
    b"Cookie: \xb2=\xb2",
    b"Cookie: wxuin=\xb2; wxsid=", b"Cookie: ;;;=;", b"Content-Type: multipart/form-data; boundary=",
    b"Content-Type: multipart/form-data; boundary=\xb2", b"Connection: keep-alive, close", b" folded: x",
    b"X-Big: " + b"a" * 70_000, b"No-Colon", b"\xe4: x", b"Host:",
]  # fmt: skip


@dataclass
class Figures:
    sent: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


@dataclass
class Multipart:
    """A multipart/form-data body (webwxuploadmedia): form fields and the file part's bytes."""

    fields: dict[str, str]
    data: bytes

    def encode(self, boundary: str) -> tuple[bytes, bytes]:
        mark = boundary.encode("utf-8")
        parts = [
            b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
            % (mark, name.encode(), value.encode("utf-8", "surrogatepass"))
            for name, value in self.fields.items()
        ]
        parts.append(
            b'--%s\r\nContent-Disposition: form-data; name="filename"; filename="a.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n%s\r\n--%s--\r\n" % (mark, self.data, mark)
        )
        return b"".join(parts), b"multipart/form-data; boundary=" + mark


class _ErrorRecords(logging.Handler):
    """Log records at ERROR or above from the simulator's loggers and asyncio's."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _rss_kib() -> int | None:
    """This process's resident set size (the simulator runs in it), or None where unknown."""
    if sys.platform.startswith("linux"):
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    try:
        import psutil
    except ImportError:
        return None
    return int(psutil.Process().memory_info().rss // 1024)


def _exchange(port: int, data: bytes) -> bytes:
    """One request on its own half-closed connection; the raw reply (the server closes after it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)  # all sent: a request cut short must still get a reply
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer 400/431 and close before reading it all; the reply is what counts
        chunks = []
        try:
            while chunk := sock.recv(1 << 16):
                chunks.append(chunk)
        except ConnectionResetError:
            pass  # closed with unread request bytes: the kernel resets, the reply came before
    return b"".join(chunks)


def _responses(raw: bytes) -> list[tuple[int, bool]]:
    """(status, closes the connection) of each final response in ``raw`` (``100 Continue`` skipped).

    Raises AssertionError when the bytes are not well-formed responses (every reply of this server
    has a Content-Length)."""
    out: list[tuple[int, bool]] = []
    while raw:
        head, sep, rest = raw.partition(b"\r\n\r\n")
        assert sep and head.startswith(b"HTTP/1.1 ") and head[9:12].isdigit(), raw[:200]
        status = int(head[9:12])
        lines = head.lower().split(b"\r\n")
        length = next((int(line[15:]) for line in lines if line.startswith(b"content-length:")), 0)
        raw = rest[length:]
        if status != 100:
            out.append((status, b"connection: close" in lines))
    return out


class Fuzzer:
    """Builds valid requests for every endpoint from the current login, and mutates them."""

    def __init__(self, sim: Simulator, rng: random.Random) -> None:
        self.sim = sim
        self.rng = rng
        self.web = WebClient(sim.base_url)
        self.msg_ids: list[str] = []
        self.relogin()
        for kind in ("image", "voice", "video", "file", "text"):
            self.msg_ids.append(sim.phone.send(("friend", ANN), kind=kind, text="hello"))
        self.msg_ids.append(self.web.send_text("filehelper", "mine")["MsgID"])
        self.media_ids = [
            "@crypt_1",
            self.upload(b"\xff\xd8" + b"\xff\xc0\x00\x11\x08\x01\xe0\x02\x80" + b"\x00" * 20),
        ]

    def upload(self, data: bytes) -> str:
        """A real MediaId, for the sends that need one (uploaded the way web clients do)."""
        request = {"BaseRequest": self.web.base_request, "ClientMediaId": 1, "TotalLen": len(data)}
        form = {"mediatype": "pic", "uploadmediarequest": json.dumps(request), "chunks": "1", "chunk": "0"}
        reply = self.web.http.post(
            f"{self.web.base}{API}/webwxuploadmedia?f=json", data=form, files={"filename": ("a.jpg", data)}
        ).json()
        assert reply["BaseResponse"]["Ret"] == 0, reply
        return str(reply["MediaId"])

    def relogin(self) -> None:
        self.web.close()
        self.web = WebClient(self.sim.base_url)
        self.web.login(self.sim)
        self.web.init()
        self.names = [c["UserName"] for c in self.web.init_reply["ContactList"]]
        self.names += [self.web.user_name, "filehelper"]

    def session_alive(self) -> bool:
        current = self.sim.world.current
        return current is not None and current.live and str(current.creds.sid) == self.web.sid

    # ---- valid requests -------------------------------------------------------------------------

    def base_request(self) -> dict[str, Any]:
        return self.web.base_request

    def name(self) -> str:
        return self.rng.choice(self.names)

    def protocol_request(self) -> tuple[str, str, dict[str, str], Any]:
        """(method, path, query, JSON body or None) of a valid request to a random endpoint."""
        rng, web = self.rng, self.web
        auth = {"skey": web.skey, "pass_ticket": web.pass_ticket}
        sync = {"sid": web.sid, "uin": web.uin, **auth}
        msg = {
            "Type": 1, "Content": "hi", "FromUserName": web.user_name, "ToUserName": self.name(),
            "LocalID": "17000000000000000", "ClientMsgId": "17000000000000000",
            "MediaId": rng.choice(self.media_ids),
        }  # fmt: skip
        synckey = "|".join(f"{k['Key']}_{k['Val']}" for k in web.sync_key["List"])
        br = self.base_request()
        jslogin = {"appid": "wx782c26e4c19acffb", "fun": "new", "lang": "zh_CN", "_": "1"}
        with self.sim.world.lock:
            uuids = ["x==", *list(self.sim.world.logins)[-5:]]
        poll = {"loginicon": "true", "uuid": rng.choice(uuids), "tip": "1", "r": "-1", "_": "1"}
        page = {"ticket": "t", "uuid": "u", "lang": "zh_CN", "scan": "1"}
        check = {**sync, "r": "1", "deviceid": "e1", "synckey": synckey, "_": "1"}
        send = API + "/" + rng.choice(SEND_ENDPOINTS)
        size = rng.choice(["big", "slave"])
        choices: list[tuple[str, str, dict[str, str], Any]] = [
            ("GET", "/jslogin", jslogin, None),
            ("GET", "/qrcode/" + quote(self.name()), {}, None),
            ("GET", "/l/abc", {}, None),
            ("GET", "/", {}, None),
            ("GET", API + "/login", poll, None),
            ("GET", API + "/webwxnewloginpage", page, None),
            ("GET", API + "/webwxpushloginurl", {"uin": web.uin}, None),
            ("POST", API + "/webwxinit", {"r": "-1", **auth}, {"BaseRequest": br}),
            ("POST", API + "/webwxstatusnotify", auth, {
                "BaseRequest": br, "Code": rng.choice([1, 2, 3, 4, 5]),
                "FromUserName": web.user_name, "ToUserName": self.name(), "ClientMsgId": 1,
            }),
            ("GET", API + "/webwxgetcontact", {"r": "1", "seq": "0", **auth}, None),
            ("POST", API + "/webwxbatchgetcontact", {"type": "ex", "r": "1", **auth}, {
                "BaseRequest": br, "Count": 2,
                "List": [{"UserName": self.name(), "EncryChatRoomId": ""}, {"UserName": self.name()}],
            }),
            ("GET", API + "/synccheck", check, None),
            ("POST", API + "/webwxsync", sync, {"BaseRequest": br, "SyncKey": web.sync_key, "rr": -1}),
            ("POST", send, {"fun": "async", "f": "json", **auth}, {"BaseRequest": br, "Msg": msg}),
            ("POST", API + "/webwxrevokemsg", auth, {
                "BaseRequest": br, "ClientMsgId": "1", "SvrMsgId": rng.choice(self.msg_ids),
                "ToUserName": self.name(),
            }),
            ("POST", API + "/webwxoplog", auth, {
                "BaseRequest": br, "UserName": self.name(), "CmdId": rng.choice([2, 3]),
                "RemarkName": "r", "OP": rng.choice([0, 1]),
            }),
            ("POST", API + "/webwxupdatechatroom", {
                "fun": rng.choice(["modtopic", "addmember", "delmember", "invitemember"]), **auth,
            }, {
                "BaseRequest": br, "ChatRoomName": self.name(), "NewTopic": "t",
                "AddMemberList": self.name(), "DelMemberList": self.name(), "InviteMemberList": self.name(),
            }),
            ("POST", API + "/webwxcreatechatroom", {"r": "1", **auth}, {
                "BaseRequest": br, "MemberCount": 2, "Topic": "t",
                "MemberList": [{"UserName": self.name()}, {"UserName": self.name()}],
            }),
            ("GET", API + "/" + rng.choice(["webwxgeticon", "webwxgetheadimg"]), {
                "seq": "1", "username": self.name(), **auth,
            }, None),
            ("GET", API + "/webwxgetmsgimg", {"MsgID": rng.choice(self.msg_ids), "type": size, **auth}, None),
            ("GET", API + "/webwxgetvoice", {"msgid": rng.choice(self.msg_ids), **auth}, None),
            ("GET", API + "/webwxgetvideo", {"msgid": rng.choice(self.msg_ids), **auth}, None),
            ("POST", API + "/webwxuploadmedia", {"f": "json"}, self.upload_form()),
        ]  # fmt: skip
        if rng.random() < 0.02:  # rarely: a logout, so that the fuzz also covers the ended session
            choices.append(("GET", API + "/webwxlogout", {"redirect": "1", "type": "0", **auth}, None))
        return rng.choice(choices)

    def control_request(self) -> tuple[str, str, dict[str, str], Any]:
        rng = self.rng
        kind = rng.choice(
            ["text", "image", "voice", "video", "file", "location", "card", "revoke", "link", "sticker"]
        )
        fields = rng.choice(
            [{}, {"width": 10, "height": 10}, {"voice_length_ms": 5}, {"card_pid": TOM}, {"play_length_s": 3},
             {"file_size": 5}, {"lat": 1, "lng": 2}]
        )  # fmt: skip
        chat = rng.choice(
            [f"friend:{ANN}", f"friend:{TOM}", f"room:{SAVED_ROOM}", ["room", BIG_ROOM], "filehelper"]
        )
        posts: list[tuple[str, Any]] = [
            ("scan", {}), ("confirm", {}), ("cancel", {}), ("expire", {}), ("approve_push", {}),
            ("auto_confirm", {"delay": rng.choice([None, 0.5, 30])}),
            ("message", {"chat": chat, "text": "x", "sender": ANN, "kind": kind, "fields": fields}),
            ("owner_message", {"chat": chat, "text": "x"}),
            ("revoke", {"msg_id": rng.choice(self.msg_ids)}),
            ("open_chat", {"chat": chat}),
            ("remark", {"pid": rng.choice([ANN, TOM, MING1]), "remark": "r"}),
            ("nickname", {"pid": rng.choice([ANN, LONER]), "nickname": "n"}),
            ("topic", {"rid": SAVED_ROOM, "topic": "t", "by": ANN}),
            ("members", {"rid": BIG_ROOM, "by": TOM, "add": [STRANGERS[0]], "remove": []}),
            ("faults", {"kind": rng.choice(["delay", "reset", "http_500"]), "endpoint": "webwxsync",
                        "rate": 0.5, "times": 1, "seconds": 0.1, "code": 1101}),
            ("faults/remove", {"id": 1}),
            ("budget", {"op": "send", "count": 5, "per": 60}),
            ("clock/advance", {"seconds": 1}),
            ("traffic", {"rate": 1000, "count": 2}),
            ("old_keys", {"mode": rng.choice(["honour", "refuse"])}),
            ("faults/clear", {}),
        ]  # fmt: skip
        if rng.random() < 0.02:
            posts.append(("logout", {}))
        gets = ["", "state", "logins", "outbox", "remarks", "topics", "members", "read_marks", "pinned",
                "contacts", "rooms", "faults"]  # fmt: skip
        if rng.random() < 0.3:
            name = rng.choice(gets)
            query = (
                {"since": "0"}
                if name == "outbox"
                else ({"rid": str(SAVED_ROOM)} if name == "members" else {})
            )
            return "GET", "/_sim/" + name, query, None
        name, body = rng.choice(posts)
        return "POST", "/_sim/" + name, {}, body

    def chunked(self, payload: bytes) -> bytes:
        """``payload`` in chunked framing: random chunk sizes, sometimes extensions and a trailer."""
        rng = self.rng
        out, i = [], 0
        while i < len(payload):
            size = rng.randint(1, max(1, len(payload) - i))
            ext = b";x=y" if rng.random() < 0.1 else b""
            out.append(b"%x%s\r\n%s\r\n" % (size, ext, payload[i : i + size]))
            i += size
        out.append(b"0\r\nX-Trailer: 1\r\n\r\n" if rng.random() < 0.2 else b"0\r\n\r\n")
        return b"".join(out)

    def upload_form(self) -> Multipart:
        rng = self.rng
        request = {
            "UploadType": 2, "BaseRequest": self.base_request(), "ClientMediaId": rng.randrange(10**12),
            "TotalLen": 4, "StartPos": 0, "DataLen": 4, "MediaType": 4, "FromUserName": self.web.user_name,
            "ToUserName": self.name(), "FileMd5": "0" * 32,
        }  # fmt: skip
        chunks = rng.choice([1, 2])
        fields = {
            "id": "WU_FILE_0", "name": "a.jpg", "type": "image/jpeg", "size": "4",
            "mediatype": rng.choice(["pic", "doc", "video"]), "uploadmediarequest": json.dumps(request),
            "webwx_data_ticket": "t", "pass_ticket": self.web.pass_ticket,
            "chunks": str(chunks), "chunk": str(rng.randrange(chunks)),
        }  # fmt: skip
        data = rng.choice(
            [b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff", b"", b"abcd"]
        )
        return Multipart(fields, data)

    # ---- mutations ------------------------------------------------------------------------------

    def mutate_json(self, value: Any, depth: int = 0) -> Any:
        rng = self.rng
        if rng.random() < 0.15 or depth > 6:
            return rng.choice(HOSTILE_JSON)
        if isinstance(value, dict) and value:
            out = dict(value)
            key = rng.choice(list(out))
            if rng.random() < 0.2:
                del out[key]
            else:
                out[key] = self.mutate_json(out[key], depth + 1)
            return out
        if isinstance(value, list) and value:
            out_list = list(value)
            i = rng.randrange(len(out_list))
            out_list[i] = self.mutate_json(out_list[i], depth + 1)
            return out_list
        return rng.choice(HOSTILE_JSON)

    def build(self, method: str, path: str, query: dict[str, str], body: Any, *, last: bool = True) -> bytes:
        rng = self.rng
        query = dict(query)
        if query and rng.random() < 0.5:
            key = rng.choice(list(query))
            if rng.random() < 0.15:
                del query[key]
            else:
                query[key] = rng.choice(HOSTILE_TEXT)
        target = path + (
            "?" + "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query.items()) if query else ""
        )
        content_type = b""
        if isinstance(body, Multipart):
            if rng.random() < 0.6:
                body.fields[rng.choice(list(body.fields))] = rng.choice(HOSTILE_TEXT)
            payload, content_type = body.encode(rng.choice(["b0undary", "x", "\u00b2"]))
        elif body is not None and rng.random() < 0.6:
            body = self.mutate_json(body)
        if isinstance(body, Multipart):
            pass
        elif body is None:
            payload = b""
        else:
            try:
                payload = json.dumps(body, ensure_ascii=rng.random() < 0.5).encode()
            except ValueError:
                payload = b"{}"
        roll = rng.random()
        if roll < 0.05:
            payload = payload[: rng.randrange(len(payload) + 1)]  # cut JSON
        elif roll < 0.08:
            payload = bytes(rng.randrange(256) for _ in range(rng.randrange(64)))  # garbage bytes
        connection = b"Connection: close" if last else b"Connection: keep-alive"
        headers = [b"Host: 127.0.0.1", connection]
        roll = rng.random()
        if roll < 0.9:  # else no cookie: a GET endpoint has no other credentials
            sid = self.web.sid if roll < 0.85 else "wrong"
            headers.append(f"Cookie: wxuin={self.web.uin}; wxsid={sid}".encode())
        if (payload or method == "POST") and rng.random() < 0.1:
            headers.append(b"Transfer-Encoding: chunked")
            payload = self.chunked(payload)
        elif payload or method == "POST":
            headers.append(b"Content-Length: %d" % len(payload))
        if content_type:
            headers.append(b"Content-Type: " + content_type)
        if rng.random() < 0.1:
            headers.append(rng.choice(VALID_HEADERS))
        if rng.random() < 0.15:
            headers.append(rng.choice(HOSTILE_HEADERS))
        line = f"{method} {target} HTTP/1.1".encode()
        if rng.random() < 0.03:
            line = rng.choice(RAW_LINES)
        return line + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + payload


@pytest.fixture
def watched() -> Iterator[tuple[_ErrorRecords, list[threading.ExceptHookArgs]]]:
    records = _ErrorRecords()
    loggers = [logging.getLogger(name) for name in ("wxnb.sim", "asyncio")]
    for logger in loggers:
        logger.addHandler(records)
    died: list[threading.ExceptHookArgs] = []
    previous = threading.excepthook
    threading.excepthook = died.append
    try:
        yield records, died
    finally:
        threading.excepthook = previous
        for logger in loggers:
            logger.removeHandler(records)


def test_no_request_breaks_the_simulator(
    watched: tuple[_ErrorRecords, list[threading.ExceptHookArgs]],
) -> None:
    records, died = watched
    rng = random.Random(SEED)
    figures = Figures()
    with Simulator(make_spec(), hold=0.01, seed=SEED, max_body=8192) as sim:
        fuzzer = Fuzzer(sim, rng)
        rss_before = _rss_kib()
        started = time.perf_counter()
        while figures.sent < REQUESTS:
            index = figures.sent
            control = rng.random() < 0.25
            # a few keep-alive connections carry 2-3 pipelined protocol requests (answered in order)
            count = 1 if control or rng.random() < 0.85 else min(rng.choice([2, 3]), REQUESTS - index)
            requests = [
                fuzzer.control_request() if control else fuzzer.protocol_request() for _ in range(count)
            ]
            data = b"".join(fuzzer.build(*r, last=i == count - 1) for i, r in enumerate(requests))
            reply = _exchange(sim.port, data)
            figures.sent += count
            try:
                answered = _responses(reply)
            except AssertionError:
                figures.failures.append(f"#{index}: not HTTP: {reply[:300]!r} for {data[:300]!r}")
                answered = []
            for status, _ in answered:
                figures.by_status[status] = figures.by_status.get(status, 0) + 1
                if status >= 500:
                    figures.failures.append(f"#{index}: {status} for {data[:300]!r}: {reply[:300]!r}")
            if not answered or (len(answered) < count and not answered[-1][1]):
                figures.failures.append(
                    f"#{index}: {len(answered)} replies to {count} requests: {data[:300]!r}"
                )
            if control:
                _reset_side_effects(sim)
            if not fuzzer.session_alive():
                fuzzer.relogin()
            if sim.errors or records.records or died:
                figures.failures.append(f"#{index}: a traceback after {data[:300]!r}")
                break
            if len(figures.failures) >= 5:
                break
        elapsed = time.perf_counter() - started
        rss_after = _rss_kib()
        errors = list(sim.errors)
        with sim.world.lock:  # what the requests added to the world (it keeps all of it, by design)
            world = sim.world
            state = f"{len(world.log)} messages, {len(world.logins)} logins, {len(world.outbox)} sends"
    growth = "unknown" if rss_before is None or rss_after is None else f"{rss_after - rss_before:+d} KiB"
    print(
        f"\nfuzz: {figures.sent} requests in {elapsed:.1f} s ({figures.sent / elapsed:.0f}/s), seed {SEED}, "
        f"RSS {rss_before} -> {rss_after} KiB ({growth}; world: {state}), "
        f"statuses {dict(sorted(figures.by_status.items()))}"
    )
    assert errors == [], errors
    assert [r.getMessage() for r in records.records] == []
    assert [repr(d.exc_value) for d in died] == []
    assert figures.failures == []
    assert figures.sent == REQUESTS


def _reset_side_effects(sim: Simulator) -> None:
    """Undo what a control call leaves running that would make later replies legitimately fail:
    fault rules (a 5xx or a reset is then asked for), the traffic runner and auto-confirm timers.
    Rate budgets stay: a spent one answers Ret 1205, which the fuzz should reach."""
    for rule in sim.faults.rules():
        sim.faults.remove(rule.id)
    if sim.traffic is not None:
        sim.traffic.stop()
    sim.phone.auto_confirm(None)
