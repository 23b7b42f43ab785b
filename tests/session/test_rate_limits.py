"""Rate limits per operation (issue 10): a 1205 pauses that kind of request, with growing backoff; the
rest goes on; what could not be fetched is fetched when the pause ends; the status says what is paused."""

from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.session.conftest import FAST_SYNC, log_in, wait_until
from tests.sim.conftest import ANN, STRANGERS, UNSAVED_ROOM, make_spec
from wxnb.protocol.errors import RateLimited
from wxnb.protocol.records import Message
from wxnb.session.errors import OperationPaused
from wxnb.session.ratelimits import RateLimits
from wxnb.sim.simulator import Simulator
from wxnb.sim.spec import RoomSpec

FIRST_PAUSE = 0.2


def _refused(sim: Simulator, op: str) -> int:
    return sum(1 for kind, what in sim.faults.log if (kind, what) == (op, "rate_limit"))


def most_refusals(elapsed: float, first: float) -> int:
    """How many 1205s the schedule allows in ``elapsed`` seconds: pause k lasts at least first * 2**k."""
    return 1 + math.floor(math.log2(elapsed / first + 1))


def test_a_rate_limited_contact_fetch_pauses_it_while_messages_flow(tmp_path: Path) -> None:
    spec = make_spec()
    # The unsaved room is neither in webwxinit nor in the contact list (see test_sync): its messages
    # make the sync ask webwxbatchgetcontact for it.
    extra = [RoomSpec(10 + i, f"extra {i}", 0, [0, ANN]) for i in range(6)]
    spec = replace(spec, rooms=extra + spec.rooms)
    sync = replace(FAST_SYNC, rate_limit_pause=FIRST_PAUSE)
    with Simulator(spec, hold=0.2) as sim, log_in(sim, tmp_path, sync=sync) as session:
        unsaved = sim.world.user_name(("room", UNSAVED_ROOM))
        sim.faults.set_budget("batchgetcontact", 0, per=3600)
        received: list[Message] = []
        session.on("message", received.append)
        started = time.monotonic()
        sent: list[str] = []
        i = 0
        while time.monotonic() - started < 1.5 or i < 20:  # a batch each: before, a refused fetch each
            i += 1
            room = sim.phone.send(("room", UNSAVED_ROOM), f"in the room {i}", sender=STRANGERS[0])
            friend = sim.phone.send(("friend", ANN), f"from Ann {i}")
            sent += [room, friend]
            session.wait_for(lambda m, r=room: m.msg_id == r, timeout=10)
            if i == 1:
                paused = wait_until(lambda: session.status.paused, what="the pause on the status")
                assert [p.operation for p in paused] == ["batchgetcontact"]
                assert "batchgetcontact paused until" in session.status.describe()
        wait_until(lambda: set(sent) <= set(session.messages.msg_id), what="every message, names or not")
        elapsed = time.monotonic() - started
        refused = _refused(sim, "batchgetcontact")
        assert 1 <= refused <= most_refusals(elapsed, FIRST_PAUSE) < i / 2
        assert unsaved not in set(session.contacts.user_name)
        sim.faults.clear_budget("batchgetcontact")
        # The pause ends: the room kept for it is fetched, without another message from it.
        wait_until(lambda: unsaved in set(session.rooms.user_name), timeout=10, what="the room fetched")
        wait_until(lambda: not session.status.paused, what="the pause over")
        first = next(m for m in received if m.msg_id == sent[0])
        # A message that came during the pause names its sender now (the room has no topic).
        assert session.names_of(first)[1] == "member7"
        again = sim.phone.send(("room", UNSAVED_ROOM), "named now", sender=STRANGERS[0])
        session.wait_for(lambda m: m.msg_id == again, timeout=10)
        assert session.messages.set_index("msg_id").at[again, "sender_name"] == "member7"
        assert _refused(sim, "batchgetcontact") == refused
        assert session.messages.msg_id.is_unique


def test_a_send_during_a_send_pause_raises_at_once_without_a_request(sim: Simulator, tmp_path: Path) -> None:
    sync = replace(FAST_SYNC, rate_limit_pause=60.0)
    with log_in(sim, tmp_path, sync=sync) as session:
        ann = sim.world.user_name(("friend", ANN))
        sim.faults.set_budget("send", 1, per=3600)
        session.send(ann, "the one the budget allows")
        with pytest.raises(RateLimited) as refused:
            session.send(ann, "refused by the server")
        assert not isinstance(refused.value, OperationPaused)
        journal = len(session.store.archive.sends()) if session.store else -1
        requests = len(sim.world.outbox_since(0)), _refused(sim, "send")
        started = time.monotonic()
        with pytest.raises(OperationPaused) as paused:
            session.send(ann, "not sent at all")
        assert time.monotonic() - started < 0.5
        assert 50 < paused.value.retry_after <= 60 * 1.25 and paused.value.operation == "send"
        assert isinstance(paused.value, RateLimited) and "no request was sent" in str(paused.value)
        assert (len(sim.world.outbox_since(0)), _refused(sim, "send")) == requests
        assert session.store is not None and len(session.store.archive.sends()) == journal
        status = wait_until(lambda: session.status if session.status.paused else None, what="paused")
        assert [(p.operation, p.refused) for p in status.paused] == [("send", 1)]
        # Other kinds go on: the sync still delivers.
        incoming = sim.phone.send(("friend", ANN), "still arriving")
        session.wait_for(lambda m: m.msg_id == incoming, timeout=10)


def test_the_pause_grows_with_each_refusal_in_a_row_and_a_success_ends_the_run() -> None:
    now = [0.0]
    limits = RateLimits(first=10.0, factor=2.0, cap=35.0, jitter=0.0, clock=lambda: now[0])
    assert [limits.refused("send") for _ in range(4)] == [10.0, 20.0, 35.0, 35.0]
    assert limits.left("send") == 35.0 and limits.left("oplog") == 0.0
    now[0] = 35.0
    limits.check("send")  # the pause is over
    limits.succeeded("send")
    assert limits.pauses() == () and limits.refused("send") == 10.0
    jittery = RateLimits(first=10.0, jitter=0.25)
    assert all(10.0 <= jittery.refused(f"op{i}") <= 12.5 for i in range(50))


def test_a_rate_limited_member_fetch_at_login_does_not_fail_it(tmp_path: Path) -> None:
    # The login's last step fetches every room with its members; a 1205 there must not cost the
    # user the login (the ticket is spent): the rooms stay listed, their members come after the pause.
    sync = replace(FAST_SYNC, rate_limit_pause=FIRST_PAUSE)
    with Simulator(make_spec(), hold=0.2) as sim:
        sim.faults.set_budget("batchgetcontact", 0, per=3600)
        with log_in(sim, tmp_path, sync=sync) as session:
            assert session.status.state == "online"
            assert len(session.rooms) > 0
            assert [p.operation for p in session.status.paused] == ["batchgetcontact"]
            without_members = len(session.members)
            sim.faults.clear_budget("batchgetcontact")
            wait_until(lambda: len(session.members) > without_members, timeout=10, what="members fetched")
            wait_until(lambda: not session.status.paused, what="the pause over")
            rooms_with_members = set(session.members.room_user_name)
            assert rooms_with_members == set(session.rooms.user_name[session.rooms.member_count > 0])
        assert _refused(sim, "batchgetcontact") == 1
