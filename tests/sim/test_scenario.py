"""Seeded worlds: reproducible, the promised sizes, consistent, and full of the names that break clients."""

from __future__ import annotations

import functools
from collections import Counter

import pytest

from wxnb.protocol.wiretext import decode_text, encode_text
from wxnb.sim.scenario import SCENARIOS, build_spec
from wxnb.sim.spec import WorldSpec

ALL = ["tiny", "small", "medium", pytest.param("large", marks=pytest.mark.slow)]
SMALL_UP = ["small", "medium", pytest.param("large", marks=pytest.mark.slow)]


@functools.cache
def spec_of(name: str, seed: int = 0) -> WorldSpec:
    """Built once per test session: specs are not mutated by the tests."""
    return build_spec(name, seed)


def nicknames(spec: WorldSpec) -> list[str]:
    return [p.nickname for p in spec.persons]


def test_unknown_name_is_a_value_error_that_lists_the_scenarios() -> None:
    with pytest.raises(ValueError, match="tiny, small, medium, large"):
        build_spec("huge")


def test_default_is_small_with_seed_zero() -> None:
    spec = build_spec()
    assert (spec.name, spec.seed) == ("small", 0)
    assert spec == spec_of("small", 0)


@pytest.mark.parametrize("name", ["tiny", "small", "medium"])
def test_same_name_and_seed_give_an_identical_spec(name: str) -> None:
    assert build_spec(name, seed=42) == build_spec(name, seed=42)


@pytest.mark.parametrize("name", ["tiny", "small", "medium"])
def test_different_seeds_give_different_specs(name: str) -> None:
    a, b = build_spec(name, seed=1), build_spec(name, seed=2)
    assert a != b
    assert [p.wxid for p in a.persons] != [p.wxid for p in b.persons]


def test_building_does_not_touch_the_global_random_state() -> None:
    import random

    random.seed(123)
    expected = random.random()
    random.seed(123)
    build_spec("small", seed=5)
    assert random.random() == expected


@pytest.mark.parametrize(
    ("name", "friends", "mps", "rooms"),
    [
        ("tiny", 5, 1, 2),
        ("small", 50, 5, 8),
        ("medium", 800, 30, 80),
        pytest.param("large", 10_000, 200, 1_000, marks=pytest.mark.slow),
    ],
)
def test_sizes(name: str, friends: int, mps: int, rooms: int) -> None:
    spec = spec_of(name)
    kinds = Counter(spec.person(f.pid).is_mp for f in spec.friends)
    assert kinds[False] == friends
    assert kinds[True] == mps
    assert len(spec.rooms) == rooms
    assert SCENARIOS[name].friends == friends


@pytest.mark.parametrize("name", ALL)
def test_invariants(name: str) -> None:
    spec = spec_of(name)
    owner = spec.account.pid
    assert owner == 0
    assert all(spec.person(pid).pid == pid for pid in range(len(spec.persons)))
    me = spec.person(owner)
    assert len(str(me.uin)) == 10 and me.nickname.strip()
    assert not me.is_mp

    wxids = [p.wxid for p in spec.persons]
    assert len(set(wxids)) == len(wxids), "wxids identify people across logins: they must be unique"
    uins = [p.uin for p in spec.persons]
    assert len(set(uins)) == len(uins)
    for p in spec.persons:
        assert p.sex in (0, 1, 2)
        assert p.attr_status > 0
        if p.is_mp:
            assert p.verify_flag in (8, 24, 56) and p.wxid.startswith("gh_")
        else:
            assert p.verify_flag == 0
            assert p.wxid.startswith("wxid_") or p.wxid.isascii(), p.wxid
            if p.wxid.startswith("wxid_"):
                suffix = p.wxid.removeprefix("wxid_")
                assert len(suffix) == 14 and suffix.isalnum() and suffix == suffix.lower()

    friend_pids = [f.pid for f in spec.friends]
    assert len(set(friend_pids)) == len(friend_pids)
    assert owner not in friend_pids
    assert all(0 < pid < len(spec.persons) for pid in friend_pids)

    assert [r.rid for r in spec.rooms] == list(range(len(spec.rooms)))
    for room in spec.rooms:
        members = room.member_pids
        assert owner in members, "the account is in every room of its list"
        assert len(set(members)) == len(members)
        assert 3 <= len(members) <= 500
        assert all(0 <= pid < len(spec.persons) and not spec.person(pid).is_mp for pid in members)
        assert room.owner_pid in members
        assert set(room.display_names) <= set(members)
        assert all(isinstance(n, str) and n for n in room.display_names.values())


