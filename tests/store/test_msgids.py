"""The in-memory MsgId index: exact membership for any string, whichever way it was filled."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wxnb.store import msgids
from wxnb.store.msgids import MsgIdIndex, msgid_key

# MsgIds as the server sends them, and strings that look nearly like them.
ids = st.one_of(
    st.integers(0, 10**19 - 1).map(str),
    st.integers(10**19, 2**64).map(str),  # 20 digits: kept as strings
    st.from_regex(r"0[0-9]{0,19}", fullmatch=True),  # leading zeros: not the number's MsgId
    st.text(max_size=22),
)


def test_canonical_numbers_are_kept_as_integers_and_the_rest_as_strings() -> None:
    assert msgid_key("4875421002314560123") == 4875421002314560123
    assert msgid_key("0") == 0
    for other in ("", "042", "12a", "١٢", "+12", " 12", "99999999999999999999", "1" * 20):
        assert msgid_key(other) == other, other


@given(st.lists(ids, max_size=40), st.lists(ids, max_size=40), st.booleans())
def test_new_positions_are_exactly_the_first_unknown_ones(
    known: list[str], batch: list[str], arrow: bool
) -> None:
    index = MsgIdIndex()
    if arrow:
        index.add_arrow(pa.array(known, pa.string()))
    else:
        index.add(known)
    expected, seen = [], set(known)
    for i, msg_id in enumerate(batch):
        if msg_id not in seen:
            expected.append(i)
            seen.add(msg_id)
    assert index.new_positions(batch) == expected
    assert len(index) == len(set(known))
    assert all(m in index for m in known)
    assert all((m in index) == (m in set(known)) for m in batch)


def test_fresh_keys_are_folded_into_the_sorted_array_and_stay_known(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(msgids, "_MERGE_AT", 8)
    index = MsgIdIndex()
    added = [str(4_000_000_000_000_000_000 + 7 * i) for i in range(30)]
    for start in range(0, 30, 5):
        index.add(added[start : start + 5])
    assert len(index._sorted) >= 24 and len(index) == 30  # most went through a merge
    old = added[::3]
    batch = [*old, str(4_000_000_000_000_000_001), str(2**63), added[-1] + "0"]
    assert index.new_positions(batch) == [len(old), len(old) + 1, len(old) + 2]
    assert index.new_positions([str(10**19 - 1), "0"]) == [0, 1]  # past either end of the array


def test_a_chunked_column_is_read_whole() -> None:
    index = MsgIdIndex()
    index.add_arrow(pa.chunked_array([["1", "2"], [], ["x", "3"]], pa.large_string()))
    index.add_arrow(pa.chunked_array([], pa.string()))
    assert len(index) == 4 and index.new_positions(["3", "x", "4"]) == [2]
