"""History: weeks of past conversations in the log, delivered by a new login's first webwxsync.

The real server delivers the recent messages at login; ``Simulator(history_days=...)`` does the same
with a history that has a daily and weekly rhythm and conversations with answers (the notebooks'
analyses need them).
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.sim.conftest import ANN, make_spec
from tests.sim.helpers import WebClient
from wxnb.sim.scenario import build_spec, history
from wxnb.sim.simulator import Simulator
from wxnb.sim.world import WorldError

END = 1_750_000_000  # a Sunday, 15:06 UTC
DAY = 86_400


def test_history_is_reproducible_ordered_and_inside_its_window() -> None:
    spec = build_spec("small", seed=2)
    past = history(spec, days=21, end=END, per_day=150, seed=4)
    assert past == history(spec, days=21, end=END, per_day=150, seed=4)
    assert past != history(spec, days=21, end=END, per_day=150, seed=5)
    times = [t for t, _ in past]
    assert times == sorted(times)
    assert times[0] >= END - 21 * DAY and times[-1] < END
    assert 0.7 * 21 * 150 < len(past) < 1.3 * 21 * 150
    assert {e.kind for _, e in past} >= {"text", "image", "sticker", "link"}
    assert "revoke" not in {e.kind for _, e in past}


def test_history_has_a_daily_and_a_weekly_rhythm_in_local_time() -> None:
    spec = build_spec("small")
    offset = 8 * 3600  # Beijing
    past = history(spec, days=56, end=END, per_day=400, utc_offset=offset)
    by_hour = Counter(time.gmtime(t + offset).tm_hour for t, _ in past)
    assert by_hour[20] > 5 * by_hour[4]  # busy evenings, quiet nights
    room_days = Counter(time.gmtime(t + offset).tm_wday for t, e in past if e.chat[0] == "room")
    friend_days = Counter(time.gmtime(t + offset).tm_wday for t, e in past if e.chat[0] == "friend")
    assert room_days[1] > 1.5 * room_days[6]  # rooms: Tuesday over Sunday
    assert friend_days[5] > 1.3 * friend_days[1]  # friends: Saturday over Tuesday


def test_history_has_conversations_where_people_answer_each_other() -> None:
    spec = build_spec("small")
    owner = spec.account.pid
    past = history(spec, days=14, end=END, per_day=200)
    assert any(e.sender_pid == owner for _, e in past), "the account owner answers too"
    answers = 0
    last: dict[tuple[str, int], tuple[int, int]] = {}
    for t, event in past:
        before = last.get(event.chat)
        if before is not None and before[1] != event.sender_pid and t - before[0] < 3600:
            answers += 1
        last[event.chat] = (t, event.sender_pid)
    assert answers > len(past) / 3
    for _, event in past:  # senders belong to their chats
        if event.chat[0] == "room":
            assert event.sender_pid in spec.rooms[event.chat[1]].member_pids
        else:
            assert event.sender_pid in (event.chat[1], owner)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ({"days": 0}, "days"),
        ({"days": 400}, "days"),
        ({"per_day": -1}, "per_day"),
        ({"end": 5}, "end"),
        ({"group_share": 2}, "group_share"),
    ],
)
def test_bad_history_arguments_say_what_is_wrong(args: dict[str, float], words: str) -> None:
    call: dict[str, float] = {"days": 7, "end": END, **args}
    with pytest.raises(ValueError, match=words):
        history(build_spec("tiny"), **call)  # type: ignore[arg-type]


def test_past_messages_must_be_added_oldest_first_and_before_now() -> None:
    with Simulator(make_spec(), hold=0.3) as sim:
        world = sim.world
        now = world.now()
        world.receive(("friend", ANN), text="old", at=now - 100)
        with pytest.raises(WorldError, match="oldest first"):
            world.receive(("friend", ANN), text="older", at=now - 200)
        with pytest.raises(WorldError, match="older than now"):
            world.receive(("friend", ANN), text="future", at=now + 100)
        with pytest.raises(WorldError, match="revoke"):
            world.receive(("friend", ANN), kind="revoke", at=now - 50)


def test_the_first_sync_of_a_login_delivers_the_history_with_its_times_then_live_messages() -> None:
    with Simulator(scenario="tiny", hold=0.3, history_days=10, history_per_day=30) as sim:
        in_log = len(sim.world.log)
        assert in_log > 150
        web = WebClient(sim.base_url)
        try:
            web.login(sim)
            web.init(notify=False)
            sim.world.receive(("friend", sim.spec.friends[0].pid), text="live one")
            messages = web.drain()
        finally:
            web.close()
    assert len(messages) == in_log + 1
    times = [m["CreateTime"] for m in messages]
    assert times == sorted(times)
    assert times[0] < time.time() - 9 * DAY  # weeks-old CreateTimes, as the phone stamped them
    assert "live one" in messages[-1]["Content"]
    assert sum(m["FromUserName"] == web.user_name for m in messages) > 10  # the owner's own answers


def test_without_history_a_login_gets_only_what_comes_after_it() -> None:
    with Simulator(make_spec(), hold=0.3) as sim:
        sim.world.receive(("friend", ANN), text="before login")
        web = WebClient(sim.base_url)
        try:
            web.login(sim)
            web.init(notify=False)
            sim.world.receive(("friend", ANN), text="after login")
            texts = [m["Content"] for m in web.drain()]
        finally:
            web.close()
    assert texts == ["after login"]