@pytest.mark.parametrize("name", ALL)
def test_edge_case_names_are_present(name: str) -> None:
    spec = spec_of(name)
    friend_nicks = Counter(spec.person(f.pid).nickname for f in spec.friends)
    assert friend_nicks["张伟"] >= 2, "two friends share a name"
    all_text = "".join(nicknames(spec))
    assert "\u200d" in all_text, "a ZWJ emoji sequence"
    assert "\U0001f1e8\U0001f1f3" in all_text, "a flag"
    assert "\u2764\ufe0f" in all_text, "a heart with VS16"
    assert any(c in all_text for c in "&<>"), "a name that needs escaping"
    assert "R&amp;D" in all_text, "a literal entity: decoders must unescape once"
    remarks = [f.remark for f in spec.friends]
    empty = sum(1 for r in remarks if not r)
    assert empty > (len(remarks) / 2 if len(remarks) >= 50 else 0), "remarks are mostly empty"
    by_nick = {p.nickname for p in spec.persons if p.pid != 0}
    assert any(f.remark in by_nick and f.remark != spec.person(f.pid).nickname for f in spec.friends), (
        "a remark that is someone else's nickname"
    )
    assert all(spec.person(f.pid).is_mp for f in spec.friends if spec.person(f.pid).verify_flag)
    assert any(f.starred for f in spec.friends)
    assert any(f.pinned for f in spec.friends)
    assert any(f.muted for f in spec.friends)
    assert any(not r.topic for r in spec.rooms), "an unnamed room"
    assert any(not r.saved for r in spec.rooms), "a room not saved to contacts"
    assert any(r.saved for r in spec.rooms)
    assert any(r.display_names for r in spec.rooms), "an in-room display name"
    assert any(r.pinned for r in spec.rooms) and any(r.muted for r in spec.rooms)
    friends = {f.pid for f in spec.friends}
    assert any(pid not in friends and pid != 0 for r in spec.rooms for pid in r.member_pids), (
        "rooms hold strangers (people who are not friends)"
    )


@pytest.mark.parametrize("name", SMALL_UP)
def test_bigger_scenarios_have_every_edge_case(name: str) -> None:
    spec = spec_of(name)
    nicks = nicknames(spec)
    friend_nicks = Counter(spec.person(f.pid).nickname for f in spec.friends)
    assert friend_nicks["Alex"] >= 2
    assert any(not n.strip() for n in nicks), "a name that is blank after trimming"
    assert "\u3164" in nicks, "a blank-looking name that str.strip() keeps"
    assert any(len(n) > 40 for n in nicks), "a very long name"
    assert any(c in "".join(nicks) for c in "【】（）～"), "full-width punctuation"
    assert any('"' in n or "'" in n for n in nicks), "quotes"
    assert any(0x1F3FB <= ord(c) <= 0x1F3FF for c in "".join(nicks)), "a skin tone modifier"
    assert max(len(r.member_pids) for r in spec.rooms) >= 40, "a room at or above InviteStartCount"
    topics = Counter(r.topic for r in spec.rooms if r.topic)
    assert topics.most_common(1)[0][1] >= 2, "two rooms share a topic"
    assert any(r.owner_pid == 0 for r in spec.rooms) or name == "small"


@pytest.mark.parametrize("name", ["medium", pytest.param("large", marks=pytest.mark.slow)])
def test_big_scenarios_have_full_and_skewed_rooms(name: str) -> None:
    sizes = sorted(len(r.member_pids) for r in spec_of(name).rooms)
    assert sizes[-1] == 500
    assert sum(1 for s in sizes if 200 <= s <= 500) >= 3
    assert sizes[len(sizes) // 2] <= 40, "most rooms are small"


@pytest.mark.slow
def test_large_has_ten_thousand_friends_and_some_big_rooms() -> None:
    spec = spec_of("large")
    sizes = [len(r.member_pids) for r in spec.rooms]
    assert sum(1 for s in sizes if s == 500) >= 5
    assert sum(1 for p in spec.persons if p.is_mp) == 200


def test_names_survive_the_wire_text_rule() -> None:
    spec = spec_of("small")
    texts = [p.nickname for p in spec.persons] + [f.remark for f in spec.friends]
    texts += [r.topic for r in spec.rooms] + [n for r in spec.rooms for n in r.display_names.values()]
    for text in texts:
        assert decode_text(encode_text(text)) == text


def test_tiny_is_small_enough_to_read() -> None:
    spec = spec_of("tiny")
    assert len(spec.persons) <= 15
    assert all(len(r.member_pids) <= 10 for r in spec.rooms)
    assert sum(1 for p in spec.persons if p.is_mp) == 1


def test_docstring_examples_run() -> None:
    import doctest

    from wxnb.sim import nametables, scenario, traffic

    for module in (nametables, scenario, traffic):
        assert doctest.testmod(module).failed == 0, module.__name__
