"""SyncKey forms (JSON, synccheck string) and the id makers (DeviceID, ClientMsgId, r/rr)."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.protocol_samples import sample_bytes
from wxnb.protocol.credentials import new_device_id as device_id
from wxnb.protocol.errors import ProtocolError
from wxnb.protocol.json_replies import SyncKey
from wxnb.protocol.login_client import client_msg_id, now_ms, reversed_ms


def test_synckey_from_the_real_init_reply() -> None:
    init = json.loads(sample_bytes("init_seed002.json"))
    key = SyncKey.from_json(init["SyncKey"])
    assert key.for_synccheck() == "1_651991553|2_651996455|3_651996384|1000_1513904762"
    assert key.to_json() == init["SyncKey"]


def test_synckey_count_is_taken_from_the_list() -> None:
    # Seed 002's request shows Count 1 with four items: the List is what counts.
    key = SyncKey.from_json({"Count": 1, "List": [{"Key": 1, "Val": 1}, {"Key": 2, "Val": 2}]})
    assert key.to_json()["Count"] == 2


@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 10**19 - 1)), max_size=64))
def test_synckey_string_round_trip(pairs: list[tuple[int, int]]) -> None:
    key = SyncKey(tuple(pairs))
    assert SyncKey.from_string(key.to_string()) == key
    assert SyncKey.from_json(key.to_json()) == key


def test_empty_synckey_is_falsy() -> None:
    assert not SyncKey()
    assert SyncKey.from_string("") == SyncKey()


@pytest.mark.parametrize("text", ["1_2|", "a_1", "1-2", "1_2||3_4", " 1_2", "1_2|3"])
def test_bad_synckey_strings(text: str) -> None:
    with pytest.raises(ValueError):
        SyncKey.from_string(text)


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"List": None},
        {"List": [1]},
        {"List": [{"Key": "1", "Val": 2}]},
        {"List": [{"Key": 1}]},
        {"List": [{"Key": -1, "Val": 2}]},
        {"List": [{"Key": True, "Val": 2}]},
    ],
)
def test_bad_synckey_json(data: object) -> None:
    with pytest.raises(ProtocolError):
        SyncKey.from_json(data)


def test_device_id_shape() -> None:
    ids = {device_id() for _ in range(200)}
    assert len(ids) > 190
    for value in ids:
        assert len(value) == 16 and value[0] == "e" and value[1:].isdigit()
    assert device_id(random.Random(1)) == device_id(random.Random(1))


def test_client_msg_id_is_ms_timestamp_and_four_random_digits() -> None:
    before = now_ms()
    value = client_msg_id()
    after = now_ms()
    assert len(value) == 17 and value.isdigit()
    assert before <= int(value) // 10_000 <= after
    assert client_msg_id(now=1_513_925_104_690, rng=random.Random(3))[:13] == "1513925104690"


def test_reversed_ms_matches_javascript_bitwise_not() -> None:
    # Values printed by node for ~1513922271000, ~1377482079876, ~0, ~2147483648
    assert reversed_ms(1_513_922_271_000) == -2093782809
    assert reversed_ms(1_377_482_079_876) == 1202422139
    assert reversed_ms(0) == -1
    assert reversed_ms(2_147_483_648) == 2147483647
    assert -(2**31) <= reversed_ms() < 2**31
