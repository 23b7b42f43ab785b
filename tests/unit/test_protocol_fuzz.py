"""Fuzzing: arbitrary and mutated replies either decode or raise a WxError — never another exception.

Mutations start from the real samples (character edits, truncation) and, for JSON, from the parsed
reply with one subtree replaced by an arbitrary JSON value, so the shape checks behind valid JSON get
exercised too. A deadline per example and the module timeout catch any hang (e.g. backtracking).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit import protocol_samples as s
from tests.unit.protocol_samples import ME, item
from wxnb.protocol.errors import ProtocolError, WxError, redact
from wxnb.protocol.items import decode_message
from wxnb.protocol.json_replies import (
    parse_batch_contacts,
    parse_contact_page,
    parse_init,
    parse_push_login,
    parse_send,
    parse_sync,
)
from wxnb.protocol.records import Message
from wxnb.protocol.text_replies import parse_jslogin, parse_login_poll, parse_login_xml, parse_synccheck

pytestmark = pytest.mark.timeout(300)

FUZZ = settings(
    max_examples=300,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TEXT_PARSERS: list[tuple[Callable[[str], object], list[str]]] = [
    (parse_jslogin, [s.JSLOGIN_PROTOCOL, s.JSLOGIN_SEED002, s.JSLOGIN_SEED003_NOSEMI]),
    (parse_login_poll, [s.POLL_408, s.POLL_201_PROTOCOL, s.POLL_200_SEED002, s.POLL_408_AVATAR_SEED003]),
    (parse_synccheck, [s.SYNCCHECK_2, s.SYNCCHECK_1101]),
    (
        parse_login_xml,
        [s.LOGIN_XML_PROTOCOL, s.LOGIN_XML_1203, (s.SAMPLES / "login_pretty_seed002.xml").read_text()],
    ),
]


def _sync(body: bytes | str) -> object:
    return parse_sync(body, ME)


def _sync_body() -> bytes:
    link = item(MsgType=49, AppMsgType=5, Content=s.LINK_CONTENT, Url="http://x/?a=1&amp;b=2")
    revoke = item(FromUserName=s.ROOM, MsgType=10002, Content=f"{s.ANN}:<br/>{s.REVOKE_CONTENT}")
    location = item(MsgType=48, Content=s.LOCATION_ORI)
    obj = json.loads(s.sample_bytes("sync_seed002.json"))
    obj["AddMsgList"] += [link, revoke, location]
    return json.dumps(obj, ensure_ascii=False).encode()


JSON_PARSERS: list[tuple[Callable[[bytes | str], object], bytes]] = [
    (parse_init, s.sample_bytes("init_seed002.json")),
    (_sync, _sync_body()),
    (parse_send, s.sample_bytes("sendmsg_fail_seed002.json")),
    (
        parse_contact_page,
        json.dumps(json.loads(s.sample_bytes("init_seed002.json")) | {"MemberList": []}).encode(),
    ),
    (parse_batch_contacts, s.sample_bytes("init_seed002.json")),
    (parse_push_login, b'{"ret":"0","msg":"all ok","uuid":"4dcaWx3uBw=="}'),
]


def _outcome(parse: Callable[[Any], object], data: Any) -> None:
    try:
        parse(data)
    except WxError as exc:
        str(exc)  # the message renders


@st.composite
def mutated(draw: st.DrawFn, original: str) -> str:
    text = original
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        pos = draw(st.integers(0, max(0, len(text))))
        if kind == "insert":
            text = text[:pos] + draw(st.text(min_size=1, max_size=5)) + text[pos:]
        elif kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 5)) :]
        elif kind == "replace":
            text = text[:pos] + draw(st.characters()) + text[pos + 1 :]
        else:
            text = text[:pos]
    return text


@pytest.mark.parametrize(("parse", "samples"), TEXT_PARSERS, ids=lambda v: getattr(v, "__name__", ""))
@FUZZ
@given(data=st.data())
def test_mutated_text_replies(
    parse: Callable[[str], object], samples: list[str], data: st.DataObject
) -> None:
    original = data.draw(st.sampled_from(samples))
    _outcome(parse, data.draw(mutated(original)))


@pytest.mark.parametrize(("parse", "samples"), TEXT_PARSERS, ids=lambda v: getattr(v, "__name__", ""))
@FUZZ
@given(text=st.text(max_size=300))
def test_arbitrary_text_replies(parse: Callable[[str], object], samples: list[str], text: str) -> None:
    _outcome(parse, text)


@pytest.mark.parametrize(("parse", "body"), JSON_PARSERS, ids=lambda v: getattr(v, "__name__", ""))
@FUZZ
@given(data=st.data())
def test_mutated_json_bytes(parse: Callable[[bytes | str], object], body: bytes, data: st.DataObject) -> None:
    _outcome(parse, data.draw(mutated(body.decode("utf-8"))))


@pytest.mark.parametrize(("parse", "body"), JSON_PARSERS, ids=lambda v: getattr(v, "__name__", ""))
@FUZZ
@given(raw=st.binary(max_size=400))
def test_arbitrary_bytes(parse: Callable[[bytes | str], object], body: bytes, raw: bytes) -> None:
    _outcome(parse, raw)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for key, value in obj.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            out += _paths(value, (*prefix, index))
    return out


def _replace(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = obj
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return obj


@pytest.mark.parametrize(("parse", "body"), JSON_PARSERS, ids=lambda v: getattr(v, "__name__", ""))
@FUZZ
@given(data=st.data())
def test_json_with_a_subtree_replaced(
    parse: Callable[[bytes | str], object], body: bytes, data: st.DataObject
) -> None:
    obj = json.loads(body)
    path = data.draw(st.sampled_from(_paths(obj)))
    obj = _replace(obj, path, data.draw(JSON_VALUES))
    _outcome(parse, json.dumps(obj))


@FUZZ
@given(fields=st.dictionaries(st.sampled_from(sorted(item())), JSON_VALUES, max_size=6))
def test_messages_with_arbitrary_fields(fields: dict[str, Any]) -> None:
    raw = item(Content=f"{s.ANN}:<br/>{s.LINK_CONTENT}", FromUserName=s.ROOM, MsgType=49, AppMsgType=5)
    raw.update(fields)
    try:
        message = decode_message(raw, ME)
    except ProtocolError:
        return
    assert isinstance(message, Message)
    assert isinstance(message.text, str) and isinstance(message.msg_type, int)
    assert isinstance(message.msg_id, str) and isinstance(message.chat, str)


@FUZZ
@given(content=st.text(max_size=400), msg_type=st.sampled_from([1, 3, 37, 42, 48, 49, 51, 10000, 10002, 7]))
def test_messages_with_arbitrary_content(content: str, msg_type: int) -> None:
    message = decode_message(item(Content=content, MsgType=msg_type, FromUserName=s.ROOM, AppMsgType=6), ME)
    assert message.raw_content == content


@FUZZ
@given(text=st.text(max_size=500))
def test_redact_never_grows_secrets(text: str) -> None:
    cleaned = redact(text)
    assert redact(cleaned) == cleaned


PATHOLOGICAL = [
    (parse_jslogin, 'window.QRLogin.code = 200; window.QRLogin.uuid = "' + "\\" * 200_000),
    (parse_jslogin, "window." + "a." * 200_000),
    (parse_jslogin, "window.a=" + "1;window.a" * 50_000),
    (parse_synccheck, "window.synccheck={" + "a:'1'," * 100_000),
    (parse_login_poll, "window.code=408;" * 60_000),
    (parse_login_xml, "<error>" + "<a>" * 20_000),
    (parse_login_xml, "<error><message><![CDATA[" + "]" * 60_000),
    (parse_login_xml, "<error>" + "<a></a>" * 9_000 + "<b>"),
    (redact, "skey=" * 100_000 + '"skey":' * 50_000 + "<skey>" * 50_000),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("parse", "text"), PATHOLOGICAL, ids=range(len(PATHOLOGICAL)))
def test_pathological_inputs_finish(parse: Callable[[str], object], text: str) -> None:
    _outcome(parse, text)


@pytest.mark.timeout(30)
def test_pathological_message_content_finishes() -> None:
    for content in [
        "@" + "a" * 500_000,
        "&lt;title&gt;" * 100_000,
        "&lt;location " + 'x="1" ' * 100_000,
        "<sysmsg><msgid>" * 100_000,
        '<span class="emoji emoji' * 50_000,
    ]:
        for msg_type in (1, 48, 49, 10002):
            decode_message(item(Content=content, MsgType=msg_type, AppMsgType=5, FromUserName=s.ROOM), ME)
