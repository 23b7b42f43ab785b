"""set_remark, set_topic, lookup: what reaches the simulator, and that the tables follow the server only."""

from __future__ import annotations

import pytest

from tests.session.conftest import wait_until
from tests.sim.conftest import ANN, SAVED_ROOM
from wxnb.protocol.errors import RateLimited
from wxnb.session import Session
from wxnb.sim.simulator import Simulator


def test_set_remark_reaches_the_server_and_the_tables_follow(sim: Simulator, session: Session) -> None:
    ann = session.friends.set_index("remark").loc["Annie ✨"]
    session.set_remark(ann, "Annie (ACME)")
    assert sim.world.remark(ANN) == "Annie (ACME)"
    (write,) = sim.world.outbox_since(0)
    assert (write.endpoint, write.chat, write.content) == ("webwxoplog", ("person", ANN), "Annie (ACME)")
    user_name = str(ann["user_name"])
    assert session.lookup([user_name])[user_name].remark == "Annie (ACME)"
    wait_until(lambda: "Annie (ACME)" in set(session.friends.remark), what="the remark in the table")


def test_set_topic_renames_and_members_see_the_notice(sim: Simulator, session: Session) -> None:
    session.set_topic("家人群 👨‍👩‍👧", "Family 2026")
    assert sim.world.topic(SAVED_ROOM) == "Family 2026"
    assert sim.world.find_messages("你修改群名为“Family 2026”")
    wait_until(lambda: "Family 2026" in set(session.rooms.nickname), what="the new topic in the table")
    with pytest.raises(ValueError, match="not a room"):
        session.set_topic("Annie ✨", "x")


def test_a_write_that_answers_0_changes_nothing_and_lookup_says_so(sim: Simulator, session: Session) -> None:
    sim.faults.writes.ignore("oplog")
    ann = str(session.friends.set_index("remark").at["Annie ✨", "user_name"])
    session.set_remark(ann, "never")
    assert session.lookup([ann])[ann].remark == "Annie ✨"
    assert session.lookup([]) == {} and "@nobody" not in session.lookup(["@nobody"])


def test_1205_is_raised_typed(sim: Simulator, session: Session) -> None:
    sim.faults.set_budget("oplog", 0)
    with pytest.raises(RateLimited):
        session.set_remark("Annie ✨", "x")
    assert sim.world.remark(ANN) == "Annie ✨"
