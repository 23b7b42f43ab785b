"""The traffic generator: reproducible, honours the mix and group share, and only says possible things.

Proportions are checked on a fixed seed with generous bounds: the stream is deterministic, so these
tests cannot flake, and the bounds still fail if a weight or the share were ignored.
"""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import sys
from collections import Counter
from itertools import islice, pairwise

import pytest

from wxnb.sim.scenario import DEFAULT_MIX, KINDS, build_spec, timed, traffic
from wxnb.sim.spec import AccountSpec, FriendSpec, IncomingSpec, PersonSpec, RoomSpec, WorldSpec

N = 20_000


@functools.cache
def small() -> WorldSpec:
    return build_spec("small", seed=0)


@functools.cache
def stream(seed: int = 0, group_share: float = 0.6) -> tuple[IncomingSpec, ...]:
    return tuple(islice(traffic(small(), seed, group_share=group_share), N))


def test_same_seed_same_stream_and_different_seed_different_stream() -> None:
    again = list(islice(traffic(small(), 0), N))
    assert again == list(stream(0))
    assert list(islice(traffic(small(), 1), 200)) != list(stream(0)[:200])


def test_stream_is_the_same_in_another_process_whatever_the_hash_seed() -> None:
    code = (
        "import hashlib; from itertools import islice; from wxnb.sim.scenario import build_spec, traffic;"
        "s = build_spec('small', 4); e = list(islice(traffic(s, 4), 2000));"
        "print(hashlib.sha256(repr((s, e)).encode()).hexdigest())"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        digests.add(run.stdout.strip())
    spec = build_spec("small", 4)
    local = hashlib.sha256(repr((spec, list(islice(traffic(spec, 4), 2000)))).encode()).hexdigest()
    assert digests == {local}


def test_default_mix_covers_every_kind_and_is_mostly_text() -> None:
    assert set(DEFAULT_MIX) == set(KINDS)
    assert max(DEFAULT_MIX, key=lambda k: DEFAULT_MIX[k]) == "text"
    assert abs(sum(DEFAULT_MIX.values()) - 1) < 1e-9


def test_mix_proportions_are_honoured() -> None:
    counts = Counter(e.kind for e in stream())
    assert set(counts) == set(KINDS)
    for kind, weight in DEFAULT_MIX.items():
        share = counts[kind] / N
        # Generous: a third either way, plus a floor for rare kinds (100 expected revokes at 0.5%).
        assert weight * 0.67 - 0.002 <= share <= weight * 1.33 + 0.002, (kind, share, weight)


def test_custom_mix_and_kinds_left_out_get_no_weight() -> None:
    events = list(islice(traffic(small(), 2, mix={"image": 3, "link": 1}), 4000))
    counts = Counter(e.kind for e in events)
    assert set(counts) == {"image", "link"}
    assert 0.65 < counts["image"] / 4000 < 0.85


@pytest.mark.parametrize("share", [0.0, 0.3, 0.6, 1.0])
def test_group_share(share: float) -> None:
    events = stream(group_share=share)
    in_rooms = sum(1 for e in events if e.chat[0] == "room") / N
    assert abs(in_rooms - share) < 0.03


def test_senders_belong_to_their_chats() -> None:
    spec = small()
    rooms = {r.rid: set(r.member_pids) for r in spec.rooms}
    friends = {f.pid for f in spec.friends}
    for e in stream():
        assert e.sender_pid != spec.account.pid
        kind, key = e.chat
        if kind == "room":
            assert e.sender_pid in rooms[key]
        else:
            assert kind == "friend" and key == e.sender_pid and key in friends
            if spec.person(key).is_mp:
                assert e.kind in ("link", "revoke"), "official accounts send articles only"


def test_official_accounts_send_some_direct_links() -> None:
    spec = small()
    links = [e for e in stream() if e.kind == "link" and e.chat[0] == "friend"]
    from_mps = sum(1 for e in links if spec.person(e.sender_pid).is_mp)
    assert 0.15 < from_mps / len(links) < 0.45
    assert all(str(e.fields["url"]).startswith("https://mp.weixin.qq.com/s/") for e in links
               if spec.person(e.sender_pid).is_mp)  # fmt: skip


def test_revokes_take_back_an_earlier_message_of_the_same_sender_in_the_same_chat() -> None:
    events = stream()
    revoked: set[int] = set()
    n_revokes = 0
    for i, e in enumerate(events):
        if e.kind != "revoke":
            continue
        n_revokes += 1
        target = e.fields["revokes"]
        assert isinstance(target, int) and 0 <= target < i
        original = events[target]
        assert original.kind not in ("revoke", "system")
        assert (original.chat, original.sender_pid) == (e.chat, e.sender_pid)
        assert i - target <= 64 * 2, "revokes are of recent messages"
        assert target not in revoked, "a message is revoked once"
        revoked.add(target)
    assert n_revokes > 50


def test_a_revoke_with_nothing_to_revoke_becomes_text() -> None:
    first = next(traffic(small(), 0, mix={"revoke": 1, "text": 0}))
    assert first.kind == "text"
    events = list(islice(traffic(small(), 0, mix={"revoke": 1, "image": 1}), 500))
    assert {e.kind for e in events} <= {"revoke", "image", "text"}


def test_fields_by_kind() -> None:
    spec = small()
    expected = {
        "image": {"width", "height"},
        "voice": {"voice_length_ms"},
        "video": {"play_length_s"},
        "sticker": {"md5"},
        "link": {"url", "title", "description"},
        "file": {"file_name", "file_size"},
        "location": {"label", "lat", "lng"},
        "card": {"card_pid"},
        "system": {"text"},
        "revoke": {"revokes"},
        "text": set(),
    }
    for e in stream():
        assert set(e.fields) == expected[e.kind], e
        assert bool(e.text) == (e.kind == "text"), e
        if e.kind == "card":
            card = e.fields["card_pid"]
            assert isinstance(card, int) and 0 < card < len(spec.persons)
        if e.kind == "file":
            size = e.fields["file_size"]
            assert isinstance(size, int) and size > 0
        if e.kind == "voice":
            ms = e.fields["voice_length_ms"]
            assert isinstance(ms, int) and 1000 <= ms <= 60_000
        if e.kind == "system":
            assert isinstance(e.fields["text"], str) and e.fields["text"]


def test_text_has_the_hard_cases() -> None:
    texts = [e.text for e in stream() if e.kind == "text"]
    joined = "".join(texts)
    assert any("\n" in t for t in texts), "multi-line messages"
    assert "&" in joined and "<" in joined and ">" in joined
    assert "\u200d" in joined, "emoji sequences"
    assert any(len(t) > 200 for t in texts), "long paragraphs"
    assert any(any("\u4e00" <= c <= "\u9fff" for c in t) for t in texts)
    assert any(t.isascii() and t.strip() for t in texts)


def test_room_mentions_name_a_member_and_end_with_the_mention_space() -> None:
    spec = small()
    rooms = {r.rid: r for r in spec.rooms}
    mentions = [e for e in stream() if e.kind == "text" and e.text.startswith("@")]
    assert len(mentions) > 100
    assert all(e.chat[0] == "room" for e in mentions)
    mentions_me = 0
    for e in mentions:
        name, sep, _ = e.text[1:].partition("\u2005")
        assert sep, e.text
        room = rooms[e.chat[1]]
        names = {room.display_names.get(p) or spec.person(p).nickname for p in room.member_pids}
        assert name in names or name == "所有人", name
        me = spec.account.pid
        mentions_me += name == (room.display_names.get(me) or spec.person(me).nickname)
    assert mentions_me > 0, "someone mentions the account owner"


def test_bad_arguments_fail_at_call_time_with_what_to_do() -> None:
    with pytest.raises(ValueError, match=r"unknown message kinds.*'gif'.*valid kinds are text"):
        traffic(small(), mix={"text": 1, "gif": 1})
    with pytest.raises(ValueError, match=">= 0: image"):
        traffic(small(), mix={"text": 1, "image": -1})
    with pytest.raises(ValueError, match="no positive weight"):
        traffic(small(), mix={"text": 0})
    with pytest.raises(ValueError, match="between 0 and 1"):
        traffic(small(), group_share=1.5)


def _no_rooms() -> WorldSpec:
    me = PersonSpec(pid=0, wxid="wxid_me", nickname="Me")
    persons = [me, PersonSpec(pid=1, wxid="wxid_a", nickname="A")]
    return WorldSpec(account=AccountSpec(pid=0), persons=persons, friends=[FriendSpec(pid=1)])


def test_a_spec_without_rooms_needs_group_share_zero() -> None:
    with pytest.raises(ValueError, match="group_share=0"):
        traffic(_no_rooms())
    events = list(islice(traffic(_no_rooms(), group_share=0), 50))
    assert {e.chat for e in events} == {("friend", 1)}


def test_a_spec_without_person_friends_needs_group_share_one() -> None:
    spec = _no_rooms()
    spec.persons.append(PersonSpec(pid=2, wxid="wxid_b", nickname="B"))
    spec.friends = []
    spec.rooms = [RoomSpec(rid=0, topic="", owner_pid=1, member_pids=[0, 1, 2])]
    with pytest.raises(ValueError, match="group_share=1"):
        traffic(spec, group_share=0.5)
    events = list(islice(traffic(spec, group_share=1), 50))
    assert {e.sender_pid for e in events} <= {1, 2}


def test_rooms_the_account_is_not_in_get_no_traffic() -> None:
    spec = _no_rooms()
    spec.persons.append(PersonSpec(pid=2, wxid="wxid_b", nickname="B"))
    spec.rooms = [
        RoomSpec(rid=0, topic="left", owner_pid=1, member_pids=[1, 2]),
        RoomSpec(rid=1, topic="in", owner_pid=1, member_pids=[0, 1, 2]),
    ]
    events = list(islice(traffic(spec, group_share=1), 200))
    assert {e.chat for e in events} == {("room", 1)}


def test_timed_pairs_events_with_increasing_times_at_the_rate() -> None:
    pairs = list(timed(stream()[:5000], per_second=50, seed=1))
    times = [t for t, _ in pairs]
    assert all(a < b for a, b in pairwise(times))
    assert 80 < times[-1] < 120  # 5000 events at 50/s: about 100 s
    assert [e for _, e in pairs] == list(stream()[:5000])
    with pytest.raises(ValueError, match="positive"):
        timed([], per_second=0)
